import { isDeepStrictEqual } from 'node:util';
import { mapAccount, MappingError } from './account-mapping.js';
import { errorOfAnswer } from './answer-errors.js';
import type { CompiledVendor } from './compile-vendor.js';

/** What one example produced in a dry run, and whether it is what the example expects. */
export interface ExampleOutcome {
  name: string;
  ok: boolean;
  /** The mapped account as JSON (times as ISO strings), or the error code. */
  produced: { account: unknown } | { error: string };
  /** Why it is not ok: the first difference from the expected result. */
  problem: string | null;
}

/**
 * Maps every example of a vendor file offline, as the running gateway would map those answers,
 * and compares each with the account (or error code) the example expects.
 */
export function dryRun(vendor: CompiledVendor): ExampleOutcome[] {
  return vendor.file.examples.map((example) => {
    let produced: ExampleOutcome['produced'];
    const failing = Object.values(example.responses).find((response) => response.status >= 300);
    const checked = failing ?? Object.values(example.responses)[0];
    const asAnswer = (response: NonNullable<typeof checked>) => ({
      status: response.status,
      headers: response.headers ?? {},
      text: JSON.stringify(response.body),
      retryAfterSeconds: null,
    });
    const error = checked === undefined ? null : errorOfAnswer(vendor.file.id, vendor.errors, asAnswer(checked), []);
    if (error !== null) {
      produced = { error: error.code };
    } else {
      const answers = Object.fromEntries(Object.entries(example.responses).map(([call, response]) => [call, response.body]));
      try {
        produced = { account: JSON.parse(JSON.stringify(mapAccount(vendor.file.id, vendor.mapping, answers))) as unknown };
      } catch (mappingError) {
        if (!(mappingError instanceof MappingError)) throw mappingError;
        produced = { error: 'UPSTREAM_BAD_RESPONSE' };
        if (example.expect === undefined || !('error' in example.expect)) {
          return { name: example.name, ok: false, produced, problem: `the mapping failed: ${mappingError.message}` };
        }
      }
    }
    const expected = example.expect;
    if (expected === undefined) return { name: example.name, ok: !('error' in produced), produced, problem: 'error' in produced ? `answered ${produced.error}` : null };
    const ok = isDeepStrictEqual(produced, expected);
    return { name: example.name, ok, produced, problem: ok ? null : `expected ${JSON.stringify(expected)}, got ${JSON.stringify(produced)}` };
  });
}
