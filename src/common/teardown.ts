/**
 * The resources a start-up has opened so far, closed newest first: what was opened later may use
 * what was opened before it (the ledger's client its channel, every span-making part the tracer),
 * so it closes first. A failed start and an orderly stop close the same list, each resource once.
 */
export class Teardown {
  private readonly closers: (() => unknown)[] = [];
  private closing: Promise<void> | null = null;

  /** Registers `close` for the resource just opened. */
  add(close: () => unknown): void {
    if (this.closing !== null) throw new Error('teardown already started: a resource opened now would never close');
    this.closers.push(close);
  }

  /**
   * Closes every registered resource, newest first, each once however often this is called. A
   * resource that fails to close does not keep the others open: the first failure is thrown once
   * all have been tried.
   */
  close(): Promise<void> {
    this.closing ??= this.closeAll();
    return this.closing;
  }

  private async closeAll(): Promise<void> {
    const failures: unknown[] = [];
    for (const close of this.closers.reverse()) {
      try {
        await close();
      } catch (error) {
        failures.push(error);
      }
    }
    if (failures.length > 0) throw failures[0];
  }
}
