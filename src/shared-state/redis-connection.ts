import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import { redisTarget } from '../config/shared-state.js';

/** Where the shared state's transitions are said: the gateway's logger. */
export interface SharedStateLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
}

/** Options of {@link RedisConnection}. */
export interface RedisConnectionOptions {
  /** `REDIS_URL`; its password reaches no log line and no error. */
  url: string;
  /** `REDIS_KEY_PREFIX`: every key the fleet writes starts with it. */
  keyPrefix: string;
  /** `REDIS_COMMAND_TIMEOUT_MS`: a command unanswered by then fails, and the state turns local. */
  commandTimeoutMs: number;
  /** `GATEWAY_INSTANCES`, said in the fallback's log line. */
  instances: number;
  logger: SharedStateLogger;
  /** How often a lost Redis is asked again (PING) while commands time out on an open socket, ms. Default 1000. */
  probeIntervalMs?: number;
  /**
   * When Redis answers again after an outage, how long the instance stays local after handing
   * its counts back, so that every instance of the fleet (each reconnecting within ioredis's 2 s
   * retry cap) has handed back its own before any admits from the shared window again, ms.
   * Default 3000.
   */
  settleMs?: number;
}

/** A Lua script and its SHA-1, run by EVALSHA with EVAL when the server does not know it yet. */
export interface RedisScript {
  lua: string;
  sha: string;
}

export function redisScript(lua: string): RedisScript {
  return { lua, sha: createHash('sha1').update(lua).digest('hex') };
}

/** SHA-256 of a text, hex: key parts that must be short and reveal nothing (leases, callers, whole queries). */
export function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * One ioredis client for the whole gateway, and whether the shared state is usable right now.
 * Every command is bounded: no offline queue (a command while disconnected fails at once), one
 * retry per command at most, `commandTimeout`. The state turns local when the connection closes
 * or a command fails, and shared again when the client is ready and answers a PING; each turn is
 * one log line, and listeners (the rate budgets) hear it, to start from a safe local state or to
 * hand their local counts back to the shared window.
 */
export class RedisConnection {
  readonly client: Redis;
  readonly keyPrefix: string;
  private shared = false;
  /** Null before the first verdict, so that the start says which it is in one line. */
  private announced: boolean | null = null;
  private readonly listeners: Array<(shared: boolean) => void> = [];
  private readonly returnListeners: Array<() => Promise<void>> = [];
  private readonly target: string;
  private readonly secrets: string[];
  private readonly probe: NodeJS.Timeout;
  private lastError = 'not connected yet';
  private closing = false;
  private probing: Promise<void> | null = null;

  constructor(private readonly options: RedisConnectionOptions) {
    this.keyPrefix = options.keyPrefix;
    this.target = redisTarget(options.url);
    const parsed = new URL(options.url);
    this.secrets = [parsed.password, decodeURIComponent(parsed.password), parsed.username, decodeURIComponent(parsed.username)].filter((part) => part.length >= 3);
    this.client = new Redis(options.url, {
      lazyConnect: true,
      commandTimeout: options.commandTimeoutMs,
      connectTimeout: Math.max(1000, options.commandTimeoutMs * 2),
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      // Keeps trying for as long as the gateway runs, never more often than every 2 s.
      retryStrategy: (times) => Math.min(100 * times, 2000),
    });
    // Without a listener an 'error' event would throw; the transitions carry what matters.
    this.client.on('error', (error: Error) => {
      this.lastError = this.redact(error.message);
    });
    this.client.on('ready', () => void this.check());
    this.client.on('close', () => this.turn(false, this.lastError));
    this.probe = setInterval(() => void this.check(), options.probeIntervalMs ?? 1000);
    this.probe.unref();
  }

