import DataLoader from 'dataloader';

/**
 * A per-request loader of one vendor call by its arguments: within one operation every distinct
 * argument object is asked for once, whatever the number of fields, aliases and fragments asking
 * for it, and distinct ones run in parallel. A failure is that key's result only.
 */
export function callLoader<Key extends object, Value>(load: (key: Key) => Promise<Value>): DataLoader<Key, Value, string> {
  return new DataLoader<Key, Value, string>(
    (keys) => Promise.all(keys.map((key) => load(key).catch((error: unknown) => toError(error)))),
    { cacheKeyFn: argumentsKey },
  );
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/** A stable identity for argument objects: same fields, same key, regardless of property order. */
function argumentsKey(value: object): string {
  return JSON.stringify(Object.entries(value).sort(([a], [b]) => a.localeCompare(b)));
}
