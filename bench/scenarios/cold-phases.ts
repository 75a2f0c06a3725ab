import { median, post, round } from '../lib/load.js';
import { startService, type Service } from '../lib/processes.js';
import { graphqlBody, OVERVIEW_QUERY, VENDOR_OVERVIEW_CALLS } from '../lib/queries.js';
import type { SimulatorsClient } from '../lib/simulators.js';

/** One mark of a `request phases` line (`src/observability/phases.ts`). */
export interface PhaseMark {
  phase: string;
  atMs: number;
  call?: string;
}

/** One phase over the recorded queries: medians of its first and last mark in each query. */
export interface PhaseRow {
  phase: string;
  /** Marks of this phase in one query (the median count): 5 for a phase of each vendor call. */
  perQuery: number;
  /** ms since the request arrived, median over queries, of the phase's first mark. */
  firstMs: number;
  /** Same, of its last mark (equal to `firstMs` for a phase marked once). */
  lastMs: number;
}

/** What {@link coldPhasesScenario} reports. */
export interface ColdPhasesResult {
  /** Sequential overview queries recorded (each followed by the five vendor calls at once). */
  queries: number;
  /** p50 of one overview at a time, as the client sees it. */
  oursP50Ms: number;
  /** p50 of the five overview calls made at once straight to the simulators, interleaved with ours. */
  fiveAtOnceP50Ms: number;
  /** Median of (ours − five at once) over the interleaved pairs. */
  overheadP50Ms: number;
  /** Vendor calls that had to open a new connection, per query (median). */
  newConnectionsPerQuery: number;
  /** Every phase, in the order of its median first mark. */
  phases: PhaseRow[];
  /** Each vendor call's own phases: ms since the request arrived, median over queries, by phase. */
  calls: CallRow[];
}

/** One vendor call of the overview and the median moment of each of its phases. */
export interface CallRow {
  call: string;
  atMs: Record<string, number>;
}

/** Options of {@link coldPhasesScenario}. */
export interface ColdPhasesOptions {
  /** The production bundle (`dist/main.js`). */
  production: string;
  /** Gateway environment with the upstream cache off (the one of the cold fan-out's gateway). */
  env: Record<string, string>;
  /** The simulators, with their latency fault already set. */
  sims: SimulatorsClient;
  /** Recorded queries; a few more are sent first to warm the process up. */
  queries: number;
  /** Pause before each query, ms, as a dashboard's queries are spaced (the sockets idle meanwhile). */
  spacingMs: number;
}

/**
 * Where a cold overview's time goes: a gateway of its own with `PHASE_TIMING=1` answers `queries`
 * overviews one at a time, each followed by the same five vendor calls made at once straight to
 * the simulators (so the baseline sees the same moment of the shared machine), and the phases
 * each query logged are summarised. Its own process, so that no other row pays for recording.
 */
export async function coldPhasesScenario(options: ColdPhasesOptions): Promise<ColdPhasesResult> {
  const { sims, queries, spacingMs } = options;
  const target = await startService('ours (cache off, phase timing)', options.production, { ...options.env, PHASE_TIMING: '1' }, { plain: true });
  try {
    const body = graphqlBody(OVERVIEW_QUERY);
    const fiveAtOnce = () =>
      Promise.all(
        VENDOR_OVERVIEW_CALLS.map(async ([vendor, path]) => {
          const { baseUrl, credential } = sims.vendors[vendor];
          const response = await fetch(baseUrl + path, { headers: { authorization: `Bearer ${credential}`, 'x-service-token': credential } });
          await response.arrayBuffer();
        }),
      );
    const timed = async (run: () => Promise<unknown>) => {
      const start = performance.now();
      await run();
      return performance.now() - start;
    };
    for (let i = 0; i < 3; i += 1) {
      await post(target, body);
      await fiveAtOnce();
    }
    const recorded: PhaseMark[][] = [];
    const stop = target.watchStderr((line) => {
      const marks = phasesOf(line);
      if (marks !== null) recorded.push(marks);
    });
    const ours: number[] = [];
    const direct: number[] = [];
    try {
      for (let i = 0; i < queries; i += 1) {
        await new Promise((resolve) => setTimeout(resolve, spacingMs));
        ours.push(await timed(() => post(target, body)));
        await new Promise((resolve) => setTimeout(resolve, spacingMs));
        direct.push(await timed(fiveAtOnce));
      }
      await waitFor(() => recorded.length >= queries, 2000);
    } finally {
      stop();
    }
    return {
      queries,
      oursP50Ms: round(median(ours), 2),
      fiveAtOnceP50Ms: round(median(direct), 2),
      overheadP50Ms: round(median(ours.map((ms, i) => ms - direct[i]!)), 2),
      newConnectionsPerQuery: median(recorded.map((marks) => marks.filter((mark) => mark.phase === 'new connection').length)),
      phases: summarisePhases(recorded),
      calls: summariseCalls(recorded),
    };
  } finally {
    await target.stop();
  }
}

