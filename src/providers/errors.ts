import type { ProviderId } from '../usage/model.js';

/** The vendor asked for is not configured on this gateway (no credential, not in demo mode). */
export class ProviderNotConfiguredError extends Error {
  override readonly name = 'ProviderNotConfiguredError';
  readonly code = 'PROVIDER_NOT_CONFIGURED';
  constructor(readonly provider: ProviderId) {
    super(`${provider} is not configured on this gateway: set its credential variable, or run in demo mode`);
  }
}
