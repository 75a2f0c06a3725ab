/**
 * The layer rules of src/, and the dashboard's distance from it, checked in CI (`npm run lint:layers`).
 *
 * Imports flow one way, top to bottom; nothing imports a layer above its own:
 *
 *   entry          main.ts, server.ts, gateway.ts: read config, wire the parts, listen, shut down
 *   shared-state   shared-state/: Redis implementations of the stores the edge and upstream define,
 *                  with their in-memory ones as the local fallback; only the entry wires them
 *   edge           edge/: the yoga plugins of the HTTP edge (identity, limits, demand control, cache)
 *   execution      execution/: the execution-engine plugins (compiled execution, incremental delivery)
 *   observability  observability/: metrics, tracing, logs; implements common's instrumentation facade
 *   schema         schema/: the Pothos schema; reaches the vendors only through the request's loaders
 *   field-marks    edge/field-marks/: the field-extension keys the edge's plugins read (response
 *                  cache marks, vendor-call prices). Each plugin owns the key it reads; the schema
 *                  sets it on a field, so the edge never imports the schema
 *   context        context.ts: the per-request context (caller, loaders) the schema's resolvers read
 *   config         config/: environment -> typed config
 *   monitoring     monitoring/: usage history (sampler and its store), a background service like
 *                  the ledger, leader-only on a fleet; it reuses the ledger's lock and PostgreSQL
 *                  connection helpers
 *   providers      providers/: the vendor modules, their clients and the loaders
 *   ledger         ledger/: the partner usage ledger; vendors see only its public entry (index.ts)
 *   upstream       upstream/: the one HTTP layer every vendor shares
 *   usage          usage/: the unified model and pure functions over it
 *   common         common/: primitives (clock, redaction, request scope, logger, instrumentation)
 *
 * edge, execution and observability are one level and import each other not at all. Beside the
 * stack, simulators/ (the vendors' emulators) imports only usage/ and common/; the vendor modules
 * (providers/) start their own simulator, so they may import it.
 */

/** The layers, top first: a layer may import those after it, never one before it. */
const LAYERS = [
  { name: 'entry', path: '^src/(main|server|gateway)\\.ts$' },
  { name: 'shared-state', path: '^src/shared-state/' },
  { name: 'edge', path: '^src/edge/(?!field-marks/)', level: 'front' },
  { name: 'execution', path: '^src/execution/', level: 'front' },
  { name: 'observability', path: '^src/observability/', level: 'front' },
  { name: 'schema', path: '^src/schema/' },
  { name: 'field-marks', path: '^src/edge/field-marks/' },
  { name: 'context', path: '^src/context\\.ts$' },
  { name: 'config', path: '^src/config/' },
  { name: 'monitoring', path: '^src/monitoring/' },
  { name: 'providers', path: '^src/providers/' },
  { name: 'ledger', path: '^src/ledger/' },
  { name: 'upstream', path: '^src/upstream/' },
  { name: 'usage', path: '^src/usage/' },
  { name: 'common', path: '^src/common/' },
];

const SIMULATORS = '^src/simulators/';
const GRAPHQL = 'node_modules/(graphql|graphql-yoga|@graphql-yoga/[^/]+|@graphql-tools/[^/]+|@pothos/[^/]+|@envelop/[^/]+)/';
const EVERY_LAYER = [...LAYERS.map((layer) => layer.path), SIMULATORS];

/** One rule per layer: nothing above it (an earlier sibling of its level counts as above). */
const upwardRules = LAYERS.slice(1).map((layer, index) => {
  const above = LAYERS.slice(0, index + 1);
  return {
    name: `no-upward-from-${layer.name}`,
    comment: `${layer.name} imports only the layers below it (see the order at the top of this file)`,
    severity: 'error',
    from: { path: layer.path },
    to: { path: above.map((other) => other.path) },
  };
});

/** The front level (edge, execution, observability): none imports another. */
const FRONT = LAYERS.filter((layer) => layer.level === 'front');
const siblingRules = FRONT.map((layer) => ({
  name: `no-sideways-from-${layer.name}`,
  comment: 'edge, execution and observability are one level: each is wired by the entry, none imports another',
  severity: 'error',
  from: { path: layer.path },
  to: { path: FRONT.filter((other) => other !== layer).map((other) => other.path) },
}));

