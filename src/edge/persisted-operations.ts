import { createHash } from 'node:crypto';
import { useAPQ, type APQStore } from '@graphql-yoga/plugin-apq';
import { usePersistedOperations } from '@graphql-yoga/plugin-persisted-operations';
import { GraphQLError, Kind, parse, type DocumentNode, type OperationDefinitionNode } from 'graphql';
import type { GraphQLParams, Plugin } from 'graphql-yoga';
import { DEFAULT_APQ_MAX_BYTES, DEFAULT_APQ_MAX_ENTRIES, type PersistedDocuments, type PersistedOperationsMode } from '../config/persisted-operations.js';

export { DEFAULT_APQ_MAX_BYTES, DEFAULT_APQ_MAX_ENTRIES, parsePersistedDocuments, type PersistedDocuments, type PersistedOperationsMode } from '../config/persisted-operations.js';

/**
 * Persisted operations at the HTTP edge: Apollo's automatic persisted queries (APQ) and trusted
 * documents from a manifest (graphql-codegen's `persisted-documents.json`, Relay's `persistConfig`
 * file). Built from yoga's two plugins (`useAPQ` for the hash protocol, `usePersistedOperations`
 * for ids and the `only` policy) with a guard before them and a normaliser after them; see
 * {@link persistedOperationPlugins}.
 */

/** Options of {@link persistedOperationPlugins}. */
export interface PersistedOperationsOptions {
  /** `PERSISTED_OPERATIONS`. Default `allow`; `only` needs a manifest. */
  mode?: PersistedOperationsMode;
  /**
   * The trusted documents (`PERSISTED_OPERATIONS_FILE`), read on every request so that a reloaded
   * file takes effect at once. Default null: no manifest.
   */
  manifest?: { readonly current: PersistedDocuments } | null;
  /** Most documents the APQ store keeps (least recently used go first). `APQ_MAX_ENTRIES`, default 1000. */
  apqMaxEntries?: number;
  /** Most text the APQ store keeps, in characters. `APQ_MAX_BYTES`, default 10 MiB. */
  apqMaxBytes?: number;
  /**
   * Whether introspection is answered (`INTROSPECTION`). In `only` mode a document of nothing but
   * introspection fields is then let through (GraphiQL's schema, a codegen's schema download);
   * without it every document not in the manifest is refused before it is parsed. Default true.
   */
  introspection?: boolean;
}

/** Every code a persisted-operation refusal carries in `extensions.code`. */
export type PersistedOperationCode =
  | 'PERSISTED_QUERY_NOT_FOUND'
  | 'PERSISTED_QUERY_HASH_MISMATCH'
  | 'PERSISTED_QUERY_ONLY'
  | 'PERSISTED_QUERY_ID_REQUIRED';

/**
 * A request refused by the persisted-operation rules, before anything is parsed or executed.
 * - `PERSISTED_QUERY_NOT_FOUND` (HTTP 200, message `PersistedQueryNotFound` as Apollo's clients
 *   test it): the id is neither in the manifest nor in the APQ store; an APQ client then sends it
 *   with its query. 200 as Apollo Server answers it, so every APQ client reads the body.
 * - `PERSISTED_QUERY_HASH_MISMATCH` (400): an APQ registration whose hash is not the SHA-256 of its query.
 * - `PERSISTED_QUERY_ONLY` (400): `only` mode, and the request carries a document of its own.
 * - `PERSISTED_QUERY_ID_REQUIRED` (400): neither a query nor a document id.
 */
export class PersistedOperationError extends GraphQLError {
  constructor(
    readonly code: PersistedOperationCode,
    message: string,
    status: number,
  ) {
    super(message, { extensions: { code, http: { status } } });
  }
}

const notFound = () => new PersistedOperationError('PERSISTED_QUERY_NOT_FOUND', 'PersistedQueryNotFound', 200);
const onlyPersisted = () =>
  new PersistedOperationError(
    'PERSISTED_QUERY_ONLY',
    'This gateway runs only persisted documents: send the id of a document of its manifest (documentId, extensions.persistedQuery.sha256Hash, id or doc_id), not a query.',
    400,
  );

/** The id form of the manifest and of APQ: a SHA-256 in hex. */
export const DOCUMENT_ID = /^[0-9a-f]{64}$/;

