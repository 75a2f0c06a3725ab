import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { printSubgraphSchema } from '@apollo/subgraph';
import { buildSchema } from '../src/schema/index.js';

/**
 * The subgraph SDL exactly as `_service { sdl }` serves it with the default host user type (`User`,
 * key `id`); schema.graphql at the root holds it.
 */
export function printSchema(): string {
  return printSubgraphSchema(buildSchema());
}

export const SCHEMA_FILE = fileURLToPath(new URL('../schema.graphql', import.meta.url));

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(SCHEMA_FILE, printSchema());
  process.stdout.write(`wrote ${SCHEMA_FILE}\n`);
}
