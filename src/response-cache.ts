import { getOperationAST, TypeInfo, visit, visitWithTypeInfo, type DocumentNode, type ExecutionResult, type GraphQLSchema } from 'graphql';
import type { Plugin } from 'graphql-yoga';

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
}

/**
 * Root fields whose answers are pure functions of cached vendor answers and configuration. Not
 * here: `partnerUsage` (the stream head is read afresh on every request, by design), the ledger
 * fields and `_entities` (the ledger moves as it follows the stream), `_service`, introspection.
 */
const CACHEABLE_ROOT_FIELDS: ReadonlySet<string> = new Set(['accounts', 'account', 'apiKeyUsage', 'providers', '__typename']);

/**
 * Fields that change with the clock or with every vendor call rather than with vendor data: a
 * reused answer would carry an `ageSeconds` that is no longer true, and health counts calls.
 */
const VOLATILE_FIELDS: ReadonlySet<string> = new Set(['ageSeconds', 'health']);

/**
 * Fields whose value says a vendor failed: an `error` entry, stale data, or an `accounts` entry
 * without its account. The check reads response keys, so these may not be aliased.
 */
const FAILURE_FIELDS: ReadonlySet<string> = new Set(['error', 'staleReason', 'stale', 'account']);

function isFailure(key: string, value: unknown): boolean {
  if (key === 'account') return value === null;
  if (key === 'stale') return value === true;
  return FAILURE_FIELDS.has(key) && value !== null;
}

/** The header with which a federation gateway asks for an inline trace, which is per execution. */
const TRACE_HEADER = 'apollo-federation-include-trace';

interface Entry {
  result: ExecutionResult;
  expiresAt: number;
}

/**
 * Reuses a whole answer for identical requests (query, operation name, variables, extensions) for
 * `ttlMs`, skipping parse, validation and execution. Only exact answers are kept: a query
 * operation over {@link CACHEABLE_ROOT_FIELDS} that selects none of {@link VOLATILE_FIELDS}, whose
 * result has no `errors`, no vendor error entry and no stale data. Requests for an inline trace
 * neither read nor write it. One cache belongs to one gateway, which holds one credential per
 * vendor, so an answer never crosses credentials; a gateway serving several credentials would
 * have to key on the caller.
 */
export function useResponseCache(options: ResponseCacheOptions): Plugin {
  const { ttlMs, maxEntries = 1000, now = Date.now } = options;
  if (ttlMs <= 0) return {};
  const entries = new Map<string, Entry>();
  const keys = new WeakMap<Request, string>();
  const eligible = new WeakMap<DocumentNode, Map<string | undefined, boolean>>();
  const isEligible = (schema: GraphQLSchema, document: DocumentNode, operationName: string | undefined) => {
    let byOperation = eligible.get(document);
    if (byOperation === undefined) eligible.set(document, (byOperation = new Map()));
    let answer = byOperation.get(operationName);
    if (answer === undefined) byOperation.set(operationName, (answer = cacheableOperation(schema, document, operationName)));
    return answer;
  };
  return {
    onParams({ request, params, setResult }) {
      if (request.headers.has(TRACE_HEADER)) return;
      const key = JSON.stringify([params.query, params.operationName, params.variables, params.extensions]);
      const entry = entries.get(key);
      if (entry !== undefined && entry.expiresAt > now()) {
        setResult(entry.result);
        return;
      }
      if (entry !== undefined) entries.delete(key);
      keys.set(request, key);
    },
    onExecute({ args }) {
      const request = (args.contextValue as { request?: Request }).request;
      const key = request === undefined ? undefined : keys.get(request);
      if (key === undefined || !isEligible(args.schema, args.document, args.operationName ?? undefined)) return;
      return {
        onExecuteDone({ result }) {
          if (Symbol.asyncIterator in result || result.errors !== undefined || hasFailure(result.data)) return;
          entries.delete(key);
          entries.set(key, { result, expiresAt: now() + ttlMs });
          for (const [oldest, entry] of entries) {
            if (entries.size <= maxEntries && entry.expiresAt > now()) break;
            entries.delete(oldest);
          }
        },
      };
    },
  };
}

/**
 * A query over cacheable root fields that selects no volatile field and aliases no failure field,
 * anywhere in the document (fragments and other operations included: a conservative answer).
 */
function cacheableOperation(schema: GraphQLSchema, document: DocumentNode, operationName: string | undefined): boolean {
  const operation = getOperationAST(document, operationName);
  if (!operation || operation.operation !== 'query') return false;
  const queryType = schema.getQueryType();
  const typeInfo = new TypeInfo(schema);
  let cacheable = true;
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field(node) {
        const name = node.name.value;
        const atRoot = typeInfo.getParentType() === queryType;
        // A root `account` that fails answers with `errors`; elsewhere a failure is only in the data.
        const hiddenFailure = node.alias !== undefined && FAILURE_FIELDS.has(name) && !atRoot;
        if (VOLATILE_FIELDS.has(name) || (atRoot && !CACHEABLE_ROOT_FIELDS.has(name)) || hiddenFailure) cacheable = false;
      },
    }),
  );
  return cacheable;
}

function hasFailure(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(hasFailure);
  if (typeof value !== 'object' || value === null) return false;
  for (const [key, field] of Object.entries(value)) {
    if (isFailure(key, field) || hasFailure(field)) return true;
  }
  return false;
}
