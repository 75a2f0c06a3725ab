import { describe, expect, it } from 'vitest';
import { VendorFileError } from '../../../src/providers/declared/file-errors.js';
import { compileVendorFile } from '../../../src/providers/declared/load-vendor-file.js';
import { MAX_SELECTION_LENGTH } from '../../../src/providers/declared/selection.js';
import { acmeFile } from './fixtures.js';

const BASE = acmeFile();

function refusal(text: string): VendorFileError {
  try {
    compileVendorFile(text, 'acme.yaml');
  } catch (error) {
    if (error instanceof VendorFileError) return error;
    throw error;
  }
  throw new Error('the file was accepted');
}

/** Line 19 of the fixture is `    tier: usage.account.plan`; its value starts at column 11. */
const withTier = (selection: string) => BASE.replace('tier: usage.account.plan', `tier: ${selection}`);

describe('a vendor file with a mistake is refused at load, each mistake placed and explained', () => {
  it('accepts the fixture as it is', () => {
    expect(() => compileVendorFile(BASE, 'acme.yaml')).not.toThrow();
  });

  it('a typo in a field path: file, line, column, model field, vendor path and the nearest existing path', () => {
    const error = refusal(withTier('usage.account.plna'));
    expect(error.code).toBe('VENDOR_FILE_INVALID');
    expect(error.problems).toEqual([
      {
        line: 19,
        column: 11,
        reason: 'no example has member "plna" at usage.account',
        modelField: 'account.plan.tier',
        vendorPath: 'usage.account.plna',
        suggestion: 'usage.account.plan',
      },
    ]);
    expect(error.message).toBe(
      'acme.yaml:19:11: no example has member "plna" at usage.account; model field account.plan.tier; vendor path usage.account.plna; did you mean usage.account.plan?',
    );
  });

  it('a typo early in a path suggests the whole corrected path', () => {
    expect(refusal(withTier('usage.acount.plan')).problems[0]).toMatchObject({ suggestion: 'usage.account.plan' });
  });

  it('a typo in a path relative to a list element', () => {
    const error = refusal(BASE.replace('used: { path: used, as: number }', 'used: { path: usde, as: number }'));
    expect(error.problems).toEqual([
      expect.objectContaining({ line: 24, column: 21, modelField: 'account.quotas.used', vendorPath: 'usde', suggestion: 'usage.limits[<key>].used' }),
    ]);
  });

  it('a call that does not exist', () => {
    expect(refusal(withTier('usgae.account.plan')).problems[0]).toMatchObject({ line: 19, column: 11, suggestion: 'usage' });
  });

  it('an unknown function, pointing at the parenthesis', () => {
    const [problem] = refusal(withTier('length(usage.account)')).problems;
    expect(problem).toMatchObject({ line: 19, column: 17, modelField: 'account.plan.tier' });
    expect(problem!.reason).toMatch(/^functions are not part of the selection language/);
  });

  it.each([
    ['a filter', "'usage.alerts[?level==`warn`].text'", 25, /^filters are not part/],
    ['a root reference in a projection', 'usage.alerts[*].$.account', 27, /^root references and variables are not part/],
    ['recursive descent', 'usage..plan', 17, /^recursive descent/],
    ['a regular expression', "'usage.account~/(a+)+$/'", 25, /^regular expressions are not part/],
    ['a pipe', "'usage.account | plan'", 25, /^unexpected " "/],
  ])('%s', (_name, selection, column, reason) => {
    const [problem] = refusal(withTier(selection)).problems;
    expect(problem).toMatchObject({ line: 19, column });
    expect(problem!.reason).toMatch(reason);
  });

  it('a selection that selects many values where the model field holds one', () => {
    expect(refusal(withTier('usage.alerts[*].text')).problems[0]!.reason).toBe('usage.alerts[*].text selects many values where the model field holds one');
  });

  it('huge and deep selections', () => {
    // Longer than the schema's cap: refused before it is even compiled.
    expect(refusal(withTier(`usage${'.a'.repeat(MAX_SELECTION_LENGTH)}`)).problems[0]!.reason).toMatch(/^account\.plan\.tier: .*256/);
    expect(refusal(withTier(`usage${'.a'.repeat(30)}`)).problems[0]!.reason).toMatch(/^at most 24 steps/);
    expect(refusal(withTier(`usage${'[*]'.repeat(3)}`)).problems[0]!.reason).toMatch(/^at most 2 `\[\*\]`/);
  });

  it('a duplicate key', () => {
    const error = refusal(BASE.replace('  plan:\n    tier: usage.account.plan', '  plan:\n    tier: usage.account.plan\n    tier: usage.account.plan'));
    expect(error.problems).toEqual([{ line: 20, column: 5, reason: 'duplicate key (each key once: a second one would silently win)' }]);
  });

  it('a bad enum value, with the nearest one', () => {
    const [problem] = refusal(BASE.replace('errors_high: HIGH_ERROR_RATE', 'errors_high: HIGH_ERRORS_RATE')).problems;
    expect(problem).toMatchObject({ line: 29, column: 47, suggestion: 'HIGH_ERROR_RATE' });
    expect(problem!.reason).toMatch(/^account\.alerts\.0\.type\.map\.errors_high: expected one of "QUOTA_EXHAUSTED"/);
  });

  it('an unknown key, with the nearest known one', () => {
    const error = refusal(BASE.replace('rateLimit: { default: 60, demo: 600 }', 'rateLimit: { defualt: 60, demo: 600 }'));
    expect(error.problems).toContainEqual({ line: 7, column: 14, reason: 'unknown key "defualt" in rateLimit', suggestion: 'default' });
  });

  it('text that is not YAML', () => {
    const error = refusal('id: [unclosed\nname: x\n');
    expect(error.problems.length).toBeGreaterThan(0);
    expect(error.problems[0]!.line).toBeGreaterThan(0);
  });

  it('an alias bomb', () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]', ...Array.from({ length: 8 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}]`)].join('\n');
    expect(refusal(bomb).problems[0]!.reason).toMatch(/alias/i);
  });

  it('reports every mistake of a file at once', () => {
    const text = withTier('usage.account.plna').replace('used: { path: used, as: number }', 'used: { path: usde, as: number }');
    expect(refusal(text).problems).toHaveLength(2);
  });
});
