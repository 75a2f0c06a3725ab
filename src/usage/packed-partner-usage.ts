import type { PartnerEndpointUsage, PartnerUsage, PartnerUsagePage } from './model.js';

/**
 * Per-user usage of a partner stream page, for bulk ingestion: the same content as a
 * `PartnerUsage[]`, packed into a few typed arrays and one string per user and per endpoint name.
 * A 5,000-entry page as objects is some 20,000 small heap objects that live through a vendor read
 * and an fsync, long enough for the garbage collector to move them into the old generation; packed,
 * it is a few hundred kilobytes, most of it outside the V8 heap.
 */

/** What every consumer of a page's users needs: a count and the users in order. Arrays qualify. */
export type PartnerUsageRows = Iterable<PartnerUsage> & { readonly length: number };

/** A stream page whose users are packed; otherwise a `PartnerUsagePage`. */
export interface PackedPartnerUsagePage extends Omit<PartnerUsagePage, 'entries'> {
  entries: PackedPartnerUsage;
}

const TOTALS = 3;
const ROW = 4;

export class PackedPartnerUsage implements Iterable<PartnerUsage> {
  private constructor(
    /** The sub of each user, exactly as the vendor sent it. */
    private readonly subs: readonly string[],
    /** calls, discoveries, tweets per user. */
    private readonly totals: Float64Array,
    /** Per user, where its endpoint rows start; one more entry than users, the last being the row count. */
    private readonly rowStart: Uint32Array,
    /** endpoint (index into `endpoints`), calls, discoveries, tweets per row. */
    private readonly rows: Float64Array,
    /** The page's endpoint names, each once. */
    readonly endpoints: readonly string[],
  ) {}

  get length(): number {
    return this.subs.length;
  }

  sub(user: number): string {
    return this.subs[user]!;
  }

  /** Counter 0 (calls), 1 (discoveries) or 2 (tweets) of a user. */
  total(user: number, which: 0 | 1 | 2): number {
    return this.totals[user * TOTALS + which]!;
  }

  /** The user's endpoint rows are `firstRow(user)` up to `firstRow(user + 1)`. */
  firstRow(user: number): number {
    return this.rowStart[user]!;
  }

  /** The index into `endpoints` of a row. */
  rowEndpoint(row: number): number {
    return this.rows[row * ROW]!;
  }

  /** Counter 0 (calls), 1 (discoveries) or 2 (tweets) of an endpoint row. */
  rowCounter(row: number, which: 0 | 1 | 2): number {
    return this.rows[row * ROW + 1 + which]!;
  }

  /** One user as an object, made on demand (and so short-lived). */
  user(index: number): PartnerUsage {
    const byEndpoint: PartnerEndpointUsage[] = [];
    for (let row = this.rowStart[index]!; row < this.rowStart[index + 1]!; row++) {
      byEndpoint.push({ endpoint: this.endpoints[this.rowEndpoint(row)]!, calls: this.rowCounter(row, 0), discoveries: this.rowCounter(row, 1), tweets: this.rowCounter(row, 2) });
    }
    return { sub: this.subs[index]!, calls: this.total(index, 0), discoveries: this.total(index, 1), tweets: this.total(index, 2), byEndpoint };
  }

  *[Symbol.iterator](): Iterator<PartnerUsage> {
    for (let index = 0; index < this.subs.length; index++) yield this.user(index);
  }

  /** Every user as an object: for tests and for readers that want the plain model. */
  toArray(): PartnerUsage[] {
    return [...this];
  }

  /** Packs users given as objects (the order of users and of each one's endpoints is kept). */
  static from(users: Iterable<PartnerUsage>): PackedPartnerUsage {
    const builder = new PackedPartnerUsageBuilder();
    for (const user of users) {
      for (const endpoint of user.byEndpoint) builder.addEndpoint(builder.endpointId(endpoint.endpoint), endpoint.calls, endpoint.discoveries, endpoint.tweets);
      builder.addUser(user.sub, user.calls, user.discoveries, user.tweets);
    }
    return builder.build();
  }

  /** @internal The builder's constructor. */
  static fromParts(subs: string[], totals: Float64Array, rowStart: Uint32Array, rows: Float64Array, endpoints: string[]): PackedPartnerUsage {
    return new PackedPartnerUsage(subs, totals, rowStart, rows, endpoints);
  }
}

/**
 * Fills a PackedPartnerUsage one user at a time: first the user's endpoint rows (`addEndpoint`),
 * then the user itself (`addUser`), which claims the rows added since the previous user. Arrays
 * grow by doubling, so a page costs a handful of allocations whatever its size.
 */
export class PackedPartnerUsageBuilder {
  private readonly subs: string[] = [];
  private totals: Float64Array;
  private rowStart: Uint32Array;
  private rows: Float64Array;
  private rowCount = 0;
  private readonly endpoints: string[] = [];
  private readonly endpointIds = new Map<string, number>();

