import { z } from 'zod';
import { UPSTREAM_FAILURES, type UpstreamErrorCode } from '../../upstream/failures.js';
import { USAGE_ALERT_TYPES } from '../../usage/model.js';

/**
 * The vendor file: one vendor declared in YAML (or JSON), mapped into the unified account model.
 * This zod schema validates a file and is also what `npm run vendor:schema` prints as JSON Schema
 * (`schemas/vendor-file.schema.json`), so editors complete and check exactly what the gateway
 * accepts. Every object is strict: an unknown key is a mistake to point at, never something to
 * ignore, since a misspelt key would otherwise silently fall back to a default.
 *
 * Values that read a vendor's answer are selections (see `selection.ts`): `usage.data.plan.tier`
 * reads the body of the call named `usage`.
 */

/** An upper-case vendor id: a GraphQL enum value and the prefix of the vendor's variables. */
const vendorId = z
  .string()
  .regex(/^[A-Z][A-Z0-9_]{1,31}$/, 'an id is 2 to 32 upper-case letters, digits or underscores, starting with a letter')
  .describe('The `ProviderId` value and the prefix of the vendor\'s variables, e.g. `ACME`.');

const variableName = z
  .string()
  .regex(/^[A-Z][A-Z0-9_]{1,63}$/, 'a variable name is upper-case letters, digits and underscores');

/** A selection (a path into the calls' answers); its grammar is checked when the file is compiled. */
const selection = z.string().min(1).max(256).meta({ id: 'Selection', description: 'A selection: a path into the answers, e.g. `usage.data.quota.used`.' });

/** How a selected value is read before it reaches the model. */
export const CONVERSIONS = ['number', 'text', 'epochSeconds', 'epochMillis', 'isoTime'] as const;

const valueSpec = z.union([
  selection,
  z.strictObject({
    path: selection,
    as: z.enum(CONVERSIONS).optional().describe('How to read the value: `number` accepts numbers and numeric strings; times as epoch seconds, epoch milliseconds or ISO 8601. Default: by the model field.'),
    optional: z.boolean().optional().describe('A missing value is null instead of a broken answer. Default false.'),
  }),
  z.strictObject({ value: z.union([z.string(), z.number(), z.null()]).describe('A constant.') }),
]).meta({ id: 'Value' });
/** A model field's source: a selection, a selection with a conversion, or a constant. */
export type ValueSpec = z.infer<typeof valueSpec>;

const enumSpec = <T extends readonly [string, ...string[]]>(values: T) =>
  z.strictObject({
    path: selection,
    map: z.record(z.string(), z.enum(values)).describe('Vendor value → model value; a value not listed becomes the fallback.'),
    fallback: z.enum(values).optional(),
  });

/** A list of the model read from an array (`each`), an object keyed by name (`eachEntry`) or one object (`one`). */
const listOf = <Shape extends z.ZodRawShape>(fields: Shape) =>
  z.strictObject({
    each: selection.optional().describe('An array to read one model entry from each element of; field paths are relative to the element.'),
    eachEntry: selection.optional().describe('An object keyed by name; `@key` is the name, other paths are relative to the value.'),
    one: selection.optional().describe('One object, read as the list\'s only entry (a vendor with a single quota); paths are relative to it.'),
    orderBy: z.string().optional().describe('A model field to sort by, in code-unit order (independent of locale). Default: the vendor\'s order.'),
    ...fields,
  });

const windowSpec = z.strictObject({
  kind: z.enum(['LAST_24_HOURS', 'TIMEFRAME', 'STREAM_WINDOW', 'ALL_TIME']),
  label: z.string(),
  end: valueSpec.optional().describe('When the window ends (a time).'),
  durationSeconds: z.number().int().positive().optional().describe('With `end`: the window starts this long before it.'),
}).meta({ id: 'Window' });

/** A value the engine works out from the entry's other fields, for vendors that leave it out. */
const derivedRemaining = z
  .strictObject({ derive: z.literal('limitMinusUsed') })
  .describe('`limitMinusUsed`: the limit less the usage, never below zero (usage can pass the limit); null without a limit.');

const quotaList = listOf({
  name: valueSpec,
  description: valueSpec.optional(),
  used: valueSpec,
  limit: valueSpec.optional(),
  remaining: z.union([valueSpec, derivedRemaining]).optional(),
  resetsAt: valueSpec.optional(),
});

