import { pipeline, Transform, type Readable } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { Agent, errors as undiciErrors, type Dispatcher } from 'undici';
import {
  UpstreamBadResponseError,
  UpstreamCancelledError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
  type UpstreamError,
} from './errors.js';
import { markPhase } from '../common/instrumentation.js';
import { redact } from '../common/redact.js';
import { parseRetryAfter } from './retry-after.js';

/** Options of the shared upstream HTTP client. */
export interface UpstreamHttpOptions {
  /** Whole-call deadline in ms, from sending the request to the last body byte. Default 8000. */
  timeoutMs?: number;
  /** TCP/TLS connect deadline in ms. Default 2000. */
  connectTimeoutMs?: number;
  /** Deadline for the response headers in ms. Default 5000. */
  headersTimeoutMs?: number;
  /**
   * Largest body accepted, in bytes, counted both as received and after decompression; a larger
   * one is aborted with UPSTREAM_BAD_RESPONSE. Default 5 MiB.
   */
  maxBodyBytes?: number;
  /** Keep-alive connections per vendor origin. Default 32. */
  connectionsPerOrigin?: number;
  /** A dispatcher to use instead of our own keep-alive agent (tests pass undici's MockAgent). */
  dispatcher?: Dispatcher;
}

export interface UpstreamRequest {
  /** Vendor name for errors and logs, e.g. `SHARPE`. */
  provider: string;
  url: URL;
  headers: Record<string, string>;
  /** Every credential sent with this request, so that nothing derived from it can leak them. */
  secrets: readonly string[];
  /** Overrides the client's whole-call deadline for this request. */
  timeoutMs?: number;
  /**
   * Abandons the request (its connection is closed, not pooled) when nobody waits for the answer
   * any more; it then fails with UPSTREAM_CANCELLED. Default: only the deadline ends it.
   */
  signal?: AbortSignal;
}

export interface UpstreamResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** Body as text (UTF-8), already size-checked. */
  readonly text: string;
  /**
   * The same body as bytes (decompressed), for readers that parse it without making a string of
   * it first; `text` is decoded from it on first use only. Absent on responses built by hand (tests).
   */
  readonly bytes?: Buffer;
  /** Seconds from the Retry-After header, either form; null when absent or unreadable. */
  retryAfterSeconds: number | null;
}

const DEFAULTS = {
  timeoutMs: 8000,
  connectTimeoutMs: 2000,
  headersTimeoutMs: 5000,
  maxBodyBytes: 5 * 1024 * 1024,
  connectionsPerOrigin: 32,
};

/** Encodings we ask for and can decode, each with a decoder factory. */
const DECODERS: Record<string, () => NodeJS.ReadWriteStream> = {
  gzip: createGunzip,
  'x-gzip': createGunzip,
  deflate: createInflate,
  br: createBrotliDecompress,
};

/**
 * The one HTTP client every vendor shares: keep-alive pools per origin (undici Agent), deadlines,
 * a body size cap (compressed or not), no redirects (a credential never crosses origins), and
 * typed errors whose messages are redacted of the request's secrets.
 */
export class UpstreamHttp {
  readonly options: Required<Omit<UpstreamHttpOptions, 'dispatcher'>>;
  private readonly dispatcher: Dispatcher;
  private readonly ownsDispatcher: boolean;

  constructor(options: UpstreamHttpOptions = {}) {
    this.options = {
      timeoutMs: options.timeoutMs ?? DEFAULTS.timeoutMs,
      connectTimeoutMs: options.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs,
      headersTimeoutMs: options.headersTimeoutMs ?? DEFAULTS.headersTimeoutMs,
      maxBodyBytes: options.maxBodyBytes ?? DEFAULTS.maxBodyBytes,
      connectionsPerOrigin: options.connectionsPerOrigin ?? DEFAULTS.connectionsPerOrigin,
    };
    this.ownsDispatcher = options.dispatcher === undefined;
    this.dispatcher =
      options.dispatcher ??
      new Agent({
        connections: this.options.connectionsPerOrigin,
        connect: { timeout: this.options.connectTimeoutMs },
        keepAliveTimeout: 30_000,
      });
  }

