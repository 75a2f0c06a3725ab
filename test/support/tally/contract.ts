import { z } from 'zod';

/**
 * Tally, a vendor that exists only in tests: one endpoint, `GET {base}/v2/quota` with header
 * `X-Tally-Key`, answering one monthly quota. It proves a vendor is one folder and one table entry.
 */
export const tallyQuotaResponse = z.object({
  quota: z.object({ name: z.string(), used: z.number().int().nonnegative(), limit: z.number().int().positive() }),
  as_of: z.iso.datetime(),
});

export type TallyQuotaResponse = z.output<typeof tallyQuotaResponse>;

export const tallyErrorBody = z.object({ error: z.string() });
