import {
  buildASTSchema,
  GraphQLObjectType,
  GraphQLSchema,
  isSpecifiedDirective,
  lexicographicSortSchema,
  parse,
  printSchema,
  type GraphQLNamedType,
} from 'graphql';

/**
 * The API a client of this gateway sees, without the federation machinery a router needs
 * (`@link`, `@key`, `_entities`, `_service`, `_Any`, the host graph's user type, the scope
 * directives): the schema file for GraphQL Code Generator, relay-compiler, Apollo's and urql's
 * cache configuration and schema linters, which do not know Federation. `schema.client.graphql`
 * at the root holds it, printed by `npm run schema`.
 */

/** Fields of `Query` that only a federation router calls. */
const FEDERATION_FIELDS: ReadonlySet<string> = new Set(['_entities', '_service']);

/** Types that only exist for federation: its scalars and unions, and the link spec's enums. */
const FEDERATION_TYPE = /^(_Any|_Entity|_Service|_FieldSet|FieldSet|link__\w+|federation__\w+)$/;

/**
 * Incremental delivery as the gateway serves it (yoga's `useDeferStream`, the 2022-08-24 format
 * Apollo Client reads with `Defer20220824Handler`). Printed here because the directives are added
 * by the server plugin, not by the schema builder; a test compares them with what the gateway answers.
 */
const INCREMENTAL_DELIVERY_DIRECTIVES = parse(/* GraphQL */ `
  """
  Delivers this fragment later, in a part of its own (multipart/mixed), so the rest of the answer does not wait for it.
  """
  directive @defer(
    """Deferred only when true."""
    if: Boolean! = true
    """Names the part that delivers this fragment."""
    label: String
  ) on FRAGMENT_SPREAD | INLINE_FRAGMENT

  """
  Delivers this list's items as they resolve, after the first \`initialCount\`, in parts of their own (multipart/mixed).
  """
  directive @stream(
    """Streamed only when true."""
    if: Boolean! = true
    """Names the parts that deliver the items."""
    label: String
    """Items delivered in the initial answer."""
    initialCount: Int = 0
  ) on FIELD
`);

/** The client's view of the subgraph `schema`; `hostUserType` is the host graph's user type (`User`). */
export function clientSchemaOf(schema: GraphQLSchema, hostUserType: string): GraphQLSchema {
  const query = schema.getQueryType();
  if (!query) throw new Error('the schema has no Query type');
  const queryConfig = query.toConfig();
  const clientQuery = new GraphQLObjectType({
    ...queryConfig,
    fields: Object.fromEntries(Object.entries(queryConfig.fields).filter(([name]) => !FEDERATION_FIELDS.has(name))),
  });
  const types = Object.values(schema.getTypeMap()).filter(
    (type): type is GraphQLNamedType =>
      type !== query && !type.name.startsWith('__') && !FEDERATION_TYPE.test(type.name) && type.name !== hostUserType,
  );
  const directives = buildASTSchema(INCREMENTAL_DELIVERY_DIRECTIVES, { assumeValidSDL: true }).getDirectives();
  return lexicographicSortSchema(
    new GraphQLSchema({
      query: clientQuery,
      types,
      directives: [...schema.getDirectives().filter(isSpecifiedDirective), ...directives.filter((directive) => !isSpecifiedDirective(directive))],
    }),
  );
}

/** The printed client schema: graphql-js's SDL, descriptions and `@specifiedBy` included. */
export function printClientSchema(schema: GraphQLSchema, hostUserType: string): string {
  return `${printSchema(clientSchemaOf(schema, hostUserType))}\n`;
}
