import { isCleanAnswer, post } from './load.js';
import type { Service } from './processes.js';
import { graphqlBody, MESH_OVERVIEW_QUERY, OVERVIEW_QUERY } from './queries.js';

/**
 * Before any load, every target must answer what ours answers: a figure measured on other data
 * (or on error answers) compares nothing. Apollo-shaped peers answer our overview's shape, so their
 * data must equal ours but for fetch times; Mesh reads raw vendor fields, so its Sharpe quota used
 * must equal the one in ours.
 */

/** The overview's `data` without `fetchedAt` (each side's own clock); `extensions.cost` is ours alone. Undefined without data. */
export function dataWithoutFetchTimes(text: string): string | undefined {
  return JSON.stringify((JSON.parse(text, (key, value: unknown) => (key === 'fetchedAt' ? undefined : value)) as { data?: unknown }).data);
}

/** The first path at which two JSON values differ, with both values there; null when equal. */
export function firstDifference(a: unknown, b: unknown, path = '$'): string | null {
  if (JSON.stringify(a) === JSON.stringify(b)) return null;
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const found = firstDifference((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], `${path}.${key}`);
      if (found !== null) return found;
    }
    return `${path} (key order: ${JSON.stringify(Object.keys(a))} vs ${JSON.stringify(Object.keys(b))})`;
  }
  return `${path}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`;
}

/** Sharpe's `quota.used` in our overview answer (its first quota). */
export function ourSharpeQuotaUsed(text: string): number | undefined {
  const answer = JSON.parse(text) as { data?: { accounts?: { provider: { id: string }; account: { quotas: { used: number }[] } | null }[] } };
  return answer.data?.accounts?.find((entry) => entry.provider.id === 'SHARPE')?.account?.quotas[0]?.used;
}

/** Sharpe's `quota.used` in Mesh's raw overview answer; undefined when that answer carries errors. */
export function meshSharpeQuotaUsed(text: string): number | undefined {
  const answer = JSON.parse(text) as { data?: { sharpeUsage?: { data?: { quota?: { used?: number } } } }; errors?: unknown[] };
  return answer.errors === undefined ? answer.data?.sharpeUsage?.data?.quota?.used : undefined;
}

/** Answers of the peers, by the name their check is reported under. */
export interface PeerAnswers {
  /** Overview answers in our schema's shape (the Apollo peers). */
  ourShape: Record<string, string>;
  /** Raw-vendor-field overview answers (the Mesh peers, `MESH_OVERVIEW_QUERY`). */
  meshShape: Record<string, string>;
}

/**
 * Each check by name, true when it holds, and for an our-shape answer that differs where it first
 * does. Our own answer must itself be clean, or every check would compare errors.
 */
export function compareOverviewAnswers(oursText: string, answers: PeerAnswers): { same: Record<string, boolean>; differences: Record<string, string> } {
  if (!isCleanAnswer(oursText)) throw new Error(`our overview answer is not clean: ${oursText.slice(0, 300)}`);
  const ours = dataWithoutFetchTimes(oursText);
  const same: Record<string, boolean> = {};
  const differences: Record<string, string> = {};
  for (const [name, text] of Object.entries(answers.ourShape)) {
    const theirs = dataWithoutFetchTimes(text);
    same[name] = theirs === ours;
    if (!same[name]) differences[name] = firstDifference(JSON.parse(ours ?? 'null') as unknown, JSON.parse(theirs ?? 'null') as unknown) ?? 'unknown';
  }
  const sharpeUsed = ourSharpeQuotaUsed(oursText);
  for (const [name, text] of Object.entries(answers.meshShape)) {
    same[name] = sharpeUsed !== undefined && meshSharpeQuotaUsed(text) === sharpeUsed;
  }
  return { same, differences };
}

/** Asks each peer for the overview and compares with our answer (`oursText`); differences go to stderr. */
export async function checkSameData(oursText: string, peers: { ourShape: Record<string, Service>; meshShape: Record<string, Service> }): Promise<Record<string, boolean>> {
  const ask = async (targets: Record<string, Service>, query: string) => {
    const answers: Record<string, string> = {};
    for (const [name, target] of Object.entries(targets)) answers[name] = (await post(target, graphqlBody(query))).text;
    return answers;
  };
  const answers = { ourShape: await ask(peers.ourShape, OVERVIEW_QUERY), meshShape: await ask(peers.meshShape, MESH_OVERVIEW_QUERY) };
  const { same, differences } = compareOverviewAnswers(oursText, answers);
  for (const [name, where] of Object.entries(differences)) process.stderr.write(`${name}: false, first difference at ${where}\n`);
  return same;
}

/** The `partnerUsage.edges` of a clean answer, as JSON text. */
export function partnerEdges(target: string, answer: { status: number; text: string }): string {
  if (answer.status !== 200 || !isCleanAnswer(answer.text)) throw new Error(`${target} did not answer cleanly: ${answer.status} ${answer.text.slice(0, 500)}`);
  return JSON.stringify((JSON.parse(answer.text) as { data: { partnerUsage: { edges: unknown[] } } }).data.partnerUsage.edges);
}

/**
 * The partnerUsage page's queries must give the same edges (one vendor page, every one of its `users`) from
 * ours and from each Apollo-shaped peer before any is measured; throws otherwise.
 */
export async function checkSamePartnerPage(ours: Service, ourBody: string, peers: readonly Service[], peerBody: string, users: number): Promise<void> {
  const ourEdges = partnerEdges(ours.name, await post(ours, ourBody));
  if ((JSON.parse(ourEdges) as unknown[]).length !== users) throw new Error(`partnerUsage page: ours answers ${(JSON.parse(ourEdges) as unknown[]).length} edges, not the page's ${users}`);
  for (const peer of peers) {
    if (partnerEdges(peer.name, await post(peer, peerBody)) !== ourEdges) throw new Error(`partnerUsage page: ours and ${peer.name} do not answer the same ${users} edges`);
  }
}
