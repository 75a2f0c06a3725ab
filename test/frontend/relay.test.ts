import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSchema as buildSdl, parse, print, validate, visit } from 'graphql';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { servedSchema } from './served-schema.js';
import { CLIENT_SCHEMA, FEDERATION_SCHEMA, REPO_NODE_MODULES } from './readme-blocks.js';

/**
 * relay-compiler (the real Rust binary the package ships) over schema.client.graphql: a paginated
 * `@connection` on `partnerUsers` through a `@refetchable` fragment, and a `@refetchable` fragment
 * on `PartnerUser`, which Relay only accepts with the `Node` interface and `node(id:)`.
 */

const clientSchema = buildSdl(await readFile(CLIENT_SCHEMA, 'utf8'));
const gatewaySchema = servedSchema();

const CUSTOM_SCALAR_TYPES = { SafeInt: 'number', DateTime: 'string', Date: 'string', PartnerSub: 'string' };

/** The binary for this machine, as relay-compiler's own cli.js picks it. */
function relayBinary(): string {
  const platforms: Record<string, string> = {
    'linux-x64': 'linux-x64/relay',
    'linux-arm64': 'linux-arm64/relay',
    'darwin-x64': 'macos-x64/relay',
    'darwin-arm64': 'macos-arm64/relay',
    'win32-x64': 'win-x64/relay.exe',
  };
  const key = `${process.platform}-${process.arch}`;
  const relative = platforms[key];
  if (relative === undefined) throw new Error(`relay-compiler ships no binary for ${key}; these tests need one of ${Object.keys(platforms).join(', ')}`);
  const binary = join(REPO_NODE_MODULES, 'relay-compiler', relative);
  if (!existsSync(binary)) throw new Error(`relay-compiler's binary for ${key} is missing: ${binary} (is relay-compiler installed with its platform binaries?)`);
  return binary;
}

const DASHBOARD = /* TypeScript */ `
import { graphql } from 'relay-runtime';

export const dashboardQuery = graphql\`
  query DashboardQuery($first: Int = 20, $after: String) {
    ...Dashboard_partnerUsers @arguments(first: $first, after: $after)
  }
\`;

export const partnerUsersFragment = graphql\`
  fragment Dashboard_partnerUsers on Query
  @refetchable(queryName: "DashboardPartnerUsersPaginationQuery")
  @argumentDefinitions(first: { type: "Int", defaultValue: 20 }, after: { type: "String" }) {
    partnerUsers(first: $first, after: $after) @connection(key: "Dashboard_partnerUsers") {
      totalCount
      edges {
        calls
        node {
          id
          sub
          calls
          daily(since: "2026-11-01", until: "2026-11-08") { date calls }
          ...PartnerUserCard_user
        }
      }
    }
  }
\`;
`;

const PARTNER_USER_CARD = /* TypeScript */ `
import { graphql } from 'relay-runtime';

export const userFragment = graphql\`
  fragment PartnerUserCard_user on PartnerUser @refetchable(queryName: "PartnerUserCardRefetchQuery") {
    sub
    calls
    firstSeenAt
    lastSeenAt
  }
\`;

export const userQuery = graphql\`
  query PartnerUserCardQuery($sub: PartnerSub!) {
    partnerUser(sub: $sub) { ...PartnerUserCard_user }
  }
\`;
`;

const ARTIFACTS = [
  'DashboardPartnerUsersPaginationQuery.graphql.ts',
  'DashboardQuery.graphql.ts',
  'Dashboard_partnerUsers.graphql.ts',
  'PartnerUserCardQuery.graphql.ts',
  'PartnerUserCardRefetchQuery.graphql.ts',
  'PartnerUserCard_user.graphql.ts',
];

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

/** A Relay project in a fresh temp dir over `schema`: an absolute path, or SDL written into the project. */
async function project(schema: string | { sdl: string }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'relay-client-'));
  dirs.push(dir);
  await mkdir(join(dir, 'src'));
  if (typeof schema !== 'string') {
    await writeFile(join(dir, 'schema.graphql'), schema.sdl);
    schema = join(dir, 'schema.graphql');
  }
  await writeFile(
    join(dir, 'relay.config.json'),
    JSON.stringify({ src: './src', schema, language: 'typescript', customScalarTypes: CUSTOM_SCALAR_TYPES, eagerEsModules: true }, null, 2),
  );
  await writeFile(join(dir, 'src', 'Dashboard.ts'), DASHBOARD);
  await writeFile(join(dir, 'src', 'PartnerUserCard.ts'), PARTNER_USER_CARD);
  return dir;
}

