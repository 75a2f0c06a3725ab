import { describe, expect, it } from 'vitest';
import { StreamEndedError, StreamGate } from '../../src/common/stream-gate.js';
import { manualTimers } from '../support/manual-timers.js';

describe('StreamGate', () => {
  it('admits up to the per-caller limit, each caller apart, and frees a place on release', () => {
    const gate = new StreamGate({ maxPerCaller: 2, maxTotal: 10 });
    const first = gate.admit('jwt:alice', null);
    const second = gate.admit('jwt:alice', null);
    expect(gate.admit('jwt:alice', null)).toBe('per-caller');
    expect(typeof gate.admit('jwt:bob', null)).toBe('object');
    if (typeof first === 'string' || typeof second === 'string') throw new Error('admitted streams expected');
    first.release();
    first.release();
    expect(gate.size).toBe(2);
    expect(typeof gate.admit('jwt:alice', null)).toBe('object');
  });

  it('refuses over the total whoever asks', () => {
    const gate = new StreamGate({ maxPerCaller: 5, maxTotal: 2 });
    gate.admit('a', null);
    gate.admit('b', null);
    expect(gate.admit('c', null)).toBe('total');
  });

  it('aborts a stream when its credential expires, and not when it was released before', () => {
    const timers = manualTimers();
    const gate = new StreamGate({ now: timers.now, schedule: timers.schedule });
    const expiring = gate.admit('jwt:alice', timers.now() + 60_000);
    const released = gate.admit('jwt:bob', timers.now() + 60_000);
    if (typeof expiring === 'string' || typeof released === 'string') throw new Error('admitted streams expected');
    released.release();
    timers.advance(59_999);
    expect(expiring.signal.aborted).toBe(false);
    timers.advance(1);
    expect(expiring.signal.aborted).toBe(true);
    expect(expiring.signal.reason).toBeInstanceOf(StreamEndedError);
    expect((expiring.signal.reason as StreamEndedError).code).toBe('TOKEN_EXPIRED');
    expect(released.signal.aborted).toBe(false);
    expect(timers.pending()).toBe(0);
  });

  it('close ends every open stream and refuses new ones', () => {
    const gate = new StreamGate();
    const open = gate.admit('a', null);
    if (typeof open === 'string') throw new Error('an admitted stream expected');
    gate.close();
    expect(open.signal.aborted).toBe(true);
    expect((open.signal.reason as StreamEndedError).code).toBe('SHUTTING_DOWN');
    expect(gate.admit('b', null)).toBe('shutdown');
  });
});
