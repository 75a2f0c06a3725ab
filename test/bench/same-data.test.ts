import { describe, expect, it } from 'vitest';
import { compareOverviewAnswers, firstDifference, meshSharpeQuotaUsed } from '../../bench/lib/same-data.js';

const overview = (sharpeUsed: number, fetchedAt: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    data: {
      accounts: [
        { provider: { id: 'ARRAYS', simulated: false }, error: null, account: { quotas: [], alerts: [], fetchedAt } },
        { provider: { id: 'SHARPE', simulated: false }, error: null, account: { quotas: [{ name: 'monthly_requests', used: sharpeUsed, limit: 1_000_000 }], alerts: [], fetchedAt } },
      ],
    },
    ...extra,
  });
const meshOverview = (used: number, errors?: unknown[]) => JSON.stringify({ data: { sharpeUsage: { data: { quota: { used } } } }, ...(errors ? { errors } : {}) });

describe('compareOverviewAnswers', () => {
  const ours = overview(42, '2026-01-01T00:00:00.000Z', { extensions: { cost: 3 } });

  it('holds for peers equal but for fetch times (ours) or with the same Sharpe quota used (Mesh)', () => {
    const { same, differences } = compareOverviewAnswers(ours, {
      ourShape: { apolloEqualsOurs: overview(42, '2026-01-01T00:00:09.000Z'), apolloCachedEqualsOurs: overview(42, '2026-01-01T00:00:01.000Z') },
      meshShape: { meshCachedSharpeQuotaUsedEqualsOurs: meshOverview(42) },
    });
    expect(same).toEqual({ apolloEqualsOurs: true, apolloCachedEqualsOurs: true, meshCachedSharpeQuotaUsedEqualsOurs: true });
    expect(differences).toEqual({});
  });

  it('fails each differing peer on its own and says where the data first differs', () => {
    const { same, differences } = compareOverviewAnswers(ours, {
      ourShape: { apolloEqualsOurs: overview(42, 'x'), apolloCachedEqualsOurs: overview(41, 'x') },
      meshShape: { meshSharpeQuotaUsedEqualsOurs: meshOverview(41), meshCachedSharpeQuotaUsedEqualsOurs: meshOverview(42, [{ message: '429' }]) },
    });
    expect(same).toEqual({ apolloEqualsOurs: true, apolloCachedEqualsOurs: false, meshSharpeQuotaUsedEqualsOurs: false, meshCachedSharpeQuotaUsedEqualsOurs: false });
    expect(differences.apolloCachedEqualsOurs).toBe('$.accounts.1.account.quotas.0.used: 42 vs 41');
  });

  it('refuses to compare against an answer of ours that carries an error', () => {
    const dirty = JSON.stringify({ data: { accounts: [] }, errors: [{ message: 'boom' }] });
    expect(() => compareOverviewAnswers(dirty, { ourShape: {}, meshShape: {} })).toThrow(/not clean/);
  });
});

describe('firstDifference and meshSharpeQuotaUsed', () => {
  it('reports key order when only the order differs', () => {
    expect(firstDifference({ a: 1, b: 2 }, { b: 2, a: 1 })).toBe('$ (key order: ["a","b"] vs ["b","a"])');
    expect(firstDifference({ a: [1] }, { a: [1] })).toBeNull();
  });

  it('reads no quota from a Mesh answer with errors', () => {
    expect(meshSharpeQuotaUsed(meshOverview(7))).toBe(7);
    expect(meshSharpeQuotaUsed(meshOverview(7, [{ message: 'x' }]))).toBeUndefined();
  });
});