/** The marks of a `request phases` log line; null for any other line. */
export function phasesOf(line: string): PhaseMark[] | null {
  if (!line.includes('"request phases"')) return null;
  try {
    const entry = JSON.parse(line) as { message?: unknown; phases?: unknown };
    return entry.message === 'request phases' && Array.isArray(entry.phases) ? (entry.phases as PhaseMark[]) : null;
  } catch {
    return null;
  }
}

/**
 * Per phase name: how many marks one query has, and the medians over queries of its first and
 * last mark, ordered by the first. A query without the phase does not count towards its medians.
 */
export function summarisePhases(queries: readonly (readonly PhaseMark[])[]): PhaseRow[] {
  const byPhase = new Map<string, { counts: number[]; firsts: number[]; lasts: number[] }>();
  for (const marks of queries) {
    const seen = new Map<string, { count: number; first: number; last: number }>();
    for (const { phase, atMs } of marks) {
      const entry = seen.get(phase);
      if (entry === undefined) seen.set(phase, { count: 1, first: atMs, last: atMs });
      else seen.set(phase, { count: entry.count + 1, first: Math.min(entry.first, atMs), last: Math.max(entry.last, atMs) });
    }
    for (const [phase, { count, first, last }] of seen) {
      const row = byPhase.get(phase) ?? { counts: [], firsts: [], lasts: [] };
      row.counts.push(count);
      row.firsts.push(first);
      row.lasts.push(last);
      byPhase.set(phase, row);
    }
  }
  return [...byPhase.entries()]
    .map(([phase, row]) => ({ phase, perQuery: median(row.counts), firstMs: round(median(row.firsts), 2), lastMs: round(median(row.lasts), 2) }))
    .sort((a, b) => a.firstMs - b.firstMs || a.lastMs - b.lastMs);
}

/**
 * Per vendor call (by name) and phase: the median over queries of when it happened; a phase marked
 * twice in one call (a retry) counts at its last mark.
 */
export function summariseCalls(queries: readonly (readonly PhaseMark[])[]): CallRow[] {
  const byCall = new Map<string, Map<string, number[]>>();
  for (const marks of queries) {
    const last = new Map<string, Map<string, number>>();
    for (const { call, phase, atMs } of marks) {
      if (call === undefined) continue;
      const phases = last.get(call) ?? new Map<string, number>();
      phases.set(phase, atMs);
      last.set(call, phases);
    }
    for (const [call, phases] of last) {
      const rows = byCall.get(call) ?? new Map<string, number[]>();
      for (const [phase, atMs] of phases) rows.set(phase, [...(rows.get(phase) ?? []), atMs]);
      byCall.set(call, rows);
    }
  }
  return [...byCall.entries()]
    .map(([call, phases]) => ({ call, atMs: Object.fromEntries([...phases.entries()].map(([phase, times]) => [phase, round(median(times), 2)])) }))
    .sort((a, b) => a.call.localeCompare(b.call));
}

async function waitFor(done: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
}
