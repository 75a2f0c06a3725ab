import type { z } from 'zod';
import type { UpstreamErrorCode } from '../../upstream/failures.js';
import type { CompiledAccountMapping, CompiledField, CompiledList, CompiledValue, CompiledWindow } from './account-mapping.js';
import { answerContracts } from './answer-contract.js';
import type { FieldKind } from './conversions.js';
import { addToShape, emptyShape, entryValueShape, isShapeMiss, walkShape, type Shape } from './example-shape.js';
import type { VendorFileProblem } from './file-errors.js';
import type { Pagination, ValueSpec, VendorCall, VendorFile, WindowSpec } from './file-format.js';
import { compileSelection, SelectionSyntaxError, type Selection } from './selection.js';
import { placeOf, type SourceDocument } from './source-document.js';
import { nearest } from './suggest.js';

/** A call's pagination, its selections compiled (relative to the call's body). */
export interface CompiledPagination extends Omit<Pagination, 'items' | 'next'> {
  items: Selection;
  next: Selection | null;
}

export interface CompiledCall {
  name: string;
  spec: VendorCall;
  pagination: CompiledPagination | null;
}

export interface CompiledErrorRule {
  status: number | '2xx' | '4xx' | '5xx' | null;
  body: { selection: Selection; equals: string | number | boolean | null } | null;
  code: Exclude<UpstreamErrorCode, 'UPSTREAM_CANCELLED'>;
}

/** How a failed answer reads: the rules, and where its message, code and request id are (relative to its body). */
export interface CompiledErrors {
  rules: CompiledErrorRule[];
  /** The parts of the message, joined with ": " where present; empty when the file names none. */
  message: Selection[];
  vendorCode: Selection | null;
  requestId: Selection | null;
}

/** A vendor file ready to serve: every selection compiled and checked against the examples. */
export interface CompiledVendor {
  file: VendorFile;
  calls: CompiledCall[];
  mapping: CompiledAccountMapping;
  errors: CompiledErrors;
  /** Where the vendor reports its own limit, and the seconds that limit counts over. */
  reportedRateLimit: ({ body: CompiledValue } | { header: string }) & { windowSeconds: number } | null;
  /** What each call's answer must hold for the mapping to read it (by call name), checked page by page. */
  contracts: ReadonlyMap<string, z.ZodType>;
}

const MODEL_FIELDS: Record<string, Record<string, FieldKind | 'enum'>> = {
  plan: { tier: 'text', requestsPerMinute: 'counter', monthlyLimit: 'counter' },
  rateLimit: { tier: 'text', requestsPerMinute: 'counter', remaining: 'counter', resetsAt: 'time' },
  quotas: { name: 'text', description: 'text', used: 'counter', limit: 'counter', remaining: 'counter', resetsAt: 'time' },
  endpoints: { path: 'text', method: 'text', requests: 'counter', errors: 'counter', avgLatencyMs: 'measure' },
  periods: {
    metric: 'text',
    group: 'text',
    monthToDate: 'counter',
    lastMonth: 'counter',
    last12Months: 'counter',
    termPeriodToLastMonth: 'counter',
    resourceId: 'text',
    resourceType: 'text',
  },
  alerts: { type: 'enum', severity: 'enum', message: 'text', recommendation: 'text' },
  snapshot: { id: 'text', recordingStartedAt: 'time', recordingFinishedAt: 'time' },
  totals: { requests: 'counter', successfulRequests: 'counter', failedRequests: 'counter', avgLatencyMs: 'measure', p95LatencyMs: 'measure' },
};

const isSuccess = (status: number) => status >= 200 && status <= 299;

