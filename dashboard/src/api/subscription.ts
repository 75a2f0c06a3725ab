import type { TypedDocumentString } from '../gql/graphql';
import { documentIdOf, GRAPHQL_PATH, refusesCredential, RequestFailed, SignInRequired, type Answer, type GraphQLFailure } from './client';
import { credentialHeaders, storedCredential } from './credential';

/**
 * GraphQL subscriptions over Server-Sent Events, as the gateway serves them on `/graphql`
 * (distinct-connections mode): a POST with `Accept: text/event-stream` carrying the persisted
 * document's id, so it works where the gateway runs persisted documents only. Read with fetch and
 * a stream reader rather than EventSource, which can neither POST nor send the credential header.
 */

/** How a stream ended: the server completed it, or the connection dropped. */
export type StreamEnd = 'complete' | 'dropped';

/** One SSE message block's event name and data. */
function parseBlock(block: string): { event: string; data: string } {
  let event = 'message';
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
  }
  return { event, data: data.join('\n') };
}

/**
 * Opens one stream and hands each `next` result to `onNext` until the server completes it, the
 * connection drops, or `signal` aborts. Rejects with {@link SignInRequired} when the credential is
 * refused (before or during the stream) and {@link RequestFailed} when the gateway refuses the
 * subscription itself (a status other than 200, or a first result with errors and no data).
 */
export async function streamOnce<TResult, TVariables>(
  document: TypedDocumentString<TResult, TVariables>,
  variables: TVariables | undefined,
  onNext: (answer: Answer<TResult>) => void,
  signal: AbortSignal,
): Promise<StreamEnd> {
  let response: Response;
  try {
    response = await fetch(GRAPHQL_PATH, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...credentialHeaders(storedCredential()) },
      body: JSON.stringify({ documentId: documentIdOf(document), variables: variables ?? {} }),
      signal,
      credentials: 'omit',
      cache: 'no-store',
    });
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error;
    return 'dropped';
  }
  const type = response.headers.get('content-type') ?? '';
  if (!response.ok || !type.startsWith('text/event-stream') || response.body === null) {
    const errors = await response
      .json()
      .then((body: { errors?: GraphQLFailure[] }) => body.errors ?? [])
      .catch(() => [] as GraphQLFailure[]);
    const first = errors[0];
    if (refusesCredential(response.status, errors)) throw new SignInRequired(first?.message ?? 'Sign in to see alerts.');
    throw new RequestFailed(first?.message ?? `The gateway answered HTTP ${response.status}.`, first?.extensions?.code ?? `HTTP_${response.status}`, response.status);
  }
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    for (;;) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (error) {
        if ((error as Error).name === 'AbortError') throw error;
        return 'dropped';
      }
      if (chunk.done) return 'dropped';
      buffer += decoder.decode(chunk.value, { stream: true }).replace(/\r\n?/g, '\n');
      for (let end = buffer.indexOf('\n\n'); end !== -1; end = buffer.indexOf('\n\n')) {
        const { event, data } = parseBlock(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
        if (event === 'complete') return 'complete';
        if (event !== 'next' || data === '') continue;
        const result = JSON.parse(data) as { data?: TResult | null; errors?: GraphQLFailure[] };
        const errors = result.errors ?? [];
        if (refusesCredential(response.status, errors)) throw new SignInRequired(errors[0]?.message ?? 'Sign in again.');
        if (result.data == null && errors.length > 0) throw new RequestFailed(errors[0]!.message, errors[0]!.extensions?.code ?? 'SUBSCRIPTION_FAILED', response.status);
        onNext({ data: result.data ?? null, errors });
      }
    }
  } finally {
    reader.cancel().catch(() => undefined);
  }
}

/** Options of {@link backoffDelay}. */
export interface BackoffOptions {
  /** The first wait, ms. Default 1000. */
  initialMs?: number;
  /** The longest wait, ms. Default 30000. */
  maxMs?: number;
}

/**
 * The wait before reconnect attempt `attempt` (0 for the first): doubling from `initialMs` up to
 * `maxMs`, with up to a fifth of jitter so that the dashboards of a fleet do not return at once.
 */
export function backoffDelay(attempt: number, options: BackoffOptions = {}, random: () => number = Math.random): number {
  const initial = options.initialMs ?? 1000;
  const max = options.maxMs ?? 30_000;
  const base = Math.min(max, initial * 2 ** Math.min(attempt, 20));
  return Math.round(base * (1 - 0.2 * random()));
}
