/** Anything that answers a Fetch API request: a yoga instance (`yoga.fetch`, no port) or `globalThis` (real HTTP). */
export interface FetchTarget {
  fetch(url: string, init: RequestInit): Promise<Response> | Response;
}

/** A GraphQL response body as the spec shapes it. */
export interface GraphQLBody<T> {
  data?: T | null;
  errors?: { message: string; path?: (string | number)[]; locations?: { line: number; column: number }[]; extensions?: Record<string, any> }[];
  extensions?: Record<string, any>;
}

/** One GraphQL request. */
export interface GraphQLRequest {
  /** The document; left out for a persisted operation sent by hash alone. */
  query?: string;
  variables?: Record<string, unknown>;
  operationName?: string;
  /** Request extensions (`persistedQuery`, …). */
  extensions?: Record<string, unknown>;
  /** A persisted document's id, sent instead of `query`. */
  documentId?: string;
  /** Body fields past the standard ones, as some clients name them (Relay's `doc_id`), sent as given. */
  otherFields?: Record<string, unknown>;
  /** Headers over `content-type: application/json` (for a POST). */
  headers?: Record<string, string>;
  /** Default `POST` (a JSON body); `GET` puts the fields in the query string, as HTTP GET clients do. */
  method?: 'POST' | 'GET';
  /** Where to send it. Default `http://yoga/graphql`, which any yoga answers through `fetch`. */
  url?: string;
}

/** What the server answered: status, headers, the body as text and parsed (null when it is not JSON). */
export interface GraphQLAnswer<T> {
  status: number;
  headers: Headers;
  body: GraphQLBody<T>;
  text: string;
}

/** Sends one GraphQL request to `target` and reads the whole answer. */
export async function graphqlRequest<T = any>(target: FetchTarget, request: GraphQLRequest): Promise<GraphQLAnswer<T>> {
  const { query, variables, operationName, extensions, documentId, otherFields, headers = {}, method = 'POST', url = 'http://yoga/graphql' } = request;
  const fields = { query, variables, operationName, extensions, documentId, ...otherFields };
  let response: Response;
  if (method === 'GET') {
    const search = new URLSearchParams();
    for (const [name, value] of Object.entries(fields)) {
      if (value !== undefined) search.set(name, typeof value === 'string' ? value : JSON.stringify(value));
    }
    response = await target.fetch(`${url}?${search}`, { method, headers });
  } else {
    response = await target.fetch(url, { method, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(fields) });
  }
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: parseJson(text) as GraphQLBody<T>, text };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
