import { PackedPartnerUsageBuilder, type PackedPartnerUsage } from '../../usage/packed-partner-usage.js';

/**
 * A single pass over the bytes of a 2xx Arrays `GET /v1/partner/usage` body straight into a
 * packed page: no body string, no JSON object tree, no zod copy, no mapped copy. It reads the
 * contract of `contract.ts` (`successEnvelopeSchema`) for the bodies Arrays actually sends, and
 * answers null for anything else — a failure envelope, a missing or mistyped field, a counter that
 * is negative, fractional, written with an exponent or past 2^53 - 1, an escaped key, malformed
 * or truncated JSON. The caller then reads the body the general way (JSON.parse and the zod
 * contract), which accepts what the contract allows and names what is wrong: so this reader never
 * accepts a body the contract rejects, and every bad body keeps the typed error it had.
 */

/** What a success envelope says, with its users packed. */
export interface PackedSuccessEnvelope {
  users: PackedPartnerUsage;
  /** Null when the envelope's `pagination` is absent or null. */
  pagination: { nextCursor: string; hasMore: boolean } | null;
  requestId: string;
}

/**
 * A user with one endpoint takes some 190 bytes of body (a sub past 2^53, small counters): sizing
 * the packed page from the body by a little less leaves room without regrowing it.
 */
const BODY_BYTES_PER_USER = 160;

/** Unknown values nested deeper than this are left to the general reader. */
const MAX_DEPTH = 64;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const MINUS = 0x2d;
const ZERO = 0x30;
const NINE = 0x39;

/** The contract's field names, as bytes. */
const KEYS = {
  success: ascii('success'),
  data: ascii('data'),
  pagination: ascii('pagination'),
  requestId: ascii('request_id'),
  sub: ascii('sub'),
  calls: ascii('calls'),
  discoveries: ascii('discoveries'),
  tweets: ascii('tweets'),
  byEndpoint: ascii('by_endpoint'),
  nextCursor: ascii('next_cursor'),
  hasMore: ascii('has_more'),
};

function ascii(text: string): Uint8Array {
  return Uint8Array.from(text, (char) => char.charCodeAt(0));
}

/** Thrown inside the reader only, to unwind to `readPackedSuccessEnvelope`: the body is not one it vouches for. */
class NotForThisReader {}
const NOT_FOR_THIS_READER = new NotForThisReader();

/** The packed envelope of `body`, or null when the general reader must read it (see the module comment). */
export function readPackedSuccessEnvelope(body: Buffer): PackedSuccessEnvelope | null {
  try {
    return new EnvelopeReader(body).envelope();
  } catch (error) {
    if (error === NOT_FOR_THIS_READER) return null;
    throw error;
  }
}

class EnvelopeReader {
  private at = 0;
  private keyStart = 0;
  private keyEnd = 0;
  private readonly builder: PackedPartnerUsageBuilder;
  /** The bytes of each endpoint name by its page-local id; null for one written with escapes. */
  private readonly endpointBytes: (Buffer | null)[] = [];

  constructor(private readonly bytes: Buffer) {
    this.builder = new PackedPartnerUsageBuilder(bytes.length / BODY_BYTES_PER_USER);
  }

  envelope(): PackedSuccessEnvelope {
    let success: boolean | undefined;
    let data = false;
    let pagination: PackedSuccessEnvelope['pagination'] | undefined;
    let requestId: string | undefined;
    // A repeated envelope key is legal JSON (the last wins) but not worth a second code path.
    const once = <T>(value: T | undefined | false): void => {
      if (value !== undefined && value !== false) throw NOT_FOR_THIS_READER;
    };
    this.space();
    this.object(() => {
      this.key();
      if (this.keyIs(KEYS.success)) {
        once(success);
        success = this.literal('true');
      } else if (this.keyIs(KEYS.data)) {
        once(data);
        data = this.users();
      } else if (this.keyIs(KEYS.pagination)) {
        once(pagination);
        pagination = this.pagination();
      } else if (this.keyIs(KEYS.requestId)) {
        once(requestId);
        requestId = this.string();
      } else this.skipValue(0);
    });
    this.end();
    if (success !== true || !data || requestId === undefined) throw NOT_FOR_THIS_READER;
    return { users: this.builder.build(), pagination: pagination ?? null, requestId };
  }

  private users(): true {
    this.array(() => this.user());
    return true;
  }

  /** One `model.PartnerUsage`; its endpoint rows go to the builder first, then the user ends them. */
  private user(): void {
    const builder = this.builder;
    let sub: string | undefined;
    let calls = -1;
    let discoveries = -1;
    let tweets = -1;
    let byEndpoint = false;
    this.object(() => {
      this.key();
      if (this.keyIs(KEYS.sub)) sub = this.string();
      else if (this.keyIs(KEYS.calls)) calls = this.counter();
      else if (this.keyIs(KEYS.discoveries)) discoveries = this.counter();
      else if (this.keyIs(KEYS.tweets)) tweets = this.counter();
      else if (this.keyIs(KEYS.byEndpoint)) {
        // A repeated key: the last one wins, as in JSON.parse.
        builder.discardPending();
        this.byEndpoint();
        byEndpoint = true;
      } else this.skipValue(1);
    });
    if (sub === undefined || calls < 0 || discoveries < 0 || tweets < 0 || !byEndpoint) throw NOT_FOR_THIS_READER;
    builder.addUser(sub, calls, discoveries, tweets, true);
  }

