import type { AccountUsage, UsageWindow } from '../../usage/model.js';
import { convert, ConversionError, type Conversion, type FieldKind } from './conversions.js';
import { selectAll, selectOne, type Selection } from './selection.js';

/**
 * The compiled mapping of a declared vendor's answers into the unified account model, and the
 * engine that runs it. Compiled once at load (`compile-vendor.ts`); running it touches each
 * selected value once, so its cost is bounded by the size of the answers.
 */

/** Where a model field's value comes from, compiled. */
export type CompiledValue =
  | { kind: 'constant'; value: string | number | null }
  /** `call` set: over that call's answer; else relative to a list's element. */
  | { kind: 'path'; selection: Selection; call: string | null; as: Conversion | undefined; optional: boolean }
  | { kind: 'key' }
  | { kind: 'self'; as: Conversion | undefined }
  /** Worked out from the entry's fields already read: `limitMinusUsed` is max(limit - used, 0), null without a limit. */
  | { kind: 'derived'; derive: 'limitMinusUsed' };

export interface CompiledField {
  name: string;
  kind: FieldKind | 'enum';
  value: CompiledValue;
  /** For `enum` fields: vendor value → model value, and the value of anything else. */
  enumMap?: { map: Record<string, string>; fallback: string };
}

export interface CompiledWindow {
  kind: UsageWindow['kind'];
  label: string;
  end: CompiledValue | null;
  durationSeconds: number | null;
}

export interface CompiledList {
  source: { selection: Selection; call: string; mode: 'each' | 'eachEntry' | 'one' };
  fields: CompiledField[];
  orderBy: string | null;
  window: CompiledWindow | null;
}

export interface CompiledAccountMapping {
  plan: CompiledField[] | null;
  rateLimit: CompiledField[] | null;
  quotas: CompiledList[];
  endpoints: CompiledList[];
  periods: CompiledList[];
  alerts: CompiledList[];
  totals: { fields: CompiledField[]; window: CompiledWindow } | null;
  recordedAt: CompiledValue | null;
  snapshot: CompiledField[] | null;
  upstreamElapsedMs: CompiledValue | null;
  upstreamRequestId: CompiledValue | null;
}

