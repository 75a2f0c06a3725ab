import { median, post, round, runLoad, waitForLedgerCaughtUp, type LoadResult } from '../lib/load.js';
import { cpuMsOf, startService, type Service } from '../lib/processes.js';
import { ENTITIES_QUERY, graphqlBody, OVERVIEW_QUERY } from '../lib/queries.js';

/** Options of {@link jitScenario}. */
export interface JitOptions {
  /** The production bundle (`dist/main.js`), run with plain node. */
  production: string;
  /** Environment of a gateway against the shared simulators, as the warm overview and the partnerUsage page use. */
  env: Record<string, string>;
  /** Environment of a demo-mode gateway with its ledger, as the _entities batch uses. */
  demoEnv: Record<string, string>;
  /** A fresh `DATA_DIR` for each gateway started (one ledger per directory). */
  dataDir: () => Record<string, string>;
  /** The partnerUsage page's body: `partnerUsage` over one page of 5000 stream entries. */
  partnerBody: string;
  /** Partner users per `_entities` call, as in the _entities batch. */
  entities: number;
  connections: { overview: number; partner: number; entities: number };
  /** Load runs per query and mode; the two modes alternate which goes first. */
  rounds: number;
  warmupSeconds: number;
  loadSeconds: number;
  log: (message: string) => void;
}

/** One mode's figures for one query over every round. */
export interface ModeFigures {
  /** Median over the rounds. */
  requestsPerSecond: number;
  /** Median of the rounds' p50s. */
  p50Ms: number;
  /**
   * Median over the rounds of the server process's CPU time (user + system) per answer, ms: the
   * work one answer costs, which other processes on a shared machine slow but do not change.
   */
  cpuMsPerAnswer: number | null;
  perRound: number[];
  failures: number;
  errorAnswers: number;
}

/** One query measured with graphql-jit on and off in the same run. */
export interface JitComparison {
  query: string;
  on: ModeFigures;
  off: ModeFigures;
  /** answers/s on ÷ off (above 1: jit helps); null when off answered nothing. */
  onToOffAnswers: number | null;
  /** p50 on ÷ off (below 1: jit helps); null when off answered nothing. */
  onToOffP50: number | null;
  /** CPU ms per answer on ÷ off (below 1: jit helps); null without /proc. */
  onToOffCpu: number | null;
}

/** A load run with the CPU time the server spent on it per answer (null without /proc). */
export interface MeasuredRun extends LoadResult {
  cpuMsPerAnswer: number | null;
}

export interface JitResult {
  rounds: number;
  loadSeconds: number;
  /** Whether the two modes gave the same data for each query before load. */
  sameData: Record<string, boolean>;
  comparisons: JitComparison[];
}

/** `GRAPHQL_JIT` of each mode. */
const MODES = { on: { GRAPHQL_JIT: '1' }, off: { GRAPHQL_JIT: '0' } } as const;
type Mode = keyof typeof MODES;

/** Which mode runs first in round `turn`: they alternate, so that neither always gets the warmer machine. */
export function modeOrder(turn: number): readonly Mode[] {
  return turn % 2 === 0 ? ['on', 'off'] : ['off', 'on'];
}

/** The rounds of one mode summed up: medians, so that one disturbed round on a shared machine does not decide. */
export function summarizeRounds(runs: readonly MeasuredRun[]): ModeFigures {
  const cpu = runs.flatMap((run) => (run.cpuMsPerAnswer === null ? [] : [run.cpuMsPerAnswer]));
  return {
    requestsPerSecond: round(median(runs.map((run) => run.requestsPerSecond))),
    p50Ms: round(median(runs.map((run) => run.latencyMs.p50)), 2),
    cpuMsPerAnswer: cpu.length === 0 ? null : round(median(cpu), 3),
    perRound: runs.map((run) => run.requestsPerSecond),
    failures: runs.reduce((sum, run) => sum + run.failures, 0),
    errorAnswers: runs.reduce((sum, run) => sum + run.errorAnswers, 0),
  };
}

/** Both modes of one query side by side. */
export function compareModes(query: string, on: readonly MeasuredRun[], off: readonly MeasuredRun[]): JitComparison {
  const [onFigures, offFigures] = [summarizeRounds(on), summarizeRounds(off)];
  const [onCpu, offCpu] = [onFigures.cpuMsPerAnswer, offFigures.cpuMsPerAnswer];
  return {
    query,
    on: onFigures,
    off: offFigures,
    onToOffAnswers: offFigures.requestsPerSecond > 0 ? round(onFigures.requestsPerSecond / offFigures.requestsPerSecond, 2) : null,
    onToOffP50: offFigures.p50Ms > 0 ? round(onFigures.p50Ms / offFigures.p50Ms, 2) : null,
    onToOffCpu: onCpu === null || offCpu === null || offCpu === 0 ? null : round(onCpu / offCpu, 2),
  };
}