  /** `by_endpoint`: endpoint name -> `model.PartnerUsageByEP`. */
  private byEndpoint(): void {
    const builder = this.builder;
    this.object(() => {
      const endpoint = this.endpointName();
      this.colon();
      let calls = -1;
      let discoveries = -1;
      let tweets = -1;
      this.object(() => {
        this.key();
        if (this.keyIs(KEYS.calls)) calls = this.counter();
        else if (this.keyIs(KEYS.discoveries)) discoveries = this.counter();
        else if (this.keyIs(KEYS.tweets)) tweets = this.counter();
        else this.skipValue(3);
      });
      if (calls < 0 || discoveries < 0 || tweets < 0) throw NOT_FOR_THIS_READER;
      for (let k = 0; k < builder.pendingRows; k++) {
        if (builder.pendingEndpoint(k) === endpoint) {
          builder.replacePending(k, calls, discoveries, tweets);
          return;
        }
      }
      builder.addEndpoint(endpoint, calls, discoveries, tweets);
    });
  }

  /**
   * The page-local id of the endpoint name at the cursor. A page names a handful of endpoints
   * thousands of times: a name already seen is matched by its bytes, not made into a string again.
   */
  private endpointName(): number {
    this.space();
    const { bytes } = this;
    const start = this.at + 1;
    const close = bytes[start - 1] === QUOTE ? bytes.indexOf(QUOTE, start) : -1;
    // A known name has no quote or backslash, so bytes equal to it up to the first quote are it.
    if (close > 0) {
      for (let id = 0; id < this.endpointBytes.length; id++) {
        const known = this.endpointBytes[id]!;
        if (known !== null && close - start === known.length && bytes.compare(known, 0, known.length, start, close) === 0) {
          this.at = close + 1;
          return id;
        }
      }
    }
    const nameStart = this.at;
    const id = this.builder.endpointId(this.string());
    // Only a plain name is matched by bytes next time; an escaped one is decoded each time.
    const raw = bytes.subarray(nameStart + 1, this.at - 1);
    this.endpointBytes[id] = raw.includes(BACKSLASH) ? null : Buffer.from(raw);
    return id;
  }

  /** `pagination`: null, or `{ next_cursor, has_more }`. */
  private pagination(): PackedSuccessEnvelope['pagination'] {
    this.space();
    if (this.bytes[this.at] === 0x6e) {
      this.literal('null');
      return null;
    }
    let nextCursor: string | undefined;
    let hasMore: boolean | undefined;
    this.object(() => {
      this.key();
      if (this.keyIs(KEYS.nextCursor)) nextCursor = this.string();
      else if (this.keyIs(KEYS.hasMore)) hasMore = this.boolean();
      else this.skipValue(1);
    });
    if (nextCursor === undefined || hasMore === undefined) throw NOT_FOR_THIS_READER;
    return { nextCursor, hasMore };
  }

  /** `{ member (, member)* }` or `{}`; `member` reads one key and its value. */
  private object(member: () => void): void {
    this.expect(OPEN_BRACE);
    this.space();
    if (this.bytes[this.at] === CLOSE_BRACE) {
      this.at += 1;
      return;
    }
    for (;;) {
      member();
      this.space();
      const next = this.bytes[this.at++];
      if (next === CLOSE_BRACE) return;
      if (next !== COMMA) throw NOT_FOR_THIS_READER;
      this.space();
    }
  }

  private array(element: () => void): void {
    this.expect(OPEN_BRACKET);
    this.space();
    if (this.bytes[this.at] === CLOSE_BRACKET) {
      this.at += 1;
      return;
    }
    for (;;) {
      this.space();
      element();
      this.space();
      const next = this.bytes[this.at++];
      if (next === CLOSE_BRACKET) return;
      if (next !== COMMA) throw NOT_FOR_THIS_READER;
    }
  }

  /**
   * Reads a member's key and the colon after it; `keyIs` then tells which key it was, comparing
   * bytes rather than making a string of each. Keys are plain ASCII in the contract; an escaped
   * one goes to the general reader.
   */
  private key(): void {
    this.space();
    this.expect(QUOTE);
    const start = this.at;
    const { bytes } = this;
    while (this.at < bytes.length) {
      const byte = bytes[this.at]!;
      if (byte === QUOTE) break;
      if (byte === BACKSLASH || byte < 0x20 || byte > 0x7e) throw NOT_FOR_THIS_READER;
      this.at += 1;
    }
    if (this.at >= bytes.length) throw NOT_FOR_THIS_READER;
    this.keyStart = start;
    this.keyEnd = this.at;
    this.at += 1;
    this.colon();
  }

