// Types of scripts/build.mjs for the TypeScript that calls it (tests, the screenshot script).

/** Bundles `src/main.ts` to `dist/main.js`. */
export function buildGateway(): Promise<void>;

/** Builds the dashboard into `outDir` (default `dist/dashboard`) with its persisted-document manifest. */
export function buildDashboard(outDir?: string): Promise<void>;
