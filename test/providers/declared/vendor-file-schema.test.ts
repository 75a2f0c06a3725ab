import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { vendorFileSchemaText } from '../../../src/providers/declared/file-format.js';

describe('the published JSON Schema of vendor files', () => {
  it('is the one generated from the zod schema that validates them (run `npm run vendor:schema` when this fails)', () => {
    const committed = readFileSync(new URL('../../../schemas/vendor-file.schema.json', import.meta.url), 'utf8');
    expect(committed).toBe(vendorFileSchemaText());
  });

  it('describes the keys a file has, so an editor can complete them', () => {
    const schema = JSON.parse(vendorFileSchemaText()) as { properties: Record<string, unknown>; additionalProperties: unknown; required: string[] };
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(['id', 'name', 'baseUrl', 'auth', 'rateLimit', 'calls', 'errors', 'account', 'examples']));
    // Strict objects: an editor flags a misspelt key as the gateway does.
    expect(schema.additionalProperties).toBe(false);
    expect(schema.required).toEqual(expect.arrayContaining(['id', 'auth', 'calls', 'account', 'examples']));
  });
});
