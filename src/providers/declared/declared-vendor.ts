import { startExampleSimulator } from '../../simulators/from-examples.js';
import { vendorCallKey } from '../request-loaders.js';
import { defineVendor, type AnyVendorModule } from '../vendor-module.js';
import type { CompiledVendor } from './compile-vendor.js';
import { DeclaredClient } from './declared-client.js';
import type { Selection } from './selection.js';

/**
 * A vendor module made from a compiled vendor file: a row of the same vendor table as the
 * built-in vendors, so configuration, registry, schema (`ProviderId`), health, metrics and demo
 * mode treat it as they treat them. Its variables are `<ID>_API_KEY` and `<ID>_BASE_URL` unless
 * the file names others.
 */
export function declaredVendor(vendor: CompiledVendor, options: { now?: () => number } = {}): AnyVendorModule {
  const { file } = vendor;
  const demoCredential = file.demoCredential ?? `${file.id.toLowerCase()}_demo_credential_0001`;
  const basePath = file.baseUrl.default === null ? '' : new URL(file.baseUrl.default).pathname.replace(/\/$/, '');
  return defineVendor({
    id: file.id,
    key: file.id.toLowerCase(),
    name: file.name,
    env: { credential: file.auth.variable ?? `${file.id}_API_KEY`, baseUrl: file.baseUrl.variable ?? `${file.id}_BASE_URL` },
    defaultBaseUrl: file.baseUrl.default,
    rateLimitPerMinute: { default: file.rateLimit.default, demo: file.rateLimit.demo },
    ...(file.cacheTtlSeconds === undefined ? {} : { cacheTtlSeconds: file.cacheTtlSeconds }),
    // Demand control prices an account by its calls: one per declared call (pages are not known in advance).
    accountCalls: vendor.calls.map((call) => vendorCallKey(file.id, call.name)),
    settings: {},
    demoCredential,
    createClient: (clientOptions) => new DeclaredClient(vendor, clientOptions, options.now),
    startSimulator: (simulatorOptions) =>
      startExampleSimulator(
        {
          provider: file.id,
          basePath,
          auth: file.auth.kind === 'header' || file.auth.kind === 'query' ? { kind: file.auth.kind, name: file.auth.name } : { kind: file.auth.kind },
          routes: routesOf(vendor),
          errorBody: (status, message) => errorBodyOf(vendor, status, message),
          rateLimitPerMinute: file.rateLimit.demo,
          demoCredential,
        },
        simulatorOptions,
      ),
  });
}

function routesOf(vendor: CompiledVendor): Record<string, { status: number; body: unknown; headers?: Record<string, string> }> {
  const routes: Record<string, { status: number; body: unknown; headers?: Record<string, string> }> = {};
  for (const call of vendor.calls) {
    const answer = vendor.file.examples.map((example) => example.responses[call.name]).find((response) => response !== undefined && response.status < 300);
    if (answer !== undefined) routes[call.spec.path] = { status: answer.status, body: answer.body, ...(answer.headers === undefined ? {} : { headers: answer.headers }) };
  }
  return routes;
}

/** The file's error example for `status` (or its first), with `message` where its errors keep their message. */
function errorBodyOf(vendor: CompiledVendor, status: number, message: string | undefined): unknown {
  const errors = vendor.file.examples.flatMap((example) => Object.values(example.responses)).filter((response) => response.status >= 400);
  const example = errors.find((response) => response.status === status) ?? errors[0];
  if (example === undefined) return { error: { message } };
  // The simulator's own text goes where the vendor's prose goes: the last part of the message.
  const selection = vendor.errors.message.at(-1);
  return selection === undefined || message === undefined ? example.body : withText(example.body, selection, message);
}

function withText(body: unknown, selection: Selection, text: string): unknown {
  const set = (value: unknown, step: number): unknown => {
    if (step === selection.steps.length) return text;
    const current = selection.steps[step]!;
    if (current.kind === 'member' && typeof value === 'object' && value !== null && !Array.isArray(value)) {
      return { ...value, [current.name]: set((value as Record<string, unknown>)[current.name], step + 1) };
    }
    return value;
  };
  return set(body, 0);
}
