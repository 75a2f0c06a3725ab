import { printSubgraphSchema } from '@apollo/subgraph';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { buildSchema } from '../../src/schema/index.js';
import { composeSupergraph } from './supergraph.js';
import { startUsersSubgraph } from './users-subgraph.js';

// Vitest runs each file in its own module graph, so this file's schema is built with its own naming.
describe('FEDERATION_USER_TYPE / FEDERATION_USER_KEY', () => {
  const config = loadConfig({ FEDERATION_USER_TYPE: 'Member', FEDERATION_USER_KEY: 'memberId' });
  const sdl = printSubgraphSchema(buildSchema(config.federation));

  it('names the contributed entity and its key as configured', () => {
    expect(sdl).toMatch(/type Member\s+@key\(fields: "memberId"\)/);
    expect(sdl).toMatch(/memberId: ID!/);
    expect(sdl).not.toMatch(/^type User\b/m);
  });

  it('composes with a host graph that uses that naming', async () => {
    const users = await startUsersSubgraph([{ id: '1', name: 'Ada' }], { typeName: 'Member', keyField: 'memberId' });
    try {
      const supergraph = composeSupergraph([
        { name: 'members', url: users.url, sdl: users.sdl },
        { name: 'usage', url: 'http://127.0.0.1:1/graphql', sdl },
      ]);
      expect(supergraph).toMatch(/type Member[\s\S]*partnerUsage: PartnerUser/);
    } finally {
      await users.close();
    }
  });

  it('refuses a second naming in the same process rather than serve a schema that lies', () => {
    expect(() => buildSchema({ typeName: 'User', keyField: 'id' })).toThrow(/already built with Member.memberId/);
  });

  it('refuses a name that is not a GraphQL name at configuration time', () => {
    expect(() => loadConfig({ FEDERATION_USER_TYPE: 'user-type', FEDERATION_USER_KEY: '__id' })).toThrow(
      /FEDERATION_USER_TYPE: expected a GraphQL name[\s\S]*FEDERATION_USER_KEY: must not start with __/,
    );
  });
});
