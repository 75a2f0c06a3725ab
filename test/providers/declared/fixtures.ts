import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The Sharpe vendor file kept as an example in the repository. */
export const SHARPE_FILE_PATH = fileURLToPath(new URL('../../../examples/vendors/sharpe.yaml', import.meta.url));
export const SHARPE_FILE_TEXT = readFileSync(SHARPE_FILE_PATH, 'utf8');

/** The Faraday vendor file kept as an example in the repository. */
export const FARADAY_FILE_PATH = fileURLToPath(new URL('../../../examples/vendors/faraday.yaml', import.meta.url));
export const FARADAY_FILE_TEXT = readFileSync(FARADAY_FILE_PATH, 'utf8');

/**
 * A small vendor file whose answers look like real usage APIs: counts as strings, reset times as
 * epoch seconds, quotas keyed by name, alerts with vendor kinds. `mapping` replaces its account
 * block (indented by four spaces), `extra` is appended at the top level.
 */
export function acmeFile(options: { mapping?: string; extra?: string; calls?: string; auth?: string } = {}): string {
  return `id: ACME
name: Acme
baseUrl:
  default: https://api.acme.test/api
auth:
${options.auth ?? '  kind: bearer'}
rateLimit: { default: 60, demo: 600 }
calls:
${options.calls ?? '  usage:\n    path: /v2/usage\n    query: { since: { relative: startOfMonth, as: epochSeconds }, team: core }'}
errors:
  message: error.message
  vendorCode: error.code
  rules:
    - { status: 200, bodyPath: ok, equals: false, code: UPSTREAM_BAD_RESPONSE }
account:
${options.mapping ?? `  plan:
    tier: usage.account.plan
  quotas:
    - eachEntry: usage.limits
      orderBy: name
      name: '@key'
      used: { path: used, as: number }
      limit: { path: max, as: number }
      resetsAt: { path: reset, as: epochSeconds }
  alerts:
    - each: usage.alerts
      type: { path: kind, map: { errors_high: HIGH_ERROR_RATE } }
      severity: { path: level, map: { warn: WARNING, crit: CRITICAL } }
      message: text
  recordedAt: { path: usage.generated, as: epochMillis }`}
demoCredential: acme_demo_key_0001
examples:
  - name: two quotas
    responses:
      usage:
        body:
          ok: true
          account: { plan: growth }
          limits:
            seats: { used: "12", max: "50", reset: 1775001600 }
            api_calls: { used: "9007199254740991", max: "9007199254740991", reset: 1775001600 }
          alerts:
            - { kind: errors_high, level: warn, text: Many errors }
            - { kind: brand_new_kind, level: unknown, text: Something new }
          generated: 1772366400000
  - name: a bad key
    responses:
      usage:
        status: 401
        body: { ok: false, error: { code: BAD_KEY, message: key not valid } }
    expect: { error: UPSTREAM_AUTH_FAILED }
${options.extra ?? ''}`;
}
