import { startAnylayerSimulator } from './anylayer.js';
import { startArraysSimulator } from './arrays.js';
import { startFaradaySimulator } from './faraday.js';
import { startSharpeSimulator } from './sharpe.js';
import type { ArraysSimulatorHandle, ArraysSimulatorOptions, SimulatorHandle } from './types.js';

export { anylayerKeyIds, startAnylayerSimulator } from './anylayer.js';
export { startArraysSimulator, sumStream } from './arrays.js';
export { startFaradaySimulator } from './faraday.js';
export { startSharpeSimulator } from './sharpe.js';
export { InvalidFaultError } from './faults.js';
export { SIM_NOW_MS } from './prng.js';
export {
  DEMO_CREDENTIALS,
  type ArraysSimulatorHandle,
  type ArraysSimulatorOptions,
  type ArraysStreamEntry,
  type FaultMode,
  type FaultSetting,
  type SimulatedProvider,
  type SimulatorHandle,
  type SimulatorOptions,
} from './types.js';

/** All four vendors, each on its own port, with their demo credentials. */
export interface Simulators {
  arrays: ArraysSimulatorHandle;
  anylayer: SimulatorHandle;
  sharpe: SimulatorHandle;
  faraday: SimulatorHandle;
  /** Closes every simulator. */
  close(): Promise<void>;
}

/** Starts every simulator with one seed (default 42); a failure closes the ones already started. */
export async function startSimulators(options: { seed?: number; arrays?: ArraysSimulatorOptions } = {}): Promise<Simulators> {
  const seed = options.seed;
  const started = await Promise.allSettled([
    startArraysSimulator({ seed, ...options.arrays }),
    startAnylayerSimulator({ seed }),
    startSharpeSimulator({ seed }),
    startFaradaySimulator({ seed }),
  ] as const);
  const handles = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const closeAll = async (): Promise<void> => {
    await Promise.all(handles.map((h) => h.close()));
  };
  const [arrays, anylayer, sharpe, faraday] = started;
  if (
    arrays.status === 'rejected' ||
    anylayer.status === 'rejected' ||
    sharpe.status === 'rejected' ||
    faraday.status === 'rejected'
  ) {
    await closeAll();
    const failure = started.find((s) => s.status === 'rejected');
    throw failure?.status === 'rejected' ? failure.reason : new Error('a simulator failed to start');
  }
  return { arrays: arrays.value, anylayer: anylayer.value, sharpe: sharpe.value, faraday: faraday.value, close: closeAll };
}
