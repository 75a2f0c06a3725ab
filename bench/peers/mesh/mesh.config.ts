import { fileURLToPath } from 'node:url';
import { defineConfig } from '@graphql-mesh/compose-cli';
import { loadOpenAPISubgraph } from '@omnigraph/openapi';

/**
 * GraphQL Mesh over the OpenAPI descriptions beside this file, one subgraph per vendor, pointed at
 * the vendor base URLs and credentials of the environment (the same variables as our gateway).
 * `npx mesh-compose -c bench/peers/mesh/mesh.config.ts` composes it the way the Mesh CLI would.
 */
function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required for the Mesh peer`);
  return value;
}

const source = (file: string) => fileURLToPath(new URL(file, import.meta.url));

export const composeConfig = defineConfig({
  subgraphs: [
    {
      sourceHandler: loadOpenAPISubgraph('Sharpe', {
        source: source('./sharpe.openapi.yaml'),
        endpoint: env('SHARPE_BASE_URL'),
        operationHeaders: { authorization: `Bearer ${env('SHARPE_API_KEY')}` },
      }),
    },
    {
      sourceHandler: loadOpenAPISubgraph('Faraday', {
        source: source('./faraday.openapi.yaml'),
        endpoint: env('FARADAY_BASE_URL'),
        operationHeaders: { authorization: `Bearer ${env('FARADAY_API_KEY')}` },
      }),
    },
    {
      sourceHandler: loadOpenAPISubgraph('Anylayer', {
        source: source('./anylayer.openapi.yaml'),
        endpoint: env('ANYLAYER_BASE_URL'),
        operationHeaders: { authorization: `Bearer ${env('ANYLAYER_API_KEY')}` },
      }),
    },
    {
      sourceHandler: loadOpenAPISubgraph('Arrays', {
        source: source('./arrays.openapi.yaml'),
        endpoint: env('ARRAYS_BASE_URL'),
        operationHeaders: { 'x-service-token': env('ARRAYS_SERVICE_TOKEN') },
      }),
    },
  ],
});
