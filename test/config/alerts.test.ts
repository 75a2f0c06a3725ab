import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { DEFAULT_RULES } from '../../src/usage/alert-rules.js';
import { configProblems } from '../support/config-problems.js';
import { tempDir } from '../support/temp-dir.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function rulesFile(text: string): Promise<string> {
  const { dir, cleanup } = await tempDir('alert-config-');
  cleanups.push(cleanup);
  const path = join(dir, 'rules.yaml');
  await writeFile(path, text);
  return path;
}

describe('alerting configuration', () => {
  it('without ALERT_RULES uses the default rules', () => {
    expect(loadConfig({}).alerts).toEqual({ rulesFile: null, rules: { path: null, rules: DEFAULT_RULES, webhooks: [] } });
  });

  it('ALERT_RULES names a rules file, read at start', async () => {
    const path = await rulesFile('rules:\n  - { id: half, kind: UTILIZATION, percent: 50 }\n');
    expect(loadConfig({ ALERT_RULES: path }).alerts).toEqual({ rulesFile: path, rules: { path, rules: [{ id: 'half', kind: 'UTILIZATION', percent: 50 }], webhooks: [] } });
  });

  it('stops the start on a bad file with every problem listed, beside the other variables', async () => {
    const path = await rulesFile('rules:\n  - { id: a, kind: UTILIZATION }\n  - { id: b, kind: ABSOLUTE, value: 1.5 }\n');
    expect(configProblems({ ALERT_RULES: path, PORT: 'x' })).toEqual([
      'PORT: expected a whole number from 0 to 65535 (got "x")',
      `ALERT_RULES: ${path}:2: rules[0] (id "a"): percent is required`,
      `ALERT_RULES: ${path}:3: rules[1] (id "b"): value must be a whole number from 1 to 2^53 - 1`,
    ]);
  });

  it('refuses a file that does not exist', () => {
    expect(configProblems({ ALERT_RULES: '/nonexistent/rules.yaml' })).toEqual(['ALERT_RULES: /nonexistent/rules.yaml: does not exist']);
  });
});
