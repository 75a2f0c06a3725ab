import { compareCursors, cursorMs, isCursor } from './stream-cursor.js';
import type { PartnerUsage, PartnerUsageCounts } from '../usage/model.js';
import { PackedPartnerUsage } from '../usage/packed-partner-usage.js';
import { LedgerBadPageError, LedgerConflictError } from './errors.js';
import { GroupArena, NONE } from './group-arena.js';
import type {
  DailyUsage,
  DayRange,
  LedgerCommit,
  LedgerPosition,
  ListedUser,
  ListUsersQuery,
  UserList,
  UserListPosition,
} from './store.js';
import type { PartnerUserTotals } from './types.js';
import { dayOf } from './utc-day.js';

/**
 * The ledger's totals in memory, compact enough for 100,000 users with endpoint and daily detail:
 * per user one small object, its endpoint and day counters in a GroupArena, endpoint names
 * interned. Every query is answered from here; the file store only makes it durable.
 */

/** Snapshot rows flatten groups as `[key, calls, discoveries, tweets]`. */
const STRIDE = 4;

interface UserRecord {
  sub: string;
  calls: number;
  discoveries: number;
  tweets: number;
  /** Stream time of the first and last page that counted the user. */
  firstMs: number;
  lastMs: number;
  /** Head of the user's endpoint groups (key: endpoint id); a handful, so a scan beats a map. */
  endpoints: number;
  /** Head and tail of the user's day groups (key: UTC day), days ascending. */
  days: number;
  lastDay: number;
}

/** One user as a snapshot line: sub, counters, first/last time, endpoint names' ids, days. */
export type UserRow = [string, number, number, number, number, number, number[], number[]];

/** Everything but the users: what a snapshot header carries. */
export interface IndexHeader {
  seq: number;
  startCursor: string;
  cursor: string;
  entries: number;
  pages: number;
  lastCommitAt: number | null;
  endpoints: string[];
}

function counts(calls: number, discoveries: number, tweets: number): PartnerUsageCounts {
  return { calls, discoveries, tweets };
}

function safe(value: number, what: string): number {
  if (!isCounter(value)) {
    throw new LedgerBadPageError(`${what} would be ${value}, which is not a counter the ledger can keep exactly`);
  }
  return value;
}

/** The sum of one page row's counters; throws when one is not a non-negative safe integer. */
function pageCounters(row: PartnerUsageCounts, sub: string, endpoint: string | null): number {
  const { calls, discoveries, tweets } = row;
  if (isCounter(calls) && isCounter(discoveries) && isCounter(tweets)) return calls + discoveries + tweets;
  throw new LedgerBadPageError(`the page reports a counter of ${sub}${endpoint === null ? '' : ` ${endpoint}`} that is not a non-negative safe integer`);
}

/** Every counter of the page summed; throws when a sub is not a string or a counter not a non-negative safe integer. */
function pageSumOf(users: Iterable<PartnerUsage>): number {
  let pageSum = 0;
  for (const user of users) {
    if (typeof user.sub !== 'string') throw new LedgerBadPageError('a sub is not a string');
    pageSum += pageCounters(user, user.sub, null);
    for (const endpoint of user.byEndpoint) pageSum += pageCounters(endpoint, user.sub, endpoint.endpoint);
  }
  return pageSum;
}

/** `pageSumOf` read in place; a bad user is described through its object form. */
function packedPageSum(users: PackedPartnerUsage): number {
  let pageSum = 0;
  for (let index = 0; index < users.length; index++) {
    const calls = users.total(index, 0);
    const discoveries = users.total(index, 1);
    const tweets = users.total(index, 2);
    let ok = typeof users.sub(index) === 'string' && isCounter(calls) && isCounter(discoveries) && isCounter(tweets);
    pageSum += calls + discoveries + tweets;
    for (let row = users.firstRow(index); row < users.firstRow(index + 1); row++) {
      const c = users.rowCounter(row, 0);
      const d = users.rowCounter(row, 1);
      const t = users.rowCounter(row, 2);
      ok &&= isCounter(c) && isCounter(d) && isCounter(t);
      pageSum += c + d + t;
    }
    if (!ok) pageSumOf([users.user(index)]);
  }
  return pageSum;
}

function isCounter(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 0;
}

