import { describe, expect, it } from 'vitest';
import { SingleFlight } from '../../src/upstream/single-flight.js';

/** A shared call that settles when told, recording whether it was abandoned. */
function pendingCall() {
  let resolve!: (value: string) => void;
  const seen: { signal: AbortSignal | null } = { signal: null };
  const start = (signal: AbortSignal) => {
    seen.signal = signal;
    return new Promise<string>((done) => (resolve = done));
  };
  return { start, seen, resolve: (value: string) => resolve(value) };
}

describe('SingleFlight with callers that leave', () => {
  it('ends only the wait of a caller that leaves while another still waits, and the call goes on', async () => {
    const flights = new SingleFlight<string>();
    const call = pendingCall();
    const first = new AbortController();
    const second = new AbortController();
    const leaving = flights.run('k', call.start, first.signal);
    const staying = flights.run('k', call.start, second.signal);
    first.abort(new Error('first left'));
    await expect(leaving).rejects.toThrow('first left');
    expect(call.seen.signal!.aborted).toBe(false);
    call.resolve('answer');
    await expect(staying).resolves.toBe('answer');
  });

  it('abandons the call once its last caller has left', async () => {
    const flights = new SingleFlight<string>();
    const call = pendingCall();
    const first = new AbortController();
    const second = new AbortController();
    const a = flights.run('k', call.start, first.signal);
    const b = flights.run('k', call.start, second.signal);
    first.abort(new Error('gone'));
    second.abort(new Error('gone too'));
    await expect(a).rejects.toThrow('gone');
    await expect(b).rejects.toThrow('gone too');
    expect(call.seen.signal!.aborted).toBe(true);
    // A caller arriving now gets a call of its own, not the one being abandoned.
    const fresh = pendingCall();
    const c = flights.run('k', fresh.start, new AbortController().signal);
    fresh.resolve('new answer');
    await expect(c).resolves.toBe('new answer');
  });

  it('never abandons a call that a caller without a signal waits for', async () => {
    const flights = new SingleFlight<string>();
    const call = pendingCall();
    const leaving = new AbortController();
    const a = flights.run('k', call.start, leaving.signal);
    const pinned = flights.run('k', call.start);
    leaving.abort(new Error('gone'));
    await expect(a).rejects.toThrow('gone');
    expect(call.seen.signal!.aborted).toBe(false);
    call.resolve('answer');
    await expect(pinned).resolves.toBe('answer');
    expect(flights.size).toBe(0);
  });
});
