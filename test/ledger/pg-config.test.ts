import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/index.js';

const problems = (env: Record<string, string>): string[] => {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems, error.message];
    throw error;
  }
  return [];
};

describe('DATABASE_URL and LEDGER_LEADER_TAKEOVER_SECONDS', () => {
  it('leave the embedded file ledger as it was when DATABASE_URL is unset', () => {
    expect(loadConfig({}).ledgerDatabase).toBeNull();
    expect(loadConfig({ DATABASE_URL: '  ' }).ledgerDatabase).toBeNull();
  });

  it('read a PostgreSQL URL, its decoded password, and a takeover time of 15 s by default', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://gw:p%40ss%2Fword@db.internal:5432/usage' }).ledgerDatabase).toEqual({
      url: 'postgres://gw:p%40ss%2Fword@db.internal:5432/usage',
      password: 'p@ss/word',
      leaderTakeoverSeconds: 15,
    });
    expect(loadConfig({ DATABASE_URL: 'postgresql://gw@127.0.0.1/usage?sslmode=disable', LEDGER_LEADER_TAKEOVER_SECONDS: '3' }).ledgerDatabase).toMatchObject({
      password: null,
      leaderTakeoverSeconds: 3,
    });
  });

  it('refuse a bad URL naming the variable, never quoting it or its password', () => {
    const secret = 'hunter2-do-not-print';
    for (const url of [`mysql://gw:${secret}@db/usage`, `postgres://gw:${secret}@db.internal:5432`, `postgres://gw:${secret}@/usage`, `not a url ${secret}`, `postgres://gw:%E0%A4%A@db/usage?x=${secret}`]) {
      const found = problems({ DATABASE_URL: url });
      expect(found.length, url).toBeGreaterThan(0);
      expect(found[0]).toMatch(/^DATABASE_URL: expected/);
      for (const problem of found) expect(problem).not.toContain(secret);
    }
  });

  it('refuse a takeover time out of 2 to 600 seconds, with or without a database', () => {
    for (const value of ['1', '601', '2.5', 'soon', '-3']) {
      expect(problems({ LEDGER_LEADER_TAKEOVER_SECONDS: value })[0]).toBe(`LEDGER_LEADER_TAKEOVER_SECONDS: expected a whole number from 2 to 600 (got "${value}")`);
    }
    expect(loadConfig({ DATABASE_URL: 'postgres://gw@db/usage', LEDGER_LEADER_TAKEOVER_SECONDS: '600' }).ledgerDatabase?.leaderTakeoverSeconds).toBe(600);
  });
});