/** `a` sorts before `b`: counters heaviest first, then subs in code-unit order. */
function before(order: ListUsersQuery['orderBy'], a: UserListPosition, b: UserListPosition): boolean {
  if (order !== 'SUB' && a.value !== b.value) return a.value > b.value;
  return a.sub < b.sub;
}

export class LedgerIndex {
  /** Commits applied; the journal numbers its records with it. */
  seq = 0;
  startCursor: string;
  cursor: string;
  entries = 0;
  pages = 0;
  lastCommitAt: number | null = null;
  /** The largest counter kept anywhere: bounds every sum a commit can make. */
  private maxCounter = 0;
  private readonly users = new Map<string, UserRecord>();
  private readonly groups = new GroupArena();
  private readonly endpointNames: string[] = [];
  private readonly endpointIds = new Map<string, number>();

  constructor(startCursor: string) {
    this.startCursor = startCursor;
    this.cursor = startCursor;
  }

  get userCount(): number {
    return this.users.size;
  }

  position(): LedgerPosition {
    return {
      startCursor: this.startCursor,
      cursor: this.cursor,
      entries: this.entries,
      pages: this.pages,
      users: this.users.size,
      lastCommitAt: this.lastCommitAt === null ? null : new Date(this.lastCommitAt),
    };
  }

  /**
   * Throws unless `commit` can be applied exactly: it starts at the committed cursor, advances it,
   * and keeps every counter a safe integer. Checked before anything is written, so a refused page
   * leaves no trace.
   */
  check(commit: LedgerCommit): void {
    if (commit.cursorBefore !== this.cursor) {
      throw new LedgerConflictError(`commit from ${commit.cursorBefore} but the ledger's cursor is ${this.cursor}`);
    }
    const after = commit.cursorAfter;
    if (!isCursor(after) || cursorMs(after) === null) {
      throw new LedgerBadPageError(`next cursor ${JSON.stringify(after)} is not a stream id <unix-ms>-<seq>`);
    }
    if (compareCursors(after, commit.cursorBefore) <= 0) {
      throw new LedgerBadPageError(`next cursor ${after} does not advance past ${commit.cursorBefore}`);
    }
    if (!Number.isSafeInteger(commit.entries) || commit.entries < 1) {
      throw new LedgerBadPageError(`a page must process at least one entry; got ${commit.entries}`);
    }
    if (commit.users.length === 0) throw new LedgerBadPageError(`the page through ${after} advanced the cursor but reported no usage`);
    safe(this.entries + commit.entries, 'entries ingested');
    // Fast path: when the largest counter kept plus everything on the page stays below 2^53, no sum
    // can overflow. Only pages near the limit pay for exact per-counter checks.
    const pageSum = commit.users instanceof PackedPartnerUsage ? packedPageSum(commit.users) : pageSumOf(commit.users);
    if (Number.isSafeInteger(this.maxCounter + pageSum)) return;
    this.checkSumsExactly(commit);
  }

  /** Every counter the commit touches, summed as `apply` would, duplicate subs included. */
  private checkSumsExactly(commit: LedgerCommit): void {
    const day = dayOf(cursorMs(commit.cursorAfter) as number);
    const sums = new Map<string, number>();
    const bump = (key: string, initial: () => number, value: number, what: string) => {
      sums.set(key, safe((sums.get(key) ?? initial()) + value, what));
    };
    const fields = ['calls', 'discoveries', 'tweets'] as const;
    for (const user of commit.users) {
      const record = this.users.get(user.sub);
      fields.forEach((field, k) => {
        bump(`t${k}\0${user.sub}`, () => record?.[field] ?? 0, user[field], `${user.sub} ${field}`);
        const counterOf = (group: number) => (group === NONE ? 0 : this.groups.counter(group, k as 0 | 1 | 2));
        bump(`d${k}\0${user.sub}`, () => (record ? counterOf(this.dayGroup(record, day)) : 0), user[field], `${user.sub} daily ${field}`);
        for (const endpoint of user.byEndpoint) {
          const initial = () => {
            const id = this.endpointIds.get(endpoint.endpoint);
            return record && id !== undefined ? counterOf(this.endpointGroup(record, id)) : 0;
          };
          bump(`e${k}\0${user.sub}\0${endpoint.endpoint}`, initial, endpoint[field], `${user.sub} ${endpoint.endpoint} ${field}`);
        }
      });
    }
  }