/** Top-level request fields that carry a manifest id besides `extensions.persistedQuery.sha256Hash`, in the order they are read. */
const ID_FIELDS = ['documentId', 'doc_id', 'id'] as const;

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** The APQ extension as Apollo's clients send it (`version: 1`); null when absent. */
function apqHashOf(params: GraphQLParams): string | null {
  const persisted = (params.extensions as { persistedQuery?: { version?: unknown; sha256Hash?: unknown } } | undefined)?.persistedQuery;
  return persisted?.version === 1 && typeof persisted.sha256Hash === 'string' ? persisted.sha256Hash : null;
}

/**
 * The id a request names: `documentId`, `doc_id` or `id` (in the POST body, or GET's query string,
 * which yoga's parser does not keep), else the APQ hash.
 */
function documentIdOf(params: GraphQLParams, request: Request): string | null {
  const fields = params as Record<string, unknown>;
  const search = request.method === 'GET' ? new URL(request.url).searchParams : null;
  for (const field of ID_FIELDS) {
    const value = fields[field] ?? search?.get(field);
    if (typeof value === 'string' && value !== '') return value;
  }
  return apqHashOf(params);
}

/**
 * A least-recently-used store of APQ documents, bounded by count and by total size, so that
 * registrations cannot grow memory past `maxEntries` documents or `maxBytes` of text.
 */
class ApqStore implements APQStore {
  private readonly documents = new Map<string, string>();
  private size = 0;

  constructor(
    private readonly maxEntries: number = DEFAULT_APQ_MAX_ENTRIES,
    private readonly maxBytes: number = DEFAULT_APQ_MAX_BYTES,
  ) {}

  get(hash: string): string | undefined {
    const text = this.documents.get(hash);
    if (text !== undefined) {
      this.documents.delete(hash);
      this.documents.set(hash, text);
    }
    return text;
  }

  set(hash: string, text: string): void {
    if (text.length > this.maxBytes) return;
    const previous = this.documents.get(hash);
    if (previous !== undefined) {
      this.documents.delete(hash);
      this.size -= previous.length;
    }
    this.documents.set(hash, text);
    this.size += text.length;
    for (const [oldest, document] of this.documents) {
      if (this.documents.size <= this.maxEntries && this.size <= this.maxBytes) break;
      this.documents.delete(oldest);
      this.size -= document.length;
    }
  }
}

/**
 * The plugins of persisted operations, in the order they must run (before the response cache, so
 * that it keys on the resolved document):
 * 1. a guard: a registration's hash must be the SHA-256 of its query (checked here with a clear
 *    message and status 400 instead of useAPQ's own `PersistedQueryMismatch`, before anything is
 *    stored); in `only` mode registrations are refused, and so is any document of the request's
 *    own unless introspection is on;
 * 2. `useAPQ` (`allow` mode): looks a hash up (the manifest first, then the APQ store) or stores a
 *    verified registration;
 * 3. `usePersistedOperations`: resolves `documentId`, `doc_id`, `id` (and, in `only` mode, the APQ
 *    hash) the same way; answers a request with neither query nor id PERSISTED_QUERY_ID_REQUIRED;
 *    in `only` mode refuses the rest;
 * 4. a normaliser that drops `extensions.persistedQuery` once the document is known, so that a
 *    hash-only request, a registration and the full request share one response-cache entry.
 * In `only` mode with introspection on, a document of the request's own runs only when every
 * root field of its operation is an introspection field (checked on the parsed document, so the
 * token limit applies to it first).
 */
export function persistedOperationPlugins(options: PersistedOperationsOptions = {}): Plugin[] {
  return createPersistedOperations(options).plugins;
}

/** What a request names, as its body or query string carries it (see {@link PersistedOperations.resolve}). */
export interface NamedRequest {
  query?: unknown;
  extensions?: unknown;
  documentId?: unknown;
  doc_id?: unknown;
  id?: unknown;
}

/** The persisted-operation rules: their yoga plugins, and the resolution the hot path shares with them. */
export interface PersistedOperations {
  plugins: Plugin[];
  /**
   * The document and extensions the plugins would leave a request with, when that is certain
   * without running them and they would refuse nothing; null for anything else (a registration,
   * whose hash is checked there; an unknown id; `only` mode with a document of the request's own).
   */
  resolve(request: NamedRequest): { query: string; extensions: Record<string, unknown> | undefined } | null;
}

