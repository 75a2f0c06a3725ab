import { readFile } from 'node:fs/promises';
import type { z } from 'zod';
import { compileVendor, type CompiledVendor } from './compile-vendor.js';
import { VendorFileError, type VendorFileProblem } from './file-errors.js';
import { vendorFileSchema } from './file-format.js';
import { placeOf, readSourceDocument, type SourceDocument } from './source-document.js';
import { nearest } from './suggest.js';

/** The largest vendor file read, in bytes: a file is configuration, and its examples are samples. */
export const MAX_VENDOR_FILE_BYTES = 1024 * 1024;

/**
 * Parses, validates and compiles one vendor file's text (`file` names it in problems). Every
 * problem found is reported at once, each at its line and column, so one start fixes them all.
 */
export function compileVendorFile(text: string, file: string): CompiledVendor {
  if (text.length > MAX_VENDOR_FILE_BYTES) throw new VendorFileError(file, [{ line: 0, column: 0, reason: `larger than ${MAX_VENDOR_FILE_BYTES} bytes` }]);
  const source = readSourceDocument(text);
  if (source.problems.length > 0 || source.value === undefined) throw new VendorFileError(file, source.problems);
  const parsed = vendorFileSchema.safeParse(source.value);
  if (!parsed.success) throw new VendorFileError(file, parsed.error.issues.flatMap((issue) => problemsOf(issue, source)));
  const compiled = compileVendor(parsed.data, source);
  if ('problems' in compiled) throw new VendorFileError(file, compiled.problems);
  return compiled.vendor;
}

/** Reads and compiles the vendor file at `path`. */
export async function loadVendorFile(path: string): Promise<CompiledVendor> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new VendorFileError(path, [{ line: 0, column: 0, reason: `cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})` }]);
  }
  return compileVendorFile(text, path);
}

function problemsOf(issue: z.core.$ZodIssue, source: SourceDocument): VendorFileProblem[] {
  if (issue.code === 'unrecognized_keys') {
    const known = keysAt(vendorFileSchema as unknown as AnySchema, issue.path);
    return issue.keys.map((key) => {
      const near = nearest(key, known);
      return { ...placeOf(source, [...issue.path, key], { key: true }), reason: `unknown key "${key}"${issue.path.length > 0 ? ` in ${issue.path.join('.')}` : ''}`, ...(near === null ? {} : { suggestion: near }) };
    });
  }
  const where = issue.path.length > 0 ? issue.path.join('.') : '(file)';
  let reason = issue.message;
  if (issue.code === 'invalid_value' && issue.values.length > 0) {
    reason = `expected one of ${issue.values.map((value) => JSON.stringify(value)).join(', ')}`;
    const given = valueAt(source.value, issue.path);
    const near = typeof given === 'string' ? nearest(given, issue.values.map(String)) : null;
    if (near !== null) return [{ ...placeOf(source, issue.path), reason: `${where}: ${reason}`, suggestion: near }];
  }
  return [{ ...placeOf(source, issue.path), reason: `${where}: ${reason}` }];
}

function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let current = value;
  for (const step of path) current = typeof current === 'object' && current !== null ? (current as Record<PropertyKey, unknown>)[step] : undefined;
  return current;
}

type AnySchema = { _zod: { def: Record<string, unknown> & { type: string } } };

/** The keys the schema allows for the object at `path`, for "did you mean". */
function keysAt(schema: AnySchema, path: readonly PropertyKey[]): string[] {
  let current: AnySchema[] = [schema];
  for (const step of [...path, null]) {
    const next: AnySchema[] = [];
    const keys: string[] = [];
    const visit = (candidate: AnySchema): void => {
      const def = candidate._zod.def;
      switch (def.type) {
        case 'optional':
        case 'nullable':
        case 'default':
        case 'readonly':
          return visit(def.innerType as AnySchema);
        case 'pipe':
          return visit(def.in as AnySchema);
        case 'union':
          return (def.options as AnySchema[]).forEach(visit);
        case 'object': {
          const shape = def.shape as Record<string, AnySchema>;
          if (step === null) keys.push(...Object.keys(shape));
          else if (typeof step === 'string' && shape[step] !== undefined) next.push(shape[step]);
          return;
        }
        case 'array':
          if (typeof step === 'number') next.push(def.element as AnySchema);
          return;
        case 'record':
          if (step !== null) next.push(def.valueType as AnySchema);
          return;
      }
    };
    current.forEach(visit);
    if (step === null) return [...new Set(keys)];
    current = next;
  }
  return [];
}
