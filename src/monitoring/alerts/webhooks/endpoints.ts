import { isLoopbackHost, optionalFlag } from '../../../common/env-values.js';
import { GRAPHQL_NAME } from '../../../common/graphql-name.js';
import { createWebhookSigner, WebhookSecretError, type WebhookSigner } from '../../../common/webhook-signature.js';

/**
 * The `webhooks:` section of the rules file, validated: the endpoints alert events are delivered
 * to, each with the signer made from the secrets its variables hold. Every bad entry gives one
 * message naming the entry and what is wrong; no message quotes a secret's value.
 */

/** The variable that admits plain http to hosts other than loopback, for webhook endpoints as for vendors. */
export const ALLOW_INSECURE_URLS_VARIABLE = 'ALLOW_INSECURE_VENDOR_URLS';

/** Secrets per endpoint: one, or two while one rotates out. */
export const MAX_SECRETS_PER_ENDPOINT = 2;

/** A webhook endpoint as the delivery worker uses it. */
export interface WebhookEndpoint {
  /** Unique in the rules file and a GraphQL name, so the schema and metrics can name it. */
  readonly id: string;
  /** Where deliveries are POSTed, as configured (its query string included, which may carry a receiver's token). */
  readonly url: string;
  /** The names of the variables holding its `whsec_` secrets, newest first (never their values). */
  readonly secretVariables: readonly string[];
  /** The rule ids whose events it receives; null: every rule. */
  readonly rules: readonly string[] | null;
  /** Signs each attempt with every configured secret. */
  readonly signer: WebhookSigner;
}

const ENDPOINT_KEYS = new Set(['id', 'url', 'secretVariables', 'rules']);
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Validates the rules file's `webhooks:` section. An absent section (undefined or null) is no
 * endpoint. `env` is the process environment: the secrets are read from the variables each entry
 * names, and `ALLOW_INSECURE_VENDOR_URLS=1` admits plain http beyond loopback. With `knownRuleIds`,
 * an endpoint naming a rule that does not exist is a problem too. Only valid entries are returned;
 * a bad entry is left out and reported in `problems`.
 */
export function validateWebhookEndpoints(
  section: unknown,
  env: Readonly<Record<string, string | undefined>>,
  knownRuleIds?: readonly string[],
): { endpoints: WebhookEndpoint[]; problems: string[] } {
  const endpoints: WebhookEndpoint[] = [];
  const problems: string[] = [];
  if (section === undefined || section === null) return { endpoints, problems };
  if (!Array.isArray(section)) return { endpoints, problems: ['webhooks: expected a list of endpoints'] };
  const flag = optionalFlag.safeParse(env[ALLOW_INSECURE_URLS_VARIABLE]?.trim());
  const allowInsecure = flag.success && flag.data === true;
  const seen = new Set<string>();
  section.forEach((entry: unknown, index) => {
    const where = `webhooks[${index}]`;
    const result = validateEntry(entry, env, allowInsecure, knownRuleIds);
    if (typeof result === 'string') {
      problems.push(`${where}: ${result}`);
      return;
    }
    if (seen.has(result.id)) {
      problems.push(`${where}: the id "${result.id}" is used by an earlier endpoint; ids are unique`);
      return;
    }
    seen.add(result.id);
    endpoints.push(result);
  });
  return { endpoints, problems };
}

/** The endpoint, or the one message saying what is wrong with the entry. */
function validateEntry(
  entry: unknown,
  env: Readonly<Record<string, string | undefined>>,
  allowInsecure: boolean,
  knownRuleIds: readonly string[] | undefined,
): WebhookEndpoint | string {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return 'expected an endpoint: { id, url, secretVariables, rules? }';
  const fields = entry as Record<string, unknown>;
  const unknown = Object.keys(fields).filter((key) => !ENDPOINT_KEYS.has(key));
  if (unknown.length > 0) {
    return `unknown key ${unknown.map((key) => `"${key}"`).join(', ')}; an endpoint has id, url, secretVariables and rules` +
      (unknown.includes('allowHttp') ? ` (plain http beyond loopback is allowed for every endpoint at once by ${ALLOW_INSECURE_URLS_VARIABLE}=1)` : '');
  }
  const { id, url, secretVariables, rules } = fields;
  if (typeof id !== 'string' || !GRAPHQL_NAME.test(id)) return 'id: expected a name of letters, digits and underscores, not starting with a digit';
  const prefix = `endpoint "${id}": `;
  const urlProblem = checkUrl(url, allowInsecure);
  if (urlProblem !== null) return prefix + urlProblem;
  if (!Array.isArray(secretVariables) || secretVariables.length < 1 || secretVariables.length > MAX_SECRETS_PER_ENDPOINT) {
    return `${prefix}secretVariables: expected a list of 1 or ${MAX_SECRETS_PER_ENDPOINT} variable names (two while a secret rotates)`;
  }
  const names: string[] = [];
  for (const name of secretVariables) {
    if (typeof name !== 'string' || !VARIABLE_NAME.test(name)) return `${prefix}secretVariables: expected names of environment variables`;
    if (names.includes(name)) return `${prefix}secretVariables: "${name}" is named twice`;
    names.push(name);
  }
  const unset = names.filter((name) => (env[name] ?? '').trim() === '');
  if (unset.length > 0) return `${prefix}the secret variable ${unset.map((name) => `"${name}"`).join(' and ')} is not set`;
  let signer: WebhookSigner;
  try {
    signer = createWebhookSigner(names.map((name) => ({ name, value: env[name]!.trim() })));
  } catch (error) {
    // The signer's messages name the variable and the problem, never the value.
    if (error instanceof WebhookSecretError) return prefix + error.message;
    throw error;
  }
  let ruleIds: string[] | null = null;
  if (rules !== undefined && rules !== null) {
    if (!Array.isArray(rules) || rules.some((rule) => typeof rule !== 'string' || rule === '')) return `${prefix}rules: expected a list of rule ids`;
    ruleIds = [...new Set(rules as string[])];
    const missing = knownRuleIds === undefined ? [] : ruleIds.filter((rule) => !knownRuleIds.includes(rule));
    if (missing.length > 0) return `${prefix}rules: no rule has the id ${missing.map((rule) => `"${rule}"`).join(', ')}`;
  }
  return { id, url: (url as string).trim(), secretVariables: names, rules: ruleIds, signer };
}

/** Why `url` cannot be an endpoint's URL, or null. Messages never quote the URL: it may carry a token. */
function checkUrl(url: unknown, allowInsecure: boolean): string | null {
  if (typeof url !== 'string' || !URL.canParse(url.trim())) return 'url: expected an https URL';
  const parsed = new URL(url.trim());
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return 'url: expected an https URL';
  if (parsed.username !== '' || parsed.password !== '') {
    return 'url: must not carry user info (user:password@): the request is authenticated by its signature';
  }
  if (parsed.protocol === 'http:' && !allowInsecure && !isLoopbackHost(parsed.hostname)) {
    return `url: expected https (plain http only to 127.0.0.1, ::1 or localhost, or with ${ALLOW_INSECURE_URLS_VARIABLE}=1)`;
  }
  if (parsed.hash !== '') return 'url: must not have a #fragment (it is never sent)';
  return null;
}

/** The URL as state and logs show it: without query string, fragment or user info, any of which may carry a secret. */
export function displayUrl(url: string): string {
  const parsed = new URL(url);
  return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
}
