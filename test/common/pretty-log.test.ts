import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/common/logger.js';
import { formatPrettyLine, resolveLogFormat } from '../../src/common/pretty-log.js';
import { REDACTED } from '../../src/common/redact.js';

describe('the log format', () => {
  it('auto is pretty exactly on a terminal; json and pretty are what they say', () => {
    expect(resolveLogFormat('auto', true)).toBe('pretty');
    expect(resolveLogFormat('auto', false)).toBe('json');
    expect(resolveLogFormat('json', true)).toBe('json');
    expect(resolveLogFormat('pretty', false)).toBe('pretty');
  });
});

describe('a pretty line', () => {
  it('reads level, time of day, message, then the fields as key=value', () => {
    const line = formatPrettyLine({
      level: 'info',
      message: 'gateway listening',
      url: 'http://127.0.0.1:4000/graphql',
      providers: ['ARRAYS', 'SHARPE'],
      auth: 'off',
      note: 'two words',
      count: 3,
      requestId: 'hidden-from-a-person',
      time: '2026-01-01T12:34:56.789Z',
    });
    expect(line).toBe('INFO  12:34:56.789 gateway listening url=http://127.0.0.1:4000/graphql providers=["ARRAYS","SHARPE"] auth=off note="two words" count=3');
  });

  it('shows an error as name, message and code, its stack below on an error line only', () => {
    const error = { name: 'LedgerError', message: 'disk full', code: 'LEDGER_DISK_FULL', stack: 'LedgerError: disk full\n    at write (file.ts:1:1)' };
    const asError = formatPrettyLine({ level: 'error', message: 'write failed', error, time: '2026-01-01T00:00:00.000Z' });
    expect(asError.split('\n')[0]).toBe('ERROR 00:00:00.000 write failed error="LedgerError: disk full (LEDGER_DISK_FULL)"');
    expect(asError).toContain('\n    LedgerError: disk full\n        at write (file.ts:1:1)');
    const asWarning = formatPrettyLine({ level: 'warn', message: 'write failed', error, time: '2026-01-01T00:00:00.000Z' });
    expect(asWarning).toBe('WARN  00:00:00.000 write failed error="LedgerError: disk full (LEDGER_DISK_FULL)"');
  });

  it('cuts a long value', () => {
    const line = formatPrettyLine({ level: 'debug', message: 'm', blob: 'x'.repeat(1000), time: '2026-01-01T00:00:00.000Z' });
    expect(line.length).toBeLessThan(200);
    expect(line.endsWith('…')).toBe(true);
  });
});

describe('the logger in pretty mode', () => {
  it('writes one readable line per call, newline-terminated, not JSON', () => {
    const lines: string[] = [];
    const logger = createLogger({ format: 'pretty', write: (line) => lines.push(line) });
    logger.warn('vendor slow', { provider: 'SHARPE' });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^WARN {2}\d\d:\d\d:\d\d\.\d{3} vendor slow provider=SHARPE\n$/);
    expect(() => JSON.parse(lines[0]!)).toThrow();
  });

  it('redacts a credential exactly as the JSON lines do: message, field, key, nested, error and stack', () => {
    const secret = 'sk_live_pre"tty\\_9f8e7d6c';
    const lines: string[] = [];
    const logger = createLogger({ format: 'pretty', secrets: [secret], write: (line) => lines.push(line) });
    const error = new Error(`vendor refused ${secret}`, { cause: new Error(`because ${secret}`) });
    logger.error(`calling with ${secret}`, { credential: secret, nested: { deeper: [`x ${secret}`] }, [secret]: 'as a key', authorization: `Bearer abc.def.ghi`, error });
    expect(lines).toHaveLength(1);
    const line = lines[0]!;
    expect(line).not.toContain(secret);
    expect(line).not.toContain(JSON.stringify(secret).slice(1, -1));
    expect(line).not.toContain('abc.def.ghi');
    expect(line).toContain(`calling with ${REDACTED}`);
    expect(line).toContain(`credential=${REDACTED}`);
    expect(line).toContain(`${REDACTED}="as a key"`);
    expect(line).toContain(`vendor refused ${REDACTED}`);
  });

  it('writes nothing below its level', () => {
    const lines: string[] = [];
    const logger = createLogger({ format: 'pretty', level: 'warn', write: (line) => lines.push(line) });
    logger.info('quiet');
    expect(lines).toEqual([]);
  });
});
