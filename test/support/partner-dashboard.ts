import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { SIM_NOW_MS, DAY_MS } from '../../src/simulators/prng.js';
import { eventually } from './eventually.js';
import { graphqlRequest } from './graphql-request.js';

/**
 * The browser's clock in the partner views' tests: three days after the simulated Arrays stream's
 * last entry, so a 7-day range holds days with usage and days without, whatever the date the test
 * runs on. Only the page's clock is fixed; the gateway and its token checks keep real time.
 */
export const BROWSER_NOW = new Date(SIM_NOW_MS + 3 * DAY_MS);

/** The UTC days a range of `days` covers at {@link BROWSER_NOW}: `since` inclusive, `until` exclusive. */
export function dayBounds(days: number): { since: string; until: string } {
  const tomorrow = Date.UTC(BROWSER_NOW.getUTCFullYear(), BROWSER_NOW.getUTCMonth(), BROWSER_NOW.getUTCDate() + 1);
  return { since: new Date(tomorrow - days * DAY_MS).toISOString().slice(0, 10), until: new Date(tomorrow).toISOString().slice(0, 10) };
}

/** A counter as the dashboard prints it (`1,234`), read back as the number. */
export function countOf(text: string | null): number {
  if (text === null || !/^\d{1,3}(,\d{3})*$/.test(text.trim())) throw new Error(`not a formatted count: ${JSON.stringify(text)}`);
  return Number(text.trim().replace(/,/g, ''));
}

/** An ISO instant as the dashboard prints it (`YYYY-MM-DD HH:MM UTC`), "—" for none. */
export function instantText(iso: string | null): string {
  return iso === null ? '—' : `${new Date(iso).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** The text of every body cell of a table, row by row (`data-testid` names the table). */
export function tableCells(page: Page, testId: string): Promise<string[][]> {
  return page.getByTestId(testId).evaluate((table) =>
    [...table.querySelectorAll('tbody tr')].map((row) => [...row.querySelectorAll('td')].map((cell) => cell.textContent ?? '')),
  );
}

/** The header cells of a table. */
export function tableHeaders(page: Page, testId: string): Promise<string[]> {
  return page.getByTestId(testId).evaluate((table) => [...table.querySelectorAll('thead th')].map((cell) => cell.textContent ?? ''));
}

/** Clicks a table's "Download CSV" and parses the file it saves (RFC 4180: quoted fields, CRLF). */
export async function downloadCsv(page: Page, testId: string): Promise<string[][]> {
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId(`${testId}-csv`).click()]);
  const path = await download.path();
  return parseCsv(await readFile(path, 'utf8'));
}

function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      row.push(field);
      field = '';
    } else if (char === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += char;
  }
  if (field !== '' || row.length > 0) rows.push([...row, field]);
  return rows;
}

/** Asks the gateway at `url` a GraphQL query with `headers`; fails on any error. */
export async function ask<T = any>(url: string, query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}): Promise<T> {
  const answer = await graphqlRequest<T>(globalThis, { url, query, variables, headers });
  if (answer.body.errors?.length || !answer.body.data) throw new Error(`${query}: ${answer.text}`);
  return answer.body.data;
}

/** Waits until the gateway's partner ledger has counted the whole simulated stream. */
export async function ledgerCaughtUp(url: string, headers: Record<string, string> = {}): Promise<void> {
  await eventually(async () => (await ask<{ partnerLedger: { caughtUp: boolean } }>(url, '{ partnerLedger { caughtUp } }', {}, headers)).partnerLedger.caughtUp, {
    withinMs: 60_000,
    everyMs: 200,
    what: 'the partner ledger to catch up',
  });
}

/** Every sub the ledger has counted, paged through `partnerUsers` by sub. */
export async function everySub(url: string, headers: Record<string, string> = {}): Promise<string[]> {
  const subs: string[] = [];
  let after: string | null = null;
  for (;;) {
    const data: { partnerUsers: { pageInfo: { endCursor: string | null; hasNextPage: boolean }; edges: Array<{ node: { sub: string } }> } } = await ask(
      url,
      'query($after: String) { partnerUsers(first: 1000, orderBy: SUB, after: $after) { pageInfo { endCursor hasNextPage } edges { node { sub } } } }',
      { after },
      headers,
    );
    subs.push(...data.partnerUsers.edges.map((edge) => edge.node.sub));
    if (!data.partnerUsers.pageInfo.hasNextPage) return subs;
    after = data.partnerUsers.pageInfo.endCursor;
  }
}