  /** Applies a checked commit. Synchronous, so a read never sees half a page. */
  apply(commit: LedgerCommit, committedAt: number): void {
    const ms = cursorMs(commit.cursorAfter) as number;
    const day = dayOf(ms);
    if (this.pages === 0) this.startCursor = commit.cursorBefore;
    if (commit.users instanceof PackedPartnerUsage) this.applyPacked(commit.users, ms, day);
    else this.applyUsers(commit.users, ms, day);
    this.cursor = commit.cursorAfter;
    this.entries += commit.entries;
    this.pages += 1;
    this.seq += 1;
    this.lastCommitAt = committedAt;
  }

  /** `apply` of packed users, read in place: no object per user. */
  private applyPacked(users: PackedPartnerUsage, ms: number, day: number): void {
    const ids = users.endpoints.map((name) => this.intern(name));
    for (let index = 0; index < users.length; index++) {
      const record = this.recordOf(users.sub(index), ms);
      const calls = users.total(index, 0);
      const discoveries = users.total(index, 1);
      const tweets = users.total(index, 2);
      record.calls += calls;
      record.discoveries += discoveries;
      record.tweets += tweets;
      record.lastMs = ms;
      this.track(Math.max(record.calls, record.discoveries, record.tweets));
      this.track(this.addDay(record, day, calls, discoveries, tweets));
      for (let row = users.firstRow(index); row < users.firstRow(index + 1); row++) {
        this.track(this.addEndpoint(record, ids[users.rowEndpoint(row)]!, users.rowCounter(row, 0), users.rowCounter(row, 1), users.rowCounter(row, 2)));
      }
    }
  }

  private recordOf(sub: string, ms: number): UserRecord {
    let record = this.users.get(sub);
    if (record === undefined) {
      record = { sub, calls: 0, discoveries: 0, tweets: 0, firstMs: ms, lastMs: ms, endpoints: NONE, days: NONE, lastDay: NONE };
      this.users.set(sub, record);
    }
    return record;
  }

  private applyUsers(users: Iterable<PartnerUsage>, ms: number, day: number): void {
    for (const user of users) {
      const record = this.recordOf(user.sub, ms);
      record.calls += user.calls;
      record.discoveries += user.discoveries;
      record.tweets += user.tweets;
      record.lastMs = ms;
      this.track(Math.max(record.calls, record.discoveries, record.tweets));
      this.track(this.addDay(record, day, user.calls, user.discoveries, user.tweets));
      for (const endpoint of user.byEndpoint) {
        this.track(this.addEndpoint(record, this.intern(endpoint.endpoint), endpoint.calls, endpoint.discoveries, endpoint.tweets));
      }
    }
  }

  getUser(sub: string): PartnerUserTotals | null {
    const record = this.users.get(sub);
    return record === undefined ? null : this.totals(record);
  }

  /** Dense daily series over the range, clamped to the user's own days when a bound is null. */
  daily(sub: string, range: DayRange): DailyUsage[] | null {
    const record = this.users.get(sub);
    if (record === undefined) return null;
    const { groups } = this;
    const since = range.sinceDay ?? groups.key(record.days);
    const until = range.untilDay ?? groups.key(record.lastDay) + 1;
    const series: DailyUsage[] = [];
    let group = record.days;
    while (group !== NONE && groups.key(group) < since) group = groups.next(group);
    for (let day = since; day < until; day++) {
      if (group !== NONE && groups.key(group) === day) {
        series.push({ day, ...counts(groups.counter(group, 0), groups.counter(group, 1), groups.counter(group, 2)) });
        group = groups.next(group);
      } else {
        series.push({ day, calls: 0, discoveries: 0, tweets: 0 });
      }
    }
    return series;
  }

