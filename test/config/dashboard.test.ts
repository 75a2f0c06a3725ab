import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { configProblems } from '../support/config-problems.js';

const root = mkdtempSync(join(tmpdir(), 'dashboard-config-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function folder(name: string, files: Record<string, string> = {}): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
  return dir;
}

describe('dashboard configuration', () => {
  it('is on by default, serving the build beside the gateway', () => {
    expect(loadConfig({}).dashboard).toEqual({ enabled: true, dir: null });
  });

  it('DASHBOARD=0 turns it off, and then DASHBOARD_DIR is not looked at', () => {
    expect(loadConfig({ DASHBOARD: '0' }).dashboard.enabled).toBe(false);
    expect(loadConfig({ DASHBOARD: 'false', DASHBOARD_DIR: join(root, 'nowhere') }).dashboard).toEqual({ enabled: false, dir: join(root, 'nowhere') });
  });

  it('DASHBOARD_DIR names a built dashboard to serve', () => {
    const dir = folder('built', { 'index.html': '<!doctype html>' });
    expect(loadConfig({ DASHBOARD_DIR: dir }).dashboard).toEqual({ enabled: true, dir });
  });

  it('refuses a DASHBOARD that is not a flag', () => {
    expect(configProblems({ DASHBOARD: 'maybe' })).toEqual(['DASHBOARD: expected 1, 0, true or false (got "maybe")']);
  });

  it('refuses a DASHBOARD_DIR that does not exist', () => {
    const dir = join(root, 'missing');
    expect(configProblems({ DASHBOARD_DIR: dir })).toEqual([`DASHBOARD_DIR: does not exist (got ${JSON.stringify(dir)})`]);
  });

  it('refuses a DASHBOARD_DIR that is a file', () => {
    const file = join(folder('files', { 'index.html': 'x' }), 'index.html');
    expect(configProblems({ DASHBOARD_DIR: file })).toEqual([`DASHBOARD_DIR: is not a directory (got ${JSON.stringify(file)})`]);
  });

  it('refuses a DASHBOARD_DIR without index.html, saying how to build one', () => {
    const dir = folder('unbuilt', { 'readme.txt': 'not a build' });
    const [problem, ...others] = configProblems({ DASHBOARD_DIR: dir });
    expect(others).toEqual([]);
    expect(problem).toMatch(/^DASHBOARD_DIR: holds no index\.html: not a built dashboard \(`npm run build` writes one to dist\/dashboard\)/);
    expect(problem).toContain(JSON.stringify(dir));
  });
});
