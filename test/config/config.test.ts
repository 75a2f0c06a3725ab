import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { DEFAULT_POLICY } from '../../src/upstream/policy.js';
import { configProblems } from '../support/config-problems.js';

const SECRET = 'sk_live_canary_0123456789abcdef';

const problemsOf = configProblems;

describe('loadConfig', () => {
  it('defaults to demo mode on 127.0.0.1:4000 with an 8 s upstream deadline', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ port: 4000, host: '127.0.0.1', logLevel: 'info', demo: true, vendors: {}, phaseTiming: false });
    for (const policy of Object.values(config.upstream.policies)) expect(policy.timeoutMs).toBe(8000);
  });

  it('writes logs as LOG_FORMAT says: auto by default, json or pretty on request, anything else refused', () => {
    expect(loadConfig({}).logFormat).toBe('auto');
    expect(loadConfig({ LOG_FORMAT: 'json' }).logFormat).toBe('json');
    expect(loadConfig({ LOG_FORMAT: 'pretty' }).logFormat).toBe('pretty');
    expect(problemsOf({ LOG_FORMAT: 'colour' })).toEqual(['LOG_FORMAT: expected json, pretty or auto (pretty when stderr is a terminal) (got "colour")']);
  });

  it('records request phases only with PHASE_TIMING=1', () => {
    expect(loadConfig({ PHASE_TIMING: '1' }).phaseTiming).toBe(true);
    expect(loadConfig({ PHASE_TIMING: '0' }).phaseTiming).toBe(false);
    expect(problemsOf({ PHASE_TIMING: 'yes please' }).join('\n')).toContain('PHASE_TIMING');
  });

  it('enables exactly the vendors whose credential is set, with production base URLs by default', () => {
    const config = loadConfig({ SHARPE_API_KEY: SECRET, FARADAY_API_KEY: 'faraday-key-123', FARADAY_BASE_URL: 'http://127.0.0.1:9/', AUTH_DISABLED: '1' });
    expect(config.demo).toBe(false);
    expect(config.vendors).toEqual({
      SHARPE: { baseUrl: 'https://www.sharpe.ai/api', credential: SECRET },
      FARADAY: { baseUrl: 'http://127.0.0.1:9/', credential: 'faraday-key-123' },
    });
  });

  it('GATEWAY_DEMO=1 wins over configured credentials; GATEWAY_DEMO=0 with none starts no simulator', () => {
    expect(loadConfig({ GATEWAY_DEMO: '1', SHARPE_API_KEY: SECRET })).toMatchObject({ demo: true, vendors: {} });
    expect(loadConfig({ GATEWAY_DEMO: '0' })).toMatchObject({ demo: false, vendors: {} });
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ PORT: '', SHARPE_API_KEY: '  ' })).toMatchObject({ port: 4000, demo: true });
  });

  it('lists every bad variable in one message, quoting values but never a credential', () => {
    const problems = problemsOf({
      PORT: 'eighty',
      UPSTREAM_TIMEOUT_MS: '5',
      GATEWAY_DEMO: 'yes',
      LOG_LEVEL: 'loud',
      SHARPE_BASE_URL: 'ftp://example.com',
      ARRAYS_SERVICE_TOKEN: 'short',
      ANYLAYER_API_KEY: 'has a space in it',
    });
    expect(problems).toHaveLength(7);
    expect(problems.join('\n')).toContain('PORT: expected a whole number from 0 to 65535 (got "eighty")');
    expect(problems.join('\n')).toContain('UPSTREAM_TIMEOUT_MS: expected a whole number from 100 to 120000 (got "5")');
    expect(problems.join('\n')).toContain('GATEWAY_DEMO: expected 1, 0, true or false');
    expect(problems.join('\n')).toContain('SHARPE_BASE_URL: expected an http(s) URL');
    expect(problems.join('\n')).toContain('ARRAYS_SERVICE_TOKEN: expected a credential of at least 8 characters');
    expect(problems.join('\n')).not.toContain('short');
    expect(problems.join('\n')).not.toContain('has a space');
  });

  it('requires ANYLAYER_BASE_URL with ANYLAYER_API_KEY, since Anylayer publishes no default', () => {
    expect(problemsOf({ ANYLAYER_API_KEY: SECRET })).toEqual([
      'ANYLAYER_BASE_URL: required when ANYLAYER_API_KEY is set (the vendor publishes no default base URL)',
    ]);
  });

  it('refuses a base URL with embedded credentials, without echoing them back as a credential', () => {
    const problems = problemsOf({ SHARPE_BASE_URL: 'https://user:pw@www.sharpe.ai/api', SHARPE_API_KEY: SECRET });
    expect(problems[0]).toMatch(/^SHARPE_BASE_URL: must not embed credentials/);
    expect(problems.join('\n')).not.toContain(SECRET);
    expect(problems.join('\n')).not.toContain('user:pw');
  });

  it('refuses any userinfo in a base URL, a password alone included, never quoting it', () => {
    for (const url of ['https://:hunter2-pw@www.sharpe.ai/api', 'https://user@www.sharpe.ai/api', 'https://u:hunter2@pw@www.sharpe.ai/api']) {
      const problems = problemsOf({ SHARPE_BASE_URL: url, SHARPE_API_KEY: SECRET, AUTH_DISABLED: '1' });
      expect(problems, url).toHaveLength(1);
      expect(problems[0]).toMatch(/^SHARPE_BASE_URL: must not embed credentials/);
      expect(problems[0]).not.toContain('hunter2');
      expect(problems[0]).not.toMatch(/@pw|pw@/);
    }
  });

  it('refuses plain http to a vendor that is not on loopback, unless ALLOW_INSECURE_VENDOR_URLS=1', () => {
    const env = { FARADAY_API_KEY: 'faraday-key-123', FARADAY_BASE_URL: 'http://api.faraday.example', AUTH_DISABLED: '1' };
    expect(problemsOf(env)).toEqual([
      'FARADAY_BASE_URL: expected an https URL (http only to 127.0.0.1, ::1 or localhost, or with ALLOW_INSECURE_VENDOR_URLS=1) (got "http://api.faraday.example")',
    ]);
    expect(loadConfig({ ...env, ALLOW_INSECURE_VENDOR_URLS: '1' }).vendors.FARADAY).toEqual({ baseUrl: 'http://api.faraday.example', credential: 'faraday-key-123' });
    for (const url of ['http://127.0.0.1:9', 'http://127.3.2.1:9/api', 'http://localhost:9', 'http://[::1]:9']) {
      expect(loadConfig({ ...env, FARADAY_BASE_URL: url }).vendors.FARADAY?.baseUrl).toBe(url);
    }
    expect(problemsOf({ ALLOW_INSECURE_VENDOR_URLS: 'yes' })).toEqual(['ALLOW_INSECURE_VENDOR_URLS: expected 1, 0, true or false (got "yes")']);
  });

  it('gives every vendor the documented resilience defaults, with rate budgets per vendor tier', () => {
    const { upstream } = loadConfig({ GATEWAY_DEMO: '0' });
    expect(upstream).toMatchObject({ cacheMaxEntries: 1000, cacheMaxBytes: 64 * 1024 * 1024, requestTimeoutMs: 10_000 });
    expect(upstream.policies.ANYLAYER).toEqual({
      connectTimeoutMs: 2000,
      headersTimeoutMs: 5000,
      timeoutMs: 8000,
      maxRetries: 2,
      retryBaseDelayMs: 100,
      retryMaxDelayMs: 2000,
      retryBudgetRatio: 0.2,
      breaker: { failureRateThreshold: 0.5, minimumCalls: 20, windowMs: 10_000, openMs: 30_000 },
      rateLimitPerMinute: 60,
      callerShareRatio: 0.5,
      cacheTtlMs: 30_000,
      staleIfErrorMs: 600_000,
    });
    expect(upstream.policies.ANYLAYER).toEqual({ ...DEFAULT_POLICY, rateLimitPerMinute: 60 });
    expect(Object.fromEntries(Object.entries(upstream.policies).map(([id, policy]) => [id, policy.rateLimitPerMinute]))).toEqual({
      ARRAYS: 60,
      ANYLAYER: 60,
      SHARPE: 30,
      FARADAY: 60,
    });
  });

  it('reads shared UPSTREAM_* settings and per-vendor overrides', () => {
    const { upstream } = loadConfig({
      GATEWAY_DEMO: '0',
      UPSTREAM_CONNECT_TIMEOUT_MS: '500',
      UPSTREAM_HEADERS_TIMEOUT_MS: '1500',
      UPSTREAM_TIMEOUT_MS: '3000',
      SHARPE_TIMEOUT_MS: '6000',
      SHARPE_CONNECT_TIMEOUT_MS: '900',
      ANYLAYER_RATE_LIMIT_PER_MINUTE: '300',
      FARADAY_CACHE_TTL_SECONDS: '0',
      UPSTREAM_CACHE_TTL_SECONDS: '45',
      STALE_IF_ERROR_SECONDS: '60',
      UPSTREAM_MAX_RETRIES: '1',
      UPSTREAM_RETRY_BUDGET_PERCENT: '10',
      UPSTREAM_BREAKER_FAILURE_PERCENT: '75',
      UPSTREAM_BREAKER_MIN_CALLS: '5',
      UPSTREAM_BREAKER_WINDOW_MS: '20000',
      UPSTREAM_BREAKER_OPEN_MS: '5000',
      UPSTREAM_CACHE_MAX_ENTRIES: '10',
      UPSTREAM_CACHE_MAX_BYTES: '1048576',
      GATEWAY_REQUEST_TIMEOUT_MS: '7000',
    });
    expect(upstream.policies.SHARPE).toMatchObject({ timeoutMs: 6000, connectTimeoutMs: 900, headersTimeoutMs: 1500, cacheTtlMs: 45_000 });
    expect(upstream.policies.ARRAYS).toMatchObject({ timeoutMs: 3000, connectTimeoutMs: 500, rateLimitPerMinute: 60 });
    expect(upstream.policies.ANYLAYER!.rateLimitPerMinute).toBe(300);
    expect(upstream.policies.FARADAY).toMatchObject({
      cacheTtlMs: 0,
      staleIfErrorMs: 60_000,
      maxRetries: 1,
      retryBudgetRatio: 0.1,
      breaker: { failureRateThreshold: 0.75, minimumCalls: 5, windowMs: 20_000, openMs: 5000 },
    });
    expect(upstream).toMatchObject({ cacheMaxEntries: 10, cacheMaxBytes: 1_048_576, requestTimeoutMs: 7000 });
  });

  it('refuses vendor deadlines that do not fit inside the gateway request timeout, naming the variable', () => {
    const problems = problemsOf({
      GATEWAY_REQUEST_TIMEOUT_MS: '9000',
      FARADAY_TIMEOUT_MS: '9000',
      SHARPE_HEADERS_TIMEOUT_MS: '8500',
      UPSTREAM_RETRY_BASE_DELAY_MS: '3000',
      ANYLAYER_RATE_LIMIT_PER_MINUTE: '0',
      STALE_IF_ERROR_SECONDS: 'ten minutes',
    });
    // Values that are not numbers in range are reported before any cross-check.
    expect([...problems].sort()).toEqual([
      'ANYLAYER_RATE_LIMIT_PER_MINUTE: expected a whole number from 1 to 100000 (got "0")',
      'STALE_IF_ERROR_SECONDS: expected a whole number from 0 to 604800 (got "ten minutes")',
    ]);
    const fit = problemsOf({
      GATEWAY_REQUEST_TIMEOUT_MS: '9000',
      FARADAY_TIMEOUT_MS: '9000',
      SHARPE_HEADERS_TIMEOUT_MS: '8500',
      UPSTREAM_RETRY_BASE_DELAY_MS: '3000',
    });
    expect(fit).toEqual([
      'UPSTREAM_RETRY_BASE_DELAY_MS: must not exceed UPSTREAM_RETRY_MAX_DELAY_MS',
      'SHARPE_HEADERS_TIMEOUT_MS: 8500 ms exceeds the whole-call deadline (8000 ms)',
      'FARADAY_TIMEOUT_MS: the whole-call deadline (9000 ms) must be below GATEWAY_REQUEST_TIMEOUT_MS (9000 ms); retries, backoff and rate-budget waits all happen within it',
    ]);
    expect(problemsOf({ UPSTREAM_TIMEOUT_MS: '12000' })).toEqual([
      'UPSTREAM_TIMEOUT_MS: the whole-call deadline (12000 ms) must be below GATEWAY_REQUEST_TIMEOUT_MS (10000 ms); retries, backoff and rate-budget waits all happen within it',
    ]);
  });
});

