import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Logger } from '../../../src/common/logger.js';
import { AlertRulesInvalidError } from '../../../src/monitoring/alerts/alert-errors.js';
import { parseRulesFile, readRulesFile, watchRulesFile } from '../../../src/monitoring/alerts/rules-file.js';
import { DEFAULT_RULES } from '../../../src/usage/alert-rules.js';

const OPS_SECRET = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
const variables = (name: string) => (name === 'OPS_WEBHOOK_SECRET' ? OPS_SECRET : undefined);
import { eventually } from '../../support/eventually.js';
import { tempDir } from '../../support/temp-dir.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const GOOD = `# thresholds of every quota
rules:
  - id: warn
    kind: UTILIZATION
    percent: 75
  - { id: big, kind: ABSOLUTE, value: 1000000, provider: SHARPE }
webhooks:
  - id: ops
    url: https://hooks.example.com/alerts
    secretVariables: [OPS_WEBHOOK_SECRET]
`;

function recordingLogger() {
  const lines: { level: string; message: string; fields: Record<string, unknown> }[] = [];
  const at = (level: string) => (message: string, fields: Record<string, unknown> = {}) => void lines.push({ level, message, fields });
  const logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') } as unknown as Logger;
  return { logger, lines };
}

describe('the alert rules file', () => {
  it('reads rules from YAML and its webhook endpoints, validated, with their secrets from the variables they name', () => {
    const { source, problems } = parseRulesFile(GOOD, 'rules.yaml', variables);
    expect(problems).toEqual([]);
    expect(source.rules).toEqual([
      { id: 'warn', kind: 'UTILIZATION', percent: 75 },
      { id: 'big', kind: 'ABSOLUTE', value: 1_000_000, provider: 'SHARPE' },
    ]);
    expect(source.webhooks).toEqual([expect.objectContaining({ id: 'ops', url: 'https://hooks.example.com/alerts' })]);
    expect(JSON.stringify(source.webhooks)).not.toContain(OPS_SECRET.slice(6, 30));
  });

  it('lists a bad webhook entry with its line, without the secret, and a webhook naming an unknown rule', () => {
    const text = `rules:\n  - { id: warn, kind: UTILIZATION, percent: 75 }\nwebhooks:\n  - { id: ops, url: "http://hooks.example.com/a", secretVariables: [OPS_WEBHOOK_SECRET] }\n  - { id: pager, url: "https://pager.example.com/a", secretVariables: [UNSET_SECRET], rules: [warm] }\n`;
    const { source, problems } = parseRulesFile(text, 'rules.yaml', variables);
    expect(source.webhooks).toEqual([]);
    // One message per bad entry, each at its line.
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/^rules\.yaml:4: webhooks\[0\].*expected https/);
    expect(problems[1]).toMatch(/^rules\.yaml:5: webhooks\[1\].*UNSET_SECRET/);
    expect(problems.join('\n')).not.toContain(OPS_SECRET.slice(6, 30));
    const unknownRule = parseRulesFile(text.replace('http://hooks', 'https://hooks').replace('UNSET_SECRET', 'OPS_WEBHOOK_SECRET'), 'rules.yaml', variables);
    expect(unknownRule.problems).toEqual([expect.stringMatching(/^rules\.yaml:5: webhooks\[1\].*warm/)]);
    expect(unknownRule.source.webhooks.map((endpoint) => endpoint.id)).toEqual(['ops']);
  });

  it('reads JSON too; without `rules` the defaults apply, `rules: []` means none', () => {
    expect(parseRulesFile('{"rules": [{"id": "a", "kind": "ABSOLUTE", "value": 5}]}', 'rules.json').source.rules).toEqual([{ id: 'a', kind: 'ABSOLUTE', value: 5 }]);
    expect(parseRulesFile('webhooks: []\n', 'r.yaml').source.rules).toEqual(DEFAULT_RULES);
    expect(parseRulesFile('rules: []\n', 'r.yaml').source.rules).toEqual([]);
  });

  it('lists one problem per bad entry, naming the file and the line', () => {
    const text = `rules:
  - id: ok
    kind: UTILIZATION
    percent: 80
  - id: zero
    kind: UTILIZATION
    percent: 0
  - id: ok
    kind: ABSOLUTE
    value: 3
  - kind: SOMETHING
extra: true
`;
    expect(parseRulesFile(text, '/etc/gw/rules.yaml').problems).toEqual([
      '/etc/gw/rules.yaml:12: unknown top-level key "extra" (expected rules, webhooks)',
      '/etc/gw/rules.yaml:5: rules[1] (id "zero"): percent must be a positive number',
      '/etc/gw/rules.yaml:8: rules[2] (id "ok"): id is already used by rules[0]',
      '/etc/gw/rules.yaml:11: rules[3]: kind must be one of UTILIZATION, ABSOLUTE, PROJECTED_EXHAUSTION, PARTNER_DAILY_CALLS',
    ]);
  });

  it('says where the YAML itself is broken, and refuses a file that is not a mapping', () => {
    expect(parseRulesFile('rules:\n  - id: a\n    id: b\n', 'r.yaml').problems).toEqual([expect.stringMatching(/^r\.yaml:3: .*unique/i)]);
    expect(parseRulesFile('- just a list\n', 'r.yaml').problems).toEqual(['r.yaml: must be a mapping with the keys rules and webhooks']);
  });

  it('refuses a missing file with its path, as an AlertRulesInvalidError', async () => {
    const error = await readRulesFile('/nonexistent/rules.yaml').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AlertRulesInvalidError);
    expect(error).toMatchObject({ code: 'ALERT_RULES_INVALID', problems: ['/nonexistent/rules.yaml: does not exist'] });
  });

  it('on reload (SIGHUP or a change on disk) takes a good file and keeps the last good one over a bad one, with one warning', async () => {
    const { dir, cleanup } = await tempDir('alert-rules-');
    cleanups.push(cleanup);
    const path = join(dir, 'rules.yaml');
    await writeFile(path, GOOD);
    const { logger, lines } = recordingLogger();
    const reloaded: number[] = [];
    const watched = watchRulesFile({ initial: { ...(await readRulesFile(path, variables)), path }, logger, variables, pollIntervalMs: 20, debounceMs: 10, onReload: (source) => void reloaded.push(source.rules.length) });
    cleanups.push(() => watched.close());
    await writeFile(path, 'rules:\n  - { id: x, kind: UTILIZATION, percent: -1 }\n  - { id: y, kind: NOPE }\n');
    expect(await watched.reload()).toBe(false);
    expect(watched.current().rules.map((rule) => rule.id)).toEqual(['warn', 'big']);
    const warnings = lines.filter((line) => line.level === 'warn');
    expect(warnings.length).toBe(1);
    expect(warnings[0]!.fields.problems).toEqual([
      `${path}:2: rules[0] (id "x"): percent must be a positive number`,
      `${path}:3: rules[1] (id "y"): kind must be one of UTILIZATION, ABSOLUTE, PROJECTED_EXHAUSTION, PARTNER_DAILY_CALLS`,
    ]);
    // A change on disk is picked up without a signal.
    await writeFile(path, 'rules:\n  - { id: only, kind: ABSOLUTE, value: 7 }\n');
    await eventually(() => watched.current().rules.length === 1, { what: 'the changed rules file to be reloaded' });
    expect(watched.current().rules).toEqual([{ id: 'only', kind: 'ABSOLUTE', value: 7 }]);
    expect(reloaded.at(-1)).toBe(1);
  });
});