/** {@link persistedOperationPlugins} with the resolution the hot path shares with them. */
export function createPersistedOperations(options: PersistedOperationsOptions = {}): PersistedOperations {
  const { mode = 'allow', manifest = null, introspection = true } = options;
  const apq = new ApqStore(options.apqMaxEntries, options.apqMaxBytes);
  const lookup = (id: string): string | null => manifest?.current.get(id.toLowerCase()) ?? (mode === 'allow' ? (apq.get(id) ?? null) : null);
  const arbitrary = new WeakSet<Request>();

  const guard: Plugin = {
    onParams({ params, request }) {
      if (params.query == null || params.query === '') return;
      const hash = apqHashOf(params);
      if (mode === 'only') {
        if (hash !== null || !introspection) throw onlyPersisted();
        arbitrary.add(request);
        return;
      }
      if (hash !== null && hash !== sha256(params.query)) {
        throw new PersistedOperationError(
          'PERSISTED_QUERY_HASH_MISMATCH',
          'extensions.persistedQuery.sha256Hash is not the SHA-256 (lowercase hex) of the query sent with it; nothing was stored.',
          400,
        );
      }
    },
    onExecute({ args }) {
      const request = (args.contextValue as { request?: Request }).request;
      if (request === undefined || !arbitrary.has(request)) return;
      if (!introspectsOnly(args.document, args.operationName ?? undefined)) throw onlyPersisted();
    },
  };

  const plugins: Plugin[] = [guard];
  if (mode === 'allow') {
    plugins.push(useAPQ({ store: { get: lookup, set: (hash, text) => apq.set(hash, text) }, responseConfig: { forceStatusCodeOk: true } }));
  }
  plugins.push(
      usePersistedOperations({
        allowArbitraryOperations: mode === 'allow' || introspection,
        extractPersistedOperationId: (params, request) => documentIdOf(params, request),
        getPersistedOperation: (id) => lookup(id),
        customErrors: {
          notFound: notFound,
          persistedQueryOnly: onlyPersisted,
          keyNotFound: () =>
            new PersistedOperationError(
              'PERSISTED_QUERY_ID_REQUIRED',
              'Send a query, or the id of a persisted document (documentId, extensions.persistedQuery.sha256Hash, id or doc_id).',
              400,
            ),
        },
      }) as Plugin,
  );
  plugins.push({
    onParams({ params, setParams }) {
      if (params.extensions?.['persistedQuery'] === undefined || params.query == null) return;
      setParams({ ...params, extensions: withoutPersistedQuery(params.extensions) });
    },
  });
  const resolve: PersistedOperations['resolve'] = (request) => {
    const extensions = request.extensions as Record<string, unknown> | null | undefined;
    const hash = apqHashOf({ extensions } as GraphQLParams);
    const named = ID_FIELDS.some((field) => request[field] != null);
    if (request.query != null && request.query !== '') {
      // A registration (its hash checked by the guard), an id beside a query, or `only` mode's own documents: the plugins decide.
      if (typeof request.query !== 'string' || mode === 'only' || hash !== null || named || extensions?.['persistedQuery'] != null) return null;
      return { query: request.query, extensions: extensions ?? undefined };
    }
    // An id beside an APQ hash: which one the plugins look up depends on the mode and the store.
    if (named && extensions?.['persistedQuery'] != null) return null;
    const id = ID_FIELDS.map((field) => request[field]).find((value) => typeof value === 'string' && value !== '') ?? hash;
    if (typeof id !== 'string') return null;
    const query = lookup(id);
    if (query === null) return null;
    return { query, extensions: extensions?.['persistedQuery'] === undefined ? (extensions ?? undefined) : withoutPersistedQuery(extensions) };
  };
  return { plugins, resolve };
}

/** Extensions once the document is known: without `persistedQuery`, or none when nothing else is left. */
function withoutPersistedQuery(extensions: Record<string, unknown>): Record<string, unknown> | undefined {
  const { persistedQuery: _resolved, ...rest } = extensions;
  return Object.keys(rest).length === 0 ? undefined : rest;
}

/** True when every root selection of the operation is an introspection field (`__schema`, `__type`, `__typename`). */
function introspectsOnly(document: DocumentNode, operationName: string | undefined): boolean {
  const operations = document.definitions.filter((definition): definition is OperationDefinitionNode => definition.kind === Kind.OPERATION_DEFINITION);
  const operation = operationName === undefined ? operations[0] : operations.find((candidate) => candidate.name?.value === operationName);
  if (operation === undefined) return false;
  return operation.selectionSet.selections.every((selection) => selection.kind === Kind.FIELD && selection.name.value.startsWith('__'));
}