describe('loadConfig: the partner usage ledger', () => {
  it('follows the stream from its beginning every 15 s into ./data by default', () => {
    const config = loadConfig({});
    expect(config.vendorSettings.ARRAYS).toEqual({ ARRAYS_START_CURSOR: '0', ARRAYS_POLL_INTERVAL_MS: 15_000 });
    expect(config.dataDir).toBe('./data');
  });

  it('reads ARRAYS_START_CURSOR, ARRAYS_POLL_INTERVAL_MS and DATA_DIR', () => {
    const config = loadConfig({ ARRAYS_START_CURSOR: '1732147200000-3', ARRAYS_POLL_INTERVAL_MS: '500', DATA_DIR: '/var/lib/gateway' });
    expect(config.vendorSettings.ARRAYS).toEqual({ ARRAYS_START_CURSOR: '1732147200000-3', ARRAYS_POLL_INTERVAL_MS: 500 });
    expect(config.dataDir).toBe('/var/lib/gateway');
  });

  it('names each bad ledger variable and what it expects', () => {
    const problems = problemsOf({ ARRAYS_START_CURSOR: 'latest', ARRAYS_POLL_INTERVAL_MS: '10' });
    expect(problems).toEqual([
      `ARRAYS_START_CURSOR: expected 0 or an Arrays stream id '<unix-ms>-<seq>' such as 1732147200000-0 (got "latest")`,
      'ARRAYS_POLL_INTERVAL_MS: expected a whole number from 100 to 86400000 (got "10")',
    ]);
    expect(problemsOf({ ARRAYS_POLL_INTERVAL_MS: '15s' })[0]).toMatch(/^ARRAYS_POLL_INTERVAL_MS: expected a whole number/);
  });
});

