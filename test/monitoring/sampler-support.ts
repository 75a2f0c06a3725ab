import { FileHistoryStore } from '../../src/monitoring/file-history-store.js';
import { HistoryDiskFullError, type HistoryError } from '../../src/monitoring/history-errors.js';
import type { HistoryStore, UsageSample } from '../../src/monitoring/history-types.js';
import type { SamplerTimers } from '../../src/monitoring/sampler.js';
import { SIMULATOR_ADMIN_HEADER, simulatorAdminToken, type SimulatorHandle, type UsageSetting } from '../../src/simulators/index.js';
import { FakeClock } from '../support/fake-clock.js';
import { startHarness, type Harness } from '../support/harness.js';
import { tempDataDir } from './support.js';

/** Timers a test fires by hand: what the sampler scheduled, and when. */
export class ManualTimers implements SamplerTimers {
  readonly scheduled: { run: () => void; ms: number; cancelled: boolean }[] = [];
  schedule(run: () => void, ms: number): () => void {
    const entry = { run, ms, cancelled: false };
    this.scheduled.push(entry);
    return () => {
      entry.cancelled = true;
    };
  }
  /** The timers neither fired nor cancelled. */
  pending(): { run: () => void; ms: number }[] {
    return this.scheduled.filter((entry) => !entry.cancelled);
  }
}

/**
 * A store that can be told to refuse appends as a full disk would, over a real file store: the
 * condition comes and goes at the test's word.
 */
export class FailingStore implements HistoryStore {
  failure: HistoryError | null = null;
  constructor(private readonly inner: HistoryStore) {}
  failWithDiskFull(): void {
    this.failure = new HistoryDiskFullError('appending samples: ENOSPC: no space left on device, write');
  }
  async append(samples: readonly UsageSample[]): Promise<void> {
    if (this.failure !== null) throw this.failure;
    await this.inner.append(samples);
  }
  read: HistoryStore['read'] = (query) => this.inner.read(query);
  series: HistoryStore['series'] = (provider) => this.inner.series(provider);
  prune: HistoryStore['prune'] = (before) => this.inner.prune(before);
  tryLead: HistoryStore['tryLead'] = () => this.inner.tryLead();
  get isLeader(): boolean {
    return this.inner.isLeader;
  }
  status: HistoryStore['status'] = () => this.inner.status();
  close: HistoryStore['close'] = () => this.inner.close();
}

/** Simulators and a gateway on one fake clock, the simulators' counters moving with it, and a history folder. */
export interface SamplerWorld {
  clock: FakeClock;
  harness: Harness;
  dataDir: string;
  openStore(): Promise<FileHistoryStore>;
  /** Each simulator's requests so far, by vendor id. */
  hits(): Record<string, number>;
  close(): Promise<void>;
}

export async function startSamplerWorld(start = Date.UTC(2026, 10, 10, 12)): Promise<SamplerWorld> {
  const clock = new FakeClock(start);
  const simClock = () => clock.now();
  const harness = await startHarness({
    clock,
    simulators: { arrays: { clock: simClock }, anylayer: { clock: simClock }, sharpe: { clock: simClock }, faraday: { clock: simClock } },
  });
  const { dir, cleanup } = await tempDataDir();
  const stores: FileHistoryStore[] = [];
  return {
    clock,
    harness,
    dataDir: dir,
    async openStore() {
      const store = await FileHistoryStore.open({ dataDir: dir, now: () => clock.now() });
      stores.push(store);
      return store;
    },
    hits: () => Object.fromEntries(harness.registry.list().map((provider) => [provider.id, simulatorOf(harness, provider.id).hits()])),
    async close() {
      await Promise.all(stores.map((store) => store.close()));
      await harness.close();
      await cleanup();
    },
  };
}

export function simulatorOf(harness: Harness, provider: string): SimulatorHandle {
  const key = harness.registry.get(provider)!.vendor.key;
  return (harness.sims as unknown as Record<string, SimulatorHandle>)[key]!;
}

/** `POST /__sim/usage` over HTTP, as a test or an operator of the demo would. */
export async function setSimulatedUsage(simulator: SimulatorHandle, setting: UsageSetting): Promise<Response> {
  return fetch(`${new URL(simulator.baseUrl).origin}/__sim/usage`, {
    method: 'POST',
    headers: { [SIMULATOR_ADMIN_HEADER]: simulatorAdminToken(), 'content-type': 'application/json' },
    body: JSON.stringify(setting),
  });
}
