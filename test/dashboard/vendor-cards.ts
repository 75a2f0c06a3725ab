import type { Page } from 'playwright-core';

/**
 * Reading the overview's vendor cards as a person reads them (the text of each `data-field`
 * element) and comparing them with the API's answer to the same question.
 */

/** The overview's numbers as a test asks the API for them. */
export const CARD_QUERY = `{
  accounts {
    provider { kind }
    error { code message }
    account {
      fetchedAt ageSeconds stale staleReason { code }
      plan { tier monthlyLimit requestsPerMinute }
      rateLimit { requestsPerMinute remaining resetsAt }
      quotas { name used limit remaining utilization resetsAt }
    }
  }
}`;

/** One card's texts: its own fields, each quota's fields, the `datetime` of its fetchedAt. */
export interface CardText {
  fields: Record<string, string>;
  fetchedAtIso: string | null;
  quotas: Record<string, Record<string, string>>;
  error: string | null;
}

/** The text of every `data-field` of every vendor card on the page, by provider. */
export function readCards(page: Page): Promise<Record<string, CardText>> {
  return page.evaluate(() => {
    const cards: Record<string, CardText> = {};
    for (const card of document.querySelectorAll<HTMLElement>('[data-testid^="vendor-card-"]')) {
      const kind = card.dataset.testid!.slice('vendor-card-'.length);
      const fields: Record<string, string> = {};
      const quotas: Record<string, Record<string, string>> = {};
      for (const element of card.querySelectorAll<HTMLElement>('[data-field]')) {
        const quota = element.closest<HTMLElement>('[data-testid^="quota-"]');
        const text = element.textContent ?? '';
        if (quota) (quotas[quota.dataset.testid!.slice('quota-'.length)] ??= {})[element.dataset.field!] = text;
        else fields[element.dataset.field!] = text;
      }
      const error = card.querySelector('[data-testid="vendor-error"]')?.textContent ?? null;
      cards[kind] = { fields, quotas, error, fetchedAtIso: card.querySelector('time[data-field="fetchedAt"]')?.getAttribute('datetime') ?? null };
    }
    return cards;
  });
}

/** A counter's text as its exact digits (thousands separators dropped), or null for "—". */
export function countOf(text: string | undefined): string | null {
  if (text === undefined) return 'missing';
  return text === '—' ? null : text.replace(/,/g, '');
}

/** "2 min 5 s", "42 s", "1 h 3 min" back to seconds (the lower bound of what the text says). */
export function secondsOf(text: string): number {
  let seconds = 0;
  for (const [, amount, unit] of text.matchAll(/(\d+) (d|h|min|s)\b/g)) seconds += Number(amount) * { d: 86_400, h: 3600, min: 60, s: 1 }[unit as 'd' | 'h' | 'min' | 's'];
  return seconds;
}

const minute = (iso: string | null | undefined) => (iso ? `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC` : '—');
const second = (iso: string | null | undefined) => (iso ? `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC` : '—');

/**
 * Every difference between the cards and the API's `accounts` (empty when they agree): counters
 * digit for digit, utilization to the shown tenth of a percent, instants to the shown unit,
 * `fetchedAt` exactly (its `datetime`), age within `ageSlackSeconds` (the time between the reads).
 */
export function cardMismatches(cards: Record<string, CardText>, accounts: any[], ageSlackSeconds: number): string[] {
  const problems: string[] = [];
  const expect = (where: string, shown: unknown, wanted: unknown) => {
    if (shown !== wanted) problems.push(`${where}: shows ${JSON.stringify(shown)}, the API says ${JSON.stringify(wanted)}`);
  };
  const count = (value: number | null | undefined) => (value === null || value === undefined ? null : String(value));
  expect('vendor cards', Object.keys(cards).sort().join(','), accounts.map((entry) => entry.provider.kind).sort().join(','));
  for (const entry of accounts) {
    const kind = entry.provider.kind as string;
    const card = cards[kind];
    if (!card) continue;
    if (entry.error) expect(`${kind} error`, card.error?.includes(entry.error.code) && card.error.includes(entry.error.message), true);
    const account = entry.account;
    if (!account) continue;
    const f = card.fields;
    expect(`${kind} fetchedAt`, card.fetchedAtIso, account.fetchedAt);
    expect(`${kind} fetchedAt text`, f.fetchedAt, second(account.fetchedAt));
    const age = secondsOf(f.ageSeconds ?? '');
    if (f.ageSeconds === undefined || age < account.ageSeconds - ageSlackSeconds || age > account.ageSeconds + ageSlackSeconds) {
      problems.push(`${kind} age: shows ${JSON.stringify(f.ageSeconds)}, the API says ${account.ageSeconds} s (±${ageSlackSeconds})`);
    }
    expect(`${kind} plan.tier`, f['plan.tier'], account.plan?.tier ?? '—');
    expect(`${kind} plan.monthlyLimit`, countOf(f['plan.monthlyLimit']), count(account.plan?.monthlyLimit));
    expect(`${kind} plan.requestsPerMinute`, countOf(f['plan.requestsPerMinute']), count(account.plan?.requestsPerMinute));
    expect(`${kind} rateLimit.requestsPerMinute`, countOf(f['rateLimit.requestsPerMinute']), count(account.rateLimit?.requestsPerMinute));
    expect(`${kind} rateLimit.remaining`, countOf(f['rateLimit.remaining']), count(account.rateLimit?.remaining));
    expect(`${kind} rateLimit.resetsAt`, f['rateLimit.resetsAt'], minute(account.rateLimit?.resetsAt));
    expect(`${kind} quotas`, Object.keys(card.quotas).sort().join(','), account.quotas.map((quota: any) => quota.name).sort().join(','));
    for (const quota of account.quotas) {
      const shown = card.quotas[quota.name] ?? {};
      const where = `${kind} ${quota.name}`;
      expect(`${where} used`, countOf(shown.used), count(quota.used));
      expect(`${where} limit`, countOf(shown.limit), count(quota.limit));
      expect(`${where} remaining`, countOf(shown.remaining), count(quota.remaining));
      expect(`${where} resetsAt`, shown.resetsAt, minute(quota.resetsAt));
      if (quota.utilization === null) expect(`${where} utilization`, shown.utilization, '—');
      else if (!/^[\d,.]+%$/.test(shown.utilization ?? '') || Math.abs(Number(shown.utilization!.replace(/[,%]/g, '')) - quota.utilization * 100) > 0.05 + 1e-9) {
        problems.push(`${where} utilization: shows ${JSON.stringify(shown.utilization)}, the API says ${quota.utilization}`);
      }
    }
  }
  return problems;
}
