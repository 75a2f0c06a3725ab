import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Kind, parse, type DocumentNode } from 'graphql';

export const README_FILE = fileURLToPath(new URL('../../README.md', import.meta.url));
export const CLIENT_SCHEMA = fileURLToPath(new URL('../../schema.client.graphql', import.meta.url));
export const FEDERATION_SCHEMA = fileURLToPath(new URL('../../schema.graphql', import.meta.url));
export const OPERATIONS_DIR = fileURLToPath(new URL('./operations/', import.meta.url));
export const REPO_NODE_MODULES = fileURLToPath(new URL('../../node_modules/', import.meta.url));

/** One fenced ```graphql block of the README. */
export interface ReadmeBlock {
  /** "README.md:121 (## Example queries)": where a failure message points. */
  name: string;
  /** 1-based line of the opening fence. */
  line: number;
  /** The nearest `##` heading above the block. */
  section: string;
  source: string;
  /** Null when the block does not parse; `parseError` says why. */
  document: DocumentNode | null;
  parseError: string | null;
  /** Operations and fragments only (no type system definitions). */
  isOperation: boolean;
}

/**
 * Every fenced ```graphql block of README.md. Blocks of type system definitions (SDL) are kept
 * with `isOperation: false` so the caller can say what it skipped.
 */
export function readmeGraphqlBlocks(readme = readFileSync(README_FILE, 'utf8')): ReadmeBlock[] {
  const lines = readme.split('\n');
  const blocks: ReadmeBlock[] = [];
  let section = '(top)';
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (/^##\s/.test(line)) section = line.trim();
    if (!/^```graphql\s*$/.test(line)) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i]!); i++) body.push(lines[i]!);
    const source = body.join('\n');
    let document: DocumentNode | null = null;
    let parseError: string | null = null;
    try {
      document = parse(source);
    } catch (error) {
      parseError = (error as Error).message;
    }
    const isOperation =
      document === null ||
      document.definitions.every((definition) => definition.kind === Kind.OPERATION_DEFINITION || definition.kind === Kind.FRAGMENT_DEFINITION);
    blocks.push({ name: `README.md:${start + 1} (${section})`, line: start + 1, section, source, document, parseError, isOperation });
  }
  return blocks;
}

/**
 * README sections whose examples run against the federated supergraph (our subgraph composed with
 * a host graph's `users`), not against this gateway's own client API.
 */
export const SUPERGRAPH_SECTIONS: ReadonlySet<string> = new Set(['## Federation']);
