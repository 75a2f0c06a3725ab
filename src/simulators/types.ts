/**
 * Public options and handles of the vendor simulators. Self-contained on purpose: simulators
 * emulate vendors and must not depend on the gateway's own model.
 */

/** The id of the vendor a simulator emulates, as the gateway names it (e.g. `SHARPE`). */
export type SimulatedProvider = string;

export interface SimulatorOptions {
  /** Seed of the deterministic data. Default 42. */
  seed?: number;
  /**
   * Credentials the simulator accepts. Default: the vendor's demo credential.
   * Data is seeded by (seed, credential), so two credentials see different numbers.
   */
  credentials?: string[];
  /** Interface to listen on. Default '127.0.0.1'. */
  host?: string;
  /**
   * The simulated world's clock (ms since the epoch). Given, the counters move with it, each
   * vendor at its own pace (demo mode passes `Date.now`, tests a clock they advance). Default:
   * none, and every body stays the same from one run to the next.
   */
  clock?: () => number;
}

/** What `POST /__sim/usage` (or `setUsage`) sets: one counter of the simulated account. */
export interface UsageSetting {
  /** The counter's name as the vendor reports it (a quota's name, a metric's path; see each simulator). */
  quota: string;
  /** Its value from now on; it grows from there at the vendor's pace. */
  used: number;
  /** A new limit, when given. */
  limit?: number;
  /**
   * When given, the counter grows this many a minute from `used` (stopping at its limit) instead
   * of at the vendor's pace: a crossing that comes when expected, as the demo's first alert does.
   */
  perMinute?: number;
}

export type FaultMode =
  /** Answer normally after `ms`. */
  | { mode: 'latency'; ms: number }
  /** Accept, never answer, until the fault is changed or cleared (then answer normally) or the server closes. */
  | { mode: 'hang' }
  /** Answer with this status (400..599) and the vendor's own error body. */
  | { mode: 'status'; status: number }
  /** 429 with `Retry-After` exactly as given (seconds or HTTP date) and the vendor's error body. */
  | { mode: 'rate-limit'; retryAfter: string }
  /** 200, JSON content type, a body that is not JSON. */
  | { mode: 'malformed-json' }
  /** 200 with an HTML page (text/html), as a captive portal or CDN error page would send. */
  | { mode: 'html' }
  /** 200, a valid JSON prefix of the normal body, then the socket is destroyed mid-body. */
  | { mode: 'truncated' }
  /** Destroy the socket without answering. */
  | { mode: 'reset' }
  /** The normal 200 body with one documented field renamed and one retyped. */
  | { mode: 'drift' }
  /**
   * Answer with this status (400..599) and the vendor's own error body, its message quoting the
   * credential the request carried, as careless vendors do: at the `start` of the message, in its
   * `middle`, or at its `end`. Leak tests use it: a credential nobody echoes cannot leak.
   */
  | { mode: 'echo'; status: number; at: EchoPosition }
  /**
   * Answer with this status (200..599) and a text/html body (not JSON) that holds the credential the
   * request carried from character `offset` on, so a test can put it across the point where the
   * gateway stops quoting a body.
   */
  | { mode: 'echo-text'; status: number; offset: number };

/** Where the `echo` fault puts the credential in the vendor's error message. */
export type EchoPosition = 'start' | 'middle' | 'end';

export interface FaultSetting {
  fault: FaultMode;
  /** Apply to the next N vendor requests only. Default: until cleared. */
  count?: number;
}

export interface SimulatorHandle {
  readonly provider: SimulatedProvider;
  /**
   * Base URL to configure the gateway with: 'http://127.0.0.1:PORT' plus the path prefix of the
   * vendor's production base URL (e.g. `/api`), if it has one.
   */
  readonly baseUrl: string;
  /** A credential the simulator accepts (the first of `credentials`). */
  readonly credential: string;
  /** Requests received outside the admin routes (unknown paths included), in total or for one pathname. */
  hits(path?: string): number;
  resetHits(): void;
  setFault(setting: FaultSetting | null): void;
  /** Sets one counter of the demo credential's account (`POST /__sim/usage` does the same); throws on an unknown counter. */
  setUsage(setting: UsageSetting): void;
  /** Stops listening and ends every open, hung or keep-alive connection. */
  close(): Promise<void>;
}
