import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from '@graphql-codegen/cli';
import { buildSchema as buildSdl, Kind, print, validate, visit, type DocumentNode } from 'graphql';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { servedSchema } from './served-schema.js';
import { CLIENT_SCHEMA, documentationGraphqlBlocks, OPERATIONS_DIR, REPO_NODE_MODULES, SUPERGRAPH_SECTIONS, type ReadmeBlock } from './readme-blocks.js';

/**
 * GraphQL Code Generator's client preset, run as a frontend would run it, over schema.client.graphql
 * with the example operations of the README and the docs/ pages and the dashboard operations in `operations/`; then the
 * TypeScript compiler over what it generated and a small module using the typed documents.
 */

const SCALARS = { SafeInt: 'number', DateTime: 'string', Date: 'string', PartnerSub: 'string' } as const;

/**
 * `enumsAsTypes: true`: enums become string-literal unions, which is what arrives on the wire, need
 * no runtime objects, and compile under `isolatedModules` / `verbatimModuleSyntax` /
 * `erasableSyntaxOnly` as a modern frontend build requires (TypeScript `enum`s do not under the last).
 */
const CODEGEN_CONFIG = { strictScalars: true, scalars: SCALARS, enumsAsTypes: true, useTypeImports: true };

const sdl = await readFile(CLIENT_SCHEMA, 'utf8');
const clientSchema = buildSdl(sdl);
const blocks = documentationGraphqlBlocks();
const readmeOperations = blocks.filter((block) => block.isOperation && !SUPERGRAPH_SECTIONS.has(block.where));

/**
 * The pages' examples are anonymous (`{ … }`), and the client preset silently drops anonymous
 * operations (no types, no persisted entry): a frontend names them, so do we (`DocsQueriesMd12`).
 */
function named(document: DocumentNode, name: string): string {
  return print(
    visit(document, {
      OperationDefinition: (operation) => (operation.name ? undefined : { ...operation, name: { kind: Kind.NAME, value: name } }),
    }),
  );
}

/** What graphql-js (and so codegen) refuses in a documented operation against schema.client.graphql. */
function structuralProblemsOf(block: ReadmeBlock): string[] {
  if (block.document === null) return [`does not parse: ${block.parseError}`];
  return validate(clientSchema, block.document).map((error) => `schema.client.graphql: ${error.message}`);
}

/** Everything wrong with a documented operation against the client API; empty when it is fine. */
function problemsOf(block: ReadmeBlock): string[] {
  const structural = structuralProblemsOf(block);
  if (structural.length > 0 || block.document === null) return structural;
  // schema.client.graphql states a scalar's format in words and @specifiedBy; the gateway's own
  // schema parses the literals (a `Date` is YYYY-MM-DD), so a wrong literal shows up here.
  return validate(gatewaySchema, block.document).map((error) => `gateway schema: ${error.message}`);
}
const gatewaySchema = servedSchema();

