import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { GraphQLError, parse } from 'graphql';
import { integerIn } from '../common/env-values.js';
import type { EnvironmentReader } from './environment-reader.js';

/** `allow`: arbitrary documents and APQ as usual, manifest ids too. `only`: nothing but the manifest. */
export type PersistedOperationsMode = 'allow' | 'only';

/** Trusted documents by id: 64 lowercase hexadecimal characters (SHA-256) → document text. */
export type PersistedDocuments = ReadonlyMap<string, string>;

/** `APQ_MAX_ENTRIES`'s default: documents the APQ store keeps. */
export const DEFAULT_APQ_MAX_ENTRIES = 1000;
/** `APQ_MAX_BYTES`'s default: the APQ store's documents together, UTF-16 code units counted as bytes. */
export const DEFAULT_APQ_MAX_BYTES = 10 * 1024 * 1024;

/**
 * Parses a manifest's text: a JSON object of id → document text, as graphql-codegen's client
 * preset (`persisted-documents.json`) and Relay's `persistConfig` (with `algorithm: "SHA256"`)
 * write it. Throws an Error saying which entry is wrong and how; document texts are never quoted.
 */
export function parsePersistedDocuments(text: string): Map<string, string> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    // The SyntaxError's own message quotes the text around the fault.
    throw new Error('is not valid JSON');
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new Error('is not a JSON object of document id → document text');
  }
  const documents = new Map<string, string>();
  for (const [key, value] of Object.entries(json)) {
    const where = `entry ${JSON.stringify(key.length > 80 ? `${key.slice(0, 80)}…` : key)}`;
    if (!/^[0-9a-fA-F]{64}$/.test(key)) throw new Error(`has an invalid ${where}: a document id must be a SHA-256 in hex (64 characters)`);
    if (typeof value !== 'string') throw new Error(`has an invalid ${where}: the document must be a string of GraphQL`);
    try {
      parse(value);
    } catch (error) {
      const reason = error instanceof GraphQLError ? error.message.split('\n')[0] : 'unknown error';
      throw new Error(`has an invalid ${where}: the document does not parse (${reason})`);
    }
    documents.set(key.toLowerCase(), value);
  }
  return documents;
}

/** Persisted operations: APQ and the trusted documents of a manifest. */
export interface PersistedOperationsConfig {
  /**
   * `PERSISTED_OPERATIONS`: `allow` (default) serves manifest ids, APQ and arbitrary documents;
   * `only` serves nothing but the manifest's documents (no APQ registration), and needs
   * `PERSISTED_OPERATIONS_FILE`.
   */
  mode: PersistedOperationsMode;
  /** `PERSISTED_OPERATIONS_FILE`: JSON object of SHA-256 id → document text. Default none. */
  file: string | null;
  /** The file's documents as read at start; null without a file. */
  documents: PersistedDocuments | null;
  /** `APQ_MAX_ENTRIES` (1 to 100000), default 1000: documents the APQ store keeps, least recently used dropped first. */
  apqMaxEntries: number;
  /** `APQ_MAX_BYTES` (1024 to 1073741824), default 10485760 (10 MiB): the APQ store's documents together. */
  apqMaxBytes: number;
}

const mode = z
  .enum(['allow', 'only'], { message: 'expected allow or only' })
  .optional();

const path = z.string().trim().optional();

/** Reads the `PERSISTED_OPERATIONS*` and `APQ_*` variables, and the manifest file once, to refuse a bad one at start. */
export function readPersistedOperationsConfig(reader: EnvironmentReader): PersistedOperationsConfig {
  const chosen = reader.read('PERSISTED_OPERATIONS', mode);
  const file = reader.read('PERSISTED_OPERATIONS_FILE', path) ?? null;
  const apqMaxEntries = reader.read('APQ_MAX_ENTRIES', integerIn(1, 100_000, DEFAULT_APQ_MAX_ENTRIES));
  const apqMaxBytes = reader.read('APQ_MAX_BYTES', integerIn(1024, 1024 * 1024 * 1024, DEFAULT_APQ_MAX_BYTES));
  if (chosen === 'only' && file === null) {
    reader.report('PERSISTED_OPERATIONS: only needs PERSISTED_OPERATIONS_FILE, the manifest of the documents it serves');
  }
  let documents: PersistedDocuments | null = null;
  if (file !== null) {
    try {
      documents = loadPersistedDocuments(file);
    } catch (error) {
      reader.report(`PERSISTED_OPERATIONS_FILE: ${(error as Error).message}`);
    }
  }
  return { mode: chosen ?? 'allow', file, documents, apqMaxEntries, apqMaxBytes };
}

/** Reads and parses a manifest; the Error's message starts with the path and says what is wrong. */
export function loadPersistedDocuments(file: string): PersistedDocuments {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(code === 'ENOENT' ? `${file} does not exist` : `${file} cannot be read (${code ?? 'unknown error'})`);
  }
  try {
    return parsePersistedDocuments(text);
  } catch (error) {
    throw new Error(`${file} ${(error as Error).message}`);
  }
}
