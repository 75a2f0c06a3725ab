/**
 * A clock and a scheduler a test runs by hand: `advance` moves the time and runs the tasks then
 * due, so expiry is tested without waiting.
 */
export function manualTimers(start = 1_000_000) {
  let time = start;
  const tasks: Array<{ at: number; task: () => void; cancelled: boolean }> = [];
  return {
    now: () => time,
    schedule: (ms: number, task: () => void) => {
      const entry = { at: time + ms, task, cancelled: false };
      tasks.push(entry);
      return () => {
        entry.cancelled = true;
      };
    },
    advance(ms: number) {
      time += ms;
      for (const entry of tasks.filter((candidate) => !candidate.cancelled && candidate.at <= time)) {
        entry.cancelled = true;
        entry.task();
      }
    },
    /** Tasks scheduled and neither run nor cancelled. */
    pending: () => tasks.filter((entry) => !entry.cancelled).length,
  };
}
