/**
 * `npm run vendor -- check <file>...`: compiles each vendor file as the gateway does at start
 * (schema, selections, paths against its examples) and dry-runs every example against the
 * account or error it expects. Exit 0 when all pass, 1 when any example differs, 2 on a file mistake.
 */
import { dryRun } from '../src/providers/declared/dry-run.js';
import { VendorFileError } from '../src/providers/declared/file-errors.js';
import { loadVendorFile } from '../src/providers/declared/load-vendor-file.js';

const [command, ...files] = process.argv.slice(2);
if (command !== 'check' || files.length === 0) {
  process.stderr.write('usage: npm run vendor -- check <vendor file>...\n');
  process.exit(2);
}
let status = 0;
for (const file of files) {
  try {
    const vendor = await loadVendorFile(file);
    for (const outcome of dryRun(vendor)) {
      process.stdout.write(`${outcome.ok ? 'ok  ' : 'FAIL'} ${file}: ${outcome.name}${outcome.problem === null ? '' : ` — ${outcome.problem}`}\n`);
      if (!outcome.ok) status = Math.max(status, 1);
    }
  } catch (error) {
    if (!(error instanceof VendorFileError)) throw error;
    process.stderr.write(`${error.message}\n`);
    status = 2;
  }
}
process.exit(status);
