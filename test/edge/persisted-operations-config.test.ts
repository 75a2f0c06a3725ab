import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { openWatchedFile } from '../../src/edge/identity/watched-file.js';
import { parsePersistedDocuments } from '../../src/edge/persisted-operations.js';
import { configProblems } from '../support/config-problems.js';

/** PERSISTED_OPERATIONS, PERSISTED_OPERATIONS_FILE and APQ_*: defaults, and every refusal naming its variable. */

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const QUERY = 'query P { providers { id } }';
const SECRET_LOOKALIKE = 'sk_live_canary_0123456789abcdef';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'persisted-config-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function manifestFile(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

function problemsOf(env: Record<string, string>): string {
  return configProblems(env).join('\n');
}

describe('persisted operations configuration', () => {
  it('defaults to allow, APQ on with 1000 entries and 10 MiB, no manifest', () => {
    expect(loadConfig({}).persistedOperations).toEqual({ mode: 'allow', file: null, documents: null, apqMaxEntries: 1000, apqMaxBytes: 10 * 1024 * 1024 });
  });

  it('reads a codegen / Relay manifest, ids lowercased', async () => {
    const file = await manifestFile('good.json', JSON.stringify({ [sha256(QUERY).toUpperCase()]: QUERY }));
    const config = loadConfig({ PERSISTED_OPERATIONS: 'only', PERSISTED_OPERATIONS_FILE: file, APQ_MAX_ENTRIES: '5', APQ_MAX_BYTES: '2048' });
    expect(config.persistedOperations).toMatchObject({ mode: 'only', file, apqMaxEntries: 5, apqMaxBytes: 2048 });
    expect([...config.persistedOperations.documents!]).toEqual([[sha256(QUERY), QUERY]]);
  });

  it('refuses a bad mode, and only without a manifest', () => {
    expect(problemsOf({ PERSISTED_OPERATIONS: 'strict' })).toContain('PERSISTED_OPERATIONS: expected allow or only (got "strict")');
    expect(problemsOf({ PERSISTED_OPERATIONS: 'only' })).toContain('PERSISTED_OPERATIONS: only needs PERSISTED_OPERATIONS_FILE');
  });

  it('refuses APQ bounds out of range', () => {
    const problems = problemsOf({ APQ_MAX_ENTRIES: '0', APQ_MAX_BYTES: 'lots' });
    expect(problems).toContain('APQ_MAX_ENTRIES: expected a whole number from 1 to 100000');
    expect(problems).toContain('APQ_MAX_BYTES: expected a whole number from 1024 to 1073741824');
  });

  it.each([
    ['invalid JSON', `{"${sha256(QUERY)}": "${SECRET_LOOKALIKE}`, 'is not valid JSON'],
    ['a JSON array', JSON.stringify([QUERY]), 'is not a JSON object of document id → document text'],
    ['a value that is not a string', JSON.stringify({ [sha256(QUERY)]: { text: SECRET_LOOKALIKE } }), 'the document must be a string of GraphQL'],
    ['a document that does not parse', JSON.stringify({ [sha256('query {')]: `query { ${SECRET_LOOKALIKE}(` }), 'the document does not parse (Syntax Error:'],
    ['an MD5 key (Relay\'s default algorithm)', JSON.stringify({ '0cc175b9c0f1b6a831c399e269772661': QUERY }), 'a document id must be a SHA-256 in hex (64 characters)'],
  ])('refuses a manifest with %s, naming the variable and the file, quoting no document', async (name, text, expected) => {
    const file = await manifestFile(`${name.replace(/\W+/g, '-')}.json`, text);
    const problems = problemsOf({ PERSISTED_OPERATIONS_FILE: file });
    expect(problems).toContain(`PERSISTED_OPERATIONS_FILE: ${file}`);
    expect(problems).toContain(expected);
    expect(problems).not.toContain(SECRET_LOOKALIKE);
  });

  // A directory stands for an unreadable file: chmod 000 means nothing to root, which CI may be.
  it('refuses a missing and an unreadable manifest', async () => {
    const missing = join(dir, 'missing.json');
    expect(problemsOf({ PERSISTED_OPERATIONS_FILE: missing })).toContain(`PERSISTED_OPERATIONS_FILE: ${missing} does not exist`);
    const directory = join(dir);
    expect(problemsOf({ PERSISTED_OPERATIONS_FILE: directory })).toContain(`PERSISTED_OPERATIONS_FILE: ${directory} cannot be read (EISDIR)`);
  });

  it('on reload keeps the last good documents when the file turns invalid, and takes a valid new one', async () => {
    const file = await manifestFile('reloaded.json', JSON.stringify({ [sha256(QUERY)]: QUERY }));
    const lines: string[] = [];
    const log = (level: string) => (message: string) => lines.push(`${level} ${message}`);
    const watched = await openWatchedFile({
      path: file,
      variable: 'PERSISTED_OPERATIONS_FILE',
      label: 'persisted operations file',
      parse: parsePersistedDocuments,
      logger: { info: log('info'), warn: log('warn'), error: log('error') },
      pollIntervalMs: 60_000,
    });
    try {
      await writeFile(file, '{ half-saved');
      await watched.reload();
      expect([...watched.current.keys()]).toEqual([sha256(QUERY)]);
      expect(lines.at(-1)).toBe('error persisted operations file invalid: keeping its previous content');
      const other = 'query Q { providers { name } }';
      await writeFile(file, JSON.stringify({ [sha256(other)]: other }));
      await watched.reload();
      expect([...watched.current.keys()]).toEqual([sha256(other)]);
      expect(lines.at(-1)).toBe('info persisted operations file reloaded');
    } finally {
      await watched.close();
    }
  });
});
