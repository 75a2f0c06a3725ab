import { mkdir, open, rename, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { appendDurably } from '../../../common/durable-file.js';
import type { Logger } from '../../../common/logger.js';
import { LedgerLockedError } from '../../../ledger/errors.js';
import { LEDGER_DIR_MODE, LEDGER_FILE_MODE } from '../../../ledger/file-modes.js';
import { acquireLock, type LedgerLock, type LedgerLockOptions } from '../../../ledger/lock.js';
import { WebhookOutboxLockedError, WebhookOutboxUnavailableError } from './errors.js';
import type { NewWebhookMessage, PendingSummary, WebhookMessage, WebhookOutbox } from './outbox-types.js';

/** The embedded outbox's folder inside DATA_DIR, its journal and its lock. */
export const OUTBOX_FILES = { dir: join('alerts', 'outbox'), journal: 'outbox.jsonl', lock: 'outbox.lock' } as const;

/** The write durability rests on; tests replace it to tear a write. */
export interface OutboxFileIo {
  /** Writes all of `bytes` at the end of the file, then makes them durable (datasync). */
  appendDurably(handle: FileHandle, bytes: Buffer): Promise<void>;
}

/** Options of the embedded outbox. */
export interface FileWebhookOutboxOptions {
  /** `DATA_DIR`; the outbox lives in its `alerts/outbox/` folder (mode 0700), created when missing. */
  dataDir: string;
  /** The owner lock's timing (the ledger's lock). Default: stale after 10 s, refreshed every 2 s. */
  lock?: LedgerLockOptions;
  /** Default: no logging. */
  logger?: Logger;
  /** Default: node:fs writes and `datasync`. */
  io?: OutboxFileIo;
}

const nodeIo: OutboxFileIo = {
  appendDurably,
};

/** A journal line: a message's whole new state, or an endpoint disabled (url) or re-enabled (null). */
type Line = { m: WebhookMessage } | { d: string; url: string | null; at: number };

/** The journal is rewritten with live state only once it holds this many lines more than that state. */
const COMPACT_SLACK = 2_000;

/**
 * The default outbox: embedded, no server. The state lives in memory; durability is an
 * append-only JSON-lines journal, `DATA_DIR/alerts/outbox/outbox.jsonl`, one line per change (the
 * changed message's whole state, so the last line of a message wins), each write followed by a
 * datasync before it resolves. A crash mid-write leaves a partial last line, never acknowledged,
 * which the next open cuts off. One process owns the files (the ledger's lock, as `outbox.lock`),
 * so a claim left by a process that died is void when the next one opens them.
 */
export class FileWebhookOutbox implements WebhookOutbox {
  readonly backend = 'file';
  private readonly messages = new Map<string, WebhookMessage>();
  private readonly disabled = new Map<string, { url: string; at: number }>();
  private tail: Promise<unknown> = Promise.resolve();
  private lines = 0;
  private closed = false;
  private closing: Promise<void> | null = null;
  private readonly io: OutboxFileIo;

  private constructor(
    private readonly dir: string,
    private handle: FileHandle,
    private readonly lock: LedgerLock,
    private readonly options: FileWebhookOutboxOptions,
  ) {
    this.io = options.io ?? nodeIo;
  }

  /** Takes the outbox's lock (waiting for a dead holder's to go stale) and loads the journal. */
  static async open(options: FileWebhookOutboxOptions): Promise<FileWebhookOutbox> {
    const dir = join(options.dataDir, OUTBOX_FILES.dir);
    let lock: LedgerLock;
    try {
      await mkdir(dir, { recursive: true, mode: LEDGER_DIR_MODE });
      lock = await acquireLock(join(dir, OUTBOX_FILES.lock), options.lock);
    } catch (error) {
      if (error instanceof LedgerLockedError) {
        throw new WebhookOutboxLockedError(`the webhook outbox in ${dir} is owned by another process; only one process may deliver from it`, { cause: error });
      }
      throw unavailable(error, `opening the webhook outbox in ${dir}`);
    }
    let handle: FileHandle | null = null;
    try {
      handle = await open(join(dir, OUTBOX_FILES.journal), 'a+', LEDGER_FILE_MODE);
      const outbox = new FileWebhookOutbox(dir, handle, lock, options);
      await outbox.load();
      lock.onLost(() => {
        outbox.closed = true;
        options.logger?.error('webhook outbox: lost the outbox lock; this process no longer delivers webhooks');
      });
      return outbox;
    } catch (error) {
      await handle?.close().catch(() => undefined);
      await lock.release().catch(() => undefined);
      throw unavailable(error, `reading the webhook outbox in ${dir}`);
    }
  }

  enqueue(messages: readonly NewWebhookMessage[]): Promise<void> {
    return this.serialized(async () => {
      const fresh: WebhookMessage[] = [];
      const seen = new Set<string>();
      for (const message of messages) {
        const key = keyOf(message.endpointId, message.webhookId);
        if (this.messages.has(key) || seen.has(key)) continue;
        seen.add(key);
        fresh.push({ ...message, status: 'pending', attempts: 0, nextAttemptAt: message.createdAt, claimedUntil: null });
      }
      await this.write(fresh.map((m) => ({ m })));
    });
  }

  due(now: number, limit: number, endpoints: ReadonlySet<string>): Promise<WebhookMessage[]> {
    return this.serialized(async () =>
      [...this.messages.values()]
        .filter((m) => m.status === 'pending' && endpoints.has(m.endpointId) && m.nextAttemptAt <= now && (m.claimedUntil === null || m.claimedUntil <= now))
        .sort((a, b) => a.nextAttemptAt - b.nextAttemptAt || a.createdAt - b.createdAt)
        .slice(0, limit)
        .map((m) => ({ ...m })),
    );
  }

  claim(endpointId: string, webhookId: string, now: number, leaseUntil: number): Promise<WebhookMessage | null> {
    return this.serialized(async () => {
      const current = this.messages.get(keyOf(endpointId, webhookId));
      if (current === undefined || current.status !== 'pending' || current.nextAttemptAt > now || (current.claimedUntil !== null && current.claimedUntil > now)) return null;
      const claimed = { ...current, attempts: current.attempts + 1, claimedUntil: leaseUntil };
      await this.write([{ m: claimed }]);
      return { ...claimed };
    });
  }

  reschedule(endpointId: string, webhookId: string, at: number): Promise<void> {
    return this.update(endpointId, webhookId, (m) => ({ ...m, nextAttemptAt: at, claimedUntil: null }));
  }

  finish(endpointId: string, webhookId: string, status: 'delivered' | 'given-up', at: number): Promise<void> {
    return this.update(endpointId, webhookId, (m) => ({ ...m, status, nextAttemptAt: at, claimedUntil: null }));
  }

  pending(): Promise<Map<string, PendingSummary>> {
    return this.serialized(async () => summarize(this.messages.values()));
  }

  nextDue(endpoints: ReadonlySet<string>): Promise<number | null> {
    return this.serialized(async () => {
      let next: number | null = null;
      for (const m of this.messages.values()) {
        if (m.status !== 'pending' || !endpoints.has(m.endpointId)) continue;
        const at = Math.max(m.nextAttemptAt, m.claimedUntil ?? 0);
        if (next === null || at < next) next = at;
      }
      return next;
    });
  }

  disabledEndpoints(): Promise<Map<string, { url: string; at: number }>> {
    return this.serialized(async () => new Map(this.disabled));
  }

  setDisabled(endpointId: string, disabled: { url: string; at: number } | null): Promise<void> {
    return this.serialized(() => this.write([{ d: endpointId, url: disabled?.url ?? null, at: disabled?.at ?? 0 }]));
  }

  prune(before: number): Promise<void> {
    return this.serialized(async () => {
      for (const [key, m] of this.messages) if (m.status !== 'pending' && m.nextAttemptAt < before) this.messages.delete(key);
      await this.compact();
    });
  }

  close(): Promise<void> {
    // Not queued behind `serialized`: it refuses work once the lock is lost, and closing must still happen then.
    this.closing ??= this.tail.then(async () => {
      this.closed = true;
      await this.handle.close().catch(() => undefined);
      await this.lock.release().catch(() => undefined);
    });
    return this.closing;
  }

  private update(endpointId: string, webhookId: string, change: (m: WebhookMessage) => WebhookMessage): Promise<void> {
    return this.serialized(async () => {
      const current = this.messages.get(keyOf(endpointId, webhookId));
      if (current !== undefined) await this.write([{ m: change(current) }]);
    });
  }

  /** Runs `work` after everything queued before it: the journal and the state change one step at a time. */
  private serialized<T>(work: () => Promise<T>): Promise<T> {
    const run = this.tail.then(() => {
      if (this.closed) throw new WebhookOutboxUnavailableError('the webhook outbox is closed');
      return work();
    });
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** Appends the lines durably, then applies them: what the state holds is what a restart rebuilds. */
  private async write(lines: Line[]): Promise<void> {
    if (lines.length === 0) return;
    const bytes = Buffer.from(lines.map((line) => `${JSON.stringify(line)}\n`).join(''), 'utf8');
    const size = (await this.handle.stat()).size;
    try {
      await this.io.appendDurably(this.handle, bytes);
    } catch (error) {
      // A partial line must not run into the next write's first line: cut the file back.
      await this.handle.truncate(size).catch(() => undefined);
      throw unavailable(error, `writing the webhook outbox in ${this.dir}`);
    }
    for (const line of lines) this.apply(line);
    this.lines += lines.length;
    if (this.lines > this.messages.size + this.disabled.size + COMPACT_SLACK) await this.compact();
  }

  private apply(line: Line): void {
    if ('m' in line) this.messages.set(keyOf(line.m.endpointId, line.m.webhookId), line.m);
    else if (line.url === null) this.disabled.delete(line.d);
    else this.disabled.set(line.d, { url: line.url, at: line.at });
  }

  private async load(): Promise<void> {
    const { size } = await this.handle.stat();
    const bytes = Buffer.alloc(size);
    let offset = 0;
    while (offset < size) {
      const { bytesRead } = await this.handle.read(bytes, offset, size - offset, offset);
      if (bytesRead === 0) break;
      offset += bytesRead;
    }
    let start = 0;
    let bad = 0;
    for (let end = bytes.indexOf(10, start); end !== -1 && end < offset; start = end + 1, end = bytes.indexOf(10, start)) {
      const line = decodeLine(bytes.toString('utf8', start, end));
      if (line === null) bad += 1;
      else {
        this.apply(line);
        this.lines += 1;
      }
    }
    if (bad > 0) this.options.logger?.warn('webhook outbox: skipped lines that are not outbox records (the remains of a failed write)', { lines: bad });
    if (start < size) {
      this.options.logger?.warn('webhook outbox: dropping a partial last line (a write a crash interrupted; it was never acknowledged)', { bytes: size - start });
      await this.handle.truncate(start);
      await this.handle.datasync();
    }
    // The process that claimed a message is gone (this one holds the lock now): its attempt ended with it.
    for (const m of this.messages.values()) m.claimedUntil = null;
  }

  /** Rewrites the journal with the live state: a new file made durable, then renamed over the old one. */
  private async compact(): Promise<void> {
    const path = join(this.dir, OUTBOX_FILES.journal);
    const temporary = `${path}.compact`;
    const lines: Line[] = [...this.messages.values()].map((m) => ({ m }));
    for (const [d, { url, at }] of this.disabled) lines.push({ d, url, at });
    try {
      const next = await open(temporary, 'w', LEDGER_FILE_MODE);
      try {
        await this.io.appendDurably(next, Buffer.from(lines.map((line) => `${JSON.stringify(line)}\n`).join(''), 'utf8'));
      } finally {
        await next.close();
      }
      await rename(temporary, path);
      const directory = await open(this.dir, 'r');
      await directory.sync().finally(() => directory.close());
    } catch (error) {
      // The old journal is intact: compaction is tried again later.
      this.options.logger?.warn('webhook outbox: compacting the journal failed; it is retried later', { error: error instanceof Error ? error.message : String(error) });
      return;
    }
    await this.handle.close().catch(() => undefined);
    this.handle = await open(path, 'a+', LEDGER_FILE_MODE);
    this.lines = lines.length;
  }
}

function keyOf(endpointId: string, webhookId: string): string {
  return `${endpointId}\n${webhookId}`;
}

export function summarize(messages: Iterable<WebhookMessage>): Map<string, PendingSummary> {
  const summary = new Map<string, PendingSummary>();
  for (const m of messages) {
    if (m.status !== 'pending') continue;
    const current = summary.get(m.endpointId);
    if (current === undefined) summary.set(m.endpointId, { count: 1, oldestCreatedAt: m.createdAt });
    else {
      current.count += 1;
      current.oldestCreatedAt = Math.min(current.oldestCreatedAt, m.createdAt);
    }
  }
  return summary;
}

const STATUSES = new Set(['pending', 'delivered', 'given-up']);
const TYPES = new Set(['alert.fired', 'alert.resolved', 'alert.test']);

function decodeLine(text: string): Line | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const record = value as Record<string, unknown>;
  if (typeof record.d === 'string' && (record.url === null || typeof record.url === 'string') && typeof record.at === 'number') {
    return { d: record.d, url: record.url, at: record.at };
  }
  const m = record.m as Record<string, unknown> | undefined;
  if (typeof m !== 'object' || m === null) return null;
  const integer = (field: unknown) => typeof field === 'number' && Number.isSafeInteger(field);
  if (
    typeof m.endpointId !== 'string' || typeof m.webhookId !== 'string' || typeof m.body !== 'string' ||
    !TYPES.has(m.type as string) || !STATUSES.has(m.status as string) ||
    !integer(m.createdAt) || !integer(m.attempts) || !integer(m.nextAttemptAt) || !(m.claimedUntil === null || integer(m.claimedUntil))
  ) {
    return null;
  }
  return { m: m as unknown as WebhookMessage };
}

function unavailable(error: unknown, doing: string): WebhookOutboxUnavailableError {
  if (error instanceof WebhookOutboxUnavailableError) return error;
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return new WebhookOutboxUnavailableError(`${doing}: ${code ?? (error instanceof Error ? error.message : String(error))}`, { cause: error });
}
