import type { TypedDocumentString } from '../gql/graphql';
import { credentialHeaders, storedCredential } from './credential';

/** The GraphQL endpoint, on the dashboard's own origin (the CSP allows no other). */
export const GRAPHQL_PATH = '/graphql';

/** One error of a GraphQL answer, as the gateway sends it. */
export interface GraphQLFailure {
  message: string;
  path?: ReadonlyArray<string | number>;
  extensions?: { code?: string; provider?: string; [key: string]: unknown };
}

/** A GraphQL answer: data (possibly partial) and its errors. */
export interface Answer<TResult> {
  data: TResult | null;
  errors: GraphQLFailure[];
}

/**
 * The request carried no credential the gateway accepts (HTTP 401, or `UNAUTHENTICATED`): the
 * dashboard shows its sign-in form.
 */
export class SignInRequired extends Error {
  readonly code = 'UNAUTHENTICATED';
  constructor(message: string) {
    super(message);
  }
}

/** The gateway answered with no data at all (HTTP error, network failure, a body that is not GraphQL). */
export class RequestFailed extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly status: number | null,
  ) {
    super(message);
  }
}

/** The manifest id of a generated document: the dashboard sends ids, never document text. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function documentIdOf(document: TypedDocumentString<any, any>): string {
  const id = (document as unknown as { __meta__?: { hash?: string } }).__meta__?.hash;
  if (typeof id !== 'string') throw new Error('a dashboard document has no persisted id: run npm run dashboard:codegen');
  return id;
}

/** The operation's name, for logs and the gateway's access line. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function operationNameOf(document: TypedDocumentString<any, any>): string | undefined {
  return (document as unknown as { __meta__?: { operationName?: string } }).__meta__?.operationName;
}

const UNAUTHENTICATED = new Set(['UNAUTHENTICATED', 'TOKEN_EXPIRED', 'INVALID_TOKEN']);

/** True when an answer's errors say the credential was refused (missing, wrong or expired), for queries and streams alike. */
export function refusesCredential(status: number, errors: readonly GraphQLFailure[]): boolean {
  return status === 401 || errors.some((error) => UNAUTHENTICATED.has(error.extensions?.code ?? ''));
}

/**
 * Runs a persisted document: POST `{ documentId, variables }` to `/graphql` with the stored
 * credential. Resolves with data and errors (a partial answer is an answer); rejects with
 * {@link SignInRequired} or {@link RequestFailed}.
 */
export async function execute<TResult, TVariables>(
  document: TypedDocumentString<TResult, TVariables>,
  variables?: TVariables,
  signal?: AbortSignal,
): Promise<Answer<TResult>> {
  const body = JSON.stringify({ documentId: documentIdOf(document), operationName: operationNameOf(document), variables: variables ?? {} });
  let response: Response;
  try {
    response = await fetch(GRAPHQL_PATH, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', ...credentialHeaders(storedCredential()) },
      body,
      signal: signal ?? null,
      credentials: 'omit',
    });
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error;
    throw new RequestFailed('The gateway cannot be reached.', 'NETWORK', null);
  }
  type Body = { data?: TResult | null; errors?: GraphQLFailure[] };
  let json: Body | null;
  try {
    json = (await response.json()) as Body;
  } catch {
    json = null;
  }
  const errors = json?.errors ?? [];
  if (refusesCredential(response.status, errors)) {
    throw new SignInRequired(errors[0]?.message ?? 'Sign in to see usage.');
  }
  if (json === null || (json.data == null && errors.length > 0) || (!response.ok && json.data == null)) {
    const first = errors[0];
    throw new RequestFailed(first?.message ?? `The gateway answered HTTP ${response.status}.`, first?.extensions?.code ?? `HTTP_${response.status}`, response.status);
  }
  return { data: json.data ?? null, errors };
}

/** The errors of one field (by its response path prefix), e.g. `['accounts', 2]`. */
export function errorsAt(errors: readonly GraphQLFailure[], ...prefix: Array<string | number>): GraphQLFailure[] {
  return errors.filter((error) => prefix.every((segment, index) => error.path?.[index] === segment));
}