const endpointList = listOf({
  path: valueSpec,
  method: valueSpec.optional(),
  requests: valueSpec,
  errors: valueSpec.optional(),
  avgLatencyMs: valueSpec.optional(),
  window: windowSpec,
});

const periodList = listOf({
  metric: valueSpec,
  group: valueSpec,
  monthToDate: valueSpec.optional(),
  lastMonth: valueSpec.optional(),
  last12Months: valueSpec.optional(),
  termPeriodToLastMonth: valueSpec.optional(),
  resourceId: valueSpec.optional().describe('The vendor resource the counts are for (a model, a deployment), when they are per resource.'),
  resourceType: valueSpec.optional(),
});

const alertList = listOf({
  type: enumSpec(USAGE_ALERT_TYPES),
  severity: enumSpec(['INFO', 'WARNING', 'CRITICAL'] as const),
  message: valueSpec,
  recommendation: valueSpec.optional(),
});

/** The mapping of the calls' answers into the unified account model. */
const accountMapping = z.strictObject({
  plan: z.strictObject({ tier: valueSpec.optional(), requestsPerMinute: valueSpec.optional(), monthlyLimit: valueSpec.optional() }).optional(),
  rateLimit: z
    .strictObject({ tier: valueSpec.optional(), requestsPerMinute: valueSpec.optional(), remaining: valueSpec.optional(), resetsAt: valueSpec.optional() })
    .optional(),
  quotas: z.array(quotaList).max(16).optional(),
  endpoints: z.array(endpointList).max(16).optional(),
  periods: z.array(periodList).max(16).optional(),
  alerts: z.array(alertList).max(16).optional(),
  totals: z
    .strictObject({
      requests: valueSpec,
      successfulRequests: valueSpec.optional(),
      failedRequests: valueSpec.optional(),
      avgLatencyMs: valueSpec.optional(),
      p95LatencyMs: valueSpec.optional(),
      window: windowSpec,
    })
    .optional(),
  recordedAt: valueSpec.optional(),
  snapshot: z
    .strictObject({ id: valueSpec, recordingStartedAt: valueSpec.optional(), recordingFinishedAt: valueSpec.optional() })
    .optional()
    .describe('For a vendor that records usage in runs: the run the counts come from.'),
  upstreamElapsedMs: valueSpec.optional(),
  upstreamRequestId: valueSpec.optional(),
});

/** A time relative to the moment of the call, for query parameters. */
const relativeTime = z.strictObject({
  relative: z.enum(['startOfMonth', 'startOfDay', 'daysAgo']).describe('`daysAgo` is the start of the UTC day `days` days back, so a URL stays the same all day and its answer can be cached.'),
  days: z.number().int().min(1).max(3660).optional(),
  as: z.enum(['epochSeconds', 'epochMillis', 'isoDate', 'isoTime']),
});

const pagination = z
  .strictObject({
    kind: z.enum(['cursor', 'offset', 'linkHeader', 'nextUrl']),
    items: selection.describe('The array (relative to the body) whose elements add up over pages.'),
    maxPages: z.number().int().min(1).max(100).describe('Required: the most pages one read fetches; past it the read stops.'),
    param: z.string().optional().describe('`cursor`/`offset`: the query parameter carrying the cursor or offset.'),
    next: selection.optional().describe('`cursor`: the next cursor in the body; `nextUrl`: the next page\'s URL or path in the body.'),
    pageSize: z.number().int().min(1).max(10_000).optional().describe('`offset`: elements per page (a shorter page is the last).'),
  })
  .describe('Bounded pagination; a repeated cursor is a broken answer, never a loop.');

const call = z.strictObject({
  path: z.string().regex(/^\/[A-Za-z0-9/_.~%-]*$/, 'a path starts with / and holds no query'),
  query: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), relativeTime])).optional(),
  pagination: pagination.optional(),
});

const auth = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('bearer'), variable: variableName.optional() }),
  z.strictObject({ kind: z.literal('basic'), variable: variableName.optional().describe('Holds `user:password`.') }),
  z.strictObject({ kind: z.literal('header'), name: z.string().regex(/^[A-Za-z0-9-]{1,64}$/), variable: variableName.optional() }),
  z.strictObject({ kind: z.literal('query'), name: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/), variable: variableName.optional() }),
]);

const upstreamCode = z.enum(Object.keys(UPSTREAM_FAILURES).filter((code) => code !== 'UPSTREAM_CANCELLED') as [UpstreamErrorCode, ...UpstreamErrorCode[]]);

