/**
 * A configuration file kept in memory as its last good parse, re-read on demand (SIGHUP) and when
 * it changes on disk. A file that turns invalid never replaces good content: a half-saved edit or
 * a typo must not empty a key set and lock every caller out.
 */

import { readFile } from 'node:fs/promises';
import { watchPath } from '../../common/file-watch.js';
import { AuthConfigError } from './errors.js';
import type { IdentityLogger } from './logger.js';

/** Options of a watched file. */
export interface WatchedFileOptions<T> {
  /** Path of the file. */
  path: string;
  /** Environment variable that named it, quoted in every message so the operator knows what to fix. */
  variable: string;
  /** Turns the text into the value, or throws an Error saying what is wrong (never quoting the text). */
  parse(text: string): T;
  /** Fields describing a loaded value in the reload log line (counts, names; never secrets). Default: none. */
  describe?(value: T): Record<string, unknown>;
  /** Where loads (info) and refused reloads (error) are told. */
  logger: IdentityLogger;
  /** What the file is, in those log lines. Default `auth file`. */
  label?: string;
  /** How often the file's metadata is polled for a change, in ms. Default 1000. */
  pollIntervalMs?: number;
  /** Quiet time after a change before the file is read, in ms, so an editor's several writes are read once. Default 200. */
  debounceMs?: number;
}

export interface WatchedFile<T> {
  /** The last good content. */
  readonly current: T;
  /** Reads the file now; on failure logs an error and keeps the current content. */
  reload(): Promise<void>;
  /** Stops watching; waits for a read in progress. */
  close(): Promise<void>;
}

/**
 * Reads and parses the file, then watches it. Throws AuthConfigError when the file is missing or
 * invalid at start. Polling (watchFile) rather than fs.watch: it follows the path, not the inode,
 * so editors that write a new file and rename it over the old one, and Kubernetes' symlink swaps
 * of mounted ConfigMaps, are both seen.
 */
export async function openWatchedFile<T>(options: WatchedFileOptions<T>): Promise<WatchedFile<T>> {
  const { path, variable, logger } = options;
  const describe = options.describe ?? (() => ({}));
  const label = options.label ?? 'auth file';
  let current = await load(options).catch((error: unknown) => {
    throw new AuthConfigError(variable, (error as Error).message);
  });
  logger.info(`${label} loaded`, { variable, path, ...describe(current) });
  // Reads run one after another so that a slow read can never overwrite a newer one.
  let queue = Promise.resolve();

  const reload = (): Promise<void> => {
    queue = queue.then(async () => {
      try {
        current = await load(options);
        logger.info(`${label} reloaded`, { variable, path, ...describe(current) });
      } catch (error) {
        logger.error(`${label} invalid: keeping its previous content`, { variable, path, problem: (error as Error).message });
      }
    });
    return queue;
  };

  const stopWatching = watchPath(path, options, () => void reload());

  return {
    get current() {
      return current;
    },
    reload,
    async close() {
      stopWatching();
      await queue;
    },
  };
}

async function load<T>({ path, parse }: WatchedFileOptions<T>): Promise<T> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(code === 'ENOENT' ? `${path} does not exist` : `${path} cannot be read (${code ?? 'unknown error'})`);
  }
  try {
    return parse(text);
  } catch (error) {
    throw new Error(`${path} ${(error as Error).message}`);
  }
}
