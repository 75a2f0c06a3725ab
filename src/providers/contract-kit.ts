import { z } from 'zod';

/**
 * Building blocks shared by the vendors' zod contracts. Unknown extra fields are ignored (zod's
 * default strip), so vendors may add fields without breaking us; documented fields are checked.
 */

/** A counter: a non-negative integer that a JavaScript number holds exactly (<= 2^53 - 1). */
export const counter = z
  .number()
  .int()
  .nonnegative()
  .refine(Number.isSafeInteger, { message: 'counter exceeds 2^53 - 1 and cannot be represented exactly' });

/** A measurement such as a latency or a rate: any finite non-negative number. */
export const measure = z.number().nonnegative().finite();

/** An ISO 8601 timestamp, parsed to a Date. Kept strict so a drifted format is caught, not guessed. */
export const isoTimestamp = z.iso
  .datetime({ offset: true })
  .transform((value) => new Date(value));
