import { getOperationAST, TypeInfo, visit, visitWithTypeInfo, type DocumentNode, type ExecutionResult, type GraphQLSchema } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { MemoryResponseStore, type KeptAnswer, type ResponseStore } from './response-store.js';
import type { Caller } from '../common/caller.js';
import { cacheMarkOf, meansFailure, type CacheMark } from './field-marks/cache-marks.js';

/** Options of {@link useResponseCache}. */
export interface ResponseCacheOptions {
  /**
   * How long a whole answer is reused for the same query and variables, ms; 0 turns the cache off.
   * The gateway passes `RESPONSE_CACHE_TTL_MS` (default 1000), capped by the shortest vendor cache
   * TTL, so no answer outlives the vendor data it was made of by more than this.
   */
  ttlMs: number;
  /** Most answers kept; the oldest go first. Default 1000. */
  maxEntries?: number;
  /** Default: `Date.now`. */
  now?: () => number;
  /**
   * What else an answer depends on besides the request (the caller's scopes): requests share an
   * answer only within one partition. Default: one partition for all.
   */
  partitionOf?: (request: Request) => string;
  /**
   * Called when a cached answer serves `request`, with the ms left of its TTL (HTTP caching
   * headers) and the operation name the request sent. Default: nothing.
   */
  onHit?: (request: Request, remainingMs: number, operationName: string | undefined) => void;
  /** Where answers are kept. Default: this process's memory, bounded by `maxEntries`. */
  store?: ResponseStore;
}

/** The header with which a federation gateway asks for an inline trace, which is per execution. */
export const TRACE_HEADER = 'apollo-federation-include-trace';

/** What a request is answered from the cache by: its partition and the parameters the engine would run. */
export interface CacheKeyParts {
  partition: string;
  query: string | undefined;
  operationName: string | null | undefined;
  variables: unknown;
  extensions: unknown;
}

/** The response cache: its yoga plugin, and the lookup both it and the hot path answer from. */
export interface ResponseCache {
  plugin: Plugin;
  /** Whether `lookup` answers at once (the embedded store), not with a promise (a shared one). */
  readonly immediate: boolean;
  /** The answer kept for `parts` at `at` (ms since the epoch); a shared store may answer with a promise. */
  lookup(parts: CacheKeyParts, at: number): KeptAnswer | undefined | Promise<KeptAnswer | undefined>;
}

/** The one key format of kept answers. */
function keyOf(parts: CacheKeyParts): string {
  return JSON.stringify([parts.partition, parts.query, parts.operationName, parts.variables, parts.extensions]);
}

const partitions = new WeakMap<Caller, string>();

/**
 * The partition of a caller's answers: its scopes, sorted, so that callers share answers only with
 * equal scopes. Worked out once per caller object (a remembered token's caller is reused).
 */
export function scopePartition(caller: Caller): string {
  let partition = partitions.get(caller);
  if (partition === undefined) partitions.set(caller, (partition = [...caller.scopes].sort().join(' ')));
  return partition;
}

/** Whether an operation's answers may be kept, and which response keys then say a vendor failed. */
type Eligibility = { cacheable: false } | { cacheable: true; failureKeys: ReadonlyMap<string, CacheMark> };

/**
 * Reuses a whole answer for identical requests (query, operation name, variables, extensions) for
 * `ttlMs`, skipping parse, validation and execution. Only exact answers are kept, and the schema
 * says which those are through its fields' cache marks (`src/schema/cache-marks.ts`): a query
 * operation over `cacheable-root` fields that selects no `volatile` field, whose result has no
 * `errors` and no field whose mark says a vendor failed (an error entry, stale data). Requests
 * for an inline trace neither read nor write it. One cache belongs to one gateway, which holds
 * one credential per vendor, so an answer never crosses vendor credentials; answers are kept
 * per `partitionOf` (the caller's scopes), so a caller never gets an answer its scopes would
 * have refused. An answer with a refusal has `errors` and is never kept.
 */
export function useResponseCache(options: ResponseCacheOptions): Plugin {
  return createResponseCache(options).plugin;
}

