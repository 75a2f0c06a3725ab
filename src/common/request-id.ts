import { randomUUID } from 'node:crypto';

/** The header a request's id arrives in and is echoed back in. */
export const REQUEST_ID_HEADER = 'x-request-id';

/** Printable ASCII, at most 128 characters: an id that cannot break a log line or a header. */
const VALID_REQUEST_ID = /^[\x20-\x7e]{1,128}$/;

/**
 * The id a request is known by: the client's own (a router's, so its logs and ours join up) when
 * it is a valid one, else a new UUID. A client sending one twice gets a new one, not a guess.
 */
export function requestIdFrom(sent: string | readonly string[] | null | undefined): string {
  return typeof sent === 'string' && VALID_REQUEST_ID.test(sent) ? sent : randomUUID();
}
