import { costLimitPlugin } from '@escape.tech/graphql-armor-cost-limit';
import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthPlugin } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesPlugin } from '@escape.tech/graphql-armor-max-directives';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';

import type { OperationLimitOptions } from '../config/edge.js';

export { DEFAULT_OPERATION_LIMITS, type OperationLimitOptions } from '../config/edge.js';

/**
 * GraphQL Armor's limits. Tokens are counted while parsing, so a 5 MB document of 200,000
 * aliases stops at the limit's token instead of being parsed whole; the rest are validation
 * rules, so nothing of a refused operation executes. Limits are named in the errors: they are
 * documented, and a client needs them to fix its query.
 */
export function operationLimitPlugins(limits: OperationLimitOptions): Plugin[] {
  return [
    maxTokensPlugin({ n: limits.tokens }),
    maxDepthPlugin({ n: limits.depth, flattenFragments: true }),
    maxAliasesPlugin({ n: limits.aliases }),
    maxDirectivesPlugin({ n: limits.directives }),
    costLimitPlugin({ maxCost: limits.cost }),
    useValidationCodes(),
  ] as Plugin[];
}

/**
 * Armor's refusals are validation errors without a code, and some are thrown rather than
 * reported (and read "Syntax Error"); they become ordinary validation errors with the code every
 * other one has, so a client can tell "fix your query" apart.
 */
function useValidationCodes(): Plugin {
  return {
    onValidate: ({ validateFn, setValidationFn }) => {
      setValidationFn((...args) => {
        try {
          return validateFn(...args);
        } catch (error) {
          if (error instanceof GraphQLError) return [error];
          throw error;
        }
      });
      return ({ valid, result, setResult }) => {
      if (valid) return;
      setResult(
        result.map((error) =>
          error.extensions['code'] !== undefined
            ? error
            : new GraphQLError(error.message, {
                nodes: error.nodes,
                source: error.source,
                positions: error.positions,
                extensions: { ...error.extensions, code: 'GRAPHQL_VALIDATION_FAILED' },
              }),
          ),
        );
      };
    },
  };
}
