/**
 * API keys of services: the AUTH_API_KEYS_FILE format and the constant-time lookup of a presented
 * key. Only SHA-256 hashes are stored, so the file itself grants nothing if it leaks.
 */

import { createHash, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

const entrySchema = z.object({
  name: z.string().trim().min(1, 'name must be a non-empty string'),
  sha256: z.string().regex(/^[0-9a-fA-F]{64}$/, 'sha256 must be 64 hexadecimal characters (the SHA-256 of the key)'),
  scopes: z.array(z.string().min(1, 'a scope must be a non-empty string'), 'scopes must be an array of strings'),
});

const fileSchema = z.array(entrySchema, 'expected a JSON array of { "name", "sha256", "scopes" }');

/** One key's entry as held in memory. */
export interface ApiKeyEntry {
  name: string;
  hash: Buffer;
  scopes: ReadonlySet<string>;
}

/**
 * Parses the keys file's text. Throws an Error saying which entry (by index and name) is wrong and
 * how; values other than names are never quoted, since a key pasted by mistake in place of its hash
 * would otherwise end up in a log.
 */
export function parseApiKeys(text: string): ApiKeyEntry[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    // The SyntaxError's own message quotes the text around the fault.
    throw new Error('is not valid JSON');
  }
  const parsed = fileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const index = issue.path[0];
    const name = typeof index === 'number' ? (json as { name?: unknown }[])[index]?.name : undefined;
    const where = typeof index === 'number' ? `has an invalid entry ${index}${typeof name === 'string' && name.trim() !== '' ? ` (name "${name}")` : ''}` : 'is invalid';
    throw new Error(`${where}: ${issue.message}`);
  }
  const names = new Set<string>();
  const hashes = new Set<string>();
  return parsed.data.map(({ name, sha256, scopes }, index) => {
    const hex = sha256.toLowerCase();
    if (names.has(name)) throw new Error(`has an invalid entry ${index}: the name "${name}" is used twice; names tell keys apart in logs`);
    if (hashes.has(hex)) throw new Error(`has an invalid entry ${index} (name "${name}"): the same key hash as an earlier entry; one key, one entry`);
    names.add(name);
    hashes.add(hex);
    return { name, hash: Buffer.from(hex, 'hex'), scopes: new Set(scopes) };
  });
}

/** SHA-256 of a key, in the hex form the keys file holds. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/**
 * The entry whose hash is the presented key's, or null. Every entry is compared, in constant time,
 * whichever matches: neither the timing of a comparison nor the position of a match tells an
 * attacker how close a guess came.
 */
export function findApiKey(entries: readonly ApiKeyEntry[], presented: string): ApiKeyEntry | null {
  const hash = createHash('sha256').update(presented, 'utf8').digest();
  let found: ApiKeyEntry | null = null;
  for (const entry of entries) {
    if (timingSafeEqual(entry.hash, hash) && found === null) found = entry;
  }
  return found;
}
