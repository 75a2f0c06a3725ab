// The schema lint (`npm run lint:schema`, run by CI): schema.client.graphql, the API clients see,
// checked with GraphQL ESLint's recommended schema rules, the Relay connection rules and a
// description on everything. It lints only that file: TypeScript has tsc --strict.
import graphql from '@graphql-eslint/eslint-plugin';

export default [
  {
    files: ['schema.client.graphql'],
    languageOptions: {
      parser: graphql.parser,
      parserOptions: { graphQLConfig: { schema: 'schema.client.graphql' } },
    },
    plugins: { '@graphql-eslint': graphql },
    rules: {
      ...graphql.configs['flat/schema-recommended'].rules,
      ...graphql.configs['flat/schema-relay'].rules,
      // Forward-only pagination is Relay-correct (`first`/`after`); streams and the ledger's
      // ordered lists have no cheap way back. Lists of plain values need no edge type.
      '@graphql-eslint/relay-arguments': ['error', { includeBoth: false }],
      // A `PartnerUsage` is one user's row in one stream window: no identity to refetch by.
      '@graphql-eslint/relay-edge-types': ['error', { withEdgeSuffix: true, shouldImplementNode: false, listTypeCanWrapOnlyEdgeType: false }],
      // Types with an identity have `id: ID!` (and implement Node); these are values inside them,
      // which client caches keep in their parent (the README's typePolicies): listed, so a new
      // type must choose.
      '@graphql-eslint/strict-id-in-types': [
        'error',
        {
          acceptedIdNames: ['id'],
          acceptedIdTypes: ['ID'],
          exceptions: {
            suffixes: ['Connection', 'Edge', 'PageInfo', 'Error', 'Usage', 'Totals', 'Budget', 'Health', 'Periods', 'Pagination'],
            types: ['AlertEventPage', 'AlertEventsMessage', 'CountByKey', 'ErrorStatistics', 'PartnerLedger', 'PartnerUsageDay', 'PartnerUsageWindow', 'Plan', 'Quota', 'QuotaForecast', 'RateLimit', 'SendTestAlertResult', 'TimeSeriesPoint', 'UsageAlert', 'UsagePoint', 'UsageSnapshot', 'UsageWindow', 'VendorFieldError'],
          },
        },
      ],
      '@graphql-eslint/require-description': [
        'error',
        {
          types: true,
          rootField: true,
          DirectiveDefinition: true,
          FieldDefinition: true,
          InputValueDefinition: true,
          EnumValueDefinition: true,
          ScalarTypeDefinition: true,
        },
      ],
    },
  },
];