/** Compiles a schema-valid vendor file; the problems found, each placed in the file, or the compiled vendor. */
export function compileVendor(file: VendorFile, source: SourceDocument): { vendor: CompiledVendor } | { problems: VendorFileProblem[] } {
  const problems: VendorFileProblem[] = [];
  const callNames = Object.keys(file.calls);
  const successShapes = new Map<string, Shape>(callNames.map((name) => [name, emptyShape()]));
  const errorShape = emptyShape();
  const anyShape = emptyShape();
  file.examples.forEach((example, index) => {
    for (const [call, response] of Object.entries(example.responses)) {
      const shape = successShapes.get(call);
      if (shape === undefined) {
        const near = nearest(call, callNames);
        problems.push({ ...placeOf(source, ['examples', index, 'responses', call], { key: true }), reason: `no call named "${call}"`, ...(near === null ? {} : { suggestion: near }) });
        continue;
      }
      addToShape(isSuccess(response.status) ? shape : errorShape, response.body);
      addToShape(anyShape, response.body);
    }
  });

  const place = (path: readonly PropertyKey[], selectionOffset = 0) => {
    const { line, column, quoted } = source.positionOf(path);
    // A quoted scalar's first character is the quote; a plain one starts at the selection.
    return { line, column: column + selectionOffset + (quoted ? 1 : 0) };
  };

  /** Compiles `text` at `path`; with `call` null it is relative to `shape`, else its first step names a call. */
  const selectionAt = (
    text: string,
    path: readonly PropertyKey[],
    options: { relativeTo?: { shape: Shape; prefix: string }; modelField?: string; many?: boolean },
  ): { selection: Selection; call: string | null; shape: Shape } | null => {
    let selection: Selection;
    try {
      selection = compileSelection(text);
    } catch (error) {
      if (!(error instanceof SelectionSyntaxError)) throw error;
      problems.push({ ...place(path, error.offset), reason: `${error.reason} (in ${JSON.stringify(text)})`, ...(options.modelField === undefined ? {} : { modelField: options.modelField }) });
      return null;
    }
    const field = options.modelField === undefined ? {} : { modelField: options.modelField };
    if (selection.special !== null) {
      if (options.relativeTo === undefined) {
        problems.push({ ...place(path), reason: `${text} is only meaningful inside a list`, ...field });
        return null;
      }
      return { selection, call: null, shape: options.relativeTo.shape };
    }
    if (selection.wildcards > 0 && options.many !== true) {
      problems.push({ ...place(path), reason: `${text} selects many values where the model field holds one`, vendorPath: text, ...field });
      return null;
    }
    let call: string | null = null;
    let shape: Shape;
    let prefix: string;
    let skip: number;
    if (options.relativeTo !== undefined) {
      shape = options.relativeTo.shape;
      prefix = options.relativeTo.prefix;
      skip = 0;
    } else {
      const first = selection.steps[0]!;
      call = first.kind === 'member' ? first.name : '';
      const callShape = successShapes.get(call);
      if (callShape === undefined) {
        const near = nearest(call, callNames);
        problems.push({ ...place(path), reason: `a selection starts with a call's name; there is no call "${call}"`, vendorPath: text, ...field, ...(near === null ? {} : { suggestion: near }) });
        return null;
      }
      shape = callShape;
      prefix = call;
      skip = 1;
    }
    const reached = walkShape(selection, shape, skip, prefix);
    if (isShapeMiss(reached)) {
      problems.push({ ...place(path), reason: reached.reason, vendorPath: text, ...field, ...(reached.suggestion === undefined ? {} : { suggestion: reached.suggestion }) });
      return null;
    }
    return { selection, call, shape: reached };
  };

  const valueAt = (spec: ValueSpec, path: readonly PropertyKey[], modelField: string, relativeTo?: { shape: Shape; prefix: string; keyed: boolean }): CompiledValue | null => {
    if (typeof spec === 'object' && 'value' in spec) return { kind: 'constant', value: spec.value };
    const text = typeof spec === 'string' ? spec : spec.path;
    const at = typeof spec === 'string' ? path : [...path, 'path'];
    const as = typeof spec === 'string' ? undefined : spec.as;
    const optional = typeof spec === 'string' ? false : spec.optional === true;
    if (text === '@key') {
      if (relativeTo?.keyed !== true) {
        problems.push({ ...place(at), reason: '@key names an entry of an `eachEntry` list, and this is not one', modelField });
        return null;
      }
      return { kind: 'key' };
    }
    const compiled = selectionAt(text, at, { ...(relativeTo === undefined ? {} : { relativeTo }), modelField });
    if (compiled === null) return null;
    if (compiled.selection.special === 'self') return { kind: 'self', as };
    return { kind: 'path', selection: compiled.selection, call: compiled.call, as, optional };
  };

  const fieldsAt = (
    section: string,
    spec: Record<string, unknown>,
    path: readonly PropertyKey[],
    relativeTo?: { shape: Shape; prefix: string; keyed: boolean },
  ): CompiledField[] => {
    const kinds = MODEL_FIELDS[section]!;
    const fields: CompiledField[] = [];
    for (const [name, kind] of Object.entries(kinds)) {
      const fieldSpec = spec[name];
      if (fieldSpec === undefined) continue;
      const modelField = `account.${section}.${name}`;
      if (kind === 'enum') {
        const enumSpec = fieldSpec as { path: string; map: Record<string, string>; fallback?: string };
        const value = valueAt(enumSpec.path, [...path, name, 'path'], modelField, relativeTo);
        if (value === null) continue;
        fields.push({ name, kind, value, enumMap: { map: enumSpec.map, fallback: enumSpec.fallback ?? (name === 'type' ? 'OTHER' : 'INFO') } });
        if (name === 'type' && value.kind === 'path') fields.push({ name: 'vendorType', kind: 'text', value: { ...value, optional: true, as: 'text' } });
        continue;
      }
      if (typeof fieldSpec === 'object' && fieldSpec !== null && 'derive' in fieldSpec) {
        fields.push({ name, kind, value: { kind: 'derived', derive: (fieldSpec as { derive: 'limitMinusUsed' }).derive } });
        continue;
      }
      const value = valueAt(fieldSpec as ValueSpec, [...path, name], modelField, relativeTo);
      if (value !== null) fields.push({ name, kind, value });
    }
    return fields;
  };

  const windowAt = (spec: WindowSpec, path: readonly PropertyKey[], modelField: string): CompiledWindow => ({
    kind: spec.kind,
    label: spec.label,
    end: spec.end === undefined ? null : valueAt(spec.end, [...path, 'end'], `${modelField}.end`),
    durationSeconds: spec.durationSeconds ?? null,
  });

  const listsAt = (section: 'quotas' | 'endpoints' | 'periods' | 'alerts', specs: readonly object[] | undefined): CompiledList[] => {
    const lists: CompiledList[] = [];
    (specs ?? []).forEach((raw, index) => {
      const spec = raw as Record<string, unknown> & { each?: string; eachEntry?: string; one?: string; orderBy?: string; window?: WindowSpec };
      const path = ['account', section, index];
      const modelField = `account.${section}`;
      const modes = (['each', 'eachEntry', 'one'] as const).filter((mode) => spec[mode] !== undefined);
      if (modes.length !== 1) {
        problems.push({ ...place(path), reason: 'a list reads exactly one of `each` (an array), `eachEntry` (an object keyed by name) or `one` (one object)', modelField });
        return;
      }
      const mode = modes[0]!;
      const sourceText = spec[mode]!;
      const source = selectionAt(sourceText, [...path, mode], { modelField, many: mode === 'each' });
      if (source === null) return;
      const elementShape = mode === 'each' ? source.shape.elements : source.shape.members === null ? null : mode === 'one' ? source.shape : entryValueShape(source.shape);
      if (elementShape === null) {
        problems.push({ ...place([...path, mode]), reason: `${sourceText} is not ${mode === 'each' ? 'an array' : 'an object'} in any example`, vendorPath: sourceText, modelField });
        return;
      }
      const prefix = mode === 'each' ? `${sourceText}[*]` : mode === 'one' ? sourceText : `${sourceText}[<key>]`;
      const relativeTo = { shape: elementShape, prefix, keyed: mode === 'eachEntry' };
      const fields = fieldsAt(section, spec, path, relativeTo);
      const orderBy = spec.orderBy ?? null;
      if (orderBy !== null && !Object.hasOwn(MODEL_FIELDS[section]!, orderBy)) {
        const near = nearest(orderBy, Object.keys(MODEL_FIELDS[section]!));
        problems.push({ ...place([...path, 'orderBy']), reason: `orderBy names no field of ${section}`, modelField, ...(near === null ? {} : { suggestion: near }) });
      }
      const window = section === 'endpoints' && spec.window !== undefined ? windowAt(spec.window, [...path, 'window'], `${modelField}.window`) : null;
      lists.push({ source: { selection: source.selection, call: source.call!, mode }, fields, orderBy, window });
    });
    return lists;
  };

  const { account } = file;
  const single = (name: 'recordedAt' | 'upstreamElapsedMs' | 'upstreamRequestId') =>
    account[name] === undefined ? null : valueAt(account[name], ['account', name], `account.${name}`);
  const mapping: CompiledAccountMapping = {
    plan: account.plan === undefined ? null : fieldsAt('plan', account.plan, ['account', 'plan']),
    rateLimit: account.rateLimit === undefined ? null : fieldsAt('rateLimit', account.rateLimit, ['account', 'rateLimit']),
    quotas: listsAt('quotas', account.quotas),
    endpoints: listsAt('endpoints', account.endpoints),
    periods: listsAt('periods', account.periods),
    alerts: listsAt('alerts', account.alerts),
    totals:
      account.totals === undefined
        ? null
        : { fields: fieldsAt('totals', account.totals, ['account', 'totals']), window: windowAt(account.totals.window, ['account', 'totals', 'window'], 'account.totals.window') },
    recordedAt: single('recordedAt'),
    snapshot: account.snapshot === undefined ? null : fieldsAt('snapshot', account.snapshot, ['account', 'snapshot']),
    upstreamElapsedMs: single('upstreamElapsedMs'),
    upstreamRequestId: single('upstreamRequestId'),
  };

  const calls: CompiledCall[] = Object.entries(file.calls).map(([name, spec]) => {
    let pagination: CompiledPagination | null = null;
    if (spec.pagination !== undefined) {
      const path = ['calls', name, 'pagination'];
      const bodyShape = { shape: successShapes.get(name)!, prefix: name };
      const items = selectionAt(spec.pagination.items, [...path, 'items'], { relativeTo: bodyShape });
      const needsNext = spec.pagination.kind === 'cursor' || spec.pagination.kind === 'nextUrl';
      const needsParam = spec.pagination.kind === 'cursor' || spec.pagination.kind === 'offset';
      if (needsNext && spec.pagination.next === undefined) problems.push({ ...place(path), reason: `${spec.pagination.kind} pagination needs \`next\`` });
      if (needsParam && spec.pagination.param === undefined) problems.push({ ...place(path), reason: `${spec.pagination.kind} pagination needs \`param\`` });
      if (spec.pagination.kind === 'offset' && spec.pagination.pageSize === undefined) problems.push({ ...place(path), reason: 'offset pagination needs `pageSize`' });
      const next = spec.pagination.next === undefined ? null : selectionAt(spec.pagination.next, [...path, 'next'], { relativeTo: bodyShape });
      if (items !== null) pagination = { ...spec.pagination, items: items.selection, next: next?.selection ?? null };
    }
    return { name, spec, pagination };
  });

  const errorSpec = file.errors ?? {};
  const hasErrorExample = errorShape.members !== null || errorShape.elements !== null || errorShape.scalar;
  const errorSelection = (name: 'message' | 'vendorCode' | 'requestId', text: string | undefined, path: readonly PropertyKey[] = ['errors', name]): Selection | null => {
    if (text === undefined) return null;
    if (!hasErrorExample) {
      problems.push({ ...place(path), reason: 'no example answers with an error status, so this path cannot be checked: add one' });
      return null;
    }
    return selectionAt(text, path, { relativeTo: { shape: errorShape, prefix: '(error body)' } })?.selection ?? null;
  };
  const messageParts = typeof errorSpec.message === 'string' ? [errorSpec.message] : (errorSpec.message ?? []);
  const messagePath = (index: number) => (typeof errorSpec.message === 'string' ? ['errors', 'message'] : ['errors', 'message', index]);
  const errors: CompiledErrors = {
    rules: (errorSpec.rules ?? []).flatMap((rule, index) => {
      let body: CompiledErrorRule['body'] = null;
      if (rule.bodyPath !== undefined) {
        const compiled = selectionAt(rule.bodyPath, ['errors', 'rules', index, 'bodyPath'], { relativeTo: { shape: anyShape, prefix: '(body)' } });
        if (compiled === null) return [];
        body = { selection: compiled.selection, equals: rule.equals ?? null };
      }
      return [{ status: rule.status ?? null, body, code: rule.code as CompiledErrorRule['code'] }];
    }),
    message: messageParts.flatMap((text, index) => errorSelection('message', text, messagePath(index)) ?? []),
    vendorCode: errorSelection('vendorCode', errorSpec.vendorCode),
    requestId: errorSelection('requestId', errorSpec.requestId),
  };

  const reported = file.rateLimit.reported;
  let reportedRateLimit: CompiledVendor['reportedRateLimit'] = null;
  if (reported !== undefined) {
    const windowSeconds = reported.windowSeconds ?? 60;
    if ('header' in reported) reportedRateLimit = { header: reported.header.toLowerCase(), windowSeconds };
    else {
      const value = valueAt(reported.body, ['rateLimit', 'reported', 'body'], 'rateLimit.reported');
      if (value !== null) reportedRateLimit = { body: value, windowSeconds };
    }
  }

  if (problems.length > 0) return { problems };
  return { vendor: { file, calls, mapping, errors, reportedRateLimit, contracts: answerContracts(mapping, successShapes) } };
}
