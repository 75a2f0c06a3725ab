import { inspect } from 'node:util';
import { expect } from 'vitest';
import { UpstreamError } from '../../src/upstream/errors.js';
import { expectNoFragmentOf } from './leaks.js';

/** Awaits a promise that must reject with an UpstreamError, and returns that error. */
export async function upstreamFailure(promise: Promise<unknown>): Promise<UpstreamError> {
  const outcome = await promise.then(
    (value) => ({ rejected: false as const, value }),
    (error: unknown) => ({ rejected: true as const, error }),
  );
  if (!outcome.rejected) throw new Error(`expected a rejection, got ${inspect(outcome.value)}`);
  expect(outcome.error).toBeInstanceOf(UpstreamError);
  return outcome.error as UpstreamError;
}

/** Asserts that nothing reachable from the error (message, properties, cause, stack) holds `secret`. */
export function expectNoSecret(error: UpstreamError, secret: string): void {
  const everything = [
    error.message,
    String(error.cause),
    JSON.stringify(error),
    JSON.stringify({ ...error, message: error.message, cause: String(error.cause) }),
    inspect(error, { depth: 10, showHidden: true }),
  ].join('\n');
  expect(everything).not.toContain(secret);
  // Where a message quotes only part of a body, only part of the secret may survive the cut.
  expectNoFragmentOf(everything, secret);
}

/** Where the HTML-page tests put the secret: the start, before the 40-character quote's end, across it, past it. */
export const ECHO_OFFSETS = [0, 10, 25, 33, 39, 60] as const;
