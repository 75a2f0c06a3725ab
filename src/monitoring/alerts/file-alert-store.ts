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
 * state is one JSON file replaced atomically (written aside, synced, renamed). Pruning replaces the
 * journal the same way, with the events kept and, last, a line holding the highest sequence number
 * given so far, so that cursors are never given twice; a reader notices the new file by its inode
 * and rebuilds from it. One instance writes:
 * the one leading the usage history, whose lock already guards DATA_DIR; another instance on the
 * same folder reads what it wrote.
 */
export class FileAlertStore implements AlertStore {
  readonly backend = 'file';
  private readonly events: StoredAlertEvent[] = [];
  private readonly identities = new Set<string>();
  /** Bytes of the journal read: up to the last complete line. */
  private bytes = 0;
  /** The inode of the journal read; another one means a prune replaced it. Null before the file exists. */
  private inode: number | null = null;
  /** The highest sequence number given before the last prune, which may have dropped its event. */
  private sequenceFloor = 0;
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
        const stats = await handle.stat();
        // A partial line a crash (or a failed write) left must not run into the first line of this one.
        if (stats.size !== this.bytes) await handle.truncate(this.bytes);
        this.inode = stats.ino;
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
      await guarded(`writing ${path}`, () => replaceDurably(this.dir, path, Buffer.from(JSON.stringify(state), 'utf8')));
    });
  }

  prune(before: number): Promise<void> {
    return this.serialized(async () => {
      await this.catchUp();
      const firing = new Set(firingOf(this.events).map((event) => event.key));
      const kept = this.events.filter((event) => event.recordedAt >= before || firing.has(event.key));
      if (kept.length === this.events.length) return;
      const floor = this.lastSequence();
      // The floor comes last: a line is skipped when its cursor is not above every one read before it.
      const lines = [...kept.map((event) => JSON.stringify(event)), JSON.stringify({ sequenceFloor: floor })];
      const bytes = Buffer.from(lines.map((line) => `${line}\n`).join(''), 'utf8');
      // The append handle would go on writing to the file the rename unlinks.
      await this.handle?.close().catch(() => undefined);
      this.handle = null;
      await guarded(`pruning ${this.journal}`, () => replaceDurably(this.dir, this.journal, bytes));
      const inode = await guarded(`reading ${this.journal}`, async () => (await stat(this.journal)).ino);
      this.forget();
      for (const event of kept) this.keep(event);
      this.sequenceFloor = floor;
      this.bytes = bytes.length;
      this.inode = inode;
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
    return Math.max(this.sequenceFloor, last === undefined ? 0 : Number(last.cursor));
  }

  private forget(): void {
    this.events.length = 0;
    this.identities.clear();
    this.bytes = 0;
    this.sequenceFloor = 0;
  }

  private keep(event: StoredAlertEvent): void {
    this.events.push(event);
    this.identities.add(eventIdentity(event));
  }

  /** Reads the complete lines added to the journal since last time (by this instance or another). */
  private async catchUp(): Promise<void> {
    this.checkOpen();
    const found = await guarded(`reading ${this.journal}`, () =>
      stat(this.journal).then(
        (stats) => ({ size: stats.size, inode: stats.ino }),
        (error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? { size: 0, inode: null } : Promise.reject(error)),
      ),
    );
    // The writer pruned: the new journal holds every event still kept, with the same cursors.
    if (found.inode !== null && this.inode !== null && found.inode !== this.inode) this.forget();
    if (found.inode !== null) this.inode = found.inode;
    const size = found.size;
    if (size <= this.bytes) return;
    const bytes = await guarded(`reading ${this.journal}`, () => readRange(this.journal, this.bytes, size));
    let start = 0;
    let bad = 0;
    for (let end = bytes.indexOf(10, start); end !== -1; start = end + 1, end = bytes.indexOf(10, start)) {
      if (end === start) continue;
      const line = bytes.toString('utf8', start, end);
      const floor = decodeFloor(line);
      if (floor !== null) {
        this.sequenceFloor = Math.max(this.sequenceFloor, floor);
        continue;
      }
      const event = decodeLine(line);
      if (event === null || this.identities.has(eventIdentity(event)) || Number(event.cursor) <= this.lastSequence()) bad += 1;
      else this.keep(event);
    }
    this.bytes += start;
    if (bad > 0) this.options.logger?.warn('alerts: skipped journal lines that are not events (the remains of a failed write)', { file: this.journal, lines: bad });
  }
}

/** The sequence number a prune's last line keeps, or null for any other line. */
function decodeFloor(line: string): number | null {
  if (!line.startsWith('{"sequenceFloor":')) return null;
  try {
    const value = (JSON.parse(line) as { sequenceFloor?: unknown }).sequenceFloor;
    return Number.isSafeInteger(value) && (value as number) >= 0 ? (value as number) : null;
  } catch {
    return null;
  }
}

/** Replaces `path` with `bytes` atomically: written aside and synced, renamed, and the rename made durable by syncing the folder. */
async function replaceDurably(dir: string, path: string, bytes: Buffer): Promise<void> {
  const aside = `${path}.tmp`;
  const handle = await open(aside, 'w', LEDGER_FILE_MODE);
  try {
    let offset = 0;
    while (offset < bytes.length) offset += (await handle.write(bytes, offset, bytes.length - offset)).bytesWritten;
    await handle.datasync();
  } finally {
    await handle.close();
  }
  await rename(aside, path);
  const folder = await open(dir, 'r');
  try {
    await folder.sync();
  } finally {
    await folder.close();
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