  async get(request: UpstreamRequest): Promise<UpstreamResponse> {
    const deadline = request.timeoutMs ?? this.options.timeoutMs;
    // A timer we hold and clear, not AbortSignal.timeout(): a timeout signal nothing listens to yet
    // can be garbage-collected before it fires, and the deadline would silently never come.
    const deadlineReached = new AbortController();
    const timer = setTimeout(() => deadlineReached.abort(new DOMException(`deadline of ${deadline} ms`, 'TimeoutError')), deadline);
    const signal = request.signal === undefined ? deadlineReached.signal : AbortSignal.any([deadlineReached.signal, request.signal]);
    const where = `${request.provider} ${request.url.pathname}`;
    try {
      const response = await this.dispatcher.request({
        origin: request.url.origin,
        path: `${request.url.pathname}${request.url.search}`,
        method: 'GET',
        // Usage bodies compress well; decoding happens here, under the same size cap.
        headers: { accept: 'application/json', 'accept-encoding': 'gzip, br', ...request.headers },
        signal,
        headersTimeout: Math.min(this.options.headersTimeoutMs, deadline),
        bodyTimeout: deadline,
      });
      if (response.statusCode >= 300 && response.statusCode <= 399) {
        discard(response.body);
        // undici's request() follows nothing by itself; saying so here keeps it that way, since a
        // followed redirect would carry the credential header to whatever origin it names.
        throw new UpstreamBadResponseError(
          `${where} answered ${response.statusCode} (a redirect); redirects are not followed, so the credential stays with the configured origin`,
          { provider: request.provider, httpStatus: response.statusCode },
        );
      }
      const bytes = await this.readBody(response, request, signal);
      markPhase('body read');
      let text: string | undefined;
      return {
        status: response.statusCode,
        headers: response.headers,
        bytes,
        // A megabyte page decoded to a string is a large heap object that only a full GC frees:
        // decoded when someone reads it, not for a reader of the bytes.
        get text() {
          return (text ??= bytes.toString('utf8'));
        },
        retryAfterSeconds: parseRetryAfter(response.headers['retry-after']),
      };
    } catch (error) {
      throw this.toUpstreamError(error, request, where, deadline);
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    if (this.ownsDispatcher) await this.dispatcher.close();
  }

  private async readBody(response: Dispatcher.ResponseData, request: UpstreamRequest, signal: AbortSignal): Promise<Buffer> {
    const { body } = response;
    const limit = this.options.maxBodyBytes;
    const tooLarge = () =>
      new UpstreamBadResponseError(`${request.provider} sent a body larger than ${limit} bytes`, {
        provider: request.provider,
        httpStatus: response.statusCode,
      });
    const declared = Number(headerValue(response.headers['content-length']));
    if (Number.isFinite(declared) && declared > limit) {
      discard(body);
      throw tooLarge();
    }
    const encoding = headerValue(response.headers['content-encoding'])?.trim().toLowerCase() ?? 'identity';
    const identity = encoding === 'identity' || encoding === '';
    const makeDecoder = identity ? undefined : DECODERS[encoding];
    if (!identity && makeDecoder === undefined) {
      discard(body);
      throw new UpstreamBadResponseError(`${request.provider} sent a body in an encoding we did not ask for (${encoding})`, {
        provider: request.provider,
        httpStatus: response.statusCode,
      });
    }
    // Counting the raw bytes as well as the decoded ones caps both what crosses the network and
    // what a small compressed body (a "zip bomb") could expand to in memory.
    const source: Readable =
      makeDecoder === undefined ? body : (pipeline(body, byteCap(limit, tooLarge), makeDecoder(), () => {}) as unknown as Readable);
    const chunks: Buffer[] = [];
    let size = 0;
    let copied = 0;
    // An uncompressed body of a declared length is copied into one buffer as it arrives: no list
    // of chunks held to the end and no second copy when they are joined.
    const whole = identity && Number.isSafeInteger(declared) && declared > 0 ? Buffer.allocUnsafe(declared) : null;
    try {
      for await (const chunk of source) {
        const buffer = chunk as Buffer;
        if (whole !== null && chunks.length === 0 && size + buffer.length <= whole.length) {
          buffer.copy(whole, size);
          copied += buffer.length;
        } else chunks.push(buffer);
        size += buffer.length;
        if (size > limit) throw tooLarge();
      }
    } catch (error) {
      source.destroy();
      discard(body);
      if (isDecodingError(error)) {
        throw new UpstreamBadResponseError(`${request.provider} sent a ${encoding} body that could not be decoded`, {
          provider: request.provider,
          httpStatus: response.statusCode,
        });
      }
      throw error;
    }
    if (signal.aborted) throw signal.reason;
    if (whole === null) return Buffer.concat(chunks, size);
    if (chunks.length === 0) return copied === whole.length ? whole : whole.subarray(0, copied);
    return Buffer.concat([whole.subarray(0, copied), ...chunks], size);
  }

  private toUpstreamError(error: unknown, request: UpstreamRequest, where: string, deadline: number): UpstreamError {
    if (error instanceof UpstreamBadResponseError) return error;
    const details = { provider: request.provider, cause: sanitizeCause(error, request.secrets) };
    if (request.signal?.aborted === true) return new UpstreamCancelledError(`${where}: abandoned, nobody waits for the answer any more`, details);
    if (
      error instanceof undiciErrors.HeadersTimeoutError ||
      error instanceof undiciErrors.BodyTimeoutError ||
      error instanceof undiciErrors.ConnectTimeoutError ||
      (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError'))
    ) {
      return new UpstreamTimeoutError(`${where} did not answer within ${deadline} ms`, details);
    }
    const reason = error instanceof Error ? describeNetworkError(error) : 'unknown failure';
    return new UpstreamUnavailableError(redact(`${where} could not be reached: ${reason}`, request.secrets), details);
  }
}

/** Passes bytes through until more than `limit` have gone by, then fails the pipeline. */
function byteCap(limit: number, tooLarge: () => Error): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      seen += chunk.length;
      callback(seen > limit ? tooLarge() : null, chunk);
    },
  });
}

/** Drops a body we will not read. undici reports such a body as an 'error' event, which needs a listener. */
function discard(body: Dispatcher.ResponseData['body']): void {
  body.on('error', () => {});
  body.destroy();
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** zlib reports corrupt input with `Z_*` codes and brotli with `ERR_*BROTLI*`/`ERR__*` ones. */
function isDecodingError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('Z_') || code.includes('BROTLI') || code.startsWith('ERR__'));
}

/**
 * The network failure as clients may read it: its code (`ECONNREFUSED`, `ENOTFOUND`). Node's message
 * names the address and port it tried, which stays in the (logged) cause.
 */
function describeNetworkError(error: Error): string {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : error.name;
}

/** Keeps the cause's kind and code for logs while dropping anything that could hold a secret. */
function sanitizeCause(error: unknown, secrets: readonly string[]): Error | undefined {
  if (!(error instanceof Error)) return undefined;
  const copy = new Error(redact(error.message, secrets));
  copy.name = error.name;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') Object.assign(copy, { code });
  return copy;
}
