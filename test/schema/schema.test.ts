import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { printSchema, SCHEMA_FILE } from '../../scripts/print-schema.js';
import { startHarness } from '../support/harness.js';

describe('schema.graphql', () => {
  it('is the current printed subgraph SDL (run `npm run schema` when this fails)', () => {
    expect(readFileSync(SCHEMA_FILE, 'utf8')).toBe(printSchema());
  });

  it('is a Federation v2 subgraph whose _service { sdl } is exactly schema.graphql', async () => {
    const sdl = readFileSync(SCHEMA_FILE, 'utf8');
    expect(sdl).toMatch(/@link\(url: "https:\/\/specs\.apollo\.dev\/federation\/v2\.\d+"/);
    expect(sdl).toMatch(/type Provider implements Node\s+@key\(fields: "id"\)/);
    const harness = await startHarness();
    try {
      const { body } = await harness.query<any>(`{ _service { sdl } }`);
      expect(body.data._service.sdl).toBe(sdl);
    } finally {
      await harness.close();
    }
  });

  it('types counters with the 53-bit SafeInt scalar and ids as strings, never Int', () => {
    const sdl = readFileSync(SCHEMA_FILE, 'utf8');
    for (const field of ['used: SafeInt!', 'requests: SafeInt!', 'calls: SafeInt!', 'tweets: SafeInt!', 'sub: ID!']) {
      expect(sdl).toContain(field);
    }
    expect(sdl).not.toMatch(/\b(used|requests|calls|tweets|discoveries|monthToDate|lastMonth|last12Months): Int\b/);
  });
});
