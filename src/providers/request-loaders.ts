import DataLoader from 'dataloader';
import { markPhase } from '../common/instrumentation.js';

/**
 * A per-request loader of one vendor call by its arguments: within one operation every distinct
 * argument object is asked for once, whatever the number of fields, aliases and fragments asking
 * for it, and distinct ones run in parallel. A failure is that key's result only.
 */
export function callLoader<Key extends object, Value>(load: (key: Key) => Promise<Value>): DataLoader<Key, Value, string> {
  return new DataLoader<Key, Value, string>(
    (keys) => {
      markPhase('loader dispatch');
      return Promise.all(keys.map((key) => load(key).catch((error: unknown) => toError(error))));
    },
    { cacheKeyFn: argumentsKey },
  );
}

/**
 * The name of one vendor call, for pricing an operation before it runs: two calls have the same
 * name exactly when one request's loaders make them once (the loaders' own key of the arguments).
 */
export function vendorCallKey(vendor: string, call: string, args: object = {}): string {
  return `${vendor}\u0000${call}\u0000${argumentsKey(args)}`;
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/** A stable identity for argument objects: same fields, same key, regardless of property order. */
function argumentsKey(value: object): string {
  return JSON.stringify(Object.entries(value).sort(([a], [b]) => a.localeCompare(b)));
}