  /** `expectedUsers`: room to start with (users and as many endpoint rows), so a page rarely regrows. Default 256. */
  constructor(expectedUsers = 256) {
    const room = Math.max(16, Math.ceil(expectedUsers));
    this.totals = new Float64Array(TOTALS * room);
    this.rowStart = new Uint32Array(room + 1);
    this.rows = new Float64Array(ROW * room);
  }

  /** The page-local id of an endpoint name, interned on first use. */
  endpointId(name: string): number {
    let id = this.endpointIds.get(name);
    if (id === undefined) {
      id = this.endpoints.length;
      this.endpoints.push(name);
      this.endpointIds.set(name, id);
    }
    return id;
  }

  /** Rows added since the last `addUser`: the pending user's. */
  get pendingRows(): number {
    return this.rowCount - this.rowStart[this.subs.length]!;
  }

  /** The endpoint id of the pending user's row `k` (0-based). */
  pendingEndpoint(k: number): number {
    return this.rows[(this.rowStart[this.subs.length]! + k) * ROW]!;
  }

  /** Overwrites the counters of the pending user's row `k` (a repeated key: the last one wins, as in JSON.parse). */
  replacePending(k: number, calls: number, discoveries: number, tweets: number): void {
    const at = (this.rowStart[this.subs.length]! + k) * ROW;
    this.rows[at + 1] = calls;
    this.rows[at + 2] = discoveries;
    this.rows[at + 3] = tweets;
  }

  /** Drops the pending user's rows (a user object that turned out unusable). */
  discardPending(): void {
    this.rowCount = this.rowStart[this.subs.length]!;
  }

  addEndpoint(endpoint: number, calls: number, discoveries: number, tweets: number): void {
    if ((this.rowCount + 1) * ROW > this.rows.length) this.rows = grow(this.rows, this.rows.length * 2);
    const at = this.rowCount * ROW;
    this.rows[at] = endpoint;
    this.rows[at + 1] = calls;
    this.rows[at + 2] = discoveries;
    this.rows[at + 3] = tweets;
    this.rowCount += 1;
  }

  /**
   * Ends a user. When `sortEndpoints` is set, its rows are put in code-unit order of their names
   * (the order the object model has), so either path yields the same page.
   */
  addUser(sub: string, calls: number, discoveries: number, tweets: number, sortEndpoints = false): void {
    const user = this.subs.length;
    if ((user + 1) * TOTALS > this.totals.length) this.totals = grow(this.totals, this.totals.length * 2);
    if (user + 2 > this.rowStart.length) this.rowStart = grow(this.rowStart, this.rowStart.length * 2);
    if (sortEndpoints) this.sortPending();
    this.subs.push(sub);
    this.totals[user * TOTALS] = calls;
    this.totals[user * TOTALS + 1] = discoveries;
    this.totals[user * TOTALS + 2] = tweets;
    this.rowStart[user + 1] = this.rowCount;
  }

  build(): PackedPartnerUsage {
    const users = this.subs.length;
    return PackedPartnerUsage.fromParts(
      this.subs,
      fitted(this.totals, users * TOTALS),
      fitted(this.rowStart, users + 1),
      fitted(this.rows, this.rowCount * ROW),
      this.endpoints,
    );
  }

  /** Insertion sort of the pending rows by endpoint name: a user has a handful. */
  private sortPending(): void {
    const first = this.rowStart[this.subs.length]!;
    const { rows, endpoints } = this;
    for (let i = first + 1; i < this.rowCount; i++) {
      const id = rows[i * ROW]!;
      const calls = rows[i * ROW + 1]!;
      const discoveries = rows[i * ROW + 2]!;
      const tweets = rows[i * ROW + 3]!;
      const name = endpoints[id]!;
      let j = i - 1;
      while (j >= first && endpoints[rows[j * ROW]!]! > name) {
        rows.copyWithin((j + 1) * ROW, j * ROW, j * ROW + ROW);
        j -= 1;
      }
      const at = (j + 1) * ROW;
      rows[at] = id;
      rows[at + 1] = calls;
      rows[at + 2] = discoveries;
      rows[at + 3] = tweets;
    }
  }
}

/**
 * The first `length` elements: a view when the array is at least half used (no second megabyte
 * per page for the allocator to keep), else a copy, so that a mostly empty array does not live
 * as long as the page.
 */
function fitted<T extends Float64Array | Uint32Array>(array: T, length: number): T {
  return (2 * length >= array.length ? array.subarray(0, length) : array.slice(0, length)) as T;
}

function grow<T extends Float64Array | Uint32Array>(array: T, length: number): T {
  const bigger = new (array.constructor as new (length: number) => T)(length);
  bigger.set(array);
  return bigger;
}
