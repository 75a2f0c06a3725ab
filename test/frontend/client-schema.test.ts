import { readFileSync } from 'node:fs';
import { buildSchema as buildSdl, getIntrospectionQuery, GraphQLSchema, isScalarType, isSpecifiedScalarType } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_SCHEMA_FILE, printClientSchema } from '../../scripts/print-schema.js';
import { startHarness, type Harness } from '../support/harness.js';

const sdl = readFileSync(CLIENT_SCHEMA_FILE, 'utf8');

describe('schema.client.graphql', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness();
  });
  afterAll(async () => {
    await harness.close();
  });

  it('is the current printed client schema (run `npm run schema` when this fails)', () => {
    expect(sdl).toBe(printClientSchema());
  });

  it('is plain GraphQL: graphql-js builds it, and nothing of Federation is left', () => {
    const schema = buildSdl(sdl);
    expect(schema).toBeInstanceOf(GraphQLSchema);
    expect(sdl).not.toMatch(/@link|@key|@extends|@requiresScopes|@authenticated|@cost|@listSize|_entities|_service|_Any|\btype User\b/);
    expect(Object.keys(schema.getQueryType()!.getFields())).toEqual(expect.arrayContaining(['accounts', 'partnerUsers', 'node', 'me']));
  });

  it('states every custom scalar\'s specification', () => {
    const schema = buildSdl(sdl);
    const scalars = Object.values(schema.getTypeMap()).filter((type) => isScalarType(type) && !isSpecifiedScalarType(type));
    expect(scalars.map((scalar) => scalar.name).sort()).toEqual(['Date', 'DateTime', 'PartnerSub', 'SafeInt']);
    for (const scalar of scalars) expect((scalar as { specifiedByURL?: string }).specifiedByURL, scalar.name).toMatch(/^https:\/\//);
  });

  it('is what the gateway answers: every type, field, argument and directive of it is served', async () => {
    const { body } = await harness.query<any>(getIntrospectionQuery());
    expect(body.errors).toBeUndefined();
    const served = new Map<string, any>(body.data.__schema.types.map((type: any) => [type.name, type]));
    const client = buildSdl(sdl);
    for (const type of Object.values(client.getTypeMap())) {
      if (type.name.startsWith('__')) continue;
      const live = served.get(type.name);
      expect(live, type.name).toBeDefined();
      if ('getFields' in type) {
        const fields = Object.values(type.getFields()).map((field) => `${field.name}: ${String(field.type)}`);
        const liveFields = (live.fields ?? live.inputFields).map((field: any) => `${field.name}: ${typeName(field.type)}`);
        expect(liveFields, type.name).toEqual(expect.arrayContaining(fields));
      }
    }
    // The incremental delivery directives printed in the file are the ones the server accepts.
    const liveDirectives = new Map<string, any>(body.data.__schema.directives.map((directive: any) => [directive.name, directive]));
    for (const directive of client.getDirectives()) {
      const live = liveDirectives.get(directive.name);
      expect(live, `@${directive.name}`).toBeDefined();
      expect([...live.locations].sort(), `@${directive.name}`).toEqual([...directive.locations].sort());
      expect(
        live.args.map((arg: any) => `${arg.name}: ${typeName(arg.type)} = ${arg.defaultValue}`).sort(),
        `@${directive.name}`,
      ).toEqual(directive.args.map((arg) => `${arg.name}: ${String(arg.type)} = ${arg.defaultValue === undefined ? null : JSON.stringify(arg.defaultValue)}`).sort());
    }
  });
});

function typeName(type: any): string {
  if (type.kind === 'NON_NULL') return `${typeName(type.ofType)}!`;
  if (type.kind === 'LIST') return `[${typeName(type.ofType)}]`;
  return type.name;
}
