/**
 * A GraphQL Name (spec, "Names"): a letter or underscore, then letters, digits and underscores.
 * Config checks the federation naming it reads against it and the schema refuses any other; it
 * lives outside `schema/` because config must not depend on the schema.
 */
export const GRAPHQL_NAME = /^[_A-Za-z][_0-9A-Za-z]*$/;
