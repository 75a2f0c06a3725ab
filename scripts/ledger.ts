/**
 * `npm run ledger -- export [--from file|postgres] > ledger.jsonl`
 * `npm run ledger -- import [--to file|postgres] [--replace] < ledger.jsonl`
 *
 * Moves the partner ledger between the files of DATA_DIR and the database of DATABASE_URL. The
 * default store is PostgreSQL when DATABASE_URL is set, else DATA_DIR. The check (users, endpoint
 * and day rows, counter sums, digest) goes to stderr; an import that would not equal its input,
 * or that would overwrite a ledger without --replace, writes nothing and exits 1.
 */
import { ConfigError, loadConfig } from '../src/config/index.js';
import { exportLedger, importLedger, LedgerTransferError, type LedgerCheck, type LedgerLocation } from '../src/ledger/transfer.js';
import { redactOccurrences } from '../src/common/redact.js';

const USAGE = `usage: npm run ledger -- export [--from file|postgres] > ledger.jsonl
       npm run ledger -- import [--to file|postgres] [--replace] < ledger.jsonl
  file: the ledger files in DATA_DIR (default ./data); postgres: DATABASE_URL.
  Default: postgres when DATABASE_URL is set, else file.`;

function fail(message: string, code = 1): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

const [command, ...args] = process.argv.slice(2);
if (command !== 'export' && command !== 'import') fail(USAGE, 2);
const flag = command === 'export' ? '--from' : '--to';
let kind: string | undefined;
let replace = false;
for (let i = 0; i < args.length; i++) {
  if (args[i] === flag) kind = args[++i];
  else if (args[i] === '--replace' && command === 'import') replace = true;
  else fail(`unknown argument ${args[i]}\n${USAGE}`, 2);
}

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig(process.env);
} catch (error) {
  if (error instanceof ConfigError) fail(error.message, 2);
  throw error;
}
const database = config.ledgerDatabase;
kind ??= database === null ? 'file' : 'postgres';
let location: LedgerLocation;
if (kind === 'file') location = { kind: 'file', dir: config.dataDir };
else if (kind === 'postgres') {
  if (database === null) fail(`${flag} postgres needs DATABASE_URL`, 2);
  location = { kind: 'postgres', database };
} else fail(`${flag} must be file or postgres\n${USAGE}`, 2);
const where = location.kind === 'file' ? `DATA_DIR ${location.dir}` : 'DATABASE_URL';
const secrets = database === null ? [] : [database.url, ...(database.password === null ? [] : [database.password, encodeURIComponent(database.password)])];

const describe = (check: LedgerCheck) =>
  `users ${check.users}, endpoint rows ${check.endpointRows}, day rows ${check.dayRows}, calls ${check.calls}, discoveries ${check.discoveries}, tweets ${check.tweets}, digest ${check.digest}`;

try {
  if (command === 'export') {
    const check = await exportLedger(location, process.stdout);
    process.stderr.write(`exported the ledger of ${where}: ${describe(check)}\n`);
  } else {
    const { input, ledger } = await importLedger(location, process.stdin, { replace });
    process.stderr.write(`input:  ${describe(input)}\nledger: ${describe(ledger)}\ncheck: equal per user, endpoint and day; imported into ${where}\n`);
  }
} catch (error) {
  const message = error instanceof Error ? error.message : String(error);
  // A transfer error says itself that nothing was written; a driver's failure rolled the import back.
  const note = command === 'import' && !(error instanceof LedgerTransferError) ? ' (rolled back: nothing was imported)' : '';
  fail(`ledger ${command} failed: ${redactOccurrences(message, secrets)}${note}`);
}
