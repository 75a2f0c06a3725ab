/**
 * Watching a configuration file for changes: polling (`watchFile`) rather than `fs.watch`, because
 * it follows the path, not the inode, so editors that write a new file and rename it over the old
 * one, and Kubernetes' symlink swaps of mounted ConfigMaps, are both seen. A change is reported
 * after a quiet time, so an editor's several writes are read once.
 */

import { unwatchFile, watchFile } from 'node:fs';

/** Options of {@link watchPath}. */
export interface WatchPathOptions {
  /** How often the file's metadata is polled, ms. Default 1000. */
  pollIntervalMs?: number;
  /** Quiet time after a change before `onChange` runs, ms. Default 200. */
  debounceMs?: number;
}

/** Calls `onChange` after the file at `path` changes; returns the function that stops watching. */
export function watchPath(path: string, options: WatchPathOptions, onChange: () => void): () => void {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const changed = (): void => {
    if (stopped) return;
    clearTimeout(timer);
    timer = setTimeout(onChange, options.debounceMs ?? 200);
    timer.unref();
  };
  watchFile(path, { interval: options.pollIntervalMs ?? 1000, persistent: false }, changed);
  return () => {
    stopped = true;
    clearTimeout(timer);
    unwatchFile(path, changed);
  };
}
