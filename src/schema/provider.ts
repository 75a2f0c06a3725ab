import type { ConfiguredProvider } from '../providers/registry.js';
import { PROVIDER_IDS, type ProviderId } from '../usage/model.js';
import { builder } from './builder.js';

export const ProviderIdEnum = builder.enumType('ProviderId', {
  description: 'A vendor the gateway knows how to read.',
  values: Object.fromEntries(PROVIDER_IDS.map((id) => [id, { value: id }])) as Record<ProviderId, { value: ProviderId }>,
});

export const ProviderRef = builder.objectRef<ConfiguredProvider>('Provider').implement({
  description: 'A vendor configured on this gateway.',
  fields: (t) => ({
    id: t.field({ type: ProviderIdEnum, resolve: (provider) => provider.id }),
    name: t.exposeString('name', { description: 'Display name of the vendor.' }),
    origin: t.exposeString('origin', { description: 'Scheme, host and port the gateway calls.' }),
    simulated: t.exposeBoolean('simulated', {
      description: 'True when the vendor is the built-in simulator (demo mode), not the real service.',
    }),
  }),
});

builder.asEntity(ProviderRef, {
  key: builder.selection<{ id: ProviderId }>('id'),
  resolveReference: (reference, context) => context.registry.get(reference.id) ?? null,
});

builder.queryFields((t) => ({
  providers: t.field({
    type: [ProviderRef],
    description: 'The vendors configured on this gateway, simulated or real.',
    resolve: (_root, _args, context) => context.registry.list(),
  }),
}));
