import { GraphQLDeferDirective, GraphQLStreamDirective } from '@graphql-tools/utils';
import { GraphQLSchema } from 'graphql';
import { buildSchema } from '../../src/schema/index.js';

/**
 * The schema the gateway validates documents against: the built schema plus the `@defer` and
 * `@stream` directives that yoga's `useDeferStream` adds when the gateway starts (the same
 * directive objects it imports). Its scalars check literals, as SDL-built schemas do not.
 */
export function servedSchema(): GraphQLSchema {
  const schema = buildSchema();
  return new GraphQLSchema({ ...schema.toConfig(), directives: [...schema.getDirectives(), GraphQLDeferDirective, GraphQLStreamDirective] });
}