interface Run {
  code: number | null;
  output: string;
}

function relay(cwd: string, ...args: string[]): Promise<Run> {
  const binary = relayBinary();
  return new Promise((resolve) => {
    // NO_COLOR keeps ANSI codes out of the messages asserted on; no watchman, no network.
    execFile(binary, args, { cwd, timeout: 120_000, env: { ...process.env, NO_COLOR: '1', RUST_BACKTRACE: '0' } }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      resolve({ code, output: `${stdout}${stderr}`.replace(/\x1b\[[0-9;]*m/g, '') });
    });
  });
}

describe('relay-compiler over schema.client.graphql', () => {
  it('compiles a @connection pagination fragment and a @refetchable PartnerUser fragment, applying customScalarTypes', async () => {
    const dir = await project(CLIENT_SCHEMA);
    const compiled = await relay(dir);
    expect(compiled.code, compiled.output).toBe(0);
    expect((await readdir(join(dir, 'src', '__generated__'))).sort()).toEqual(ARTIFACTS);

    // Up to date right after compiling: --validate finds nothing to write.
    const validated = await relay(dir, '--validate');
    expect(validated.code, validated.output).toBe(0);

    const fragment = await readFile(join(dir, 'src', '__generated__', 'Dashboard_partnerUsers.graphql.ts'), 'utf8');
    expect(fragment).toMatch(/readonly calls: number;/);
    expect(fragment).toMatch(/readonly date: string;/);
    expect(fragment).toMatch(/readonly sub: string;/);
    expect(fragment).toMatch(/"key": "Dashboard_partnerUsers"|"Dashboard_partnerUsers"/);
    // The operations Relay will send are valid operations of the client API (and of the gateway,
    // whose scalars check literals); the pagination query refetches the connection from the root
    // asking the forward-paging PageInfo fields, the PartnerUser refetch goes through node(id:).
    const texts = new Map<string, string>();
    for (const artifact of ARTIFACTS.filter((name) => /Query\.graphql\.ts$/.test(name))) {
      const text = operationText(await readFile(join(dir, 'src', '__generated__', artifact), 'utf8'));
      const document = parse(text);
      expect(validate(clientSchema, document).map(String), artifact).toEqual([]);
      expect(validate(gatewaySchema, document).map(String), artifact).toEqual([]);
      texts.set(artifact, text);
    }
    const pagination = texts.get('DashboardPartnerUsersPaginationQuery.graphql.ts')!;
    expect(pagination).toContain('partnerUsers(first: $first, after: $after)');
    expect(pagination).toMatch(/pageInfo \{\s+endCursor\s+hasNextPage\s+\}/);
    expect(pagination).toMatch(/edges \{[\s\S]*cursor/);
    expect(texts.get('PartnerUserCardRefetchQuery.graphql.ts')!).toMatch(/query PartnerUserCardRefetchQuery\(\s+\$id: ID!\s+\) \{\s+node\(id: \$id\)/);
    const byId = await readFile(join(dir, 'src', '__generated__', 'PartnerUserCardQuery.graphql.ts'), 'utf8');
    expect(byId).toMatch(/export type PartnerUserCardQuery\$variables = \{\s+sub: string;\s+\};/);

    // The artifacts' data types, exactly (an `any` would not pass `Equal`), under strict TypeScript.
    // Typechecking the artifacts themselves needs relay-runtime's types, which this repo does not
    // install (and each artifact is `// @ts-nocheck` anyway): that sub-step is left out. The data
    // and variables types below are self-contained and are checked.
    await writeFile(join(dir, 'types.ts'), TYPES);
    expect(diagnostics(dir, 'types.ts')).toEqual([]);
    await writeFile(join(dir, 'wrong.ts'), WRONG);
    expect(diagnostics(dir, 'wrong.ts')).toEqual([expect.stringMatching(/^wrong\.ts:4 TS2322: Type 'number' is not assignable to type 'string'/)]);
  }, 120_000);

  it('can fail: a PageInfo without hasPreviousPage and startCursor makes @connection refuse partnerUsers', async () => {
    const sdl = await readFile(CLIENT_SCHEMA, 'utf8');
    const old = withoutFields(sdl, 'PageInfo', ['hasPreviousPage', 'startCursor']);
    expect(old).not.toBe(sdl);
    const dir = await project({ sdl: old });
    const run = await relay(dir);
    expect(run.code).not.toBe(0);
    expect(run.output).toContain("Expected the field type 'PartnerUserConnection' to expose a 'pageInfo { hasPreviousPage }' field");
    expect(run.output).toContain("Expected the field type 'PartnerUserConnection' to expose a 'pageInfo { startCursor }' field");
    expect(existsSync(join(dir, 'src', '__generated__'))).toBe(false);
  }, 120_000);

  it('can fail: without node(id:) the @refetchable PartnerUser fragment is refused', async () => {
    const sdl = await readFile(CLIENT_SCHEMA, 'utf8');
    const withoutNode = withoutFields(sdl, 'Query', ['node']);
    expect(buildSdl(withoutNode).getQueryType()!.getFields()['node']).toBeUndefined();
    const dir = await project({ sdl: withoutNode });
    const run = await relay(dir);
    expect(run.code).not.toBe(0);
    expect(run.output).toContain(
      "Invalid use of @refetchable on fragment 'PartnerUserCard_user', check that your schema defines a `Node { id: ID }` interface and has a `node(id: ID): Node` field",
    );
  }, 120_000);

  it('can fail: the federation subgraph SDL (schema.graphql, `extend schema @link`) is refused', async () => {
    const dir = await project(FEDERATION_SCHEMA);
    const run = await relay(dir);
    expect(run.code).not.toBe(0);
    expect(run.output).toContain('extend schema @link');
  }, 120_000);
});

/** The schema with these fields of `typeName` removed; the fields must exist. */
function withoutFields(sdl: string, typeName: string, fields: string[]): string {
  const found = new Set<string>();
  const document = visit(parse(sdl), {
    ObjectTypeDefinition: (type) => {
      if (type.name.value !== typeName) return undefined;
      for (const field of type.fields ?? []) if (fields.includes(field.name.value)) found.add(field.name.value);
      return { ...type, fields: (type.fields ?? []).filter((field) => !fields.includes(field.name.value)) };
    },
  });
  expect([...found].sort(), `${typeName} fields to remove`).toEqual([...fields].sort());
  return print(document);
}

/** The operation text of a Relay request artifact (`params.text`). */
function operationText(artifact: string): string {
  const match = /"text": ("(?:[^"\\]|\\.)*")/.exec(artifact);
  if (!match) throw new Error('no operation text in the artifact');
  return JSON.parse(match[1]!) as string;
}

function diagnostics(dir: string, file: string): string[] {
  const program = ts.createProgram([join(dir, file)], {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    types: [],
    lib: ['lib.es2022.d.ts'],
  });
  return ts.getPreEmitDiagnostics(program).map((diagnostic) => {
    const where = diagnostic.file
      ? `${diagnostic.file.fileName.slice(dir.length + 1)}:${diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start ?? 0).line + 1}`
      : '(global)';
    return `${where} TS${diagnostic.code}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`;
  });
}

const TYPES = /* TypeScript */ `
import type { Dashboard_partnerUsers$data } from './src/__generated__/Dashboard_partnerUsers.graphql';
import type { PartnerUserCard_user$data } from './src/__generated__/PartnerUserCard_user.graphql';
import type { PartnerUserCardQuery$variables } from './src/__generated__/PartnerUserCardQuery.graphql';
import type { DashboardPartnerUsersPaginationQuery$variables } from './src/__generated__/DashboardPartnerUsersPaginationQuery.graphql';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function assertType<T extends true>(): T | void {}

type Edge = NonNullable<Dashboard_partnerUsers$data['partnerUsers']>['edges'][number];
assertType<Equal<Edge['calls'], number>>();
assertType<Equal<Edge['node']['calls'], number>>();
assertType<Equal<Edge['node']['sub'], string>>();
assertType<Equal<Edge['node']['daily'][number]['date'], string>>();
assertType<Equal<NonNullable<Dashboard_partnerUsers$data['partnerUsers']>['totalCount'], number>>();
assertType<Equal<PartnerUserCard_user$data['calls'], number>>();
assertType<Equal<PartnerUserCard_user$data['lastSeenAt'], string | null | undefined>>();
assertType<Equal<PartnerUserCardQuery$variables['sub'], string>>();
assertType<Equal<DashboardPartnerUsersPaginationQuery$variables['after'], string | null | undefined>>();

declare const data: Dashboard_partnerUsers$data;
const calls: number | undefined = data.partnerUsers?.edges[0]?.node.calls;
export { calls };
`;

const WRONG = /* TypeScript */ `
import type { PartnerUserCard_user$data } from './src/__generated__/PartnerUserCard_user.graphql';
declare const user: PartnerUserCard_user$data;
export const calls: string = user.calls;
`;