/**
 * graphql-jit on (`GRAPHQL_JIT=1`, the default: `partnerUsage` and `_entities` operations
 * compiled, see `runsCompiled`) and off, each mode in its own production-build process, on
 * the `partnerUsage` page, the `_entities` batch and the warm overview. The modes alternate
 * round by round in one run, so that a machine shared with other work disturbs both alike; every
 * query is checked to give the same data in both modes before load.
 */
export async function jitScenario(options: JitOptions): Promise<JitResult> {
  const { production, env, demoEnv, dataDir, log } = options;
  const start = (name: string, mode: Mode, base: Record<string, string>) =>
    startService(`${name}, jit ${mode}`, production, { ...base, ...MODES[mode], ...dataDir() }, { plain: true });
  const services = await Promise.all([start('ours', 'on', env), start('ours', 'off', env), start('ours (demo mode, ledger)', 'on', demoEnv), start('ours (demo mode, ledger)', 'off', demoEnv)]);
  try {
    const [oursOn, oursOff, demoOn, demoOff] = services as [Service, Service, Service, Service];
    await Promise.all([waitForLedgerCaughtUp(demoOn), waitForLedgerCaughtUp(demoOff)]);
    const entitiesBody = await entitiesBodyOf(demoOff, options.entities);
    const queries = [
      { query: `partnerUsage (5000 stream entries)`, body: options.partnerBody, targets: { on: oursOn, off: oursOff }, connections: options.connections.partner },
      { query: `_entities (${options.entities} PartnerUser representations)`, body: entitiesBody, targets: { on: demoOn, off: demoOff }, connections: options.connections.entities },
      { query: 'accounts overview (cache warm)', body: graphqlBody(OVERVIEW_QUERY), targets: { on: oursOn, off: oursOff }, connections: options.connections.overview },
    ];
    const sameData: Record<string, boolean> = {};
    for (const { query, body, targets } of queries) sameData[query] = (await dataOf(targets.on, body)) === (await dataOf(targets.off, body));
    const runs = queries.map(() => ({ on: [] as MeasuredRun[], off: [] as MeasuredRun[] }));
    for (let turn = 0; turn < options.rounds; turn += 1) {
      for (const [index, { query, body, targets, connections }] of queries.entries()) {
        for (const mode of modeOrder(turn)) {
          await runLoad(targets[mode], { body, connections, durationSeconds: options.warmupSeconds });
          const cpuBefore = cpuMsOf(targets[mode].pid);
          const load = await runLoad(targets[mode], { body, connections, durationSeconds: options.loadSeconds });
          const cpuAfter = cpuMsOf(targets[mode].pid);
          const answers = load.requestsPerSecond * load.durationSeconds;
          const result = { ...load, cpuMsPerAnswer: cpuBefore === null || cpuAfter === null || answers === 0 ? null : round((cpuAfter - cpuBefore) / answers, 3) };
          runs[index]![mode].push(result);
          log(`jit ${mode}, round ${turn + 1}/${options.rounds}, ${query}: ${result.requestsPerSecond} answers/s, p50 ${result.latencyMs.p50} ms, ${result.cpuMsPerAnswer} CPU ms per answer, failures ${result.failures}`);
        }
      }
    }
    return {
      rounds: options.rounds,
      loadSeconds: options.loadSeconds,
      sameData,
      comparisons: queries.map(({ query }, index) => compareModes(query, runs[index]!.on, runs[index]!.off)),
    };
  } finally {
    await Promise.all(services.map((service) => service.stop()));
  }
}

/** The _entities batch's body: the ledger's first `count` partner users as a router's representations. */
async function entitiesBodyOf(target: Service, count: number): Promise<string> {
  const answer = JSON.parse((await post(target, graphqlBody(`{ partnerUsers(first: ${count}) { edges { node { sub } } } }`))).text) as {
    data: { partnerUsers: { edges: { node: { sub: string } }[] } };
  };
  const representations = answer.data.partnerUsers.edges.map(({ node }) => ({ __typename: 'PartnerUser', sub: node.sub }));
  if (representations.length !== count) throw new Error(`${target.name}: the ledger holds ${representations.length} partner users, not ${count}`);
  return JSON.stringify({ query: ENTITIES_QUERY, variables: { representations } });
}

/** An answer's data and errors as text, key order kept, fetch times left out; throws on a non-200. */
async function dataOf(target: Service, body: string): Promise<string> {
  const answer = await post(target, body);
  if (answer.status !== 200) throw new Error(`${target.name} answered ${answer.status}: ${answer.text.slice(0, 500)}`);
  const { data, errors } = JSON.parse(answer.text, (key, value: unknown) => (key === 'fetchedAt' ? undefined : value)) as { data?: unknown; errors?: unknown };
  return JSON.stringify({ data, errors });
}
