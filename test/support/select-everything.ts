import {
  getNamedType,
  isInputObjectType,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  isEnumType,
  isUnionType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLSchema,
} from 'graphql';

/** Values for required arguments the generator cannot invent (by argument name). */
export type ArgumentValues = Record<string, string>;

/**
 * A query that selects every field of the schema reachable from Query once: each object type's
 * fields are spelled out the first time the type is met, and only `__typename` after that, so
 * cycles end. Federation's `_entities` and `_service` are left out (they are the router's).
 */
export function selectEverything(schema: GraphQLSchema, values: ArgumentValues): string {
  const spelled = new Set<string>();
  const selection = (fields: readonly GraphQLField<unknown, unknown>[], indent: string): string =>
    fields
      .map((field) => {
        const named = getNamedType(field.type);
        const args = argumentsOf(field.args, values);
        if (isScalarType(named) || isEnumType(named)) return `${indent}${field.name}${args}`;
        if (isUnionType(named)) return `${indent}${field.name}${args} { __typename }`;
        const type = named as unknown as { name: string; getFields(): Record<string, GraphQLField<unknown, unknown>> };
        if (isInterfaceType(named) || spelled.has(type.name)) return `${indent}${field.name}${args} { __typename }`;
        spelled.add(type.name);
        return `${indent}${field.name}${args} {\n${selection(Object.values(type.getFields()), `${indent}  `)}\n${indent}}`;
      })
      .join('\n');
  const query = schema.getQueryType()!;
  const roots = Object.values(query.getFields()).filter((field) => !field.name.startsWith('_'));
  return `query Everything {\n${selection(roots, '  ')}\n}`;
}

function argumentsOf(args: readonly GraphQLArgument[], values: ArgumentValues): string {
  const given = args.flatMap((arg) => {
    if (values[arg.name] !== undefined) return [`${arg.name}: ${values[arg.name]}`];
    return isNonNullType(arg.type) && arg.defaultValue === undefined ? [`${arg.name}: ${placeholder(arg.type)}`] : [];
  });
  return given.length === 0 ? '' : `(${given.join(', ')})`;
}

function placeholder(type: GraphQLInputType): string {
  const inner = isNonNullType(type) ? type.ofType : type;
  if (isListType(inner)) return '[]';
  if (isInputObjectType(inner)) return '{}';
  if (isEnumType(inner)) return inner.getValues()[0]!.name;
  return '"0"';
}

export { isObjectType };
