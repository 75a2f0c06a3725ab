import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: {
    // graphql 16 has no "exports" map: Node loads its CommonJS build for yoga and Pothos, while Vite
    // would pick the ".mjs" build for our sources. Two copies break `instanceof GraphQLError`, so
    // tests use the one Node uses in production.
    alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }],
  },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Simulators and gateways bind real loopback ports; forks keep each file's servers apart.
    pool: 'forks',
    // Two at a time on the 2-core CI machine: most files spend their time waiting on child processes
    // and servers (measured: the whole suite in 6.8 min against 9.8 min with vitest's default of one).
    maxWorkers: 2,
    env: {
      // @apollo/gateway otherwise reports telemetry to Apollo and probes cloud metadata endpoints
      // (AWS, GCP, Azure) on start; tests talk to 127.0.0.1 only.
      APOLLO_TELEMETRY_DISABLED: 'true',
      METADATA_SERVER_DETECTION: 'none',
    },
  },
});
