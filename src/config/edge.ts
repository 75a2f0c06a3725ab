import { DEFAULT_STREAMS_PER_CALLER, DEFAULT_STREAMS_TOTAL } from '../common/stream-gate.js';
import { z } from 'zod';
import { integerIn, optionalFlag } from '../common/env-values.js';
import type { EnvironmentReader } from './environment-reader.js';

/** What one operation may contain (GraphQL Armor's limits, which `edge/operation-limits.ts` applies). */
export interface OperationLimitOptions {
  depth: number;
  aliases: number;
  tokens: number;
  directives: number;
  cost: number;
}

/** The defaults of `MAX_DEPTH`, `MAX_ALIASES`, `MAX_TOKENS`, `MAX_DIRECTIVES` and `MAX_COST`. */
export const DEFAULT_OPERATION_LIMITS: OperationLimitOptions = { depth: 12, aliases: 30, tokens: 8000, directives: 50, cost: 5_000_000 };

/** The HTTP edge's rules for browsers and the limits of what one request may ask. */
export interface EdgeConfig {
  /** `CORS_ORIGINS`: origins (scheme://host[:port]) allowed cross-origin access; default none. */
  corsOrigins: readonly string[];
  /** `CORS_CREDENTIALS=1`: allow those origins to send cookies and `Authorization` with credentials mode. Default off. */
  corsCredentials: boolean;
  /**
   * `ALLOWED_HOSTS`: `Host` values answered (names, optionally with `:port`). Default: when the
   * gateway binds a loopback address, only names of loopback; otherwise any.
   */
  allowedHosts: readonly string[] | null;
  /** `MAX_REQUEST_BYTES` (1024 to 67108864), default 1 MiB: a larger body is answered 413 before it is read. */
  maxRequestBytes: number;
  /** GraphQL Armor limits, refused at parse or validation before anything executes. */
  operationLimits: OperationLimits;
  /** `CALLER_RATE_LIMIT_PER_MINUTE` (0 to 1000000; 0 is off), default 600: requests per caller per minute. */
  callerRateLimitPerMinute: number;
  /**
   * `SUBSCRIPTIONS_MAX_PER_CALLER` (1 to 10000), default 10: open subscriptions one caller may
   * hold, and as many WebSocket connections. Over it a subscription is refused
   * TOO_MANY_SUBSCRIPTIONS (429 over SSE) and a WebSocket closed with 4429.
   */
  subscriptionsPerCaller: number;
  /** `SUBSCRIPTIONS_MAX_TOTAL` (1 to 1000000), default 1000: open subscriptions, and WebSocket connections, of every caller together. */
  subscriptionsTotal: number;
}

/**
 * What one operation may contain: `MAX_DEPTH` (1 to 100, default 12), `MAX_ALIASES` (0 to 1000,
 * default 30), `MAX_TOKENS` (100 to 1000000, default 8000), `MAX_DIRECTIVES` (0 to 1000, default
 * 50), `MAX_COST` (1 to 100000000, default 5000000: GraphQL Armor's cost, objects and scalars by
 * depth, a list times its `first`, so that `partnerUsage(first: 5000)` fits).
 */
export type OperationLimits = OperationLimitOptions;

/** An origin as browsers send it: scheme, host, optional port; nothing else. */
function isOrigin(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const url = new URL(value);
  return /^https?:$/.test(url.protocol) && url.origin === value;
}

const list = z
  .string()
  .trim()
  .optional()
  .transform((value) => (value === undefined ? [] : value.split(',').map((item) => item.trim()).filter((item) => item !== '')));

const LOOPBACK_BINDS = /^(127(\.\d{1,3}){3}|::1|localhost)$/;

/** True when `host` (the `HOST` variable) binds a loopback interface only. */
export function bindsLoopback(host: string): boolean {
  return LOOPBACK_BINDS.test(host);
}

/** Reads the browser rules and limits of the HTTP edge. */
export function readEdgeConfig(reader: EnvironmentReader): EdgeConfig {
  const corsOrigins = reader.read('CORS_ORIGINS', list);
  for (const origin of corsOrigins) {
    if (origin === '*') reader.report('CORS_ORIGINS: list the origins allowed (scheme://host[:port]); "*" would let any web page read the gateway');
    else if (!isOrigin(origin)) reader.report(`CORS_ORIGINS: ${JSON.stringify(origin)} is not an origin (expected scheme://host[:port], no path)`);
  }
  const allowedHosts = reader.read('ALLOWED_HOSTS', list);
  for (const host of allowedHosts) {
    if (!/^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/.test(host)) {
      reader.report(`ALLOWED_HOSTS: ${JSON.stringify(host)} is not a host name (optionally with :port)`);
    }
  }
  return {
    corsOrigins,
    corsCredentials: reader.read('CORS_CREDENTIALS', optionalFlag) ?? false,
    allowedHosts: allowedHosts.length === 0 ? null : allowedHosts.map((host) => host.toLowerCase()),
    maxRequestBytes: reader.read('MAX_REQUEST_BYTES', integerIn(1024, 64 * 1024 * 1024, 1024 * 1024)),
    operationLimits: {
      depth: reader.read('MAX_DEPTH', integerIn(1, 100, DEFAULT_OPERATION_LIMITS.depth)),
      aliases: reader.read('MAX_ALIASES', integerIn(0, 1000, DEFAULT_OPERATION_LIMITS.aliases)),
      tokens: reader.read('MAX_TOKENS', integerIn(100, 1_000_000, DEFAULT_OPERATION_LIMITS.tokens)),
      directives: reader.read('MAX_DIRECTIVES', integerIn(0, 1000, DEFAULT_OPERATION_LIMITS.directives)),
      cost: reader.read('MAX_COST', integerIn(1, 100_000_000, DEFAULT_OPERATION_LIMITS.cost)),
    },
    callerRateLimitPerMinute: reader.read('CALLER_RATE_LIMIT_PER_MINUTE', integerIn(0, 1_000_000, 600)),
    subscriptionsPerCaller: reader.read('SUBSCRIPTIONS_MAX_PER_CALLER', integerIn(1, 10_000, DEFAULT_STREAMS_PER_CALLER)),
    subscriptionsTotal: reader.read('SUBSCRIPTIONS_MAX_TOTAL', integerIn(1, 1_000_000, DEFAULT_STREAMS_TOTAL)),
  };
}