/** {@link useResponseCache}'s plugin with its lookup, which the hot path answers from too. */
export function createResponseCache(options: ResponseCacheOptions): ResponseCache {
  const { ttlMs, maxEntries = 1000, now = Date.now, partitionOf = () => '', onHit } = options;
  if (ttlMs <= 0) return { plugin: {}, immediate: true, lookup: () => undefined };
  const store = options.store ?? new MemoryResponseStore({ maxEntries });
  const keys = new WeakMap<Request, string>();
  const eligible = new WeakMap<DocumentNode, Map<string | undefined, Eligibility>>();
  const isEligible = (schema: GraphQLSchema, document: DocumentNode, operationName: string | undefined) => {
    let byOperation = eligible.get(document);
    if (byOperation === undefined) eligible.set(document, (byOperation = new Map()));
    let answer = byOperation.get(operationName);
    if (answer === undefined) byOperation.set(operationName, (answer = cacheableOperation(schema, document, operationName)));
    return answer;
  };
  const plugin: Plugin = {
    onParams({ request, params, setResult }) {
      if (request.headers.has(TRACE_HEADER)) return;
      const key = keyOf({ partition: partitionOf(request), query: params.query, operationName: params.operationName, variables: params.variables, extensions: params.extensions });
      const at = now();
      const answer = (found: KeptAnswer | undefined) => {
        if (found === undefined) {
          keys.set(request, key);
          return;
        }
        onHit?.(request, found.expiresAt - at, params.operationName ?? undefined);
        setResult(found.result as ExecutionResult);
      };
      const found = store.get(key, at);
      // The embedded store answers at once, so a request is not held up by an await.
      if (found instanceof Promise) return found.then(answer);
      answer(found);
    },
    onExecute({ args }) {
      const request = (args.contextValue as { request?: Request }).request;
      const key = request === undefined ? undefined : keys.get(request);
      if (key === undefined) return;
      const eligibility = isEligible(args.schema, args.document, args.operationName ?? undefined);
      if (!eligibility.cacheable) return;
      return {
        onExecuteDone({ result }) {
          if (Symbol.asyncIterator in result || result.errors !== undefined || hasFailure(result.data, eligibility.failureKeys)) return;
          const at = now();
          // A shared store writes in the background: the answer is sent whether it was kept or not.
          void store.set(key, result, at + ttlMs, at);
        },
      };
    },
  };
  return { plugin, immediate: options.store === undefined, lookup: (parts, at) => store.get(keyOf(parts), at) };
}

/**
 * A query over cacheable root fields that selects no volatile field and aliases no field whose
 * value can mean failure, anywhere in the document (fragments and other operations included: a
 * conservative answer). Failure fields keep their names as response keys, so the result can be
 * checked by key.
 */
function cacheableOperation(schema: GraphQLSchema, document: DocumentNode, operationName: string | undefined): Eligibility {
  const operation = getOperationAST(document, operationName);
  if (!operation || operation.operation !== 'query') return { cacheable: false };
  const queryType = schema.getQueryType();
  const typeInfo = new TypeInfo(schema);
  const failureKeys = new Map<string, CacheMark>();
  let cacheable = true;
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field(node) {
        const name = node.name.value;
        if (name === '__typename') return;
        const mark = cacheMarkOf(typeInfo.getFieldDef());
        const atRoot = typeInfo.getParentType() === queryType;
        if (mark === 'volatile' || (atRoot && mark !== 'cacheable-root')) cacheable = false;
        if (mark !== undefined && mark.startsWith('failure-')) {
          if (node.alias !== undefined || (failureKeys.has(name) && failureKeys.get(name) !== mark)) cacheable = false;
          failureKeys.set(name, mark);
        }
      },
    }),
  );
  return cacheable ? { cacheable, failureKeys } : { cacheable: false };
}

function hasFailure(value: unknown, failureKeys: ReadonlyMap<string, CacheMark>): boolean {
  if (Array.isArray(value)) return value.some((item) => hasFailure(item, failureKeys));
  if (typeof value !== 'object' || value === null) return false;
  for (const [key, field] of Object.entries(value)) {
    const mark = failureKeys.get(key);
    if ((mark !== undefined && meansFailure(mark, field)) || hasFailure(field, failureKeys)) return true;
  }
  return false;
}
