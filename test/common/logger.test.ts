import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/common/logger.js';
import { REDACTED } from '../../src/common/redact.js';

/** Every string of a parsed line, keys included. */
function stringsOf(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, inner]) => [key, ...stringsOf(inner)]);
}

describe('the logger', () => {
  // JSON.stringify escapes `"` and `\`: redacting only the finished line misses such a credential.
  it.each([
    ['a quote', 'sk_live_quo"te_9f8e7d6c'],
    ['a backslash', 'sk_live_back\\slash_5a4b3c'],
    ['both', 'sk_"live\\\\both"_1a2b3c4d'],
  ])('redacts a credential holding %s wherever it stands: message, field, key, nested, error message, stack, cause', (_name, secret) => {
    const lines: string[] = [];
    const logger = createLogger({ secrets: [secret], write: (line) => lines.push(line) });
    const error = new Error(`vendor refused ${secret}`, { cause: new Error(`because ${secret}`) });
    logger.error(`calling with ${secret}`, {
      credential: secret,
      nested: { list: [`x ${secret} y`, { deeper: secret }] },
      [secret]: 'as a key',
      error,
    });
    expect(lines).toHaveLength(1);
    const line = lines[0]!;
    expect(line).not.toContain(secret);
    expect(line).not.toContain(JSON.stringify(secret).slice(1, -1));
    const parsed = JSON.parse(line) as Record<string, unknown>;
    for (const text of stringsOf(parsed)) expect(text).not.toContain(secret);
    expect(parsed).toMatchObject({
      level: 'error',
      message: `calling with ${REDACTED}`,
      credential: REDACTED,
      nested: { list: [`x ${REDACTED} y`, { deeper: REDACTED }] },
      [REDACTED]: 'as a key',
      error: { name: 'Error', message: `vendor refused ${REDACTED}`, cause: { message: `because ${REDACTED}` } },
    });
    expect((parsed.error as { stack: string }).stack).toContain(`vendor refused ${REDACTED}`);
  });

  it('keeps what is not a credential: numbers, booleans, dates, an error code, ordinary words', () => {
    const lines: string[] = [];
    const logger = createLogger({ secrets: ['demo-credential-1234'], write: (line) => lines.push(line) });
    const error = Object.assign(new Error('refused'), { code: 'E_REFUSED' });
    logger.info('demo mode', { mode: 'demo', count: 3, ok: true, at: new Date(0), error, missing: undefined });
    expect(JSON.parse(lines[0]!)).toMatchObject({
      message: 'demo mode',
      mode: 'demo',
      count: 3,
      ok: true,
      at: '1970-01-01T00:00:00.000Z',
      error: { message: 'refused', code: 'E_REFUSED' },
    });
  });

  it('redacts a field name holding a credential on every line, not only the first', () => {
    const secret = 'sk_live_keyname_7c6b5a4d';
    const lines: string[] = [];
    const logger = createLogger({ secrets: [secret], write: (line) => lines.push(line) });
    for (let i = 0; i < 3; i += 1) logger.info('keyed', { [`by ${secret}`]: i });
    expect(lines).toHaveLength(3);
    for (const line of lines) {
      expect(line).not.toContain(secret);
      expect(Object.keys(JSON.parse(line) as object)).toContain(`by ${REDACTED}`);
    }
  });

  it('keeps a field named __proto__ as a field of the line', () => {
    const lines: string[] = [];
    const logger = createLogger({ write: (line) => lines.push(line) });
    logger.info('odd field', JSON.parse('{"__proto__": {"polluted": true}}') as Record<string, unknown>);
    expect(lines[0]).toContain('"__proto__":{"polluted":true}');
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
  });
});
