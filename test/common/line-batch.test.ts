import { describe, expect, it } from 'vitest';
import { batchLines } from '../../src/common/line-batch.js';

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('batchLines', () => {
  it('writes the lines of one turn in one write, in order, by the next turn', async () => {
    const writes: string[] = [];
    const line = batchLines((text) => writes.push(text), { flushOnExit: false });
    line('a\n');
    line('b\n');
    line('c\n');
    expect(writes).toEqual([]);
    await nextTurn();
    expect(writes).toEqual(['a\nb\nc\n']);
    line('d\n');
    await nextTurn();
    expect(writes).toEqual(['a\nb\nc\n', 'd\n']);
  });

  it('writes at once when maxChars are waiting, and nothing twice', async () => {
    const writes: string[] = [];
    const line = batchLines((text) => writes.push(text), { maxChars: 6, flushOnExit: false });
    line('abc\n');
    expect(writes).toEqual([]);
    line('def\n');
    expect(writes).toEqual(['abc\ndef\n']);
    line('g\n');
    await nextTurn();
    await nextTurn();
    expect(writes).toEqual(['abc\ndef\n', 'g\n']);
  });
});
