import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { printSubgraphSchema } from '@apollo/subgraph';
import { printClientSchema as printClientSdl } from '../src/schema/client-schema.js';
import { buildSchema, DEFAULT_FEDERATED_USER } from '../src/schema/index.js';

/**
 * The subgraph SDL exactly as `_service { sdl }` serves it with the default host user type (`User`,
 * key `id`); schema.graphql at the root holds it.
 */
export function printSchema(): string {
  return printSubgraphSchema(buildSchema());
}

/** The API a client sees, without federation (`src/schema/client-schema.ts`); schema.client.graphql holds it. */
export function printClientSchema(): string {
  return printClientSdl(buildSchema(), DEFAULT_FEDERATED_USER.typeName);
}

export const SCHEMA_FILE = fileURLToPath(new URL('../schema.graphql', import.meta.url));
export const CLIENT_SCHEMA_FILE = fileURLToPath(new URL('../schema.client.graphql', import.meta.url));

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(SCHEMA_FILE, printSchema());
  writeFileSync(CLIENT_SCHEMA_FILE, printClientSchema());
  process.stdout.write(`wrote ${SCHEMA_FILE}\nwrote ${CLIENT_SCHEMA_FILE}\n`);
}
