import type { ProviderId } from '../usage/model.js';

// The vendor failures the schema reports, taken from the HTTP layer every vendor shares: the
// schema reaches vendors only through this layer, never the HTTP layer itself.
export { UPSTREAM_FAILURES, type UpstreamErrorCode } from '../upstream/failures.js';
export type { ErrorDetails } from '../upstream/errors.js';
export type { ChannelHealth } from '../upstream/vendor-channel.js';

/** The vendor asked for is not configured on this gateway (no credential, not in demo mode). */
export class ProviderNotConfiguredError extends Error {
  override readonly name = 'ProviderNotConfiguredError';
  readonly code = 'PROVIDER_NOT_CONFIGURED';
  constructor(readonly provider: ProviderId) {
    super(`${provider} is not configured on this gateway: set its credential variable, or run in demo mode`);
  }
}
