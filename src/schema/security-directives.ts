import { Kind, parse, print, visit, type GraphQLSchema } from 'graphql';

/** Federation's authorization directives, which only some routers enforce. */
const SECURITY_DIRECTIVES: ReadonlySet<string> = new Set(['authenticated', 'requiresScopes']);

/**
 * The subgraph SDL without `@authenticated` and `@requiresScopes` (and without importing them),
 * for routers that refuse a supergraph using them (`@apollo/gateway` does: "feature … is for:
 * SECURITY but is unsupported"). The gateway's own checks do not depend on them.
 */
export function withoutSecurityDirectives(sdl: string): string {
  const document = visit(parse(sdl), {
    Directive: (node) => (SECURITY_DIRECTIVES.has(node.name.value) ? null : undefined),
    ListValue: (node) => ({
      ...node,
      values: node.values.filter((value) => !(value.kind === Kind.STRING && SECURITY_DIRECTIVES.has(value.value.replace(/^@/, '')))),
    }),
  });
  return print(document);
}

/** Serves `withoutSecurityDirectives` of the subgraph's SDL from `_service { sdl }`. */
export function serveSdlWithoutSecurityDirectives(schema: GraphQLSchema): void {
  const service = schema.getQueryType()?.getFields()['_service'];
  if (service === undefined) throw new Error('not a subgraph schema: no _service field');
  const resolve = service.resolve;
  if (resolve === undefined) throw new Error('the subgraph _service field has no resolver');
  let sdl: string | undefined;
  service.resolve = (...args) => {
    sdl ??= withoutSecurityDirectives((resolve(...args) as { sdl: string }).sdl);
    return { sdl };
  };
}
