import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Simulators and gateways bind real loopback ports; forks keep each file's servers apart.
    pool: 'forks',
  },
});