describe('rate budgets by mode', () => {
  it('default to the documented tiers with real vendors, and to what the simulators allow in demo mode', () => {
    const real = loadConfig({ ANYLAYER_API_KEY: SECRET, ANYLAYER_BASE_URL: 'https://anylayer.test', AUTH_DISABLED: '1' });
    expect(real.upstream.policies.ANYLAYER!.rateLimitPerMinute).toBe(60);
    expect(real.upstream.policies.SHARPE!.rateLimitPerMinute).toBe(30);
    const demo = loadConfig({});
    expect(demo.upstream.policies.ARRAYS!.rateLimitPerMinute).toBe(600);
    expect(loadConfig({ ARRAYS_RATE_LIMIT_PER_MINUTE: '90' }).upstream.policies.ARRAYS!.rateLimitPerMinute).toBe(90);
  });
});

describe('response cache', () => {
  it('reuses whole answers for 1 s by default; 0 turns it off; more than 1 s is refused', () => {
    expect(loadConfig({}).responseCacheTtlMs).toBe(1000);
    expect(loadConfig({ RESPONSE_CACHE_TTL_MS: '250' }).responseCacheTtlMs).toBe(250);
    expect(loadConfig({ RESPONSE_CACHE_TTL_MS: '0' }).responseCacheTtlMs).toBe(0);
    expect(problemsOf({ RESPONSE_CACHE_TTL_MS: '1001' })).toEqual(['RESPONSE_CACHE_TTL_MS: expected a whole number from 0 to 1000 (got "1001")']);
  });

  it('is off when any vendor cache is off: no answer outlives vendor data its TTL would refetch', () => {
    expect(loadConfig({ UPSTREAM_CACHE_TTL_SECONDS: '0' }).responseCacheTtlMs).toBe(0);
    expect(loadConfig({ SHARPE_CACHE_TTL_SECONDS: '0' }).responseCacheTtlMs).toBe(0);
    expect(loadConfig({ UPSTREAM_CACHE_TTL_SECONDS: '1', RESPONSE_CACHE_TTL_MS: '1000' }).responseCacheTtlMs).toBe(1000);
  });
});

