import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

const SECRET = 'sk_live_canary_0123456789abcdef';

function problemsOf(env: Record<string, string>): readonly string[] {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('defaults to demo mode on 127.0.0.1:4000 with an 8 s upstream deadline', () => {
    const config = loadConfig({});
    expect(config).toEqual({ port: 4000, host: '127.0.0.1', upstreamTimeoutMs: 8000, logLevel: 'info', demo: true, vendors: {} });
  });

  it('enables exactly the vendors whose credential is set, with production base URLs by default', () => {
    const config = loadConfig({ SHARPE_API_KEY: SECRET, FARADAY_API_KEY: 'faraday-key-123', FARADAY_BASE_URL: 'http://127.0.0.1:9/' });
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
});
