import type { SimulatorHandle, SimulatorOptions } from './types.js';

export { InvalidFaultError } from './faults.js';
export { InvalidUsageError } from './usage-dial.js';
export { adoptSimulatorAdminToken, SIMULATOR_ADMIN_HEADER, simulatorAdminToken } from './http-server.js';
export { SIM_NOW_MS } from './prng.js';
export type { FaultMode, FaultSetting, SimulatedProvider, SimulatorHandle, SimulatorOptions, UsageSetting } from './types.js';

/** One simulator to start: the property its handle gets, and how to start it. */
export interface SimulatorStarter<Key extends string = string, Handle extends SimulatorHandle = SimulatorHandle> {
  readonly key: Key;
  startSimulator(options: SimulatorOptions & Record<string, unknown>): Promise<Handle>;
}

/** Running simulators by key, and one `close` for all of them. */
export type RunningSimulators<Handles> = Handles & {
  /** Closes every simulator. */
  close(): Promise<void>;
};

/** What {@link startSimulators} passes on. */
export interface StartSimulatorsOptions {
  /** Seed of every simulator's data. Default 42. */
  seed?: number;
  /** Every simulator's clock: given, their counters move with it (see SimulatorOptions.clock). Default: none. */
  clock?: () => number;
  /** More options per simulator key (e.g. a stream's length), over the seed. */
  each?: Record<string, Record<string, unknown>>;
}

/**
 * Starts each simulator on its own loopback port; when one fails to start, the ones already
 * started are closed and its error is thrown.
 */
export async function startSimulators<Handles>(
  starters: readonly SimulatorStarter[],
  options: StartSimulatorsOptions = {},
): Promise<RunningSimulators<Handles>> {
  const started = await Promise.allSettled(
    starters.map((starter) => starter.startSimulator({ seed: options.seed, ...(options.clock === undefined ? {} : { clock: options.clock }), ...options.each?.[starter.key] })),
  );
  const handles = started.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
  const close = async (): Promise<void> => {
    await Promise.all(handles.map((handle) => handle.close()));
  };
  const failure = started.find((outcome) => outcome.status === 'rejected');
  if (failure !== undefined) {
    await close();
    throw failure.reason;
  }
  const byKey = Object.fromEntries(starters.map((starter, i) => [starter.key, handles[i]]));
  return { ...(byKey as Handles), close };
}
