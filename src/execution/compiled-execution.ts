import { useGraphQlJit } from '@envelop/graphql-jit';
import { getOperationAST, Kind, type DocumentNode, type SelectionSetNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { usesIncrementalDelivery } from './incremental-delivery.js';

/**
 * The root fields whose operations graphql-jit runs: the long lists, where walking thousands of
 * objects compiled instead of interpreted cuts the server's CPU per answer (by about half for a
 * 5000-entry `partnerUsage` page, a fifth for 1,000 `_entities`: the graphql-jit table of
 * `npm run bench`). On the overview it measured no gain, and would cost a compilation per new
 * document, errors without `locations` and variable errors in graphql-jit's words for nothing.
 */
export const COMPILED_ROOT_FIELDS: ReadonlySet<string> = new Set(['partnerUsage', '_entities']);

const compiled = new WeakMap<DocumentNode, Map<string | undefined, boolean>>();

/**
 * True when the operation selects one of {@link COMPILED_ROOT_FIELDS} at its root (through
 * fragments too) and uses no `@defer`/`@stream`, which graphql-jit cannot run; cached per
 * parsed document and operation name.
 */
export function runsCompiled(document: DocumentNode, operationName?: string | null): boolean {
  let byOperation = compiled.get(document);
  if (byOperation === undefined) compiled.set(document, (byOperation = new Map()));
  const name = operationName ?? undefined;
  let answer = byOperation.get(name);
  if (answer === undefined) {
    const operation = getOperationAST(document, name);
    answer = operation !== null && operation !== undefined && !usesIncrementalDelivery(document) && selectsCompiledRootField(document, operation.selectionSet, new Set());
    byOperation.set(name, answer);
  }
  return answer;
}

function selectsCompiledRootField(document: DocumentNode, selectionSet: SelectionSetNode, visited: Set<string>): boolean {
  return selectionSet.selections.some((selection) => {
    if (selection.kind === Kind.FIELD) return COMPILED_ROOT_FIELDS.has(selection.name.value);
    if (selection.kind === Kind.INLINE_FRAGMENT) return selectsCompiledRootField(document, selection.selectionSet, visited);
    const name = selection.name.value;
    if (visited.has(name)) return false;
    visited.add(name);
    const fragment = document.definitions.find((definition) => definition.kind === Kind.FRAGMENT_DEFINITION && definition.name.value === name);
    return fragment?.kind === Kind.FRAGMENT_DEFINITION && selectsCompiledRootField(document, fragment.selectionSet, visited);
  });
}

/**
 * graphql-jit (`@envelop/graphql-jit`) for the operations {@link runsCompiled} picks: each such
 * document is compiled once into a JavaScript function that walks its selections, instead of
 * graphql-js interpreting the document on every request. Every other operation keeps the engine
 * of `incrementalDeliveryPlugins`. Goes after that engine: the last plugin to set the execute
 * function wins.
 */
export function useCompiledExecution(): Plugin {
  return useGraphQlJit({}, { enableIf: (args) => runsCompiled(args.document, args.operationName) }) as Plugin;
}
