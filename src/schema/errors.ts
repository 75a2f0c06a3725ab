import { GraphQLError } from 'graphql';
import { LedgerUnavailableError } from '../ledger/errors.js';
import { ProviderNotConfiguredError } from '../providers/errors.js';
import type { Logger } from '../logger.js';
import { isUpstreamError, type FieldError } from '../upstream/errors.js';

/** The in-schema shape of a vendor failure (`AccountResult.error`), and the GraphQL extensions. */
export interface ProviderErrorInfo {
  code: string;
  message: string;
  provider: string;
  httpStatus: number | null;
  retryAfterSeconds: number | null;
  upstreamRequestId: string | null;
  vendorCode: string | null;
  hint: string | null;
  docsUrl: string | null;
  fieldErrors: readonly FieldError[];
  /** When the gateway saw the failure; set where that time is part of the answer (provider health). */
  at?: Date;
}

export const UNEXPECTED_ERROR_MESSAGE = 'Unexpected error.';

/**
 * Describes a failure of one vendor for a client. Typed errors keep their code and details; anything
 * else is a bug of ours: logged (the logger redacts secrets) and reported without its message.
 */
export function describeProviderError(error: unknown, provider: string, logger: Logger): ProviderErrorInfo {
  const blank = { httpStatus: null, retryAfterSeconds: null, upstreamRequestId: null, vendorCode: null, hint: null, docsUrl: null, fieldErrors: [] };
  if (isUpstreamError(error)) {
    return {
      code: error.code,
      message: error.message,
      provider: error.provider,
      httpStatus: error.httpStatus,
      retryAfterSeconds: error.retryAfterSeconds,
      upstreamRequestId: error.upstreamRequestId,
      vendorCode: error.vendorCode,
      hint: error.hint,
      docsUrl: error.docsUrl,
      fieldErrors: error.fieldErrors,
    };
  }
  if (error instanceof ProviderNotConfiguredError || error instanceof LedgerUnavailableError) {
    return { ...blank, code: error.code, message: error.message, provider: error.provider };
  }
  logger.error('unexpected error while reading a vendor', { provider, error });
  return { ...blank, code: 'INTERNAL_SERVER_ERROR', message: UNEXPECTED_ERROR_MESSAGE, provider };
}

/**
 * Yoga's error mask: vendor failures become GraphQL errors with `extensions.code` and
 * `extensions.provider`; errors that already carry a code (bad input) pass; the rest are masked.
 */
export function createErrorMask(logger: Logger) {
  return (error: unknown): Error => {
    if (!(error instanceof GraphQLError)) {
      logger.error('unexpected error', { error });
      return new GraphQLError(UNEXPECTED_ERROR_MESSAGE, { extensions: { code: 'INTERNAL_SERVER_ERROR' } });
    }
    const original = error.originalError;
    if (original === undefined || original === null || original instanceof GraphQLError) {
      return original instanceof GraphQLError && original.extensions['code'] !== undefined ? rebuild(error, original.message, original.extensions) : error;
    }
    if (isUpstreamError(original) || original instanceof ProviderNotConfiguredError || original instanceof LedgerUnavailableError) {
      const { message, ...extensions } = describeProviderError(original, '', logger);
      return rebuild(error, message, withoutNulls(extensions));
    }
    logger.error('unexpected error in a resolver', { path: error.path, error: original });
    return rebuild(error, UNEXPECTED_ERROR_MESSAGE, { code: 'INTERNAL_SERVER_ERROR' });
  };
}

function rebuild(error: GraphQLError, message: string, extensions: Record<string, unknown>): GraphQLError {
  return new GraphQLError(message, { nodes: error.nodes, source: error.source, positions: error.positions, path: error.path, extensions });
}

function withoutNulls(fields: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(fields).filter(([, value]) => value !== null && !(Array.isArray(value) && value.length === 0)),
  );
}