const errorRule = z.strictObject({
  status: z.union([z.number().int().min(200).max(599), z.enum(['2xx', '4xx', '5xx'])]).optional(),
  bodyPath: selection.optional().describe('Relative to the body, e.g. `success`.'),
  equals: z.union([z.string(), z.number(), z.boolean(), z.null()]).optional(),
  code: upstreamCode.describe('One of the gateway\'s upstream codes; retries, breaker and stale answers follow the code, never the file.'),
});

const errorSpec = z.strictObject({
  rules: z.array(errorRule).max(32).optional().describe('First match wins; a non-2xx status nothing matches gets the gateway\'s own reading of it.'),
  message: z
    .union([selection, z.array(selection).min(1).max(4)])
    .optional()
    .describe('Relative to the error body. A list joins the parts present with ": ", e.g. `[error, message]` reads `CODE: text`.'),
  vendorCode: selection.optional(),
  requestId: selection.optional(),
});

const example = z.strictObject({
  name: z.string().min(1),
  responses: z.record(
    z.string(),
    z.strictObject({
      status: z.number().int().min(200).max(599).default(200),
      headers: z.record(z.string(), z.string()).optional(),
      body: z.unknown(),
    }),
  ),
  expect: z
    .union([z.strictObject({ account: z.unknown() }), z.strictObject({ error: upstreamCode })])
    .optional()
    .describe('What the dry run must produce: the account (times as ISO strings) or an error code.'),
});

/** The window a reported limit counts over, for vendors whose limit is per hour or per second. */
const reportedWindow = z
  .number()
  .int()
  .min(1)
  .max(86_400)
  .optional()
  .describe('Seconds the reported limit counts over; the budget takes its per-minute share (never below 1). Default 60.');

/** The whole vendor file. */
export const vendorFileSchema = z
  .strictObject({
    $schema: z.string().optional(),
    id: vendorId,
    name: z.string().min(1).max(64),
    baseUrl: z.strictObject({
      default: z.url({ protocol: /^https?$/ }).nullable().describe('The production base URL; null when the vendor publishes none.'),
      variable: variableName.optional().describe('Default `<ID>_BASE_URL`.'),
    }),
    auth,
    rateLimit: z.strictObject({
      default: z.number().int().min(1).max(100_000),
      demo: z.number().int().min(1).max(100_000),
      reported: z
        .union([
          z.strictObject({ body: selection, windowSeconds: reportedWindow }),
          z.strictObject({ header: z.string().regex(/^[A-Za-z0-9-]{1,64}$/).describe('e.g. `X-RateLimit-Limit`.'), windowSeconds: reportedWindow }),
        ])
        .optional()
        .describe('Where the vendor states its own limit (in the body, or a header such as `X-RateLimit-Limit`); the gateway\'s budget follows it down.'),
    }),
    cacheTtlSeconds: z.number().int().min(0).max(86_400).optional(),
    calls: z.record(z.string().regex(/^[a-z][A-Za-z0-9]{0,31}$/), call).refine((calls) => Object.keys(calls).length >= 1 && Object.keys(calls).length <= 8, 'one to eight calls'),
    errors: errorSpec.optional(),
    account: accountMapping,
    demoCredential: z.string().min(8).max(128).optional().describe('The credential the simulator accepts in demo mode.'),
    examples: z.array(example).min(1).max(32),
  })
  .describe('A vendor declared in one file: its calls, auth, limits, errors and mapping into the unified account model.');

/** A parsed vendor file. */
export type VendorFile = z.infer<typeof vendorFileSchema>;
export type VendorCall = VendorFile['calls'][string];
export type VendorAuth = VendorFile['auth'];
export type VendorExample = VendorFile['examples'][number];
export type AccountMappingSpec = VendorFile['account'];
export type ErrorSpec = NonNullable<VendorFile['errors']>;
export type RelativeTime = z.infer<typeof relativeTime>;
export type Pagination = z.infer<typeof pagination>;
export type WindowSpec = z.infer<typeof windowSpec>;

/** The JSON Schema editors read, generated from {@link vendorFileSchema} itself. */
export function vendorFileJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(vendorFileSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
}

/** {@link vendorFileJsonSchema} as the committed file holds it: two-space indents, one final newline. */
export function vendorFileSchemaText(): string {
  return `${JSON.stringify(vendorFileJsonSchema(), null, 2)}\n`;
}
