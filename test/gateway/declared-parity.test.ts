import { afterEach, describe, expect, it } from 'vitest';
import { declaredVendor } from '../../src/providers/declared/declared-vendor.js';
import { compileVendorFile } from '../../src/providers/declared/load-vendor-file.js';
import { faradayVendor } from '../../src/providers/faraday/index.js';
import { sharpeVendor } from '../../src/providers/sharpe/index.js';
import type { AnyVendorModule } from '../../src/providers/vendor-module.js';
import { VENDORS } from '../../src/providers/vendors.js';
import { FARADAY_DEMO_CREDENTIAL } from '../../src/simulators/faraday.js';
import { SHARPE_DEMO_CREDENTIAL } from '../../src/simulators/sharpe.js';
import type { FaultMode } from '../../src/simulators/types.js';
import { startHarness, type Harness } from '../support/harness.js';
import { FARADAY_FILE_TEXT, SHARPE_FILE_TEXT } from '../providers/declared/fixtures.js';

/** `text` (a file kept under examples/vendors) made to stand in for the built-in `vendor`: its id, name and demo key. */
function standIn(text: string, file: string, vendor: AnyVendorModule, demoCredential: string): AnyVendorModule {
  const renamed = text
    .replace(`id: ${vendor.id}_FILE`, `id: ${vendor.id}`)
    .replace(`name: ${vendor.name} (declared)`, `name: ${vendor.name}`)
    .replace(/demoCredential: .*/, `demoCredential: ${demoCredential}`);
  return { ...declaredVendor(compileVendorFile(renamed, file)), key: vendor.key, startSimulator: vendor.startSimulator };
}

/**
 * Sharpe and Faraday as files, each swapped for its built-in module under the same id and served
 * by the same simulator: the gateway's answers must not tell them apart.
 */
const BUILT_IN = VENDORS;
const withFile = (builtIn: AnyVendorModule, declared: AnyVendorModule) =>
  VENDORS.map((vendor) => (vendor === builtIn ? declared : vendor)) as unknown as typeof VENDORS;
const SHARPE_WITH_FILE = withFile(sharpeVendor, standIn(SHARPE_FILE_TEXT, 'sharpe.yaml', sharpeVendor, SHARPE_DEMO_CREDENTIAL));
const FARADAY_WITH_FILE = withFile(faradayVendor, standIn(FARADAY_FILE_TEXT, 'faraday.yaml', faradayVendor, FARADAY_DEMO_CREDENTIAL));

const accountQuery = (provider: string) => `{ account(provider: ${provider}) {
  id stale staleReason { code message httpStatus retryAfterSeconds upstreamRequestId vendorCode }
  provider { id name simulated }
  plan { tier requestsPerMinute monthlyLimit }
  rateLimit { tier requestsPerMinute remaining resetsAt }
  quotas { name description used limit remaining utilization resetsAt }
  endpoints { path method requests errors errorRate avgLatencyMs window { kind label start end } }
  periods { metric group resourceId resourceType monthToDate lastMonth last12Months termPeriodToLastMonth }
  alerts { type vendorType severity message recommendation source }
  totals { requests successfulRequests failedRequests avgLatencyMs p95LatencyMs window { kind label start end } }
  recordedAt snapshot { id recordingStartedAt recordingFinishedAt } upstreamElapsedMs upstreamRequestId
} }`;

/**
 * The simulators make a random request id (Sharpe) or error id (Faraday) per answer; two runs
 * differ there and nowhere else.
 */
