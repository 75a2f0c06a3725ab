import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { displayUrl, validateWebhookEndpoints } from '../../../../src/monitoring/alerts/webhooks/endpoints.js';

const secret = () => `whsec_${randomBytes(32).toString('base64')}`;
const entry = (fields: Record<string, unknown> = {}) => ({ id: 'ops', url: 'https://hooks.example.com/usage', secretVariables: ['OPS_SECRET'], ...fields });

describe('validateWebhookEndpoints', () => {
  it('reads valid endpoints with a signer over the named secrets, and no section as none', () => {
    const env = { OPS_SECRET: secret(), OLD_SECRET: secret() };
    const { endpoints, problems } = validateWebhookEndpoints(
      [entry(), entry({ id: 'rotating', secretVariables: ['OPS_SECRET', 'OLD_SECRET'], rules: ['quota-80', 'quota-80'] })],
      env,
    );
    expect(problems).toEqual([]);
    expect(endpoints.map((e) => [e.id, e.url, e.secretVariables, e.rules, e.signer.secretCount])).toEqual([
      ['ops', 'https://hooks.example.com/usage', ['OPS_SECRET'], null, 1],
      ['rotating', 'https://hooks.example.com/usage', ['OPS_SECRET', 'OLD_SECRET'], ['quota-80'], 2],
    ]);
    expect(validateWebhookEndpoints(undefined, env)).toEqual({ endpoints: [], problems: [] });
    expect(validateWebhookEndpoints(null, env)).toEqual({ endpoints: [], problems: [] });
    expect(validateWebhookEndpoints({ id: 'x' }, env).problems).toEqual(['webhooks: expected a list of endpoints']);
  });

  it('gives one message per bad entry, naming it, and keeps the good ones', () => {
    const value = secret();
    const env = { OPS_SECRET: value, SHORT: `whsec_${randomBytes(8).toString('base64')}`, RAW: 'not-a-whsec-secret-at-all' };
    const { endpoints, problems } = validateWebhookEndpoints(
      [
        entry(),
        entry(),
        entry({ id: '9lives' }),
        entry({ id: 'plain', url: 'http://hooks.example.com/usage' }),
        entry({ id: 'userinfo', url: 'https://user:pw@hooks.example.com/usage' }),
        entry({ id: 'ftp', url: 'ftp://hooks.example.com/usage' }),
        entry({ id: 'unset', secretVariables: ['NOT_SET'] }),
        entry({ id: 'short', secretVariables: ['SHORT'] }),
        entry({ id: 'raw', secretVariables: ['RAW'] }),
        entry({ id: 'three', secretVariables: ['OPS_SECRET', 'SHORT', 'RAW'] }),
        entry({ id: 'allow', allowHttp: true }),
        entry({ id: 'rules', rules: 'quota-80' }),
        'https://hooks.example.com',
      ],
      env,
    );
    expect(endpoints.map((e) => e.id)).toEqual(['ops']);
    expect(problems).toEqual([
      'webhooks[1]: the id "ops" is used by an earlier endpoint; ids are unique',
      'webhooks[2]: id: expected a name of letters, digits and underscores, not starting with a digit',
      'webhooks[3]: endpoint "plain": url: expected https (plain http only to 127.0.0.1, ::1 or localhost, or with ALLOW_INSECURE_VENDOR_URLS=1)',
      'webhooks[4]: endpoint "userinfo": url: must not carry user info (user:password@): the request is authenticated by its signature',
      'webhooks[5]: endpoint "ftp": url: expected an https URL',
      'webhooks[6]: endpoint "unset": the secret variable "NOT_SET" is not set',
      'webhooks[7]: endpoint "short": Webhook secret "SHORT" is refused: the key decodes to fewer than 24 bytes',
      'webhooks[8]: endpoint "raw": Webhook secret "RAW" is refused: expected the "whsec_" prefix followed by base64',
      'webhooks[9]: endpoint "three": secretVariables: expected a list of 1 or 2 variable names (two while a secret rotates)',
      'webhooks[10]: unknown key "allowHttp"; an endpoint has id, url, secretVariables and rules (plain http beyond loopback is allowed for every endpoint at once by ALLOW_INSECURE_VENDOR_URLS=1)',
      'webhooks[11]: endpoint "rules": rules: expected a list of rule ids',
      'webhooks[12]: expected an endpoint: { id, url, secretVariables, rules? }',
    ]);
    // No message quotes a secret, or any part of one.
    for (const text of [value, env.SHORT, env.RAW]) {
      for (const problem of problems) expect(problem).not.toContain(text.slice(6, 18));
    }
  });

  it('admits plain http to loopback always and elsewhere only with the vendors’ allowance', () => {
    const env = { OPS_SECRET: secret() };
    const urls = ['http://127.0.0.1:8080/hook', 'http://localhost/hook', 'http://[::1]:9000/hook'];
    expect(validateWebhookEndpoints(urls.map((url, i) => entry({ id: `l${i}`, url })), env).problems).toEqual([]);
    const remote = [entry({ url: 'http://hooks.example.com/usage' })];
    expect(validateWebhookEndpoints(remote, env).problems).toHaveLength(1);
    expect(validateWebhookEndpoints(remote, { ...env, ALLOW_INSECURE_VENDOR_URLS: '1' }).problems).toEqual([]);
    expect(validateWebhookEndpoints(remote, { ...env, ALLOW_INSECURE_VENDOR_URLS: '0' }).problems).toHaveLength(1);
  });

  it('checks rule ids against the rules when given them', () => {
    const env = { OPS_SECRET: secret() };
    expect(validateWebhookEndpoints([entry({ rules: ['a', 'b'] })], env, ['a']).problems).toEqual(['webhooks[0]: endpoint "ops": rules: no rule has the id "b"']);
    expect(validateWebhookEndpoints([entry({ rules: ['a'] })], env, ['a']).problems).toEqual([]);
  });

  it('shows URLs without query string or user info', () => {
    expect(displayUrl('https://hooks.example.com:8443/usage?token=abc#x')).toBe('https://hooks.example.com:8443/usage');
  });
});