describe('demand control', () => {
  it('refuses operations over 10 estimated vendor calls by default, and keeps each caller to half of a vendor budget', () => {
    const defaults = loadConfig({});
    expect(defaults.maxVendorCallsPerOperation).toBe(10);
    expect(Object.values(defaults.upstream.policies).map((policy) => policy.callerShareRatio)).toEqual([0.5, 0.5, 0.5, 0.5]);
    expect(loadConfig({ MAX_VENDOR_CALLS_PER_OPERATION: '40' }).maxVendorCallsPerOperation).toBe(40);
    expect(loadConfig({ CALLER_VENDOR_SHARE_PERCENT: '100' }).upstream.policies.SHARPE!.callerShareRatio).toBe(1);
    expect(problemsOf({ MAX_VENDOR_CALLS_PER_OPERATION: '0', CALLER_VENDOR_SHARE_PERCENT: '101' })).toEqual([
      'MAX_VENDOR_CALLS_PER_OPERATION: expected a whole number from 1 to 1000 (got "0")',
      'CALLER_VENDOR_SHARE_PERCENT: expected a whole number from 1 to 100 (got "101")',
    ]);
  });
});

describe('graphql-jit', () => {
  it('is on by default; GRAPHQL_JIT=0 turns it off; anything but a flag is refused', () => {
    expect(loadConfig({}).graphqlJit).toBe(true);
    expect(loadConfig({ GRAPHQL_JIT: '0' }).graphqlJit).toBe(false);
    expect(loadConfig({ GRAPHQL_JIT: 'true' }).graphqlJit).toBe(true);
    expect(problemsOf({ GRAPHQL_JIT: 'yes' })).toEqual(['GRAPHQL_JIT: expected 1, 0, true or false (got "yes")']);
  });
});

