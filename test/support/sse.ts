/**
 * Reads a GraphQL over SSE answer (yoga's distinct-connections mode) event by event, as the events
 * arrive: `next()` resolves with the next `next` event's result, or null at `complete` or the end.
 */

export interface SseResult {
  data?: Record<string, any> | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
  extensions?: Record<string, unknown>;
}

export interface SseReader {
  next(): Promise<SseResult | null>;
  /** Leaves the stream, as a client that disconnects. */
  cancel(): Promise<void>;
}

export function readSse(response: Response): SseReader {
  const type = response.headers.get('content-type') ?? '';
  if (!type.startsWith('text/event-stream') || response.body === null) throw new Error(`not an event stream: ${response.status} ${type}`);
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  return {
    async next() {
      for (;;) {
        const end = buffer.indexOf('\n\n');
        if (end !== -1) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (\w+)$/m.exec(block)?.[1];
          const data = block
            .split('\n')
            .filter((line) => line.startsWith('data:'))
            .map((line) => line.slice(5).trimStart())
            .join('\n');
          if (event === 'complete') return null;
          if (event === 'next') return JSON.parse(data) as SseResult;
          continue;
        }
        const chunk = await reader.read();
        if (chunk.done) return null;
        buffer += decoder.decode(chunk.value, { stream: true });
      }
    },
    cancel: () => reader.cancel(),
  };
}

/** Starts a subscription (or any operation) over SSE on `target`. */
export async function subscribeSse(
  target: { fetch(url: string, init: RequestInit): Response | Promise<Response> },
  query: string,
  headers: Record<string, string> = {},
  url = 'http://yoga/graphql',
): Promise<{ response: Response; events: SseReader }> {
  const response = await target.fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...headers },
    body: JSON.stringify({ query }),
  });
  return { response, events: readSse(response) };
}