module.exports = {
  forbidden: [
    ...upwardRules,
    ...siblingRules,
    {
      name: 'every-file-in-a-layer',
      comment: 'every file of src/ belongs to a named layer (see the order at the top of this file)',
      severity: 'error',
      from: { path: '^src/', pathNot: EVERY_LAYER },
      to: {},
    },
    {
      name: 'no-graphql-below-the-schema',
      comment: 'vendors, the HTTP layer, the ledger, the model and common know nothing of GraphQL',
      severity: 'error',
      from: { path: ['^src/monitoring/', '^src/providers/', '^src/upstream/', '^src/ledger/', '^src/usage/', '^src/common/'] },
      to: { path: GRAPHQL },
    },
    {
      name: 'schema-reaches-vendors-through-loaders',
      comment: 'the schema reaches vendors only through the per-request loaders (providers/), never the HTTP layer',
      severity: 'error',
      from: { path: '^src/schema/' },
      to: { path: '^src/upstream/' },
    },
    {
      name: 'edge-reads-field-marks-not-the-schema',
      comment: "the edge's plugins read the marks they own (edge/field-marks/) from whatever schema they serve; they never import schema/",
      severity: 'error',
      from: { path: ['^src/edge/', '^src/execution/', '^src/observability/'] },
      to: { path: '^src/schema/' },
    },
    {
      name: 'common-imports-nothing-of-ours',
      comment: 'common/ is the bottom: it imports nothing of the gateway but itself',
      severity: 'error',
      from: { path: '^src/common/' },
      to: { path: '^src/', pathNot: '^src/common/' },
    },
    {
      name: 'usage-imports-only-common',
      severity: 'error',
      from: { path: '^src/usage/' },
      to: { path: '^src/', pathNot: ['^src/usage/', '^src/common/'] },
    },
    {
      name: 'observability-only-from-the-entry',
      comment: 'the layers below report through common/instrumentation.ts or their own events; only the entry wires observability/',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/(main|server|gateway)\\.ts$', '^src/observability/'] },
      to: { path: '^src/observability/' },
    },
    {
      name: 'vendors-see-the-ledger-entry-only',
      comment: 'a vendor module uses the ledger through its public entry (ledger/index.ts), never its internals',
      severity: 'error',
      from: { path: '^src/providers/' },
      to: { path: '^src/ledger/', pathNot: '^src/ledger/index\\.ts$' },
    },
    {
      name: 'ledger-imports-no-vendor',
      severity: 'error',
      from: { path: '^src/ledger/' },
      to: { path: ['^src/providers/', SIMULATORS] },
    },
    {
      name: 'upstream-imports-no-vendor-ledger-schema-or-edge',
      severity: 'error',
      from: { path: '^src/upstream/' },
      to: { path: ['^src/providers/', '^src/ledger/', '^src/schema/', '^src/edge/', SIMULATORS] },
    },
    {
      name: 'simulators-import-only-common-and-usage',
      comment: 'a simulator emulates a vendor from its contract alone, not from the gateway that calls it',
      severity: 'error',
      from: { path: SIMULATORS },
      to: { path: '^src/', pathNot: [SIMULATORS, '^src/usage/', '^src/common/'] },
    },
    {
      name: 'only-vendors-and-the-entry-start-simulators',
      severity: 'error',
      from: { path: '^src/', pathNot: [SIMULATORS, '^src/providers/', '^src/(main|server|gateway)\\.ts$'] },
      to: { path: SIMULATORS },
    },
    {
      name: 'src-imports-no-test-or-bench',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(test|bench)/' },
    },
    {
      name: 'src-and-the-dashboard-are-apart',
      comment: 'the gateway serves the dashboard as built files; it never imports its code',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^dashboard/' },
    },
    {
      name: 'the-dashboard-is-a-browser-app',
      comment: "dashboard/ runs in a browser and talks to the gateway over /graphql only: no src/, no Node built-in",
      severity: 'error',
      from: { path: '^dashboard/src/' },
      to: { path: ['^src/', '^(test|bench|scripts)/'] },
    },
    {
      name: 'the-dashboard-uses-no-node-built-in',
      severity: 'error',
      from: { path: '^dashboard/src/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'no-circular-in-the-dashboard',
      severity: 'error',
      from: { path: '^dashboard/src/' },
      to: { circular: true },
    },
    {
      name: 'no-circular',
      comment: 'no circle of imports anywhere in src/, type-only imports included',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Type-only imports are arrows too: a layer that names another's types depends on it.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'], extensions: ['.ts', '.tsx', '.js', '.mjs', '.cjs', '.json'] },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
