import { describe, expect, it } from 'vitest';
import { compileVendorFile } from '../../../src/providers/declared/load-vendor-file.js';
import { acmeFile } from './fixtures.js';

/** The problems the contract finds in `body`, as `parsePayload` lists them: path and message. */
function problems(text: string, body: unknown): string[] {
  const result = compileVendorFile(text, 'acme.yaml').contracts.get('usage')!.safeParse(body);
  return result.success ? [] : result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

const example = () => structuredClone(compileVendorFile(acmeFile(), 'acme.yaml').file.examples[0]!.responses.usage!.body) as Record<string, any>;

describe("the contract of a declared vendor's answer", () => {
  it('accepts every example it was derived from, and members the mapping does not read may change', () => {
    expect(problems(acmeFile(), example())).toEqual([]);
    expect(problems(acmeFile(), { ...example(), ok: 'whatever', extra: [1, 2] })).toEqual([]);
  });

  it('names each value the mapping reads that is missing or of the wrong type, in the order the examples print them', () => {
    const body = example();
    body.account.plan = 5;
    body.limits.seats.used = 'many';
    body.generated = true;
    expect(problems(acmeFile(), body)).toEqual([
      'account.plan: Invalid input: expected string, received number',
      'limits.seats.used: expected an integer in a string',
      'generated: expected epoch milliseconds',
    ]);
    // The same answer against a file whose example prints `generated` first.
    const generatedFirst = acmeFile()
      .replace('          ok: true\n', '          generated: 1772366400000\n          ok: true\n')
      .replace(/\n          generated: 1772366400000\n  - name/, '\n  - name');
    expect(problems(generatedFirst, body)[0]).toBe('generated: expected epoch milliseconds');
  });

  it('lets an optional value be missing or null, and a list be empty', () => {
    const mapping = `  plan:
    tier: { path: usage.account.plan, optional: true }
  quotas:
    - eachEntry: usage.limits
      name: '@key'
      used: { path: used, as: number }
      limit: { path: max, as: number }
      remaining: { derive: limitMinusUsed }`;
    expect(problems(acmeFile({ mapping }), { limits: {} })).toEqual([]);
    expect(problems(acmeFile({ mapping }), { account: null, limits: { seats: { used: '1', max: '2' } } })).toEqual([]);
    expect(problems(acmeFile({ mapping }), { account: { plan: 1 }, limits: { seats: { used: '1' } } })).toEqual([
      'account.plan: Invalid input: expected string, received number',
      'limits.seats.max: expected a number or a number in a string',
    ]);
  });
});
