import { mkdir, open, readFile, rename, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { readRange } from '../../common/durable-file.js';
import type { Logger } from '../../common/logger.js';
import { LEDGER_DIR_MODE, LEDGER_FILE_MODE } from '../../ledger/file-modes.js';
import type { AlertEvent } from '../../usage/alert-evaluation.js';
import { AlertStoreUnavailableError } from './alert-errors.js';
import { checkedQuery, eventIdentity, firingOf, type AlertEvaluatorState, type AlertStore } from './alert-store.js';
import type { AlertEventPage, AlertEventQuery, StoredAlertEvent } from './alert-types.js';

/** The embedded store's folder inside DATA_DIR and its files. */
export const ALERT_FILES = { dir: 'alerts', journal: 'events.jsonl', state: 'evaluator-state.json' } as const;

/** Options of the embedded alert store. */
export interface FileAlertStoreOptions {
  /** `DATA_DIR`; the events live in its `alerts/` folder (mode 0700), created when missing. */
  dataDir: string;
  /** When an event is recorded, ms since the epoch. Default `Date.now`. */
  now?: () => number;
  /** Default: no logging. */
  logger?: Logger;
}

/**
 * The default alert store: embedded, no server. Events are an append-only JSON-lines journal
 * (`alerts/events.jsonl`, one stored event a line), each `record` one write and one datasync before
 * it resolves, and the whole journal in memory, rebuilt from the file on open. A line is an event
 * only once its newline is written: a crash mid-write leaves a partial last line, never
 * acknowledged, which is skipped on reading and cut off before the next write. The evaluator's
 * state is one JSON file replaced atomically (written aside, synced, renamed). One instance writes:
 * the one leading the usage history, whose lock already guards DATA_DIR; another instance on the
 * same folder reads what it wrote.
 */
export class FileAlertStore implements AlertStore {
  readonly backend = 'file';
  private readonly events: StoredAlertEvent[] = [];
  private readonly identities = new Set<string>();
  /** Bytes of the journal read: up to the last complete line. */
  private bytes = 0;
  private handle: FileHandle | null = null;
  private tail: Promise<unknown> = Promise.resolve();
  private closed = false;
  private readonly now: () => number;

  private constructor(
    private readonly dir: string,
    private readonly options: FileAlertStoreOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** Opens (creating) the folder and rebuilds the events from the journal. */
  static async open(options: FileAlertStoreOptions): Promise<FileAlertStore> {
    const dir = join(options.dataDir, ALERT_FILES.dir);
    const store = new FileAlertStore(dir, options);
    await guarded(`creating ${dir}`, () => mkdir(dir, { recursive: true, mode: LEDGER_DIR_MODE }));
    await store.serialized(() => store.catchUp());
    return store;
  }

  private get journal(): string {
    return join(this.dir, ALERT_FILES.journal);
  }

  record(events: readonly AlertEvent[]): Promise<StoredAlertEvent[]> {
    return this.serialized(async () => {
      await this.catchUp();
      const seen = new Set<string>();
      const fresh: StoredAlertEvent[] = [];
      let sequence = this.lastSequence();
      const recordedAt = this.now();
      for (const event of events) {
        const identity = eventIdentity(event);
        if (seen.has(identity) || this.identities.has(identity)) continue;
        seen.add(identity);
        fresh.push({ ...event, cursor: String(++sequence), recordedAt });
      }
      if (fresh.length === 0) return [];
      const lines = Buffer.from(fresh.map((event) => `${JSON.stringify(event)}\n`).join(''), 'utf8');
      await guarded(`appending ${fresh.length} alert events to ${this.journal}`, async () => {
        const handle = await this.appendHandle();
        // A partial line a crash (or a failed write) left must not run into the first line of this one.
        if ((await handle.stat()).size !== this.bytes) await handle.truncate(this.bytes);
        let offset = 0;
        while (offset < lines.length) offset += (await handle.write(lines, offset, lines.length - offset)).bytesWritten;
        await handle.datasync();
      });
      this.bytes += lines.length;
      for (const event of fresh) this.keep(event);
      return fresh;
    });
  }

  stored(events: readonly AlertEvent[]): Promise<Set<string>> {
    return this.serialized(async () => {
      await this.catchUp();
      return new Set(events.map(eventIdentity).filter((identity) => this.identities.has(identity)));
    });
  }

  list(query: AlertEventQuery): Promise<AlertEventPage> {
    return this.serialized(async () => {
      const { after, first } = checkedQuery(query);
      await this.catchUp();
      const matching = this.events.filter((event) => Number(event.cursor) > after && (query.provider === undefined || event.provider === query.provider));
      return { events: matching.slice(0, first), hasMore: matching.length > first };
    });
  }

  firing(): Promise<StoredAlertEvent[]> {
    return this.serialized(async () => {
      await this.catchUp();
      return firingOf(this.events);
    });
  }

  loadState(): Promise<AlertEvaluatorState | null> {
    return this.serialized(async () => {
      const path = join(this.dir, ALERT_FILES.state);
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw unavailable(`reading ${path}`, error);
      }
      try {
        const state: unknown = JSON.parse(text);
        if (typeof state === 'object' && state !== null && !Array.isArray(state)) return state as AlertEvaluatorState;
      } catch {
        // Reported below: a state that cannot be read is started over, the events' keys keep every alert once.
      }
      this.options.logger?.warn('alerts: the evaluator state file is unreadable; evaluation starts over (no alert fires twice: the events are kept)', { path });
      return null;
    });
  }

  saveState(state: AlertEvaluatorState): Promise<void> {
    return this.serialized(async () => {
      this.checkOpen();
      const path = join(this.dir, ALERT_FILES.state);
      const aside = `${path}.tmp`;
      await guarded(`writing ${path}`, async () => {
        const handle = await open(aside, 'w', LEDGER_FILE_MODE);
        try {
          await handle.writeFile(JSON.stringify(state), 'utf8');
          await handle.datasync();
        } finally {
          await handle.close();
        }
        await rename(aside, path);
        // The rename is durable once the folder is.
        const folder = await open(this.dir, 'r');
        try {
          await folder.sync();
        } finally {
          await folder.close();
        }
      });
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.serialized(async () => {
      this.closed = true;
      await this.handle?.close().catch(() => undefined);
      this.handle = null;
    });
  }

  private serialized<T>(work: () => Promise<T>): Promise<T> {
    const run = this.tail.then(work);
    this.tail = run.catch(() => undefined);
    return run;
  }

  private checkOpen(): void {
    if (this.closed) throw new AlertStoreUnavailableError('the alert store is closed');
  }

  private async appendHandle(): Promise<FileHandle> {
    this.handle ??= await open(this.journal, 'a+', LEDGER_FILE_MODE);
    return this.handle;
  }

  private lastSequence(): number {
    const last = this.events.at(-1);
    return last === undefined ? 0 : Number(last.cursor);
  }

  private keep(event: StoredAlertEvent): void {
    this.events.push(event);
    this.identities.add(eventIdentity(event));
  }

  /** Reads the complete lines added to the journal since last time (by this instance or another). */
  private async catchUp(): Promise<void> {
    this.checkOpen();
    const size = await guarded(`reading ${this.journal}`, () =>
      stat(this.journal).then(
        (stats) => stats.size,
        (error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? 0 : Promise.reject(error)),
      ),
    );
    if (size <= this.bytes) return;
    const bytes = await guarded(`reading ${this.journal}`, () => readRange(this.journal, this.bytes, size));
    let start = 0;
    let bad = 0;
    for (let end = bytes.indexOf(10, start); end !== -1; start = end + 1, end = bytes.indexOf(10, start)) {
      if (end === start) continue;
      const event = decodeLine(bytes.toString('utf8', start, end));
      if (event === null || this.identities.has(eventIdentity(event)) || Number(event.cursor) <= this.lastSequence()) bad += 1;
      else this.keep(event);
    }
    this.bytes += start;
    if (bad > 0) this.options.logger?.warn('alerts: skipped journal lines that are not events (the remains of a failed write)', { file: this.journal, lines: bad });
  }
}

function decodeLine(line: string): StoredAlertEvent | null {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const event = value as Partial<StoredAlertEvent>;
  const ok =
    typeof event.key === 'string' &&
    (event.kind === 'FIRED' || event.kind === 'RESOLVED') &&
    typeof event.cursor === 'string' &&
    /^\d+$/.test(event.cursor) &&
    typeof event.ruleId === 'string' &&
    typeof event.provider === 'string' &&
    typeof event.series === 'string' &&
    typeof event.at === 'number' &&
    typeof event.recordedAt === 'number';
  return ok ? (event as StoredAlertEvent) : null;
}


function unavailable(doing: string, error: unknown): AlertStoreUnavailableError {
  return new AlertStoreUnavailableError(`${doing}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
}

async function guarded<T>(doing: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof AlertStoreUnavailableError) throw error;
    throw unavailable(doing, error);
  }
}
