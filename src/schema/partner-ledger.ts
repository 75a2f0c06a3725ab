import { requireLedger } from '../ledger/access.js';
import type { FollowerStatus, LedgerErrorInfo } from '../ledger/follower.js';
import type { LedgerPosition } from '../ledger/store.js';
import { cursorTime } from '../providers/arrays/stream.js';
import { requireScopes } from './access.js';
import { builder } from './builder.js';

interface LedgerView {
  position: LedgerPosition;
  status: FollowerStatus;
}

function timeOf(cursor: string | null): Date | null {
  return cursor === null ? null : cursorTime(cursor);
}

const PartnerLedgerErrorRef = builder.objectRef<LedgerErrorInfo>('PartnerLedgerError').implement({
  description: 'Why the ledger could not take its last step: an UPSTREAM_* code, or LEDGER_BAD_PAGE, LEDGER_LOCKED, …',
  fields: (t) => ({
    code: t.exposeString('code'),
    message: t.exposeString('message'),
    at: t.expose('at', { type: 'DateTime' }),
  }),
});

const PartnerLedgerRef = builder.objectRef<LedgerView>('PartnerLedger').implement({
  description: 'The usage ledger that follows the Arrays stream and keeps exact per-user totals.',
  fields: (t) => ({
    startCursor: t.string({ description: 'The cursor the ledger started after.', resolve: ({ position }) => position.startCursor }),
    cursor: t.string({
      description: 'Every stream entry after startCursor through this cursor is counted, each exactly once.',
      resolve: ({ position }) => position.cursor,
    }),
    cursorTime: t.field({ type: 'DateTime', nullable: true, description: 'Stream time of `cursor`.', resolve: ({ position }) => timeOf(position.cursor) }),
    entriesIngested: t.field({ type: 'SafeInt', resolve: ({ position }) => position.entries }),
    pagesIngested: t.field({ type: 'SafeInt', description: 'Stream pages committed (each within one UTC day).', resolve: ({ position }) => position.pages }),
    users: t.field({ type: 'SafeInt', description: 'Distinct subs counted.', resolve: ({ position }) => position.users }),
    following: t.boolean({
      description: 'True when this gateway follows the stream; false when another process holds the ledger (see lastError).',
      resolve: ({ status }) => status.following,
    }),
    caughtUp: t.boolean({ description: 'The last poll reached the head of the stream.', resolve: ({ status }) => status.caughtUp }),
    headCursor: t.string({
      nullable: true,
      description: 'The newest stream cursor the follower has seen.',
      resolve: ({ status }) => status.headCursor,
    }),
    lagMs: t.field({
      type: 'SafeInt',
      nullable: true,
      description:
        'Stream time between `cursor` and `headCursor`, ms: 0 once caught up. While catching up it is a lower bound, since the follower only sees the head when it gets there.',
      resolve: ({ position, status }) => {
        const cursor = timeOf(position.cursor);
        const head = timeOf(status.headCursor);
        return cursor === null || head === null ? null : Math.max(0, head.getTime() - cursor.getTime());
      },
    }),
    lastPollAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When the follower last had an answer from Arrays.',
      resolve: ({ status }) => status.lastPollAt,
    }),
    lastCommitAt: t.field({ type: 'DateTime', nullable: true, resolve: ({ position }) => position.lastCommitAt }),
    lastError: t.field({
      type: PartnerLedgerErrorRef,
      nullable: true,
      description: 'The last failure, kept after recovery for diagnosis; `consecutiveFailures` says whether it is current.',
      resolve: ({ status }) => status.lastError,
    }),
    consecutiveFailures: t.int({ resolve: ({ status }) => status.consecutiveFailures }),
  }),
});

builder.queryFields((t) => ({
  partnerLedger: t.field({
    type: PartnerLedgerRef,
    nullable: true,
    description: "The Arrays usage ledger's progress and health. Needs `ops:read`.",
    ...requireScopes('ops:read'),
    resolve: async (_root, _args, context) => {
      const ledger = requireLedger(context.registry, context.ledger);
      return { position: await ledger.store.position(), status: ledger.status() };
    },
  }),
}));
