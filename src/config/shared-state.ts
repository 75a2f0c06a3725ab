import { z } from 'zod';
import { integerIn } from '../common/env-values.js';
import type { EnvironmentReader } from './environment-reader.js';

/** Scale-out: where the gateway instances of one fleet share their state. */
export interface SharedStateConfig {
  /**
   * `REDIS_URL` (`redis://` or `rediss://`, optionally with a password): the vendor cache,
   * single-flight leases, vendor rate budgets, caller rate limits and whole answers are kept in
   * this Redis, shared by every instance. Default null: everything in this process's memory.
   */
  redisUrl: string | null;
  /**
   * `GATEWAY_INSTANCES` (1 to 1000), default 1: how many instances share the vendors' limits.
   * While Redis is unreachable each instance keeps only its 1/N of every vendor's and caller's
   * limit, so the fleet together stays within them.
   */
  instances: number;
  /** `REDIS_KEY_PREFIX`, default `usage-gateway:`: the fleet's keys, so that a Redis can hold several fleets. */
  keyPrefix: string;
  /** `REDIS_COMMAND_TIMEOUT_MS` (10 to 10000), default 500: most a Redis command may take before it counts as failed. */
  commandTimeoutMs: number;
}

const SECRET_FREE_URL_PROBLEM = 'REDIS_URL: expected a redis:// or rediss:// URL such as redis://:password@redis.internal:6379/0 (the value is not shown: it may hold a password)';

/** True for a URL that ioredis reads as one Redis server. */
export function isRedisUrl(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const url = new URL(value);
  return (url.protocol === 'redis:' || url.protocol === 'rediss:') && url.hostname !== '' && /^(\/\d*)?$/.test(url.pathname);
}

/** The variables of shared state that may hold a password; `REDIS_URL` is never quoted in an error. */
export const SHARED_STATE_SECRET_VARIABLES = ['REDIS_URL'] as const;

/** Reads `REDIS_URL`, `GATEWAY_INSTANCES`, `REDIS_KEY_PREFIX` and `REDIS_COMMAND_TIMEOUT_MS`. */
export function readSharedStateConfig(reader: EnvironmentReader): SharedStateConfig {
  // Read as any text and checked here: the reader would quote a bad value, and this one may hold a password.
  const raw = reader.read('REDIS_URL', z.string().trim().optional());
  const redisUrl = raw === undefined ? null : raw;
  if (redisUrl !== null && !isRedisUrl(redisUrl)) reader.report(SECRET_FREE_URL_PROBLEM);
  return {
    redisUrl: redisUrl !== null && isRedisUrl(redisUrl) ? redisUrl : null,
    instances: reader.read('GATEWAY_INSTANCES', integerIn(1, 1000, 1)),
    keyPrefix: reader.read(
      'REDIS_KEY_PREFIX',
      z
        .string()
        .trim()
        .regex(/^[A-Za-z0-9:_.-]{1,64}$/, 'expected 1 to 64 letters, digits, colons, dots, dashes or underscores')
        .optional()
        .transform((value) => value ?? 'usage-gateway:'),
    ),
    commandTimeoutMs: reader.read('REDIS_COMMAND_TIMEOUT_MS', integerIn(10, 10_000, 500)),
  };
}

/** `host:port/db` of a Redis URL, for logs: never its user or password. */
export function redisTarget(redisUrl: string): string {
  const url = new URL(redisUrl);
  const db = url.pathname.replace(/^\//, '') || '0';
  return `${url.protocol}//${url.hostname}:${url.port || '6379'}/${db}`;
}
