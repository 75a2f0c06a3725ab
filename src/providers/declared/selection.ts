/**
 * The selection language of vendor files: a path into a JSON answer and nothing else.
 *
 *   usage.data.plan.tier          a member
 *   usage.data.quotas[*].used     every element of an array
 *   usage.data.items[0]           one element
 *   usage.data["by-name"]["a.b"]  a member whose name is not a plain word
 *
 * No functions, filters, regular expressions, references to the root inside a projection, or
 * recursion: a selection is a list of steps, each touching a value once, so evaluating one costs
 * at most the size of what it selects. Timestamps, numbers in strings, enums and ordering are the
 * engine's conversions, named in the file, never expressions.
 */

/** The longest selection accepted, in characters. */
export const MAX_SELECTION_LENGTH = 256;
/** The most steps one selection takes. */
export const MAX_SELECTION_STEPS = 24;
/** The most `[*]` one selection holds: two nest (pages of lists of lists), more multiplies. */
export const MAX_WILDCARDS = 2;

export type Step = { kind: 'member'; name: string } | { kind: 'index'; index: number } | { kind: 'every' };

/** A compiled selection. */
export interface Selection {
  readonly text: string;
  /** The first member: the call's name for a selection over answers. */
  readonly steps: readonly Step[];
  readonly wildcards: number;
  /** `@key` (the entry's name in an `eachEntry` list) or `@` (the element itself). */
  readonly special: 'key' | 'self' | null;
}

/** A selection that is not in the language; `offset` is the character it went wrong at. */
export class SelectionSyntaxError extends Error {
  override readonly name = 'SelectionSyntaxError';
  readonly code = 'VENDOR_SELECTION_INVALID';
  constructor(
    readonly reason: string,
    readonly offset: number,
  ) {
    super(reason);
  }
}

const FORBIDDEN: Record<string, string> = {
  '(': 'functions are not part of the selection language; conversions are named with `as:`',
  '?': 'filters are not part of the selection language',
  '|': 'pipes are not part of the selection language',
  '&': 'expressions are not part of the selection language',
  $: 'root references and variables are not part of the selection language: a path starts with a call\'s name',
  '~': 'regular expressions are not part of the selection language',
  '/': 'regular expressions are not part of the selection language',
  '`': 'literals are not part of the selection language; use `value:` for a constant',
  '{': 'object projections are not part of the selection language',
  '=': 'comparisons are not part of the selection language',
  '<': 'comparisons are not part of the selection language',
  '>': 'comparisons are not part of the selection language',
  '!': 'expressions are not part of the selection language',
  '+': 'arithmetic is not part of the selection language',
  '*': 'a wildcard is written `[*]`, after an array',
};

function isWordCharacter(code: number): boolean {
  return (code >= 0x30 && code <= 0x39) || (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a) || code === 0x5f || code === 0x2d;
}

