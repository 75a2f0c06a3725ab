import type { Selection } from './selection.js';
import { nearest } from './suggest.js';

/**
 * The shape of JSON values, inferred from a vendor file's own examples: which members objects
 * have, what arrays hold. A selection is checked against it at load, so a path that no example
 * has is a mistake found before the gateway serves rather than a null found in production.
 */
export interface Shape {
  members: Map<string, Shape> | null;
  elements: Shape | null;
  /** Seen as a scalar (string, number, boolean or null). */
  scalar: boolean;
}

export function emptyShape(): Shape {
  return { members: null, elements: null, scalar: false };
}

/** Adds `value` to `shape` (examples accumulate). */
export function addToShape(shape: Shape, value: unknown): Shape {
  if (Array.isArray(value)) {
    shape.elements ??= emptyShape();
    for (const element of value) addToShape(shape.elements, element);
  } else if (typeof value === 'object' && value !== null) {
    shape.members ??= new Map();
    for (const [name, member] of Object.entries(value)) {
      let memberShape = shape.members.get(name);
      if (memberShape === undefined) shape.members.set(name, (memberShape = emptyShape()));
      addToShape(memberShape, member);
    }
  } else {
    shape.scalar = true;
  }
  return shape;
}

/** The shape of any member's value of an object keyed by name (an `eachEntry` list's values). */
export function entryValueShape(shape: Shape): Shape {
  const merged = emptyShape();
  for (const member of shape.members?.values() ?? []) mergeInto(merged, member);
  return merged;
}

function mergeInto(target: Shape, source: Shape): void {
  target.scalar ||= source.scalar;
  if (source.elements !== null) mergeInto((target.elements ??= emptyShape()), source.elements);
  for (const [name, member] of source.members ?? []) {
    target.members ??= new Map();
    let existing = target.members.get(name);
    if (existing === undefined) target.members.set(name, (existing = emptyShape()));
    mergeInto(existing, member);
  }
}

/** Where a selection leaves the examples' shape: the path so far, and the nearest existing one. */
export interface ShapeMiss {
  reason: string;
  suggestion: string | undefined;
}

/**
 * Walks `selection` over `shape` from step `skip` on (`prefix` is the text of the steps before):
 * the shape it reaches, or where and why it leaves the examples.
 */
export function walkShape(selection: Selection, shape: Shape, skip: number, prefix: string): Shape | ShapeMiss {
  let current = shape;
  let path = prefix;
  for (let index = skip; index < selection.steps.length; index += 1) {
    const step = selection.steps[index]!;
    if (step.kind === 'member') {
      const next = current.members?.get(step.name);
      if (next === undefined) {
        const candidates = [...(current.members?.keys() ?? [])];
        const near = nearest(step.name, candidates);
        return {
          reason: current.members === null ? `${path === '' ? 'the answer' : path} is not an object in any example` : `no example has member "${step.name}" at ${path === '' ? 'the top' : path}`,
          suggestion: near === null ? undefined : nearestPath(selection, index, near, current.members!.get(near)!, join(path, near)),
        };
      }
      current = next;
      path = join(path, step.name);
    } else {
      if (current.elements === null) return { reason: `${path === '' ? 'the answer' : path} is not an array in any example`, suggestion: undefined };
      current = current.elements;
      path += step.kind === 'every' ? '[*]' : `[${step.index}]`;
    }
  }
  return current;
}

/**
 * The whole path the selection probably meant: the misspelt step at `index` replaced by `near`,
 * and the steps after it walked (and corrected) the same way; `…` where that runs out.
 */
function nearestPath(selection: Selection, index: number, near: string, shape: Shape, path: string): string {
  const steps = [...selection.steps];
  steps[index] = { kind: 'member', name: near };
  const rest = walkShape({ ...selection, steps }, shape, index + 1, path);
  if (!isShapeMiss(rest)) return steps.slice(index + 1).reduce((text, step) => (step.kind === 'member' ? join(text, step.name) : `${text}${step.kind === 'every' ? '[*]' : `[${step.index}]`}`), path);
  return rest.suggestion ?? `${path}…`;
}

function join(path: string, name: string): string {
  const plain = /^[A-Za-z0-9_-]+$/.test(name) ? name : null;
  if (path === '') return plain ?? `["${name}"]`;
  return plain === null ? `${path}["${name.replace(/["\\]/g, '\\$&')}"]` : `${path}.${plain}`;
}

export function isShapeMiss(value: Shape | ShapeMiss): value is ShapeMiss {
  return 'reason' in value;
}