let dir: string;
let generated: Map<string, string>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'codegen-client-'));
  // Resolves @graphql-typed-document-node/core for the compiler without writing into the repo.
  await symlink(REPO_NODE_MODULES, join(dir, 'node_modules'), 'dir');
  await mkdir(join(dir, 'documents'));
  for (const block of readmeOperations) {
    // Codegen reads the SDL only (it does not parse scalar literals): every documented operation that
    // passes graphql-js validation is generated; a wrong literal fails the documentation test below.
    if (structuralProblemsOf(block).length === 0) await writeFile(join(dir, 'documents', `${block.operationName}.graphql`), named(block.document!, block.operationName));
  }
  for (const file of await readdir(OPERATIONS_DIR)) {
    if (file.endsWith('.graphql')) await writeFile(join(dir, 'documents', file), await readFile(join(OPERATIONS_DIR, file), 'utf8'));
  }
  const outputs = await generate(
    {
      schema: CLIENT_SCHEMA,
      documents: [join(dir, 'documents', '*.graphql')],
      silent: true,
      generates: {
        [join(dir, 'gql') + '/']: {
          preset: 'client',
          config: CODEGEN_CONFIG,
          presetConfig: { persistedDocuments: { hashAlgorithm: 'sha256' }, fragmentMasking: false },
        },
      },
    },
    false,
  );
  generated = new Map((outputs as Array<{ filename: string; content: string }>).map((output) => [output.filename.slice(join(dir, 'gql').length + 1), output.content]));
  await mkdir(join(dir, 'gql'));
  for (const [name, content] of generated) await writeFile(join(dir, 'gql', name), content);
}, 120_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('example operations of the README and the docs/ pages', () => {
  it('are found: the Example queries sections and the ledger page have their blocks, and SDL blocks are told apart', () => {
    expect(readmeOperations.map((block) => block.where)).toEqual(
      expect.arrayContaining(['README.md ## Example queries', 'docs/queries.md ## Example queries', 'docs/partner-ledger.md # Partner usage ledger']),
    );
    expect(readmeOperations.length).toBeGreaterThanOrEqual(6);
    // Names of anonymous operations must not collide across pages.
    expect(new Set(readmeOperations.map((block) => block.operationName)).size).toBe(readmeOperations.length);
    // The only supergraph example is the Federation page's `users` query.
    const supergraph = blocks.filter((block) => SUPERGRAPH_SECTIONS.has(block.where));
    expect(supergraph.map((block) => block.source)).toEqual([expect.stringMatching(/^\{ users \{/)]);
  });

  for (const block of documentationGraphqlBlocks().filter((b) => b.isOperation && !SUPERGRAPH_SECTIONS.has(b.where))) {
    it(`${block.name} is a valid operation of the client API`, () => {
      const problems = problemsOf(block);
      expect(problems, `${block.name} no longer validates:\n  ${problems.join('\n  ')}\n${block.source}`).toEqual([]);
    });
  }
});

describe('GraphQL Code Generator client preset over schema.client.graphql', () => {
  it('emits the typed documents, the gql function and persisted documents', () => {
    expect([...generated.keys()].sort()).toEqual(['gql.ts', 'graphql.ts', 'index.ts', 'persisted-documents.json']);
    const graphql = generated.get('graphql.ts')!;
    for (const block of readmeOperations.filter((b) => structuralProblemsOf(b).length === 0)) expect(graphql).toContain(`export const ${block.operationName}Document = `);
    for (const name of ['OverviewDocument', 'PartnerUsersPageDocument', 'PartnerUserDetailDocument', 'RefetchNodeDocument', 'ApiKeyUsageChartDocument']) {
      expect(graphql).toContain(`export const ${name} = `);
    }
  });

  it('keys every persisted document by the sha256 of its text, and embeds that hash in the document', () => {
    const persisted = JSON.parse(generated.get('persisted-documents.json')!) as Record<string, string>;
    const entries = Object.entries(persisted);
    // One per operation: the documented ones (those that validate) and ours.
    expect(entries.length).toBe(5 + readmeOperations.filter((b) => structuralProblemsOf(b).length === 0).length);
    expect(entries.length).toBeGreaterThanOrEqual(5 + 7);
    for (const [key, text] of entries) {
      expect(key).toBe(`sha256:${createHash('sha256').update(text).digest('hex')}`);
      expect(generated.get('graphql.ts')!).toContain(`"hash":"${key}"`);
    }
    expect(entries.map(([, text]) => text)).toEqual(expect.arrayContaining([expect.stringMatching(/^query PartnerUsersPage\(/)]));
  });

  it('types every scalar as number or string: no `any`, no `unknown` in operation types', () => {
    const graphql = stripComments(generated.get('graphql.ts')!);
    expect(graphql).not.toMatch(/\bany\b/);
    // `unknown` is legitimate in the helper types and the document casts; not in an operation's types.
    const operationTypes = graphql.split('\n').filter((line) => /^export type \w+(Query|QueryVariables|Fragment) = /.test(line));
    expect(operationTypes.length).toBeGreaterThanOrEqual(10);
    for (const line of operationTypes) expect(line).not.toMatch(/\bunknown\b/);
    // The client preset inlines scalars (it emits no `Scalars` type): the mapped types appear in place.
    expect(graphql).toMatch(/export type PartnerUserDetailQueryVariables = Exact<\{\s*sub: string;\s*\}>;/);
    expect(graphql).toMatch(/daily: Array<\{ date: string, calls: number \}>/);
  });

  it('compiles with the TypeScript compiler (strict) together with a module using the typed documents', async () => {
    await writeFile(join(dir, 'usage.ts'), USAGE);
    expect(diagnostics(['usage.ts'])).toEqual([]);
  }, 120_000);

  it('can fail: a wrong assignment from a typed document is a diagnostic', async () => {
    await writeFile(
      join(dir, 'wrong.ts'),
      `import type { ResultOf } from '@graphql-typed-document-node/core';\n` +
        `import { PartnerUsersPageDocument } from './gql/graphql';\n` +
        `declare const data: ResultOf<typeof PartnerUsersPageDocument>;\n` +
        `const calls = data.partnerUsers!.edges[0]!.node.calls;\n` +
        `export const n: string = calls;\n`,
    );
    const found = diagnostics(['wrong.ts']);
    expect(found).toEqual([expect.stringMatching(/^wrong\.ts:5 TS2322: Type 'number' is not assignable to type 'string'/)]);
  }, 120_000);

  it('can fail: strictScalars without a scalars map is refused, naming the custom scalars', async () => {
    const run = generate(
      {
        schema: CLIENT_SCHEMA,
        documents: [join(OPERATIONS_DIR, '*.graphql')],
        silent: true,
        generates: { [join(dir, 'unmapped') + '/']: { preset: 'client', config: { strictScalars: true } } },
      },
      false,
    );
    const error = await run.then(
      () => null,
      (reason: unknown) => reason as Error,
    );
    expect(error, 'codegen accepted strictScalars without a scalars map').not.toBeNull();
    const message = [error!.message, ...((error as { errors?: Error[] }).errors ?? []).map((e) => e.message)].join('\n');
    expect(message).toMatch(/Unknown scalar type (SafeInt|DateTime|Date|PartnerSub)/);
  }, 120_000);
});

/** Type errors of these files (and what they import) under strict settings, as "file:line TScode: message". */
function diagnostics(files: string[]): string[] {
  const program = ts.createProgram(
    files.map((file) => join(dir, file)),
    {
      strict: true,
      noEmit: true,
      target: ts.ScriptTarget.ES2022,
      // The client preset imports './graphql' without an extension: bundler resolution, as Vite,
      // webpack and Next.js resolve it.
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      isolatedModules: true,
      verbatimModuleSyntax: true,
      skipLibCheck: false,
      types: [],
      lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
    },
  );
  return ts.getPreEmitDiagnostics(program).map((diagnostic) => {
    const where = diagnostic.file
      ? `${diagnostic.file.fileName.slice(dir.length + 1)}:${diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start ?? 0).line + 1}`
      : '(global)';
    return `${where} TS${diagnostic.code}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`;
  });
}

function stripComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
}

const USAGE = /* TypeScript */ `
import type { ResultOf, VariablesOf } from '@graphql-typed-document-node/core';
import {
  ApiKeyUsageChartDocument,
  OverviewDocument,
  PartnerUserDetailDocument,
  PartnerUsersPageDocument,
  RefetchNodeDocument,
  type AccountSummaryFragment,
} from './gql/graphql';
import { graphql } from './gql';

/** True only when A and B are the same type (any is equal to nothing but any). */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function assertType<T extends true>(): T | void {}

declare const page: ResultOf<typeof PartnerUsersPageDocument>;
const first = page.partnerUsers?.edges[0];
if (first) {
  const calls: number = first.node.calls;
  const sub: string = first.node.sub;
  const day: string = first.node.daily[0]!.date;
  const cursor: string | null = page.partnerUsers!.pageInfo.endCursor;
  const more: boolean = page.partnerUsers!.pageInfo.hasNextPage;
  void [calls, sub, day, cursor, more];
}
assertType<Equal<NonNullable<typeof page.partnerUsers>['edges'][number]['node']['calls'], number>>();
assertType<Equal<NonNullable<typeof page.partnerUsers>['totalCount'], number>>();
assertType<Equal<NonNullable<typeof page.partnerUsers>['edges'][number]['node']['daily'][number]['date'], string>>();

// PartnerSub is a string, never a number.
const detail: VariablesOf<typeof PartnerUserDetailDocument> = { sub: '12345678901234567890' };
assertType<Equal<VariablesOf<typeof PartnerUserDetailDocument>['sub'], string>>();
declare const user: ResultOf<typeof PartnerUserDetailDocument>;
assertType<Equal<NonNullable<typeof user.partnerUser>['firstSeenAt'], string | null>>();

// Fragments: the overview's account summary.
declare const overview: ResultOf<typeof OverviewDocument>;
const summaries: AccountSummaryFragment[] = (overview.accounts ?? []).flatMap((entry) => (entry.account ? [entry.account] : []));
const fetchedAt: string[] = summaries.map((summary) => summary.fetchedAt);
const used: number[] = summaries.flatMap((summary) => summary.quotas.map((quota) => quota.used));
void [fetchedAt, used];

// node(id:) narrows on __typename.
declare const refetched: ResultOf<typeof RefetchNodeDocument>;
if (refetched.node?.__typename === 'PartnerUser') {
  const calls: number = refetched.node.calls;
  void calls;
} else if (refetched.node?.__typename === 'Account') {
  const kind: 'ANYLAYER' | 'ARRAYS' | 'FARADAY' | 'SHARPE' = refetched.node.provider.kind;
  void kind;
}

// Enums are string-literal unions.
const chart: VariablesOf<typeof ApiKeyUsageChartDocument> = { timeframe: 'LAST_7_DAYS', granularity: 'DAY', order: 'ASC' };
declare const usage: ResultOf<typeof ApiKeyUsageChartDocument>;
const requests: number | undefined = usage.apiKeyUsage?.timeSeries[0]?.requests;

// The gql function returns the same typed document for the same source text.
const viaGql = graphql(\`query PartnerUserDetail($sub: PartnerSub!) {
  partnerUser(sub: $sub) {
    id
    sub
    calls
    tweets
    discoveries
    firstSeenAt
    lastSeenAt
    byEndpoint {
      endpoint
      calls
    }
  }
}\`);
assertType<Equal<typeof viaGql, typeof PartnerUserDetailDocument>>();

export { detail, chart, requests };
`;
