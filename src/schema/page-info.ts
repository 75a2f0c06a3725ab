import { builder } from './builder.js';

/** Where a page of a connection sits in its list: the Relay connection spec's `PageInfo`. */
export interface PageInfoModel {
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  /** The first edge's cursor; null when the page has no edges. */
  startCursor: string | null;
  /** The last edge's cursor; null when the page has no edges. */
  endCursor: string | null;
}

/** The page info of a page whose edges carry `cursors`, in order. */
export function pageInfoOf(cursors: readonly string[], more: { hasNextPage: boolean; hasPreviousPage: boolean }): PageInfoModel {
  return { ...more, startCursor: cursors[0] ?? null, endCursor: cursors.at(-1) ?? null };
}

/**
 * One `PageInfo` for every connection, as the Relay connection spec names it, so that Relay's
 * `@connection`, Apollo's `relayStylePagination()` and urql's `relayPagination()` page every list
 * of the gateway the same way.
 */
export const PageInfoRef = builder.objectRef<PageInfoModel>('PageInfo').implement({
  description: 'Where a page of a connection sits in its list (the Relay connection spec). Connections here page forward: pass `endCursor` as `after` for the next page.',
  fields: (t) => ({
    hasNextPage: t.exposeBoolean('hasNextPage', {
      description: 'True when more edges follow this page; at the head of a stream, false until new entries arrive.',
    }),
    hasPreviousPage: t.exposeBoolean('hasPreviousPage', { description: 'True when this page started after a cursor, so edges come before it.' }),
    startCursor: t.exposeString('startCursor', { nullable: true, description: "The first edge's cursor; null when the page has no edges." }),
    endCursor: t.exposeString('endCursor', {
      nullable: true,
      description: "The last edge's cursor, to pass as `after` for the next page; null when the page has no edges.",
    }),
  }),
});
