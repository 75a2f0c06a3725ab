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

/** An `authorization` header carrying `token` as a bearer credential. */
export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}
