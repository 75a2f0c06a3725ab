/**
 * Prints a JWT signed by the demo key pair (generated into DATA_DIR on first use), for trying the
 * gateway started with AUTH_DEMO=1:
 *
 *   npm run -s token -- --scope "partners:self" --sub <sub> [--ttl 3600] [--data-dir ./data]
 *
 * Only the token goes to stdout, so `TOKEN=$(npm run -s token -- …)` works; problems go to stderr
 * with exit code 2.
 */

import { parseArgs } from 'node:util';
import { isScope, SCOPES } from '../src/common/caller.js';
import { ensureDemoKeys } from '../src/edge/identity/demo-keys.js';

const USAGE = `usage: npm run -s token -- --scope "<scope> [<scope>…]" --sub <sub> [--ttl <seconds>] [--data-dir <dir>]
  --scope     space-separated, from: ${SCOPES.join(', ')}
  --sub       the caller's subject (for partners:self, the Arrays partner user's sub)
  --ttl       lifetime in seconds, 1 to 31536000 (default 3600)
  --data-dir  where the demo key pair lives (default: DATA_DIR, else ./data)`;

class UsageError extends Error {}

interface TokenRequest {
  scope: string;
  sub: string;
  ttlSeconds: number;
  dataDir: string;
}

function parseRequest(args: string[], env: NodeJS.ProcessEnv): TokenRequest | 'help' {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        scope: { type: 'string' },
        sub: { type: 'string' },
        ttl: { type: 'string' },
        'data-dir': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) return 'help';
  if (values.scope === undefined) throw new UsageError('--scope is required');
  if (values.sub === undefined || values.sub === '') throw new UsageError('--sub is required (a non-empty subject)');
  const scopes = values.scope.split(' ').filter((scope) => scope !== '');
  if (scopes.length === 0) throw new UsageError('--scope needs at least one scope');
  const unknown = scopes.filter((scope) => !isScope(scope));
  if (unknown.length > 0) throw new UsageError(`unknown scope ${unknown.map((scope) => `"${scope}"`).join(', ')}`);
  const ttlSeconds = values.ttl === undefined ? 3600 : Number(values.ttl);
  if (!/^\d+$/.test(values.ttl ?? '3600') || ttlSeconds < 1 || ttlSeconds > 31_536_000) {
    throw new UsageError('--ttl must be a whole number of seconds from 1 to 31536000');
  }
  return { scope: scopes.join(' '), sub: values.sub, ttlSeconds, dataDir: values['data-dir'] ?? env.DATA_DIR ?? './data' };
}

async function main(): Promise<number> {
  let request: TokenRequest | 'help';
  try {
    request = parseRequest(process.argv.slice(2), process.env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`token: ${error.message}\n${USAGE}\n`);
    return 2;
  }
  if (request === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const keys = await ensureDemoKeys(request.dataDir);
  process.stdout.write(`${await keys.sign(request)}\n`);
  return 0;
}

process.exitCode = await main();