  /** One page of users in the query's order; a bounded heap keeps it O(users · log first). */
  list(query: ListUsersQuery): UserList {
    const field = query.orderBy === 'SUB' ? null : (query.orderBy.toLowerCase() as keyof PartnerUsageCounts);
    const limit = query.first + 1;
    const order = (a: Candidate, b: Candidate) => before(query.orderBy, a.position, b.position);
    const heap = new BoundedHeap<Candidate>(limit, order);
    let totalCount = 0;
    for (const record of this.users.values()) {
      const usage = query.range === null ? record : this.rangeCounts(record, query.range);
      if (usage === null) continue;
      totalCount += 1;
      const position = { value: field === null ? 0 : usage[field], sub: record.sub };
      if (query.after !== null && !before(query.orderBy, query.after, position)) continue;
      heap.offer({ record, usage, position });
    }
    const page = heap.sorted();
    const users: ListedUser[] = page.slice(0, query.first).map(({ record, usage, position }) => ({
      user: this.totals(record),
      counts: counts(usage.calls, usage.discoveries, usage.tweets),
      position,
    }));
    return { users, totalCount, hasNextPage: page.length > query.first };
  }

  header(): IndexHeader {
    return {
      seq: this.seq,
      startCursor: this.startCursor,
      cursor: this.cursor,
      entries: this.entries,
      pages: this.pages,
      lastCommitAt: this.lastCommitAt,
      endpoints: [...this.endpointNames],
    };
  }

  *rows(): Generator<UserRow> {
    for (const r of this.users.values()) {
      yield [r.sub, r.calls, r.discoveries, r.tweets, r.firstMs, r.lastMs, this.groups.flatten(r.endpoints), this.groups.flatten(r.days)];
    }
  }

  static fromSnapshot(header: IndexHeader, rows: Iterable<UserRow>): LedgerIndex {
    const index = LedgerIndex.fromHeader(header);
    for (const row of rows) index.loadRow(row);
    return index;
  }

  /** An index holding the header's position and endpoint names, and no user yet: `loadRow` adds them. */
  static fromHeader(header: IndexHeader): LedgerIndex {
    const index = new LedgerIndex(header.startCursor);
    Object.assign(index, { seq: header.seq, cursor: header.cursor, entries: header.entries, pages: header.pages, lastCommitAt: header.lastCommitAt });
    for (const name of header.endpoints) index.intern(name);
    return index;
  }

  /** Adds one user as a snapshot row has it (endpoint ids of the header's names), for loads that stream their rows. */
  loadRow([sub, calls, discoveries, tweets, firstMs, lastMs, endpoints, days]: UserRow): void {
    const record: UserRecord = { sub, calls, discoveries, tweets, firstMs, lastMs, endpoints: NONE, days: NONE, lastDay: NONE };
    this.users.set(sub, record);
    // Totals bound their own days; endpoint counters are the vendor's and need their own look.
    this.track(Math.max(calls, discoveries, tweets));
    for (let at = 0; at < endpoints.length; at += STRIDE) {
      this.track(this.addEndpoint(record, endpoints[at]!, endpoints[at + 1]!, endpoints[at + 2]!, endpoints[at + 3]!));
    }
    for (let at = 0; at < days.length; at += STRIDE) this.addDay(record, days[at]!, days[at + 1]!, days[at + 2]!, days[at + 3]!);
  }

  private track(counter: number): void {
    if (counter > this.maxCounter) this.maxCounter = counter;
  }

  private totals(record: UserRecord): PartnerUserTotals {
    const { groups } = this;
    const byEndpoint = [];
    for (let group = record.endpoints; group !== NONE; group = groups.next(group)) {
      const endpoint = this.endpointNames[groups.key(group)]!;
      byEndpoint.push({ endpoint, ...counts(groups.counter(group, 0), groups.counter(group, 1), groups.counter(group, 2)) });
    }
    byEndpoint.sort((a, b) => (a.endpoint < b.endpoint ? -1 : a.endpoint > b.endpoint ? 1 : 0));
    return {
      sub: record.sub,
      calls: record.calls,
      discoveries: record.discoveries,
      tweets: record.tweets,
      byEndpoint,
      firstSeenAt: new Date(record.firstMs),
      lastSeenAt: new Date(record.lastMs),
    };
  }

