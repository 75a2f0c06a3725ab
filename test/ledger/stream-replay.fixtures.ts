import { expect } from 'vitest';
import { DAY_MS } from '../../src/ledger/utc-day.js';
import type { LedgerStore } from '../../src/ledger/store.js';
import type { ArraysSimulatorHandle } from '../../src/simulators/arrays.js';

export interface ExpectedUser {
  calls: number;
  discoveries: number;
  tweets: number;
  byEndpoint: Map<string, { calls: number; discoveries: number; tweets: number }>;
  /** UTC day number -> counters. */
  daily: Map<number, { calls: number; discoveries: number; tweets: number }>;
}

/** A clean replay of stream entries [from, to): per-user totals, per endpoint and per UTC day of the entry ids. */
export function replayStream(sim: ArraysSimulatorHandle, from = 0, to: number = sim.length): Map<string, ExpectedUser> {
  const users = new Map<string, ExpectedUser>();
  const add = (target: { calls: number; discoveries: number; tweets: number }, e: { calls: number; discoveries: number; tweets: number }) => {
    target.calls += e.calls;
    target.discoveries += e.discoveries;
    target.tweets += e.tweets;
  };
  const zero = () => ({ calls: 0, discoveries: 0, tweets: 0 });
  for (let i = from; i < to; i++) {
    const entry = sim.entry(i);
    let user = users.get(entry.sub);
    if (user === undefined) users.set(entry.sub, (user = { ...zero(), byEndpoint: new Map(), daily: new Map() }));
    add(user, entry);
    const endpoint = user.byEndpoint.get(entry.endpoint) ?? zero();
    add(endpoint, entry);
    user.byEndpoint.set(entry.endpoint, endpoint);
    const day = Math.floor(Number(entry.id.split('-')[0]) / DAY_MS);
    const daily = user.daily.get(day) ?? zero();
    add(daily, entry);
    user.daily.set(day, daily);
  }
  return users;
}

/** Asserts that the store holds exactly the replay: every user, every endpoint, every day, and nobody else. */
export async function expectStoreEquals(store: LedgerStore, expected: Map<string, ExpectedUser>): Promise<void> {
  const subs = [...expected.keys()];
  const [users, daily, position] = await Promise.all([
    store.getUsers(subs),
    store.getDaily(subs.map((sub) => ({ sub, sinceDay: null, untilDay: null }))),
    store.position(),
  ]);
  expect(position.users).toBe(expected.size);
  subs.forEach((sub, i) => {
    const want = expected.get(sub)!;
    const got = users[i];
    expect(got, sub).not.toBeNull();
    expect({ sub, calls: got!.calls, discoveries: got!.discoveries, tweets: got!.tweets }).toEqual({
      sub,
      calls: want.calls,
      discoveries: want.discoveries,
      tweets: want.tweets,
    });
    expect(got!.byEndpoint).toEqual([...want.byEndpoint.keys()].sort().map((endpoint) => ({ endpoint, ...want.byEndpoint.get(endpoint) })));
    const days = daily[i]!.filter((day) => day.calls + day.discoveries + day.tweets > 0);
    expect(days).toEqual([...want.daily.keys()].sort((a, b) => a - b).map((day) => ({ day, ...want.daily.get(day) })));
  });
}

