import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import type { VendorFileProblem } from './file-errors.js';

/** Aliases a file may expand: enough for shared examples, far too few for an alias bomb. */
const MAX_ALIAS_COUNT = 100;

/** A vendor file's text, parsed, with the place of every key and value in it. */
export interface SourceDocument {
  /** The file's data, or undefined when the text did not parse. */
  value: unknown;
  /** Problems of the text itself: syntax errors and duplicate keys. */
  problems: VendorFileProblem[];
  /** Line and column (1-based) of the value at `path`, or of its key with `key: true`; the nearest existing parent's when it does not exist. */
  positionOf(path: readonly PropertyKey[], options?: { key?: boolean }): { line: number; column: number; quoted: boolean };
}

/** Parses YAML (JSON being YAML), keeping positions; duplicate keys are problems, not last-wins. */
export function readSourceDocument(text: string): SourceDocument {
  const lineCounter = new LineCounter();
  const document: Document = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const lineColumn = (offset: number) => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  const problems: VendorFileProblem[] = [...document.errors, ...document.warnings].map((error) => ({
    ...lineColumn(error.pos[0]),
    reason: error.code === 'DUPLICATE_KEY' ? 'duplicate key (each key once: a second one would silently win)' : error.message.split('\n')[0]!,
  }));
  let value: unknown;
  if (document.errors.length === 0) {
    try {
      value = document.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (error) {
      problems.push({ line: 1, column: 1, reason: error instanceof Error ? error.message : String(error) });
    }
  }
  return {
    value,
    problems,
    positionOf(path, options = {}) {
      let node: unknown = document.contents;
      let offset = 0;
      const place = (at: number) => ({ ...lineColumn(at), quoted: isScalar(node) && (node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE') });
      for (const step of path) {
        let next: unknown;
        let keyOffset: number | undefined;
        if (isMap(node)) {
          const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(step));
          next = pair?.value;
          keyOffset = isScalar(pair?.key) ? pair.key.range?.[0] : undefined;
        } else if (isSeq(node) && typeof step === 'number') {
          next = node.items[step];
        }
        if (next === undefined && keyOffset === undefined) break;
        if (options.key === true && step === path.at(-1) && keyOffset !== undefined) return { ...lineColumn(keyOffset), quoted: false };
        node = next;
        const range = (next as { range?: [number, number, number] } | undefined)?.range;
        offset = range?.[0] ?? keyOffset ?? offset;
      }
      return place(offset);
    },
  };
}

/** Line and column (only) of `path` in `source`, for a problem. */
export function placeOf(source: SourceDocument, path: readonly PropertyKey[], options?: { key?: boolean }): { line: number; column: number } {
  const { line, column } = source.positionOf(path, options);
  return { line, column };
}