  private keyIs(key: Uint8Array): boolean {
    const start = this.keyStart;
    if (this.keyEnd - start !== key.length) return false;
    const { bytes } = this;
    for (let k = 0; k < key.length; k++) if (bytes[start + k] !== key[k]) return false;
    return true;
  }

  private colon(): void {
    this.space();
    this.expect(COLON);
    this.space();
  }

  /** A JSON string, escapes and UTF-8 decoded exactly as JSON.parse of the whole body would. */
  private string(): string {
    this.space();
    this.expect(QUOTE);
    const start = this.at;
    const { bytes } = this;
    let escaped = false;
    let ascii = true;
    while (this.at < bytes.length) {
      const byte = bytes[this.at]!;
      if (byte === QUOTE) break;
      if (byte < 0x20) throw NOT_FOR_THIS_READER;
      if (byte === BACKSLASH) {
        escaped = true;
        this.at += 1;
      } else if (byte > 0x7e) ascii = false;
      this.at += 1;
    }
    if (this.at >= bytes.length) throw NOT_FOR_THIS_READER;
    const end = this.at;
    this.at += 1;
    if (!escaped) return bytes.toString(ascii ? 'latin1' : 'utf8', start, end);
    try {
      return JSON.parse(bytes.toString('utf8', start - 1, end + 1)) as string;
    } catch {
      throw NOT_FOR_THIS_READER;
    }
  }

  /** A counter written as plain digits, at most 2^53 - 1; any other number is the general reader's. */
  private counter(): number {
    this.space();
    const { bytes } = this;
    const start = this.at;
    let value = 0;
    while (this.at < bytes.length) {
      const byte = bytes[this.at]!;
      if (byte < ZERO || byte > NINE) break;
      value = value * 10 + (byte - ZERO);
      this.at += 1;
    }
    const digits = this.at - start;
    // 16 digits still add exactly below 2^53; a 17th could have rounded on the way.
    if (digits === 0 || digits > 16 || (digits > 1 && bytes[start] === ZERO) || !Number.isSafeInteger(value)) throw NOT_FOR_THIS_READER;
    const next = bytes[this.at];
    if (next === 0x2e || next === 0x65 || next === 0x45) throw NOT_FOR_THIS_READER;
    return value;
  }

  private boolean(): boolean {
    this.space();
    if (this.bytes[this.at] === 0x74) return this.literal('true');
    this.literal('false');
    return false;
  }

  /** Reads `word` (true, false, null); true when it was `true`. */
  private literal(word: 'true' | 'false' | 'null'): boolean {
    this.space();
    for (let k = 0; k < word.length; k++) {
      if (this.bytes[this.at + k] !== word.charCodeAt(k)) throw NOT_FOR_THIS_READER;
    }
    this.at += word.length;
    return word === 'true';
  }

  /** Skips a value of a field the contract does not name, checking it is well-formed JSON. */
  private skipValue(depth: number): void {
    if (depth > MAX_DEPTH) throw NOT_FOR_THIS_READER;
    this.space();
    const byte = this.bytes[this.at];
    if (byte === QUOTE) this.string();
    else if (byte === OPEN_BRACE) {
      this.object(() => {
        this.key();
        this.skipValue(depth + 1);
      });
    } else if (byte === OPEN_BRACKET) this.array(() => this.skipValue(depth + 1));
    else if (byte === 0x74) this.literal('true');
    else if (byte === 0x66) this.literal('false');
    else if (byte === 0x6e) this.literal('null');
    else this.number();
  }

  /** Any JSON number (of a field the contract does not name): `-? int frac? exp?`. */
  private number(): void {
    const { bytes } = this;
    const digits = () => {
      const start = this.at;
      while (this.at < bytes.length && bytes[this.at]! >= ZERO && bytes[this.at]! <= NINE) this.at += 1;
      if (this.at === start) throw NOT_FOR_THIS_READER;
      return this.at - start;
    };
    if (bytes[this.at] === MINUS) this.at += 1;
    const first = bytes[this.at];
    if (digits() > 1 && first === ZERO) throw NOT_FOR_THIS_READER;
    if (bytes[this.at] === 0x2e) {
      this.at += 1;
      digits();
    }
    if (bytes[this.at] === 0x65 || bytes[this.at] === 0x45) {
      this.at += 1;
      if (bytes[this.at] === 0x2b || bytes[this.at] === MINUS) this.at += 1;
      digits();
    }
  }

  /** Only whitespace may follow the envelope. */
  private end(): void {
    this.space();
    if (this.at !== this.bytes.length) throw NOT_FOR_THIS_READER;
  }

  private expect(byte: number): void {
    if (this.bytes[this.at] !== byte) throw NOT_FOR_THIS_READER;
    this.at += 1;
  }

  private space(): void {
    const { bytes } = this;
    for (;;) {
      const byte = bytes[this.at];
      if (byte !== 0x20 && byte !== 0x0a && byte !== 0x0d && byte !== 0x09) return;
      this.at += 1;
    }
  }
}
