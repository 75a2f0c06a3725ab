import SchemaBuilder from '@pothos/core';
import DirectivePlugin from '@pothos/plugin-directives';
import FederationPlugin from '@pothos/plugin-federation';
import type { GatewayContext } from '../context.js';

/** Pothos configuration only: plugins, context and scalar typings. Types live in their own files. */
export const builder = new SchemaBuilder<{
  Context: GatewayContext;
  DefaultFieldNullability: false;
  Scalars: {
    SafeInt: { Input: number; Output: number };
    DateTime: { Input: Date; Output: Date };
    ID: { Input: string; Output: string };
  };
}>({
  plugins: [DirectivePlugin, FederationPlugin],
  defaultFieldNullability: false,
});

builder.queryType({});
