import type { Fresh } from '../usage/model.js';
import { builder } from './builder.js';
import { cacheMark } from '../edge/field-marks/cache-marks.js';
import { describeProviderError } from './errors.js';
import { ProviderErrorRef } from './provider.js';

/** Whole seconds since `fetchedAt`; never negative, even across a clock step. */
export function ageSeconds(fetchedAt: Date): number {
  return Math.max(0, Math.floor((Date.now() - fetchedAt.getTime()) / 1000));
}

/** The vendor a stale reason came from: vendor failures name their vendor. */
function providerOf(error: Error): string {
  const { provider } = error as { provider?: unknown };
  return typeof provider === 'string' ? provider : 'UNKNOWN';
}

/**
 * What every vendor answer says of its freshness, declared once: the types backed by a vendor
 * answer (`Fresh<T>`) implement it, and read their own fields from `value`.
 */
export const VendorAnswerRef = builder.interfaceRef<Fresh<object>>('VendorAnswer').implement({
  description: 'A vendor answer as the gateway serves it: when it arrived, how old it is, and whether it is a stale copy.',
  fields: (t) => ({
    fetchedAt: t.field({ type: 'DateTime', description: 'When the gateway received this from the vendor.', resolve: (answer) => answer.fetchedAt }),
    ageSeconds: t.int({
      description: 'Whole seconds since `fetchedAt`: how old this answer is.',
      extensions: cacheMark('volatile'),
      resolve: (answer) => ageSeconds(answer.fetchedAt),
    }),
    stale: t.boolean({
      description: 'True when the vendor just failed and this is its last good answer from cache; `staleReason` says why.',
      extensions: cacheMark('failure-when-true'),
      resolve: (answer) => answer.staleReason !== null,
    }),
    staleReason: t.field({
      type: ProviderErrorRef,
      nullable: true,
      description: 'The vendor failure that made the gateway serve this cached answer; null when fresh.',
      extensions: cacheMark('failure-when-set'),
      resolve: ({ staleReason }, _args, context) =>
        staleReason === null ? null : describeProviderError(staleReason, providerOf(staleReason), context.logger),
    }),
  }),
});

/** A resolver reading one field of a vendor answer's value. */
export function valueField<T>(): <K extends keyof T>(key: K) => (answer: Fresh<T>) => T[K] {
  return (key) => (answer) => answer.value[key];
}
