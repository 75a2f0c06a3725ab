import type { GraphQLField } from 'graphql';

/**
 * Marks that fields carry (in their GraphQL `extensions`) for the response cache, which reads
 * them from the schema instead of knowing field names. A field without a mark is neutral.
 */
export type CacheMark =
  /** A root field whose answer is a pure function of cached vendor answers and configuration. */
  | 'cacheable-root'
  /** Changes with the clock or with every vendor call rather than with vendor data. */
  | 'volatile'
  /** Its value says a vendor failed when it is not null (an error entry, a stale reason). */
  | 'failure-when-set'
  /** Its value says a vendor failed when it is true (`stale`). */
  | 'failure-when-true'
  /** Its value says a vendor failed when it is null (an account its vendor could not give). */
  | 'failure-when-null';

const KEY = 'responseCache';

/** The `extensions` that put `mark` on a field. */
export function cacheMark(mark: CacheMark): { [KEY]: CacheMark } {
  return { [KEY]: mark };
}

/** The mark a field carries, if any. */
export function cacheMarkOf(field: Pick<GraphQLField<unknown, unknown>, 'extensions'> | null | undefined): CacheMark | undefined {
  return field?.extensions[KEY] as CacheMark | undefined;
}

/** True when `value`, the answer of a field marked `mark`, says that a vendor failed. */
export function meansFailure(mark: CacheMark, value: unknown): boolean {
  if (mark === 'failure-when-set') return value !== null && value !== undefined;
  if (mark === 'failure-when-true') return value === true;
  if (mark === 'failure-when-null') return value === null;
  return false;
}