describe('the hot path', () => {
  it('is on by default; HOT_PATH=0 turns it off; anything but a flag is refused', () => {
    expect(loadConfig({}).hotPath).toBe(true);
    expect(loadConfig({ HOT_PATH: '0' }).hotPath).toBe(false);
    expect(loadConfig({ HOT_PATH: '1' }).hotPath).toBe(true);
    expect(problemsOf({ HOT_PATH: 'fast' })).toEqual(['HOT_PATH: expected 1, 0, true or false (got "fast")']);
  });
});

describe('authentication and exposure', () => {
  it('is off in demo mode without AUTH_* settings, with GraphiQL and introspection on', () => {
    expect(loadConfig({})).toMatchObject({ auth: { mode: 'off', clockToleranceSeconds: 30, demoKeys: false }, exposure: { graphiql: true, introspection: true } });
  });

  it('is on with a JWKS or an API keys file; outside demo mode GraphiQL and introspection default off', () => {
    const config = loadConfig({ SHARPE_API_KEY: SECRET, AUTH_JWKS_URL: 'https://idp.example/.well-known/jwks.json', AUTH_ISSUER: 'https://idp.example/', AUTH_CLOCK_TOLERANCE_SECONDS: '5' });
    expect(config.auth).toEqual({ mode: 'on', jwksUrl: 'https://idp.example/.well-known/jwks.json', issuer: 'https://idp.example/', clockToleranceSeconds: 5, verifiedTokens: 10_000, demoKeys: false });
    expect(loadConfig({ SHARPE_API_KEY: SECRET, AUTH_JWKS_URL: 'https://idp.example/jwks.json', AUTH_VERIFIED_TOKENS: '0' }).auth.verifiedTokens).toBe(0);
    expect(config.exposure).toEqual({ graphiql: false, introspection: false });
    expect(loadConfig({ SHARPE_API_KEY: SECRET, AUTH_API_KEYS_FILE: '/etc/gw/keys.json', GRAPHIQL: '1', INTROSPECTION: 'true' })).toMatchObject({
      auth: { mode: 'on', apiKeysFile: '/etc/gw/keys.json' },
      exposure: { graphiql: true, introspection: true },
    });
    expect(loadConfig({ GRAPHIQL: '0', INTROSPECTION: '0' }).exposure).toEqual({ graphiql: false, introspection: false });
  });

  it('refuses vendor credentials without authentication, naming the variables, unless AUTH_DISABLED=1', () => {
    expect(problemsOf({ SHARPE_API_KEY: SECRET, FARADAY_API_KEY: 'faraday-key-123' })).toEqual([
      'SHARPE_API_KEY, FARADAY_API_KEY: vendor credentials with no authentication would let anyone who reaches the port read and spend them; set AUTH_JWKS_FILE, AUTH_JWKS_URL or AUTH_API_KEYS_FILE, or AUTH_DISABLED=1 to serve without authentication on purpose',
    ]);
    expect(loadConfig({ SHARPE_API_KEY: SECRET, AUTH_DISABLED: '1' }).auth.mode).toBe('disabled');
  });

  it('refuses settings that contradict each other or cannot be safe', () => {
    expect(problemsOf({ AUTH_DISABLED: '1', AUTH_API_KEYS_FILE: '/k.json' })).toEqual(['AUTH_DISABLED: contradicts AUTH_API_KEYS_FILE; set one or the other']);
    expect(problemsOf({ AUTH_JWKS_FILE: '/j.json', AUTH_JWKS_URL: 'https://idp.example/jwks' })).toEqual([
      'AUTH_JWKS_FILE: set either AUTH_JWKS_FILE or AUTH_JWKS_URL, not both',
    ]);
    expect(problemsOf({ SHARPE_API_KEY: SECRET, AUTH_DEMO: '1' })).toEqual(['AUTH_DEMO: only in demo mode (the demo key pair must never guard real vendors)']);
    expect(problemsOf({ AUTH_AUDIENCE: 'gw' })).toEqual(['AUTH_AUDIENCE: applies to bearer tokens; set AUTH_JWKS_FILE or AUTH_JWKS_URL too']);
    expect(problemsOf({ AUTH_JWKS_URL: 'http://idp.example/jwks' })).toEqual([
      'AUTH_JWKS_URL: expected an https URL (http only to 127.0.0.1, ::1 or localhost) (got "http://idp.example/jwks")',
    ]);
    expect(loadConfig({ AUTH_JWKS_URL: 'http://127.0.0.1:8080/jwks' }).auth.jwksUrl).toBe('http://127.0.0.1:8080/jwks');
    expect(problemsOf({ AUTH_CLOCK_TOLERANCE_SECONDS: '3600' })).toEqual(['AUTH_CLOCK_TOLERANCE_SECONDS: expected a whole number from 0 to 600 (got "3600")']);
    expect(problemsOf({ AUTH_VERIFIED_TOKENS: '-1' })).toEqual(['AUTH_VERIFIED_TOKENS: expected a whole number from 0 to 1000000 (got "-1")']);
    expect(problemsOf({ AUTH_DEMO: 'yes' })).toEqual(['AUTH_DEMO: expected 1, 0, true or false (got "yes")']);
  });
});