/** Compiles `text`, or throws a SelectionSyntaxError saying where and why. */
export function compileSelection(text: string): Selection {
  if (text.length > MAX_SELECTION_LENGTH) throw new SelectionSyntaxError(`a selection is at most ${MAX_SELECTION_LENGTH} characters`, MAX_SELECTION_LENGTH);
  if (text === '@') return { text, steps: [], wildcards: 0, special: 'self' };
  if (text === '@key') return { text, steps: [], wildcards: 0, special: 'key' };
  const steps: Step[] = [];
  let wildcards = 0;
  let at = 0;
  const word = (): string => {
    const start = at;
    while (at < text.length && isWordCharacter(text.charCodeAt(at))) at += 1;
    if (at === start) throw unexpected(text, at);
    return text.slice(start, at);
  };
  steps.push({ kind: 'member', name: word() });
  while (at < text.length) {
    const character = text[at]!;
    if (character === '.') {
      at += 1;
      if (text[at] === '.') throw new SelectionSyntaxError('recursive descent (`..`) is not part of the selection language', at);
      steps.push({ kind: 'member', name: word() });
    } else if (character === '[') {
      at += 1;
      if (text[at] === '*' && text[at + 1] === ']') {
        at += 2;
        wildcards += 1;
        if (wildcards > MAX_WILDCARDS) throw new SelectionSyntaxError(`at most ${MAX_WILDCARDS} \`[*]\` in one selection`, at - 3);
        steps.push({ kind: 'every' });
      } else if (text[at] === '"') {
        steps.push({ kind: 'member', name: quoted() });
        expect(']');
      } else {
        const start = at;
        while (at < text.length && text.charCodeAt(at) >= 0x30 && text.charCodeAt(at) <= 0x39) at += 1;
        if (at === start || at - start > 6) throw unexpected(text, start, 'an index (up to 6 digits), `*` or a quoted name');
        steps.push({ kind: 'index', index: Number(text.slice(start, at)) });
        expect(']');
      }
    } else {
      throw unexpected(text, at);
    }
    if (steps.length > MAX_SELECTION_STEPS) throw new SelectionSyntaxError(`at most ${MAX_SELECTION_STEPS} steps in one selection`, at);
  }
  return { text, steps, wildcards, special: null };

  function expect(character: string): void {
    if (text[at] !== character) throw unexpected(text, at, `\`${character}\``);
    at += 1;
  }

  function quoted(): string {
    at += 1;
    let name = '';
    while (at < text.length && text[at] !== '"') {
      if (text[at] === '\\') {
        const next = text[at + 1];
        if (next !== '"' && next !== '\\') throw new SelectionSyntaxError('only \\" and \\\\ are escapes in a quoted name', at);
        name += next;
        at += 2;
      } else {
        name += text[at];
        at += 1;
      }
    }
    if (at >= text.length) throw new SelectionSyntaxError('a quoted name is not closed', at);
    at += 1;
    return name;
  }
}

function unexpected(text: string, at: number, wanted = 'a name, `.`, or `[`'): SelectionSyntaxError {
  if (at >= text.length) return new SelectionSyntaxError(`the selection ends where ${wanted} was expected`, at);
  const character = text[at]!;
  const reason = FORBIDDEN[character];
  if (reason !== undefined) return new SelectionSyntaxError(reason, at);
  return new SelectionSyntaxError(`unexpected ${JSON.stringify(character)} where ${wanted} was expected`, at);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The member `name` of `value` when it is its own (never one inherited, such as `constructor`). */
function member(value: unknown, name: string): unknown {
  return isRecord(value) && Object.hasOwn(value, name) ? value[name] : undefined;
}

/**
 * The one value `selection` (without `[*]`) reaches from `root`, skipping `skip` leading steps (a
 * call's name, already resolved); undefined where the path does not exist.
 */
export function selectOne(selection: Selection, root: unknown, skip = 0): unknown {
  let value = root;
  for (let index = skip; index < selection.steps.length && value !== undefined; index += 1) {
    const step = selection.steps[index]!;
    if (step.kind === 'member') value = member(value, step.name);
    else if (step.kind === 'index') value = Array.isArray(value) ? value[step.index] : undefined;
    else throw new TypeError(`${selection.text} selects many values; one was expected`);
  }
  return value;
}

/**
 * Every value `selection` reaches from `root` (its `[*]` flattened, in order), skipping `skip`
 * leading steps; null where the path itself does not exist (an empty array exists).
 */
export function selectAll(selection: Selection, root: unknown, skip = 0): unknown[] | null {
  let values: unknown[] = [root];
  for (let index = skip; index < selection.steps.length; index += 1) {
    const step = selection.steps[index]!;
    const next: unknown[] = [];
    for (const value of values) {
      if (step.kind === 'member') {
        const found = member(value, step.name);
        if (found !== undefined) next.push(found);
      } else if (step.kind === 'index') {
        if (Array.isArray(value) && step.index < value.length) next.push(value[step.index]);
      } else if (Array.isArray(value)) {
        for (const element of value) next.push(element);
      }
    }
    if (next.length === 0 && !(step.kind === 'every' && values.some(Array.isArray))) return null;
    values = next;
  }
  return values;
}
