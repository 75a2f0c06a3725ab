import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kind, parse, type DocumentNode } from 'graphql';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const README_FILE = join(REPO_ROOT, 'README.md');
export const DOCS_DIR = join(REPO_ROOT, 'docs');
export const CLIENT_SCHEMA = fileURLToPath(new URL('../../schema.client.graphql', import.meta.url));
export const FEDERATION_SCHEMA = fileURLToPath(new URL('../../schema.graphql', import.meta.url));
export const OPERATIONS_DIR = fileURLToPath(new URL('./operations/', import.meta.url));
export const REPO_NODE_MODULES = fileURLToPath(new URL('../../node_modules/', import.meta.url));

/** One fenced ```graphql block of the README or a docs page. */
export interface ReadmeBlock {
  /** "docs/queries.md:12 (## Example queries)": where a failure message points. */
  name: string;
  /** The page, relative to the repository root, with forward slashes (`README.md`, `docs/frontend.md`). */
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  /** The nearest `#` or `##` heading above the block. */
  section: string;
  /** The page and its section, `docs/federation.md # Federation`: what SUPERGRAPH_SECTIONS names. */
  where: string;
  /** A GraphQL name unique among all pages' blocks, for naming an anonymous operation (`DocsQueriesMd12`). */
  operationName: string;
  source: string;
  /** Null when the block does not parse; `parseError` says why. */
  document: DocumentNode | null;
  parseError: string | null;
  /** Operations and fragments only (no type system definitions). */
  isOperation: boolean;
}

/** README.md and every Markdown page under docs/ (sub-folders included), in a stable order. */
export function documentationPages(): string[] {
  const pages: string[] = [README_FILE];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.md')) pages.push(path);
    }
  };
  walk(DOCS_DIR);
  return pages;
}

/** The repository-relative name of a page, with forward slashes whatever the platform. */
export function pageName(path: string): string {
  return relative(REPO_ROOT, path).split('\\').join('/');
}

/**
 * Every fenced ```graphql block of one page. Blocks of type system definitions (SDL) are kept
 * with `isOperation: false` so the caller can say what it skipped.
 */
export function graphqlBlocksOf(file: string, text: string): ReadmeBlock[] {
  const lines = text.split('\n');
  const blocks: ReadmeBlock[] = [];
  let section = '(top)';
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (/^##?\s/.test(line)) section = line.trim();
    if (/^```/.test(line) && !/^```graphql\s*$/.test(line)) {
      // Skip other fenced blocks whole: a `# comment` in a shell block is not a heading.
      for (i++; i < lines.length && !/^```\s*$/.test(lines[i]!); i++);
      continue;
    }
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
    blocks.push({
      name: `${file}:${start + 1} (${section})`,
      file,
      line: start + 1,
      section,
      where: `${file} ${section}`,
      operationName: `${operationNamePrefix(file)}${start + 1}`,
      source,
      document,
      parseError,
      isOperation,
    });
  }
  return blocks;
}

/** `docs/queries.md` -> `DocsQueriesMd`: a GraphQL name that codegen keeps as it is (it re-cases `README`). */
function operationNamePrefix(file: string): string {
  return file
    .split(/[^A-Za-z0-9]+/)
    .filter((word) => word !== '')
    .map((word) => word[0]!.toUpperCase() + word.slice(1).toLowerCase())
    .join('');
}

/** Every fenced ```graphql block of README.md and of every docs/**\/*.md page. */
export function documentationGraphqlBlocks(): ReadmeBlock[] {
  return documentationPages().flatMap((path) => graphqlBlocksOf(pageName(path), readFileSync(path, 'utf8')));
}

/**
 * Sections (as `where`) whose examples run against the federated supergraph (our subgraph composed
 * with a host graph's `users`), not against this gateway's own client API.
 */
export const SUPERGRAPH_SECTIONS: ReadonlySet<string> = new Set(['docs/federation.md # Federation']);
