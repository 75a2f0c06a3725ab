import type { GatewayContext } from '../context.js';
import type { SeriesKey } from '../monitoring/history-types.js';
import { forecastQuota, type ForecastStatus, type QuotaForecast } from '../usage/forecast.js';
import { builder } from './builder.js';

/** Forecasts of exhaustion from the sampled history (method: docs/usage-history.md, "Forecasts"). */

const FORECAST_STATUS_DESCRIPTIONS: Record<ForecastStatus, string> = {
  OK: 'A projection: the burn rate, its band and when the quota runs out at each.',
  NOT_ENOUGH_DATA:
    'Too few samples of the current period in the last 24 hours (fewer than 4), or the reset time the last sample announced has passed and nothing of the new period has been sampled yet.',
  NOT_BURNING: 'No usage at all in the last 24 hours: at this pace the quota does not run out.',
  NO_LIMIT: 'Nothing to run out of: no limit (a period counter, or a quota without one). The burn rate is still given when there are enough samples.',
  EXHAUSTED: 'The last sample is at or past the limit. The burn rate is still given.',
};

const ForecastStatusEnum = builder.enumType('ForecastStatus', {
  description: 'What a forecast can say: a projection (`OK`), or why there is none.',
  values: Object.fromEntries(Object.entries(FORECAST_STATUS_DESCRIPTIONS).map(([status, description]) => [status, { description }])) as Record<
    ForecastStatus,
    { description: string }
  >,
});

const dateOf = (ms: number | null): Date | null => (ms === null ? null : new Date(ms));

export const QuotaForecastRef = builder.objectRef<QuotaForecast>('QuotaForecast').implement({
  description:
    "When a counter runs out at its recent pace, from the gateway's own samples of the current period over the last 24 hours: a burn rate with a 90 % band, and the exhaustion time at the rate and at the band's edges.",
  fields: (t) => ({
    status: t.field({ type: ForecastStatusEnum, description: 'A projection (`OK`), or why there is none.', resolve: (forecast) => forecast.status }),
    burnRatePerHour: t.exposeFloat('burnRatePerHour', {
      nullable: true,
      description: 'Usage per hour over the window (total increase ÷ total time); null with too few samples.',
    }),
    burnRateLow: t.exposeFloat('burnRateLow', { nullable: true, description: "Low edge of the burn rate's 90 % band, per hour (never below 0); null with too few samples." }),
    burnRateHigh: t.exposeFloat('burnRateHigh', { nullable: true, description: "High edge of the burn rate's 90 % band, per hour; null with too few samples." }),
    exhaustsAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When the quota runs out at the burn rate, projected from the last sample (`OK` only). Before now when sampling stopped a while ago and the quota has probably run out since.',
      resolve: (forecast) => dateOf(forecast.exhaustsAt),
    }),
    earliest: t.field({ type: 'DateTime', nullable: true, description: "When it runs out at the band's high rate (`OK` only).", resolve: (forecast) => dateOf(forecast.earliest) }),
    latest: t.field({
      type: 'DateTime',
      nullable: true,
      description: "When it runs out at the band's low rate (`OK` only); null also when that rate is 0: at the slow end of the band it may never run out.",
      resolve: (forecast) => dateOf(forecast.latest),
    }),
    exhaustsBeforeReset: t.exposeBoolean('exhaustsBeforeReset', {
      nullable: true,
      description: 'Whether it runs out before the announced reset: true when `EXHAUSTED`, false when `NOT_BURNING`, by `exhaustsAt` when `OK`; null when the vendor announces no reset time or there is no projection.',
    }),
    confidence: t.exposeFloat('confidence', {
      description: "How tight the projection is, 0 to 1: one minus the band's half-width relative to the rate (1: a band of one value, 0: a band reaching 0). 0 for every status but `OK`.",
    }),
    sampleCount: t.exposeInt('sampleCount', { description: 'Samples of the current period in the window the rate was measured on.' }),
  }),
});

/**
 * The forecast of a series at the context's clock; null when history is off or holds no sample of
 * the series (nothing is known of it, which is not a status).
 */
export async function forecastOf(key: SeriesKey, context: GatewayContext): Promise<QuotaForecast | null> {
  if (context.history === null) return null;
  const samples = await context.loaders.history.load(key);
  if (samples.length === 0) return null;
  return forecastQuota(samples, context.history.now());
}