  /** The user's counters within the range, or null when no day of theirs falls in it. */
  private rangeCounts(record: UserRecord, range: DayRange): PartnerUsageCounts | null {
    const { groups } = this;
    const since = range.sinceDay ?? Number.NEGATIVE_INFINITY;
    const until = range.untilDay ?? Number.POSITIVE_INFINITY;
    let found = false;
    let calls = 0;
    let discoveries = 0;
    let tweets = 0;
    for (let group = record.days; group !== NONE && groups.key(group) < until; group = groups.next(group)) {
      if (groups.key(group) < since) continue;
      found = true;
      calls += groups.counter(group, 0);
      discoveries += groups.counter(group, 1);
      tweets += groups.counter(group, 2);
    }
    return found ? counts(calls, discoveries, tweets) : null;
  }

  /** The user's group for `day`, or NONE. */
  private dayGroup(record: UserRecord, day: number): number {
    const { groups } = this;
    let group = record.days;
    while (group !== NONE && groups.key(group) < day) group = groups.next(group);
    return group !== NONE && groups.key(group) === day ? group : NONE;
  }

  /** Adds to `day`'s group, appending it (the usual case: the stream moves forward) or inserting it in order. */
  private addDay(record: UserRecord, day: number, calls: number, discoveries: number, tweets: number): number {
    const { groups } = this;
    if (record.lastDay !== NONE && groups.key(record.lastDay) === day) return groups.addTo(record.lastDay, calls, discoveries, tweets);
    if (record.lastDay === NONE || groups.key(record.lastDay) < day) {
      const group = groups.add(day, calls, discoveries, tweets);
      if (record.lastDay === NONE) record.days = group;
      else groups.link(record.lastDay, group);
      record.lastDay = group;
      return Math.max(calls, discoveries, tweets);
    }
    const existing = this.dayGroup(record, day);
    if (existing !== NONE) return groups.addTo(existing, calls, discoveries, tweets);
    const group = groups.add(day, calls, discoveries, tweets);
    let previous = NONE;
    for (let at = record.days; at !== NONE && groups.key(at) < day; at = groups.next(at)) previous = at;
    groups.link(group, previous === NONE ? record.days : groups.next(previous));
    if (previous === NONE) record.days = group;
    else groups.link(previous, group);
    return Math.max(calls, discoveries, tweets);
  }

  private endpointGroup(record: UserRecord, id: number): number {
    let group = record.endpoints;
    while (group !== NONE && this.groups.key(group) !== id) group = this.groups.next(group);
    return group;
  }

  private addEndpoint(record: UserRecord, id: number, calls: number, discoveries: number, tweets: number): number {
    const existing = this.endpointGroup(record, id);
    if (existing !== NONE) return this.groups.addTo(existing, calls, discoveries, tweets);
    const group = this.groups.add(id, calls, discoveries, tweets);
    this.groups.link(group, record.endpoints);
    record.endpoints = group;
    return Math.max(calls, discoveries, tweets);
  }

  private intern(name: string): number {
    let id = this.endpointIds.get(name);
    if (id === undefined) {
      id = this.endpointNames.length;
      this.endpointNames.push(name);
      this.endpointIds.set(name, id);
    }
    return id;
  }
}

interface Candidate {
  record: UserRecord;
  usage: PartnerUsageCounts;
  position: UserListPosition;
}

/** Keeps the `capacity` items that sort first; the root is the one that sorts last. */
class BoundedHeap<T> {
  private readonly items: T[] = [];

  constructor(
    private readonly capacity: number,
    private readonly before: (a: T, b: T) => boolean,
  ) {}

  offer(item: T): void {
    const { items } = this;
    if (items.length < this.capacity) {
      items.push(item);
      this.up(items.length - 1);
    } else if (this.before(item, items[0]!)) {
      items[0] = item;
      this.down(0);
    }
  }

  sorted(): T[] {
    return [...this.items].sort((a, b) => (this.before(a, b) ? -1 : this.before(b, a) ? 1 : 0));
  }

  private up(index: number): void {
    const { items } = this;
    let i = index;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(items[parent]!, items[i]!)) break;
      [items[parent], items[i]] = [items[i]!, items[parent]!];
      i = parent;
    }
  }

  private down(index: number): void {
    const { items } = this;
    let i = index;
    for (;;) {
      let last = i;
      for (const child of [2 * i + 1, 2 * i + 2]) {
        if (child < items.length && this.before(items[last]!, items[child]!)) last = child;
      }
      if (last === i) return;
      [items[last], items[i]] = [items[i]!, items[last]!];
      i = last;
    }
  }
}
