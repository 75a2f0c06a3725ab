import { requireLedger } from '../context.js';
import type { LedgerErrorCode } from '../ledger/errors.js';
import type { FollowerStatus, LedgerErrorInfo } from '../ledger/follower.js';
import type { LedgerPosition } from '../ledger/store.js';
import { cursorTime } from '../ledger/stream-cursor.js';
import type { UpstreamErrorCode } from '../providers/errors.js';
import { requireScopes } from './access.js';
import { builder } from './builder.js';
import { UNEXPECTED_ERROR_MESSAGE } from './errors.js';

interface LedgerView {
  position: LedgerPosition;
  status: FollowerStatus;
}

function timeOf(cursor: string | null): Date | null {
  return cursor === null ? null : cursorTime(cursor);
}

/**
 * What a client reads of each failure of the follower: fixed words by code. The message the
 * follower keeps (and logs) names lock paths, pids, hosts and vendor addresses: for operators only.
 */
const CLIENT_MESSAGES: Record<LedgerErrorCode | UpstreamErrorCode, string> = {
  LEDGER_BAD_PAGE: 'An Arrays stream page failed the ledger\'s checks; nothing of it was committed, and the follower retries.',
  LEDGER_LOCKED: 'Another gateway follows this ledger; this one serves its totals read-only.',
  LEDGER_LOCK_LOST: 'This gateway lost the ledger\'s writer lock and stopped following; it serves the totals committed so far.',
  LEDGER_CORRUPT: 'The ledger\'s files are damaged; no further page is committed until the gateway is restarted.',
  LEDGER_CONFLICT: 'A page did not start at the ledger\'s committed cursor; nothing of it was committed, and the follower retries.',
  LEDGER_READ_ONLY: 'The ledger is open for reading only.',
  LEDGER_UNAVAILABLE: 'The partner usage ledger is not running on this gateway.',
  LEDGER_STORE_UNAVAILABLE:
    'The ledger\'s database (PostgreSQL) cannot be reached; nothing is committed meanwhile, the totals read last are served, and the gateway retries.',
  LEDGER_DISK_FULL:
    'The disk of the ledger\'s files is full; nothing is committed meanwhile, the totals committed so far are served, and the gateway resumes on its own once space is freed.',
  LEDGER_DISK_READ_ONLY:
    'The file system of the ledger\'s files is mounted read-only; nothing is committed meanwhile, the totals committed so far are served, and the gateway resumes on its own once it is writable.',
  LEDGER_PERMISSION_DENIED:
    'The gateway may not write the ledger\'s files; nothing is committed meanwhile, the totals committed so far are served, and the gateway resumes on its own once their permissions allow it.',
  UPSTREAM_TIMEOUT: 'Arrays did not answer in time; the follower retries.',
  UPSTREAM_UNAVAILABLE: 'Arrays could not be reached or answered with a server error; the follower retries.',
  UPSTREAM_RATE_LIMITED: 'Arrays\' rate limit, or the gateway\'s budget for it, is spent; the follower retries later.',
  UPSTREAM_AUTH_FAILED: 'Arrays refused the configured service token.',
  UPSTREAM_BAD_RESPONSE: 'Arrays answered with a page that breaks its contract; the follower retries.',
  UPSTREAM_NOT_FOUND: 'Arrays answered that the stream was not found.',
  UPSTREAM_BAD_REQUEST: 'Arrays rejected the follower\'s request.',
  UPSTREAM_CANCELLED: 'The follower\'s call to Arrays was abandoned; the follower retries.',
};

/** The client's view of a failure: a known code with its fixed message, anything else masked as a bug. */
function forClients(error: LedgerErrorInfo): LedgerErrorInfo {
  const message = (CLIENT_MESSAGES as Record<string, string | undefined>)[error.code];
  return message === undefined ? { code: 'INTERNAL_SERVER_ERROR', message: UNEXPECTED_ERROR_MESSAGE, at: error.at } : { code: error.code, message, at: error.at };
}

/** Every code a client can read in `PartnerLedgerError.code`: the known ones and the mask of a bug. */
const PartnerLedgerErrorCodeEnum = builder.enumType('PartnerLedgerErrorCode', {
  description: 'Why the partner usage ledger could not take its last step.',
  values: {
    ...Object.fromEntries(Object.entries(CLIENT_MESSAGES).map(([code, description]) => [code, { description }])),
    INTERNAL_SERVER_ERROR: { description: 'An unexpected failure of the gateway; operators find it in the logs.' },
  } as Record<LedgerErrorCode | UpstreamErrorCode | 'INTERNAL_SERVER_ERROR', { description: string }>,
});

const PartnerLedgerErrorRef = builder.objectRef<LedgerErrorInfo>('PartnerLedgerError').implement({
  description: 'Why the ledger could not take its last step, and when.',
  fields: (t) => ({
    code: t.field({
      type: PartnerLedgerErrorCodeEnum,
      description: 'What failed: an UPSTREAM_* code for Arrays, a LEDGER_* code for the ledger itself.',
      resolve: ({ code }) => code as LedgerErrorCode | UpstreamErrorCode | 'INTERNAL_SERVER_ERROR',
    }),
    message: t.exposeString('message', { description: 'What it means and what the gateway does about it, in fixed words for the code.' }),
    at: t.expose('at', { type: 'DateTime', description: 'When the failure happened.' }),
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
    entriesIngested: t.field({ type: 'SafeInt', description: 'Stream entries counted (committed) so far.', resolve: ({ position }) => position.entries }),
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
    lastCommitAt: t.field({ type: 'DateTime', nullable: true, description: 'When the ledger last committed a page; null before the first.', resolve: ({ position }) => position.lastCommitAt }),
    lastError: t.field({
      type: PartnerLedgerErrorRef,
      nullable: true,
      description: 'The last failure, kept after recovery for diagnosis; `consecutiveFailures` says whether it is current.',
      resolve: ({ status }) => (status.lastError === null ? null : forClients(status.lastError)),
    }),
    consecutiveFailures: t.int({ description: 'Failures since the last successful step; 0 when healthy.', resolve: ({ status }) => status.consecutiveFailures }),
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