const sameRequestIds = (body: unknown) =>
  JSON.parse(
    JSON.stringify(body)
      .replace(/req_[0-9a-f]{16}/g, 'req_(random)')
      .replace(/("upstreamRequestId":")[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"/g, '$1(random)"'),
  ) as unknown;

const FAULTS: [string, FaultMode | null][] = [
  ['normally', null],
  ['on 401', { mode: 'status', status: 401 }],
  ['on 403', { mode: 'status', status: 403 }],
  ['on 429 with Retry-After', { mode: 'rate-limit', retryAfter: '7' }],
  ['on 500', { mode: 'status', status: 500 }],
  ['on 503', { mode: 'status', status: 503 }],
  ['on malformed JSON', { mode: 'malformed-json' }],
  ['on HTML', { mode: 'html' }],
  ['on schema drift', { mode: 'drift' }],
  ['when the credential is echoed at the start', { mode: 'echo', status: 401, at: 'start' }],
  ['when the credential is echoed in the middle', { mode: 'echo', status: 401, at: 'middle' }],
  ['when the credential is echoed at the end', { mode: 'echo', status: 401, at: 'end' }],
];

const CASES = [
  { name: 'Sharpe', key: 'sharpe', provider: 'SHARPE', withFile: SHARPE_WITH_FILE, credential: SHARPE_DEMO_CREDENTIAL },
  { name: 'Faraday', key: 'faraday', provider: 'FARADAY', withFile: FARADAY_WITH_FILE, credential: FARADAY_DEMO_CREDENTIAL },
] as const;

describe.each(CASES)('$name declared as a file gives the built-in module\'s answers', ({ key, provider, withFile: WITH_FILE, credential }) => {
  let harness: Harness | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  async function answer(vendors: typeof VENDORS, fault: FaultMode | null) {
    harness = await startHarness({ vendors });
    const sim = harness.sims[key];
    if (fault !== null) sim.setFault({ fault });
    const { body } = await harness.query<unknown>(accountQuery(provider));
    const calls = sim.hits();
    await harness.close();
    logLines.push(...harness.logs);
    harness = undefined;
    return { body: sameRequestIds(body), calls };
  }
  /** Every log line the gateways wrote (at debug level), to check that no credential reached one. */
  const logLines: string[] = [];

  it.each(FAULTS)('%s: the same data, errors (extensions included) and upstream calls', async (_name, fault) => {
    const builtIn = await answer(BUILT_IN, fault);
    const fromFile = await answer(WITH_FILE, fault);
    expect(fromFile).toEqual(builtIn);
    expect(JSON.stringify(fromFile.body)).not.toContain(credential);
    expect(logLines.length).toBeGreaterThan(0);
    expect(logLines.filter((line) => line.includes(credential))).toEqual([]);
    logLines.length = 0;
  });

  it('normally, the file serves the whole account, not an error both sides share', async () => {
    const { body } = await answer(WITH_FILE, null);
    const { data, errors } = body as { data: { account: { quotas: unknown[]; periods: unknown[]; recordedAt: string | null } }; errors?: unknown };
    expect(errors).toBeUndefined();
    expect(data.account.recordedAt).not.toBeNull();
    expect(data.account.quotas.length + data.account.periods.length).toBeGreaterThan(0);
  });

  it('on schema drift, the error names the drifted fields in the built-in contract\'s words', async () => {
    const fromFile = await answer(WITH_FILE, { mode: 'drift' });
    const errors = (fromFile.body as { errors?: { message: string; extensions: { code: string } }[] }).errors ?? [];
    expect(errors).toHaveLength(1);
    expect(errors[0]!.extensions.code).toBe('UPSTREAM_BAD_RESPONSE');
    expect(errors[0]!.message).toMatch(DRIFT_MESSAGES[provider]!);
  });
});

/** What each simulator's drift (one field renamed, one retyped) reads as: every broken field by its vendor path. */
const DRIFT_MESSAGES: Record<string, RegExp> = {
  SHARPE: /^SHARPE GET \/v1\/usage broke its contract: data\.plan\.rpm: Invalid input: expected number, received string; data\.quota\.used: Invalid input: expected number, received undefined$/,
  // Both calls drift; whichever answer is read first names its own fields.
  FARADAY:
    /^FARADAY GET (\/v1\/usages broke its contract: 0\.limit: Invalid input: expected number, received string; 0\.usage: Invalid input: expected number, received undefined; 1\.limit: .*|\/v1\/accounts\/current\/usage broke its contract: finished_at: Invalid input: expected string, received number; lookup_api_requests\.requests: Invalid input: expected object, received undefined)$/,
};
