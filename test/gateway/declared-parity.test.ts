import { afterEach, describe, expect, it } from 'vitest';
import { declaredVendor } from '../../src/providers/declared/declared-vendor.js';
import { compileVendorFile } from '../../src/providers/declared/load-vendor-file.js';
import { sharpeVendor } from '../../src/providers/sharpe/index.js';
import { VENDORS } from '../../src/providers/vendors.js';
import { SHARPE_DEMO_CREDENTIAL } from '../../src/simulators/sharpe.js';
import type { FaultMode } from '../../src/simulators/types.js';
import { startHarness, type Harness } from '../support/harness.js';
import { SHARPE_FILE_TEXT } from '../providers/declared/fixtures.js';

/**
 * Sharpe as a file, swapped for the built-in module under the same id and served by the same
 * simulator: the gateway's answers must not tell them apart.
 */
const declared = declaredVendor(
  compileVendorFile(
    SHARPE_FILE_TEXT.replace('id: SHARPE_FILE', 'id: SHARPE').replace('name: Sharpe (declared)', 'name: Sharpe').replace(/demoCredential: .*/, `demoCredential: ${SHARPE_DEMO_CREDENTIAL}`),
    'sharpe.yaml',
  ),
);
const declaredSharpe = { ...declared, key: 'sharpe' as const, startSimulator: sharpeVendor.startSimulator };
const BUILT_IN = VENDORS;
const WITH_FILE = VENDORS.map((vendor) => (vendor === sharpeVendor ? declaredSharpe : vendor)) as unknown as typeof VENDORS;

const ACCOUNT = `{ account(provider: SHARPE) {
  id stale staleReason { code message httpStatus retryAfterSeconds upstreamRequestId }
  provider { id name simulated }
  plan { tier requestsPerMinute monthlyLimit }
  rateLimit { tier requestsPerMinute remaining resetsAt }
  quotas { name description used limit remaining utilization resetsAt }
  endpoints { path method requests errors errorRate avgLatencyMs window { kind label start end } }
  periods { metric }
  alerts { type vendorType severity message recommendation source }
  totals { requests successfulRequests failedRequests avgLatencyMs p95LatencyMs window { kind label start end } }
  recordedAt snapshot { id } upstreamElapsedMs upstreamRequestId
} }`;

/** Sharpe's simulator makes a random request id per answer; two runs differ there and nowhere else. */
const sameRequestIds = (body: unknown) => JSON.parse(JSON.stringify(body).replace(/req_[0-9a-f]{16}/g, 'req_(random)')) as unknown;

describe('Sharpe declared as a file gives the built-in module\'s answers', () => {
  let harness: Harness | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  async function answer(vendors: typeof VENDORS, fault: FaultMode | null) {
    harness = await startHarness({ vendors });
    if (fault !== null) harness.sims.sharpe.setFault({ fault });
    const { body } = await harness.query<unknown>(ACCOUNT);
    const calls = harness.sims.sharpe.hits();
    await harness.close();
    harness = undefined;
    return { body: sameRequestIds(body), calls };
  }

  it.each<[string, FaultMode | null]>([
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
  ])('%s: the same data, errors (extensions included) and upstream calls', async (_name, fault) => {
    const builtIn = await answer(BUILT_IN, fault);
    const fromFile = await answer(WITH_FILE, fault);
    expect(fromFile).toEqual(builtIn);
    expect(JSON.stringify(fromFile.body)).not.toContain(SHARPE_DEMO_CREDENTIAL);
  });

  it('on schema drift, both name the drifted fields in the built-in contract\'s words', async () => {
    const fromFile = await answer(WITH_FILE, { mode: 'drift' });
    const errors = (fromFile.body as { errors?: { message: string; extensions: { code: string } }[] }).errors ?? [];
    expect(errors.map((error) => [error.extensions.code, error.message])).toEqual([
      [
        'UPSTREAM_BAD_RESPONSE',
        'SHARPE GET /v1/usage broke its contract: data.plan.rpm: Invalid input: expected number, received string; data.quota.used: Invalid input: expected number, received undefined',
      ],
    ]);
  });
});
