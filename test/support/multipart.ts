/**
 * Reads yoga's multipart/mixed answers (incremental delivery, the 2022-08-24 draft) part by part,
 * as they arrive: `next()` resolves with the next whole JSON part, or null after the last one.
 */

export interface IncrementalPart {
  data?: Record<string, unknown> | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
  incremental?: {
    data?: Record<string, unknown> | null;
    items?: unknown[];
    path: (string | number)[];
    errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
  }[];
  hasNext?: boolean;
  extensions?: Record<string, unknown>;
}

export interface PartReader {
  next(): Promise<IncrementalPart | null>;
  /** Every part left, until the last. */
  rest(): Promise<IncrementalPart[]>;
}

/** The parts of a multipart/mixed response body, with the boundary its content type names. */
export function readParts(response: Response): PartReader {
  const type = response.headers.get('content-type') ?? '';
  const boundary = /boundary="?([^";]+)"?/.exec(type)?.[1];
  if (!type.startsWith('multipart/mixed') || boundary === undefined || response.body === null) {
    throw new Error(`not a multipart/mixed answer: ${type}`);
  }
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  const delimiter = `\r\n--${boundary}`;
  let buffer = '';
  let finished = false;
  const next = async (): Promise<IncrementalPart | null> => {
    for (;;) {
      // A whole part lies between two delimiters: headers, a blank line, the JSON body.
      const start = buffer.indexOf(delimiter);
      const end = start === -1 ? -1 : buffer.indexOf(delimiter, start + delimiter.length);
      if (end !== -1) {
        const part = buffer.slice(start + delimiter.length, end);
        buffer = buffer.slice(end);
        const bodyAt = part.indexOf('\r\n\r\n');
        if (bodyAt !== -1) return JSON.parse(part.slice(bodyAt + 4)) as IncrementalPart;
        continue;
      }
      if (finished) return null;
      const { done, value } = await reader.read();
      if (done) finished = true;
      else buffer += decoder.decode(value, { stream: true });
    }
  };
  return {
    next,
    async rest() {
      const parts: IncrementalPart[] = [];
      for (let part = await next(); part !== null; part = await next()) parts.push(part);
      return parts;
    },
  };
}

/** The answer the parts add up to: each later part's data and items put at its path. */
export function assemble(parts: readonly IncrementalPart[]): Record<string, unknown> {
  const data = structuredClone(parts[0]?.data ?? {}) as Record<string, unknown>;
  for (const part of parts.slice(1)) {
    for (const entry of part.incremental ?? []) {
      if (entry.items !== undefined) {
        const list = at(data, entry.path.slice(0, -1)) as unknown[];
        list.splice(entry.path.at(-1) as number, entry.items.length, ...structuredClone(entry.items));
      } else if (entry.data !== undefined && entry.data !== null) {
        merge(at(data, entry.path) as Record<string, unknown>, structuredClone(entry.data));
      }
    }
  }
  return data;
}

function at(value: unknown, path: readonly (string | number)[]): unknown {
  return path.reduce<unknown>((node, key) => (node as Record<string | number, unknown>)[key], value);
}

function merge(target: Record<string, unknown>, source: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(source)) {
    const existing = target[key];
    if (typeof existing === 'object' && existing !== null && typeof value === 'object' && value !== null && !Array.isArray(value)) {
      merge(existing as Record<string, unknown>, value as Record<string, unknown>);
    } else {
      target[key] = value;
    }
  }
}