describe('the HTTP edge', () => {
  it('defaults: no CORS origin, loopback-only Host when bound to loopback, 1 MiB bodies, Armor limits, 600 requests a minute per caller', () => {
    expect(loadConfig({}).edge).toEqual({
      corsOrigins: [],
      corsCredentials: false,
      allowedHosts: null,
      maxRequestBytes: 1024 * 1024,
      operationLimits: { depth: 12, aliases: 30, tokens: 8000, directives: 50, cost: 5_000_000 },
      callerRateLimitPerMinute: 600,
      subscriptionsPerCaller: 10,
      subscriptionsTotal: 1000,
    });
  });

  it('reads the subscription limits, and refuses them out of range', () => {
    expect(loadConfig({ SUBSCRIPTIONS_MAX_PER_CALLER: '3', SUBSCRIPTIONS_MAX_TOTAL: '50' }).edge).toMatchObject({ subscriptionsPerCaller: 3, subscriptionsTotal: 50 });
    expect(problemsOf({ SUBSCRIPTIONS_MAX_PER_CALLER: '0' })).toEqual(['SUBSCRIPTIONS_MAX_PER_CALLER: expected a whole number from 1 to 10000 (got "0")']);
    expect(problemsOf({ SUBSCRIPTIONS_MAX_TOTAL: '1000001' })).toEqual(['SUBSCRIPTIONS_MAX_TOTAL: expected a whole number from 1 to 1000000 (got "1000001")']);
  });

  it('reads lists and limits', () => {
    const { edge } = loadConfig({
      CORS_ORIGINS: 'https://app.example, http://localhost:5173',
      CORS_CREDENTIALS: '1',
      ALLOWED_HOSTS: 'Usage.Internal,usage.internal:8443',
      MAX_REQUEST_BYTES: '65536',
      MAX_ALIASES: '100',
      CALLER_RATE_LIMIT_PER_MINUTE: '0',
    });
    expect(edge).toMatchObject({
      corsOrigins: ['https://app.example', 'http://localhost:5173'],
      corsCredentials: true,
      allowedHosts: ['usage.internal', 'usage.internal:8443'],
      maxRequestBytes: 65536,
      operationLimits: { aliases: 100 },
      callerRateLimitPerMinute: 0,
    });
  });

  it('refuses a wildcard or a non-origin in CORS_ORIGINS, a bad host, and limits out of range', () => {
    expect(problemsOf({ CORS_ORIGINS: '*' })).toEqual(['CORS_ORIGINS: list the origins allowed (scheme://host[:port]); "*" would let any web page read the gateway']);
    expect(problemsOf({ CORS_ORIGINS: 'https://app.example/path' })).toEqual([
      'CORS_ORIGINS: "https://app.example/path" is not an origin (expected scheme://host[:port], no path)',
    ]);
    expect(problemsOf({ ALLOWED_HOSTS: 'evil example' })).toEqual(['ALLOWED_HOSTS: "evil example" is not a host name (optionally with :port)']);
    expect(problemsOf({ MAX_REQUEST_BYTES: '10' })).toEqual(['MAX_REQUEST_BYTES: expected a whole number from 1024 to 67108864 (got "10")']);
    expect(problemsOf({ MAX_DEPTH: '0' })).toEqual(['MAX_DEPTH: expected a whole number from 1 to 100 (got "0")']);
  });
});
