import { GraphQLError } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/common/logger.js';
import { errorLogLevel } from '../../src/schema/errors.js';
import { UpstreamTimeoutError } from '../../src/upstream/errors.js';
import { startHarness, type Harness } from '../support/harness.js';
import { startTestAuth, type TestAuth } from '../support/jwt.js';

/**
 * A client's mistake (bad input, a refused field, an invalid query) is logged at info; a vendor's
 * failure at warn; only what is a bug of ours at error.
 */

const KEY = 'ugw_log_levels_key_2b7d';
type Line = { level: string; message: string; requestId?: string };

let auth: TestAuth;
let harness: Harness;

/** The lines of one request (by its x-request-id), the access line left out. */
async function linesOf(query: string, requestId: string, variables?: Record<string, unknown>): Promise<Line[]> {
  await harness.query(query, variables, { 'x-api-key': KEY, 'x-request-id': requestId });
  return harness.logs
    .map((line) => JSON.parse(line) as Line)
    .filter((line) => line.requestId === requestId && line.message !== 'request');
}

beforeAll(async () => {
  auth = await startTestAuth([{ name: 'dashboard', key: KEY, scopes: ['usage:read', 'partners:read'] }], createLogger({ level: 'silent' }));
  harness = await startHarness({ authenticator: auth.authenticator, policy: { cacheTtlMs: 0, staleIfErrorMs: 0, maxRetries: 0 } });
}, 60_000);

afterAll(async () => {
  await harness?.close();
  await auth?.close();
});

describe('log levels of the errors an answer carries', () => {
  it('logs BAD_USER_INPUT at info, not at error', async () => {
    const lines = await linesOf('{ partnerUsage(first: -5) { edges { cursor } } }', 'levels-bad-input');
    expect(lines.some((line) => line.message.includes('first must be between'))).toBe(true);
    expect(lines.filter((line) => line.level === 'error' || line.level === 'warn')).toEqual([]);
  });

  it('logs nothing above info for validation errors, bad variables and a syntax error', async () => {
    const lines = [
      ...(await linesOf('{ nope }', 'levels-validation')),
      ...(await linesOf('query ($p: ProviderId!) { account(provider: $p) { fetchedAt } }', 'levels-variables', { p: 'NOPE' })),
      ...(await linesOf('{ ', 'levels-syntax')),
    ];
    expect(lines.filter((line) => line.level === 'error' || line.level === 'warn')).toEqual([]);
  });

  it('logs a FORBIDDEN field at info', async () => {
    const lines = await linesOf('{ providers { id health { state } } }', 'levels-forbidden');
    expect(lines.some((line) => line.level === 'info' && line.message.includes('Forbidden'))).toBe(true);
    expect(lines.filter((line) => line.level === 'error')).toEqual([]);
  });

  it('logs a vendor failure at warn, never at error', async () => {
    harness.sims.sharpe.setFault({ fault: { mode: 'status', status: 503 }, count: 1 });
    const lines = await linesOf('{ account(provider: SHARPE) { plan { tier } } }', 'levels-vendor');
    expect(lines.some((line) => line.level === 'warn')).toBe(true);
    expect(lines.filter((line) => line.level === 'error')).toEqual([]);
  });

  it('classifies by code and cause: caller mistakes info, vendor failures warn, anything else error', () => {
    const located = (original: Error) => new GraphQLError(original.message, { originalError: original });
    expect(errorLogLevel(new GraphQLError('no such query', { extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } }))).toBe('info');
    expect(errorLogLevel(new GraphQLError('who?', { extensions: { code: 'UNAUTHENTICATED' } }))).toBe('info');
    expect(errorLogLevel(located(new GraphQLError('no', { extensions: { code: 'BAD_USER_INPUT' } })))).toBe('info');
    expect(errorLogLevel(located(new UpstreamTimeoutError('slow', { provider: 'SHARPE' })))).toBe('warn');
    expect(errorLogLevel(located(new TypeError('cannot read properties of undefined')))).toBe('error');
    expect(errorLogLevel(located(new GraphQLError('odd', { extensions: { code: 'INTERNAL_SERVER_ERROR' } })))).toBe('error');
    expect(errorLogLevel(new GraphQLError('odd', { extensions: { code: 'SOMETHING_ELSE' } }))).toBe('error');
    expect(errorLogLevel('a string')).toBe('error');
  });
});
