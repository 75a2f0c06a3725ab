import { GraphQLError } from 'graphql';
import type { HistoryReadError } from '../context.js';
import type { LedgerUnavailableError } from '../ledger/errors.js';
import type { Logger } from '../common/logger.js';
import type { ErrorDetails } from '../providers/errors.js';
import { UPSTREAM_FAILURES } from '../providers/errors.js';

/**
 * The codes of failures a client sees as they are (message and details), beside BAD_USER_INPUT
 * and INTERNAL_SERVER_ERROR. Closed, so that an error of a library or of Node that happens to
 * carry a `code` (`ECONNRESET`, `ERR_INVALID_ARG_TYPE`) is still masked as a bug.
 */
const CLIENT_ERROR_CODES: ReadonlySet<string> = new Set([
  ...Object.keys(UPSTREAM_FAILURES),
  'PROVIDER_NOT_CONFIGURED',
  'LEDGER_UNAVAILABLE' satisfies LedgerUnavailableError['code'],
  'HISTORY_UNAVAILABLE' satisfies HistoryReadError['code'],
]);

/**
 * A failure a client may see as it is: an Error whose `code` is one of CLIENT_ERROR_CODES, with
 * the vendor concerned when there is one and whichever details it knows. Structural, so that an
 * error class fits by its shape, wherever it lives and without importing this.
 */
export type CodedError = Error & { code: string } & Partial<ErrorDetails>;

export function isCodedError(error: unknown): error is CodedError {
  if (!(error instanceof Error)) return false;
  const { code, provider } = error as { code?: unknown; provider?: unknown };
  return typeof code === 'string' && CLIENT_ERROR_CODES.has(code) && (provider === undefined || typeof provider === 'string');
}

/** The in-schema shape of a vendor failure (`AccountResult.error`, `staleReason`, health's `lastError`). */
export type ProviderErrorInfo = ErrorDetails & {
  code: string;
  message: string;
  /** When the gateway saw the failure; set where that time is part of the answer (provider health). */
  at?: Date;
};

export const UNEXPECTED_ERROR_MESSAGE = 'Unexpected error.';

/** Every detail of `error` but its vendor, those it does not know as null. */
function detailsOf(error: Partial<ErrorDetails>): Omit<ErrorDetails, 'provider'> {
  return {
    httpStatus: error.httpStatus ?? null,
    retryAfterSeconds: error.retryAfterSeconds ?? null,
    upstreamRequestId: error.upstreamRequestId ?? null,
    vendorCode: error.vendorCode ?? null,
    hint: error.hint ?? null,
    docsUrl: error.docsUrl ?? null,
    examples: error.examples ?? [],
    suggestions: error.suggestions ?? [],
    fieldErrors: error.fieldErrors ?? [],
  };
}

/**
 * The GraphQL extensions of a coded error, the one way every such error reaches a client:
 * `code`, `provider` when there is one, and the details it knows (unknown ones left out).
 */
export function graphqlExtensions(error: CodedError): Record<string, unknown> {
  return withoutNulls({ code: error.code, provider: error.provider ?? null, ...detailsOf(error) });
}

/**
 * Describes a failure of one vendor for a client. Coded errors keep their code and details (and
 * name `provider` when they name no vendor); anything else is a bug of ours: logged (the logger
 * redacts secrets) and reported without its message.
 */
export function describeProviderError(error: unknown, provider: string, logger: Logger): ProviderErrorInfo {
  if (isCodedError(error)) {
    return { code: error.code, message: error.message, provider: error.provider ?? provider, ...detailsOf(error) };
  }
  logger.error('unexpected error while reading a vendor', { provider, error });
  return { code: 'INTERNAL_SERVER_ERROR', message: UNEXPECTED_ERROR_MESSAGE, provider, ...detailsOf({}) };
}

/**
 * Yoga's error mask: coded errors become GraphQL errors with their extensions; errors that
 * already carry a code (bad input) pass; the rest are masked.
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
    if (isCodedError(original)) return rebuild(error, original.message, graphqlExtensions(original));
    logger.error('unexpected error in a resolver', { path: error.path, error: original });
    return rebuild(error, UNEXPECTED_ERROR_MESSAGE, { code: 'INTERNAL_SERVER_ERROR' });
  };
}

/**
 * Codes that say the client must change its request (its query, variables, credential or scopes):
 * nothing an operator must act on.
 */
const CALLER_ERROR_CODES: ReadonlySet<string> = new Set([
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'FORBIDDEN',
  'UNAUTHENTICATED',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_TOO_EXPENSIVE',
  'RATE_LIMITED',
]);

/** How loud an error is in the log. */
export type ErrorLogLevel = 'info' | 'warn' | 'error';

/**
 * The level an error an answer carries is logged at: `info` for the caller's own mistakes (see
 * CALLER_ERROR_CODES; graphql-js's own errors of validation and variables carry no code and no
 * cause), `warn` for a vendor's failure (a coded error: expected, reported to the client as it
 * is), `error` for everything else, which is a bug of ours. yoga logs every error its mask
 * changed (here: every coded one) through `logger.error`; the gateway asks this first.
 */
export function errorLogLevel(error: unknown): ErrorLogLevel {
  if (!(error instanceof GraphQLError)) return isCodedError(error) ? 'warn' : 'error';
  const original = error.originalError;
  if (original === undefined || original === null) {
    const code = error.extensions['code'];
    return code === undefined || (typeof code === 'string' && CALLER_ERROR_CODES.has(code)) ? 'info' : 'error';
  }
  if (original instanceof GraphQLError) {
    const code = original.extensions['code'] ?? error.extensions['code'];
    return typeof code === 'string' && CALLER_ERROR_CODES.has(code) ? 'info' : errorLogLevel(original);
  }
  return isCodedError(original) ? 'warn' : 'error';
}

function rebuild(error: GraphQLError, message: string, extensions: Record<string, unknown>): GraphQLError {
  return new GraphQLError(message, { nodes: error.nodes, source: error.source, positions: error.positions, path: error.path, extensions });
}

function withoutNulls(fields: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(fields).filter(([, value]) => value !== null && !(Array.isArray(value) && value.length === 0)),
  );
}
