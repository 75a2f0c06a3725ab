import { NoSchemaIntrospectionCustomRule, GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/**
 * With introspection off (`INTROSPECTION=0`, the default outside demo mode), `__schema` and
 * `__type` are refused at validation, and validation errors lose their "Did you mean …?"
 * suggestions, which would otherwise spell the schema out field by field.
 */
export function useIntrospectionPolicy(introspection: boolean): Plugin {
  if (introspection) return {};
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(NoSchemaIntrospectionCustomRule);
      return ({ valid, result, setResult }) => {
        if (valid) return;
        setResult(result.map((error) => withoutSuggestion(error)));
      };
    },
  };
}

const SUGGESTION = /\s*Did you mean .*\?$/;

function withoutSuggestion(error: GraphQLError): GraphQLError {
  if (!SUGGESTION.test(error.message)) return error;
  return new GraphQLError(error.message.replace(SUGGESTION, ''), {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    extensions: error.extensions,
  });
}
