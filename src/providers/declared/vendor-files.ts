import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { AnyVendorModule } from '../vendor-module.js';
import { declaredVendor } from './declared-vendor.js';
import { VendorFileError } from './file-errors.js';
import { loadVendorFile } from './load-vendor-file.js';

const VENDOR_FILE_EXTENSIONS = ['.yaml', '.yml', '.json'];

/**
 * The vendor modules of `VENDOR_FILES`: comma-separated paths of vendor files or of folders (whose
 * `.yaml`, `.yml` and `.json` files are read, in name order). Every file is compiled before any
 * serves; a mistake in one stops the start with every problem of every file. An id that another
 * vendor (built-in or declared) already has is refused: it would shadow that vendor's variables.
 */
export async function loadVendorFiles(setting: string | undefined, builtIn: readonly Pick<AnyVendorModule, 'id'>[]): Promise<AnyVendorModule[]> {
  const paths: string[] = [];
  for (const entry of (setting ?? '').split(',').map((part) => part.trim()).filter((part) => part !== '')) {
    let isFolder: boolean;
    try {
      isFolder = (await stat(entry)).isDirectory();
    } catch (error) {
      throw new VendorFileError(entry, [{ line: 0, column: 0, reason: `VENDOR_FILES names a path that cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})` }]);
    }
    if (!isFolder) paths.push(entry);
    else paths.push(...(await readdir(entry)).filter((name) => VENDOR_FILE_EXTENSIONS.some((extension) => name.endsWith(extension))).sort().map((name) => join(entry, name)));
  }
  const results = await Promise.allSettled(paths.map((path) => loadVendorFile(path)));
  const failures = results.flatMap((result) => (result.status === 'rejected' ? [result.reason as unknown] : []));
  if (failures.length > 0) {
    const fileErrors = failures.filter((failure): failure is VendorFileError => failure instanceof VendorFileError);
    if (fileErrors.length !== failures.length) throw failures.find((failure) => !(failure instanceof VendorFileError));
    throw new VendorFilesError(fileErrors);
  }
  const taken = new Set(builtIn.map((vendor) => vendor.id));
  const modules: AnyVendorModule[] = [];
  results.forEach((result, index) => {
    if (result.status !== 'fulfilled') return;
    const id = result.value.file.id;
    if (taken.has(id)) throw new VendorFileError(paths[index]!, [{ line: 1, column: 1, reason: `id ${id} is already another vendor's` }]);
    taken.add(id);
    modules.push(declaredVendor(result.value));
  });
  return modules;
}

/** Several vendor files with mistakes, reported together. */
export class VendorFilesError extends Error {
  override readonly name = 'VendorFilesError';
  readonly code = 'VENDOR_FILE_INVALID';
  constructor(readonly errors: readonly VendorFileError[]) {
    super(errors.map((error) => error.message).join('\n'));
  }
}
