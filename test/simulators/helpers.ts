import { request } from 'undici';

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json(): any;
}

/** GET over real HTTP with undici; the whole body as text. */
export async function get(url: string, headers: Record<string, string> = {}): Promise<Reply> {
  const response = await request(url, { headers });
  const text = await response.body.text();
  return {
    status: response.statusCode,
    headers: response.headers,
    text,
    json: () => JSON.parse(text),
  };
}

export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Every integer in a JSON text greater than 2^31 - 1 (as written, so nothing is lost to parsing). */
export function bigIntegers(text: string): bigint[] {
  return [...text.matchAll(/(?<![\d."])(\d{10,})(?![\d."])/g)]
    .map((m) => BigInt(m[1] ?? '0'))
    .filter((n) => n > 2n ** 31n - 1n);
}