/** An answer that does not fit the declared mapping: `field` is the model field, never the value. */
export class MappingError extends Error {
  override readonly name = 'MappingError';
  readonly code = 'VENDOR_MAPPING_MISMATCH';
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${field}: ${reason}`);
  }
}

type Answers = Readonly<Record<string, unknown>>;
type Element = { value: unknown; key: string | null };

function read(value: CompiledValue, answers: Answers, element: Element | null, done: Record<string, unknown>): unknown {
  switch (value.kind) {
    case 'constant':
      return value.value;
    case 'derived': {
      const { limit, used } = done;
      return typeof limit === 'number' && typeof used === 'number' ? Math.max(limit - used, 0) : null;
    }
    case 'key':
      return element?.key ?? undefined;
    case 'self':
      return element?.value;
    case 'path':
      return value.call === null ? selectOne(value.selection, element?.value, 0) : selectOne(value.selection, answers[value.call], 1);
  }
}

function conversionOf(value: CompiledValue): Conversion | undefined {
  return value.kind === 'path' || value.kind === 'self' ? value.as : undefined;
}

/** One field's model value: null only where the file allows it. */
function fieldValue(field: CompiledField, answers: Answers, element: Element | null, where: string, done: Record<string, unknown> = {}): unknown {
  const raw = read(field.value, answers, element, done);
  if (raw === undefined || raw === null) {
    if (field.value.kind === 'constant' || field.value.kind === 'derived' || (field.value.kind === 'path' && field.value.optional)) return null;
    throw new MappingError(`${where}.${field.name}`, `${field.value.kind === 'path' ? field.value.selection.text : 'the value'} is missing`);
  }
  if (field.kind === 'enum') {
    const map = field.enumMap!;
    return typeof raw === 'string' && Object.hasOwn(map.map, raw) ? map.map[raw] : map.fallback;
  }
  try {
    return convert(raw, field.kind, conversionOf(field.value));
  } catch (error) {
    if (error instanceof ConversionError) throw new MappingError(`${where}.${field.name}`, error.message);
    throw error;
  }
}

function record(fields: readonly CompiledField[], answers: Answers, element: Element | null, where: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of fields) out[field.name] = fieldValue(field, answers, element, where, out);
  return out;
}

function windowOf(window: CompiledWindow, answers: Answers, where: string): UsageWindow {
  let end: Date | null = null;
  if (window.end !== null) {
    end = fieldValue({ name: 'end', kind: 'time', value: window.end }, answers, null, where) as Date | null;
  }
  const start = end !== null && window.durationSeconds !== null ? new Date(end.getTime() - window.durationSeconds * 1000) : null;
  return { kind: window.kind, label: window.label, start, end };
}

function elementsOf(list: CompiledList, answers: Answers, where: string): Element[] {
  const { selection, call, mode } = list.source;
  const found = selectAll(selection, answers[call], 1);
  if (found === null) throw new MappingError(where, `${selection.text} is missing`);
  const elements: Element[] = [];
  for (const container of found) {
    if (mode === 'one') {
      elements.push({ value: container, key: null });
    } else if (mode === 'each') {
      if (!Array.isArray(container)) throw new MappingError(where, `${selection.text} is not an array`);
      for (const value of container) elements.push({ value, key: null });
    } else {
      if (typeof container !== 'object' || container === null || Array.isArray(container)) throw new MappingError(where, `${selection.text} is not an object`);
      for (const [key, value] of Object.entries(container)) elements.push({ value, key });
    }
  }
  return elements;
}

function listOf(lists: readonly CompiledList[], answers: Answers, where: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  lists.forEach((list, index) => {
    const at = `${where}[${index}]`;
    const window = list.window === null ? null : windowOf(list.window, answers, `${at}.window`);
    const entries = elementsOf(list, answers, at).map((element) => {
      const entry = record(list.fields, answers, element, at);
      return window === null ? entry : { ...entry, window };
    });
    if (list.orderBy !== null) {
      const name = list.orderBy;
      // Code-unit order, not localeCompare: the order must not depend on the server's locale.
      entries.sort((a, b) => {
        const x = String(a[name]);
        const y = String(b[name]);
        return x < y ? -1 : x > y ? 1 : 0;
      });
    }
    out.push(...entries);
  });
  return out;
}

function single(value: CompiledValue | null, kind: FieldKind, answers: Answers, name: string): unknown {
  return value === null ? null : fieldValue({ name, kind, value }, answers, null, 'account');
}

/** The account the answers (by call name) make under `mapping`; throws a MappingError where they do not fit. */
export function mapAccount(provider: string, mapping: CompiledAccountMapping, answers: Answers): AccountUsage {
  const nullable = (fields: CompiledField[] | null, where: string) => (fields === null ? null : record(fields, answers, null, where));
  const quotas = listOf(mapping.quotas, answers, 'account.quotas').map((quota) => ({
    name: quota.name,
    description: quota.description ?? null,
    used: quota.used,
    limit: quota.limit ?? null,
    remaining: quota.remaining ?? null,
    resetsAt: quota.resetsAt ?? null,
  }));
  const endpoints = listOf(mapping.endpoints, answers, 'account.endpoints').map((endpoint) => ({
    path: endpoint.path,
    method: endpoint.method ?? null,
    requests: endpoint.requests,
    errors: endpoint.errors ?? null,
    avgLatencyMs: endpoint.avgLatencyMs ?? null,
    window: endpoint.window,
  }));
  const periods = listOf(mapping.periods, answers, 'account.periods').map((period) => ({
    metric: period.metric,
    group: period.group,
    resourceId: period.resourceId ?? null,
    resourceType: period.resourceType ?? null,
    monthToDate: period.monthToDate ?? null,
    lastMonth: period.lastMonth ?? null,
    last12Months: period.last12Months ?? null,
    termPeriodToLastMonth: period.termPeriodToLastMonth ?? null,
  }));
  const alerts = listOf(mapping.alerts, answers, 'account.alerts').map((alert) => ({
    type: alert.type,
    // Compiled beside `type` from the same path, so the vendor's own name survives an OTHER.
    vendorType: alert.vendorType ?? null,
    severity: alert.severity,
    message: alert.message,
    recommendation: alert.recommendation ?? null,
    source: 'VENDOR' as const,
  }));
  const plan = nullable(mapping.plan, 'account.plan');
  const rateLimit = nullable(mapping.rateLimit, 'account.rateLimit');
  const snapshot = nullable(mapping.snapshot, 'account.snapshot');
  let totals: Record<string, unknown> | null = null;
  if (mapping.totals !== null) {
    totals = record(mapping.totals.fields, answers, null, 'account.totals');
    totals = {
      requests: totals.requests,
      successfulRequests: totals.successfulRequests ?? null,
      failedRequests: totals.failedRequests ?? null,
      avgLatencyMs: totals.avgLatencyMs ?? null,
      p95LatencyMs: totals.p95LatencyMs ?? null,
      window: windowOf(mapping.totals.window, answers, 'account.totals.window'),
    };
  }
  return {
    provider,
    plan: plan === null ? null : { tier: plan.tier ?? null, requestsPerMinute: plan.requestsPerMinute ?? null, monthlyLimit: plan.monthlyLimit ?? null },
    rateLimit:
      rateLimit === null
        ? null
        : { tier: rateLimit.tier ?? null, requestsPerMinute: rateLimit.requestsPerMinute ?? null, remaining: rateLimit.remaining ?? null, resetsAt: rateLimit.resetsAt ?? null },
    quotas,
    endpoints,
    periods,
    alerts,
    totals,
    recordedAt: single(mapping.recordedAt, 'time', answers, 'recordedAt'),
    snapshot:
      snapshot === null ? null : { id: snapshot.id, recordingStartedAt: snapshot.recordingStartedAt ?? null, recordingFinishedAt: snapshot.recordingFinishedAt ?? null },
    upstreamElapsedMs: single(mapping.upstreamElapsedMs, 'measure', answers, 'upstreamElapsedMs'),
    upstreamRequestId: single(mapping.upstreamRequestId, 'text', answers, 'upstreamRequestId'),
  } as AccountUsage;
}