  /** Connects, waiting at most `waitMs` for the first verdict; a Redis that is down leaves the gateway local, and retrying. */
  async start(waitMs = 2000): Promise<void> {
    const connected = this.client.connect().then(
      () => this.check(),
      (error: unknown) => {
        this.lastError = this.redact(error instanceof Error ? error.message : String(error));
      },
    );
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([connected, new Promise((resolve) => (timer = setTimeout(resolve, waitMs)))]);
    clearTimeout(timer);
    if (this.announced === null) this.turn(this.shared, this.lastError);
  }

  /** Whether the shared state is in use (true) or each instance's local fallback (false). */
  get up(): boolean {
    return this.shared;
  }

  /** `listener(true)` when the state turns shared again, `listener(false)` when it turns local. */
  onTurn(listener: (shared: boolean) => void): void {
    this.listeners.push(listener);
  }

  /**
   * `listener` runs when Redis answers again after an outage, before the state turns shared: the
   * rate budgets hand their calls of the last minute back to the shared window there.
   */
  onReturn(listener: () => Promise<void>): void {
    this.returnListeners.push(listener);
  }

  /** A command failed (timeout, refused, closed): local state until Redis answers again. */
  failed(error: unknown): void {
    this.turn(false, this.redact(error instanceof Error ? error.message : String(error)));
  }

  /** The key of `parts` under the fleet's prefix. */
  key(...parts: string[]): string {
    return this.keyPrefix + parts.join(':');
  }

  /** Runs `script` (EVALSHA, EVAL when the server lost it: a restart, a flush). */
  async run(script: RedisScript, keys: readonly string[], args: ReadonlyArray<string | number>): Promise<unknown> {
    try {
      return await this.client.evalsha(script.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return this.client.eval(script.lua, keys.length, ...keys, ...args);
    }
  }

  /** Stops probing and closes the connection (QUIT, or a disconnect when Redis does not answer). */
  async close(): Promise<void> {
    this.closing = true;
    clearInterval(this.probe);
    if (this.client.status === 'ready') {
      try {
        await this.client.quit();
        return;
      } catch {
        // A Redis that does not answer QUIT is disconnected below.
      }
    }
    this.client.disconnect();
  }

  /** Shared again only when the client is ready and a PING comes back within the command timeout. */
  private check(): Promise<void> {
    if (this.probing !== null) return this.probing;
    if (this.closing || (this.shared && this.announced !== null) || this.client.status !== 'ready') return Promise.resolve();
    let returning = false;
    this.probing = this.client
      .ping()
      .then(async () => {
        // The first verdict has nothing to hand back; a return does, and waits for the fleet's.
        if (this.announced !== null) {
          returning = true;
          await Promise.all(this.returnListeners.map((listener) => listener()));
          await new Promise((resolve) => setTimeout(resolve, this.options.settleMs ?? 3000));
          await this.client.ping();
        }
        this.turn(true, null);
      })
      .catch((error: unknown) => {
        this.failed(error);
        // A return that failed half-way leaves the listeners as lost as before it began.
        if (returning) for (const listener of this.listeners) listener(false);
      });
    return this.probing.finally(() => (this.probing = null));
  }

  private turn(shared: boolean, reason: string | null): void {
    if (this.closing) return;
    const changed = this.shared !== shared;
    this.shared = shared;
    if (this.announced === shared) return;
    this.announced = shared;
    const { logger, instances } = this.options;
    if (shared) {
      logger.info('shared state: using Redis for the vendor cache, single-flight, rate budgets and caller limits', { redis: this.target });
    } else {
      logger.warn(`shared state: Redis unreachable, each instance uses local state with 1/${instances} of every vendor's and caller's limit (GATEWAY_INSTANCES=${instances})`, {
        redis: this.target,
        reason: reason ?? 'unknown',
      });
    }
    if (changed) for (const listener of this.listeners) listener(shared);
  }

  private redact(message: string): string {
    let text = message;
    for (const secret of this.secrets) text = text.split(secret).join('[REDACTED]');
    return text;
  }
}
