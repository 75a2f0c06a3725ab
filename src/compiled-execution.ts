import { useGraphQlJit } from '@envelop/graphql-jit';
import type { Plugin } from 'graphql-yoga';
import { usesIncrementalDelivery } from './incremental-delivery.js';

/**
 * graphql-jit (`@envelop/graphql-jit`): each document is compiled once into a JavaScript function
 * that walks its selections, instead of graphql-js interpreting the document on every request.
 * graphql-jit cannot run `@defer`/`@stream`: those operations keep the engine of
 * `incrementalDeliveryPlugins`.
 */
export function useCompiledExecution(): Plugin {
  return useGraphQlJit({}, { enableIf: (args) => !usesIncrementalDelivery(args.document) }) as Plugin;
}
