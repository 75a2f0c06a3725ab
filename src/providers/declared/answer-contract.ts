import { z } from 'zod';
import { counter, isoTimestamp, measure } from '../contract-kit.js';
import type { CompiledAccountMapping, CompiledField, CompiledList, CompiledValue } from './account-mapping.js';
import { convert, ConversionError, type Conversion, type FieldKind } from './conversions.js';
import type { Shape } from './example-shape.js';
import type { Step } from './selection.js';

/**
 * The contract a declared vendor's answers keep: for each call, a zod schema of exactly the values
 * its mapping reads, built from the same pieces as the built-in vendors' contracts. An answer that
 * breaks it fails through the same `parsePayload` as a built-in vendor's, so a drifted answer reads
 * the same whichever way the vendor is wired. Members are checked in the order the file's examples
 * print them (the vendor's documented order), which is the order its problems are listed in.
 */

/** One position in a call's answer that the mapping reads below or at. */
interface ContractNode {
  members: Map<string, ContractNode>;
  /** Every element of an array (`[*]`, an `each` list). */
  every: ContractNode | null;
  /** Every value of an object keyed by name (an `eachEntry` list). */
  entries: ContractNode | null;
  /** Read by index: left to the mapping engine, which reports it by model field. */
  indexed: boolean;
  leaf: z.ZodType | null;
  /** Some value below must be present; else the whole branch may be absent or null. */
  required: boolean;
}

function node(): ContractNode {
  return { members: new Map(), every: null, entries: null, indexed: false, leaf: null, required: false };
}

/** The node at `steps` below `from`, created on the way; null past an index step. */
function walk(from: ContractNode, steps: readonly Step[], required: boolean): ContractNode | null {
  let at = from;
  if (required) at.required = true;
  for (const step of steps) {
    if (step.kind === 'index') {
      at.indexed = true;
      return null;
    }
    let next: ContractNode | undefined;
    if (step.kind === 'every') next = at.every ??= node();
    else {
      next = at.members.get(step.name);
      if (next === undefined) at.members.set(step.name, (next = node()));
    }
    at = next;
    if (required) at.required = true;
  }
  return at;
}

/** What a leaf must be: the built-in contracts' own piece where no conversion applies, else the conversion's check. */
function leafOf(kind: FieldKind | 'enum', conversion: Conversion | undefined): z.ZodType {
  // Any value maps to an enum member (an unknown one to the fallback), so nothing is checked.
  if (kind === 'enum') return z.unknown();
  if (conversion === undefined) {
    switch (kind) {
      case 'counter':
        return counter;
      case 'measure':
        return measure;
      case 'text':
        return z.string();
      case 'time':
        return isoTimestamp;
    }
  }
  return z.unknown().superRefine((value, context) => {
    try {
      convert(value, kind, conversion);
    } catch (error) {
      if (!(error instanceof ConversionError)) throw error;
      context.addIssue({ code: 'custom', message: error.message });
    }
  });
}

class ContractBuilder {
  readonly roots = new Map<string, ContractNode>();

  rootOf(call: string): ContractNode {
    let root = this.roots.get(call);
    if (root === undefined) this.roots.set(call, (root = node()));
    return root;
  }

  /** Records `value`, read over a call's answer or relative to `element`. */
  value(value: CompiledValue | null, kind: FieldKind | 'enum', element: ContractNode | null): void {
    if (value === null || value.kind === 'constant' || value.kind === 'key' || value.kind === 'derived') return;
    const required = value.kind === 'self' || !value.optional;
    let at: ContractNode | null;
    if (value.kind === 'self') at = element;
    else if (value.call !== null) at = walk(this.rootOf(value.call), value.selection.steps.slice(1), required);
    else at = element === null ? null : walk(element, value.selection.steps, required);
    if (at === null || at.leaf !== null) return;
    const leaf = leafOf(kind, value.kind === 'self' || value.kind === 'path' ? value.as : undefined);
    at.leaf = required ? leaf : leaf.nullish();
    if (required) at.required = true;
  }

  fields(fields: readonly CompiledField[] | null, element: ContractNode | null): void {
    for (const field of fields ?? []) this.value(field.value, field.kind, element);
  }

  list(list: CompiledList): void {
    const source = walk(this.rootOf(list.source.call), list.source.selection.steps.slice(1), true);
    if (source === null) return;
    const element = list.source.mode === 'one' ? source : list.source.mode === 'each' ? (source.every ??= node()) : (source.entries ??= node());
    element.required = true;
    this.fields(list.fields, element);
    if (list.window?.end !== undefined) this.value(list.window.end, 'time', null);
  }
}

/** `members` in the order the examples print them; members no example shows last, in the mapping's order. */
function ordered(members: Map<string, ContractNode>, shape: Shape | null): [string, ContractNode][] {
  const printed = [...(shape?.members?.keys() ?? [])];
  const rank = (name: string) => {
    const index = printed.indexOf(name);
    return index < 0 ? printed.length : index;
  };
  return [...members].sort(([a], [b]) => rank(a) - rank(b));
}

function schemaOf(at: ContractNode, shape: Shape | null): z.ZodType {
  let schema: z.ZodType;
  if (at.indexed) schema = z.unknown();
  else if (at.every !== null) schema = z.array(schemaOf(at.every, shape?.elements ?? null));
  else if (at.entries !== null) schema = z.record(z.string(), schemaOf(at.entries, firstEntryShape(shape)));
  else if (at.members.size > 0) {
    const shapeMembers = shape?.members ?? null;
    schema = z.object(Object.fromEntries(ordered(at.members, shape).map(([name, child]) => [name, schemaOf(child, shapeMembers?.get(name) ?? null)])));
  } else schema = at.leaf ?? z.unknown();
  return at.required || at.leaf !== null ? schema : schema.nullish();
}

/** The shape of an object's values, for the order of an `eachEntry` element's members: the first entry's. */
function firstEntryShape(shape: Shape | null): Shape | null {
  const first = shape?.members?.values().next();
  return first === undefined || first.done === true ? null : first.value;
}

/**
 * The contract of each call's answer (by call name) under `mapping`, its members ordered as
 * `shapes` (the calls' example answers) print them. A call the mapping reads nothing from (or
 * only its own rate limit, which is read leniently) has no contract.
 */
export function answerContracts(mapping: CompiledAccountMapping, shapes: ReadonlyMap<string, Shape>): Map<string, z.ZodType> {
  const builder = new ContractBuilder();
  builder.fields(mapping.plan, null);
  builder.fields(mapping.rateLimit, null);
  for (const list of [...mapping.quotas, ...mapping.endpoints, ...mapping.periods, ...mapping.alerts]) builder.list(list);
  if (mapping.totals !== null) {
    builder.fields(mapping.totals.fields, null);
    builder.value(mapping.totals.window.end, 'time', null);
  }
  builder.value(mapping.recordedAt, 'time', null);
  builder.fields(mapping.snapshot, null);
  builder.value(mapping.upstreamElapsedMs, 'measure', null);
  builder.value(mapping.upstreamRequestId, 'text', null);
  const contracts = new Map<string, z.ZodType>();
  for (const [call, root] of builder.roots) {
    root.required = true;
    contracts.set(call, schemaOf(root, shapes.get(call) ?? null));
  }
  return contracts;
}
