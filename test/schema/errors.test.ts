import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { createErrorMask, describeProviderError, graphqlExtensions, isCodedError } from '../../src/schema/errors.js';
import { createLogger } from '../../src/common/logger.js';
import { UpstreamRateLimitedError } from '../../src/upstream/errors.js';

const logger = createLogger({ level: 'silent' });

/** Shaped like an error class that lives elsewhere and imports nothing of the mask. */
class ElsewhereError extends Error {
  readonly code = 'PROVIDER_NOT_CONFIGURED';
  constructor(readonly provider: string) {
    super(`${provider} is not configured`);
  }
}

/** How graphql-js hands a resolver's error to the mask. */
const fromResolver = (original: Error) => new GraphQLError(original.message, { path: ['account'], originalError: original });

describe('coded errors', () => {
  it('an upstream error reaches the client with its code, provider and every known detail, nulls left out', () => {
    const error = new UpstreamRateLimitedError('SHARPE answered 429: slow down', { provider: 'SHARPE', httpStatus: 429, retryAfterSeconds: 30 });
    expect(graphqlExtensions(error)).toEqual({ code: 'UPSTREAM_RATE_LIMITED', provider: 'SHARPE', httpStatus: 429, retryAfterSeconds: 30 });
    const masked = createErrorMask(logger)(fromResolver(error)) as GraphQLError;
    expect(masked.message).toBe('SHARPE answered 429: slow down');
    expect(masked.extensions).toEqual(graphqlExtensions(error));
    expect(masked.path).toEqual(['account']);
  });

  it('any Error with a client code fits by its shape, with or without a provider', () => {
    expect(isCodedError(new ElsewhereError('ARRAYS'))).toBe(true);
    expect(graphqlExtensions(new ElsewhereError('ARRAYS'))).toEqual({ code: 'PROVIDER_NOT_CONFIGURED', provider: 'ARRAYS' });
    const ledger = Object.assign(new Error('the partner usage ledger is not running on this gateway'), { code: 'LEDGER_UNAVAILABLE' });
    expect(graphqlExtensions(ledger)).toEqual({ code: 'LEDGER_UNAVAILABLE' });
    expect((createErrorMask(logger)(fromResolver(ledger)) as GraphQLError).extensions).toEqual({ code: 'LEDGER_UNAVAILABLE' });
  });

  it('an error whose code is not a client code is masked, whatever its shape', () => {
    const system = Object.assign(new Error('connect ECONNREFUSED 10.0.0.7:6379'), { code: 'ECONNREFUSED' });
    const internal = Object.assign(new Error('lock held by pid 42 in /var/lib/gateway'), { code: 'LEDGER_LOCKED' });
    for (const error of [system, internal]) {
      expect(isCodedError(error)).toBe(false);
      const masked = createErrorMask(logger)(fromResolver(error)) as GraphQLError;
      expect(masked.message).toBe('Unexpected error.');
      expect(masked.extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR' });
    }
    expect(isCodedError({ code: 'UPSTREAM_TIMEOUT', message: 'not an Error' })).toBe(false);
  });

  it('in the schema, an error naming no vendor is attributed to the vendor asked', () => {
    const ledger = Object.assign(new Error('not running'), { code: 'LEDGER_UNAVAILABLE' });
    expect(describeProviderError(ledger, 'ARRAYS', logger)).toMatchObject({ code: 'LEDGER_UNAVAILABLE', provider: 'ARRAYS', httpStatus: null, fieldErrors: [] });
    expect(describeProviderError(new ElsewhereError('SHARPE'), 'ARRAYS', logger)).toMatchObject({ provider: 'SHARPE' });
  });
});
