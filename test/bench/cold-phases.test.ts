import { describe, expect, it } from 'vitest';
import { phasesOf, summariseCalls, summarisePhases, type PhaseMark } from '../../bench/scenarios/cold-phases.js';

const query = (offset: number): PhaseMark[] => [
  { phase: 'execution start', atMs: 1 + offset },
  { phase: 'socket write', atMs: 2 + offset, call: 'A /a' },
  { phase: 'socket write', atMs: 3 + offset, call: 'B /b' },
  { phase: 'first byte', atMs: 52 + offset, call: 'B /b' },
  { phase: 'first byte', atMs: 55 + offset, call: 'A /a' },
  { phase: 'response written', atMs: 60 + offset },
];

describe('summarisePhases', () => {
  it('takes the median of each phase’s first and last mark over queries, ordered by the first', () => {
    const rows = summarisePhases([query(0), query(10), query(2)]);
    expect(rows.map((row) => row.phase)).toEqual(['execution start', 'socket write', 'first byte', 'response written']);
    expect(rows.find((row) => row.phase === 'socket write')).toEqual({ phase: 'socket write', perQuery: 2, firstMs: 4, lastMs: 5 });
    expect(rows.find((row) => row.phase === 'first byte')).toEqual({ phase: 'first byte', perQuery: 2, firstMs: 54, lastMs: 57 });
    expect(rows.find((row) => row.phase === 'response written')).toEqual({ phase: 'response written', perQuery: 1, firstMs: 62, lastMs: 62 });
  });

  it('leaves a query without a phase out of that phase’s medians', () => {
    const rows = summarisePhases([query(0), [{ phase: 'execution start', atMs: 100 }]]);
    expect(rows.find((row) => row.phase === 'first byte')?.firstMs).toBe(52);
  });
});

describe('summariseCalls', () => {
  it('gives each call its own median per phase', () => {
    expect(summariseCalls([query(0), query(4)])).toEqual([
      { call: 'A /a', atMs: { 'socket write': 6, 'first byte': 59 } },
      { call: 'B /b', atMs: { 'socket write': 7, 'first byte': 56 } },
    ]);
  });
});

describe('phasesOf', () => {
  it('reads the marks of a request phases line and nothing else', () => {
    const marks = query(0);
    expect(phasesOf(JSON.stringify({ level: 'info', message: 'request phases', phases: marks }))).toEqual(marks);
    expect(phasesOf(JSON.stringify({ level: 'info', message: 'request', phases: marks }))).toBeNull();
    expect(phasesOf('{"message":"request phases", not json')).toBeNull();
  });
});
