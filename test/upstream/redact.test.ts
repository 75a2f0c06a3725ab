import { describe, expect, it } from 'vitest';
import { parseJsonBody } from '../../src/upstream/json.js';
import { REDACTED, redact } from '../../src/common/redact.js';
import { echoPage } from '../../src/simulators/faults.js';
import { expectNoFragmentOf, fragmentOf } from '../support/leaks.js';

const KEY = 'sk_live_canary_cut_7f3a9d2b1e6c';

describe('redact', () => {
  it('removes the whole secret wherever it stands: at the start, in the middle, at the end, repeated', () => {
    expect(redact(`${KEY} is revoked`, [KEY])).toBe(`${REDACTED} is revoked`);
    expect(redact(`key ${KEY} is revoked`, [KEY])).toBe(`key ${REDACTED} is revoked`);
    expect(redact(`revoked: ${KEY}`, [KEY])).toBe(`revoked: ${REDACTED}`);
    expect(redact(`${KEY}${KEY}/${KEY}`, [KEY])).toBe(`${REDACTED}${REDACTED}/${REDACTED}`);
    expect(redact('Authorization: Bearer abc.def-123', [])).toBe(`Authorization: Bearer ${REDACTED}`);
  });

  it('removes what a cut left of a secret at either end of an excerpt', () => {
    // An excerpt that stops inside the key keeps its beginning; one that starts inside keeps its end.
    for (let kept = 4; kept < KEY.length; kept += 1) {
      const head = redact(`body began <p>${KEY.slice(0, kept)}`, [KEY]);
      expect(head, `first ${kept} characters`).toBe(`body began <p>${REDACTED}`);
      const tail = redact(`${KEY.slice(-kept)}</p> and more`, [KEY]);
      expect(tail, `last ${kept} characters`).toBe(`${REDACTED}</p> and more`);
    }
  });

  it('leaves ordinary text alone: a secret\'s fragment inside a text, or under 4 characters at its edge, is not a cut secret', () => {
    expect(redact('the live_canary word in the middle', [KEY])).toBe('the live_canary word in the middle');
    expect(redact('ends with sk_', [KEY])).toBe('ends with sk_');
    expect(redact('2c6e is where it begins', [KEY])).toBe('2c6e is where it begins');
    expect(redact('nothing to see', [KEY, 'abc'])).toBe('nothing to see');
  });
});

describe('the quoted start of a body that is not JSON', () => {
  // parseJsonBody quotes the first 40 characters: every offset puts the key before, across or after that cut.
  it.each(Array.from({ length: 48 }, (_, offset) => offset))('never carries 4 or more characters of a key at offset %i', (offset) => {
    const text = echoPage(KEY, offset);
    expect(text.indexOf(KEY)).toBe(offset);
    let message = '';
    try {
      parseJsonBody({ status: 200, headers: { 'content-type': 'text/html' }, text } as never, 'SHARPE', [KEY]);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/^SHARPE answered 200 with a body that is not JSON/);
    expectNoFragmentOf(message, KEY, 4);
    // Where the quote reaches the key at all, it shows that something was removed.
    if (offset <= 40 - 4) expect(message).toContain(REDACTED);
  });

  it('the fragment check itself finds a cut key', () => {
    expect(fragmentOf(`begins "<p>${KEY.slice(0, 9)}"`, KEY, 4)).toBe(KEY.slice(0, 9));
    expect(fragmentOf(`${KEY.slice(12)} end`, KEY, 4)).toBe(KEY.slice(12));
    expect(fragmentOf('no key here', KEY, 4)).toBeNull();
  });
});

describe('the quoted start of a body that is not JSON, redacted before it is cut', () => {
  const quoteOf = (text: string, secrets: readonly string[] = [KEY]): string => {
    try {
      parseJsonBody({ status: 200, headers: { 'content-type': 'text/html' }, text } as never, 'SHARPE', secrets);
    } catch (error) {
      return JSON.parse(/begins ("(?:[^"\\]|\\.)*")\)$/.exec((error as Error).message)![1]!) as string;
    }
    throw new Error('parsed');
  };

  // A cut 1 to 3 characters into the key kept them: too short for the edge rule, yet part of the key.
  it.each([37, 38, 39])('keeps no character of a key that begins at offset %i, just before the cut', (offset) => {
    const quote = quoteOf(echoPage(KEY, offset));
    expect(quote.endsWith(REDACTED), quote).toBe(true);
    expect(quote.slice(0, offset)).toBe(echoPage(KEY, offset).slice(0, offset));
  });

  it('never splits the marker: a key that straddles the cut is quoted as a whole [REDACTED]', () => {
    for (let offset = 0; offset < 48; offset += 1) {
      const quote = quoteOf(echoPage(KEY, offset));
      expect(quote.split(REDACTED).join('')).not.toMatch(/\[REDACTED|REDACTED\]|\[RED/);
      expect(quote.length).toBeLessThanOrEqual(40 + REDACTED.length - 1);
      if (offset < 40) expect(quote).toContain(REDACTED);
    }
  });
});
