import { ProviderNotConfiguredError } from '../providers/errors.js';
import type { ProviderId } from '../usage/model.js';
import { LedgerUnavailableError } from './errors.js';
import type { PartnerLedger } from './service.js';

/** The vendor whose stream the partner ledger follows. */
export const LEDGER_PROVIDER: ProviderId = 'ARRAYS';

/**
 * The ledger, or the error a client should see: PROVIDER_NOT_CONFIGURED without its vendor,
 * LEDGER_UNAVAILABLE when the vendor is configured but this gateway runs no ledger.
 */
export function requireLedger(registry: { get(id: ProviderId): unknown }, ledger: PartnerLedger | null): PartnerLedger {
  if (registry.get(LEDGER_PROVIDER) === undefined) throw new ProviderNotConfiguredError(LEDGER_PROVIDER);
  if (ledger === null) throw new LedgerUnavailableError();
  return ledger;
}
