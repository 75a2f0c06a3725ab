/** How long `eventually` polls, how often, and what its failure names. */
export interface EventuallyOptions {
  /** The bound: fails once this much time has passed without `check` holding. Default 10,000 ms. */
  withinMs?: number;
  /** Pause between two checks. Default 25 ms. */
  everyMs?: number;
  /** What is waited for, for the failure message. Default `condition`. */
  what?: string;
}

/**
 * Polls `check` until it holds; fails after `withinMs`. What is waited for is counted or observed
 * by `check`, never timed: the bound is generous and only ends a test that would hang.
 */
export async function eventually(check: () => boolean | Promise<boolean>, options: EventuallyOptions = {}): Promise<void> {
  const { withinMs = 10_000, everyMs = 25, what = 'condition' } = options;
  const deadline = Date.now() + withinMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${withinMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
