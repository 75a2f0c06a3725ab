import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Caller } from '../common/caller.js';
import type { LedgerObserver } from '../ledger/follower.js';
import type { PartnerLedger } from '../ledger/index.js';
import { cursorTime } from '../ledger/stream-cursor.js';
import type { ChannelEvent, ChannelListener } from '../upstream/channel-events.js';
import type { ChannelHealth } from '../upstream/channel-health.js';
import type { CircuitState } from '../upstream/circuit-breaker.js';

/** Every metric name starts with it, the process metrics' too. */
export const METRIC_PREFIX = 'usage_gateway_';

/** The path the metrics are served on, on the public port or on `METRICS_PORT`. */
export const METRICS_PATH = '/metrics';

/** Options of {@link GatewayMetrics}. */
export interface GatewayMetricsOptions {
  /**
   * Distinct values a client-chosen label (operation name, caller) keeps before further values
   * are counted as `other`, so a client cannot grow the series without bound. Default 100.
   */
  maxLabelValues?: number;
  /** Also export the process's CPU, memory, event loop and GC metrics. Default true. */
  processMetrics?: boolean;
}

/** The channels whose state the gauges show: `ResilientUpstream.health`. */
export type HealthSource = () => ReadonlyArray<{ provider: string; health: ChannelHealth }>;

/** Breaker states as a gauge's numbers, worst highest: a vendor's gauge shows its worst channel. */
const BREAKER_STATE_VALUE: Record<CircuitState, number> = { CLOSED: 0, HALF_OPEN: 1, OPEN: 2 };

/** Vendor calls take tens of ms to the deadline's seconds; GraphQL requests add the gateway's own work. */
export const DURATION_BUCKETS_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** The first `limit` distinct values of a label pass as they are; later ones become `other`. */
class BoundedLabel {
  private readonly seen = new Set<string>();

  constructor(private readonly limit: number) {}

  of(value: string): string {
    if (this.seen.has(value)) return value;
    if (this.seen.size >= this.limit) return 'other';
    this.seen.add(value);
    return value;
  }
}

/**
 * The gateway's Prometheus metrics, in a registry of its own (not prom-client's global one), so
 * that a process, or a test, can hold several gateways. The parts of the gateway report to it
 * through their event hooks; gauges read their state when scraped.
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly operationNames: BoundedLabel;
  private readonly errorCodes: BoundedLabel;
  private readonly callers: BoundedLabel;
  private readonly vendorRequests: Counter<'vendor' | 'outcome' | 'status'>;
  private readonly vendorDuration: Histogram<'vendor' | 'outcome'>;
  private readonly vendorRetries: Counter<'vendor'>;
  private readonly rateBudgetRefusals: Counter<'vendor'>;
  private readonly cacheRequests: Counter<'vendor' | 'result'>;
  private readonly callerRefusals: Counter<'caller'>;
  private readonly responseCacheHits: Counter<'operation_name'>;
  /** The hit counter's child per operation label, so that a hit costs no label hashing. */
  private readonly responseCacheHitsByLabel = new Map<string, { inc(): void }>();
  private readonly ledgerEntries: Counter;
  private readonly ledgerCommits: Counter;
  private readonly ledgerCommitDuration: Histogram;
  private readonly ledgerFailures: Counter<'code'>;
  private historySamples: Counter<'vendor'> | null = null;
  private webhookAttempts: Counter<'endpoint' | 'outcome'> | null = null;
  private webhookFailures: Counter<'endpoint'> | null = null;
  private readonly ledgerStalled: Gauge;
  private healthSource: HealthSource = () => [];
  private ledger: PartnerLedger | null = null;

  constructor(options: GatewayMetricsOptions = {}) {
    const limit = options.maxLabelValues ?? 100;
    this.operationNames = new BoundedLabel(limit);
    this.errorCodes = new BoundedLabel(limit);
    this.callers = new BoundedLabel(limit);
    const registers = [this.registry];
    if (options.processMetrics ?? true) {
      collectDefaultMetrics({ register: this.registry, prefix: METRIC_PREFIX });
      // Gauges named like counters (promtool refuses them); `nodejs_active_{handles,requests,resources}` carry the same numbers by type.
      for (const name of ['active_handles_total', 'active_requests_total', 'active_resources_total']) {
        this.registry.removeSingleMetric(`${METRIC_PREFIX}nodejs_${name}`);
      }
    }

    this.vendorRequests = new Counter({
      name: `${METRIC_PREFIX}vendor_requests_total`,
      help: 'Attempts sent to a vendor, by outcome (success or the error code) and HTTP status (none: no response).',
      labelNames: ['vendor', 'outcome', 'status'],
      registers,
    });
    this.vendorDuration = new Histogram({
      name: `${METRIC_PREFIX}vendor_request_duration_seconds`,
      help: 'Wire time of one attempt to a vendor, from sending it to its answer or failure.',
      labelNames: ['vendor', 'outcome'],
      buckets: DURATION_BUCKETS_SECONDS,
      registers,
    });
    this.vendorRetries = new Counter({ name: `${METRIC_PREFIX}vendor_retries_total`, help: 'Failed vendor attempts tried again.', labelNames: ['vendor'], registers });
    this.rateBudgetRefusals = new Counter({
      name: `${METRIC_PREFIX}vendor_rate_budget_refusals_total`,
      help: "Vendor calls not sent because the vendor's rate budget had no slot before their deadline.",
      labelNames: ['vendor'],
      registers,
    });
    this.cacheRequests = new Counter({
      name: `${METRIC_PREFIX}vendor_cache_requests_total`,
      help: 'Vendor calls looked up in the cache: hit (fresh), miss, or stale (the vendor failed and the last good answer was served).',
      labelNames: ['vendor', 'result'],
      registers,
    });
    this.callerRefusals = new Counter({
      name: `${METRIC_PREFIX}caller_rate_limited_total`,
      help: "GraphQL requests refused (429) by the per-caller rate limit, by caller: an API key's name, a token's sub, or anonymous.",
      labelNames: ['caller'],
      registers,
    });
    this.responseCacheHits = new Counter({
      name: `${METRIC_PREFIX}graphql_response_cache_hits_total`,
      help: 'GraphQL operations answered from the response cache (no parse, no execution), by operation name.',
      labelNames: ['operation_name'],
      registers,
    });
    this.ledgerEntries = new Counter({ name: `${METRIC_PREFIX}ledger_entries_total`, help: 'Arrays stream entries the partner ledger committed.', registers });
    this.ledgerCommits = new Counter({ name: `${METRIC_PREFIX}ledger_commits_total`, help: 'Pages the partner ledger committed.', registers });
    this.ledgerCommitDuration = new Histogram({
      name: `${METRIC_PREFIX}ledger_commit_duration_seconds`,
      help: 'Time to make one ledger page durable (journal write and fsync).',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers,
    });
    this.ledgerFailures = new Counter({
      name: `${METRIC_PREFIX}ledger_follower_failures_total`,
      help: 'Steps of the ledger follower that failed (stream read or page rejected), by error code.',
      labelNames: ['code'],
      registers,
    });
    this.ledgerStalled = new Gauge({
      name: `${METRIC_PREFIX}ledger_stalled`,
      help: 'Whether the partner ledger has stopped committing because its files cannot be written (disk full, read-only, permission): 1 until a commit succeeds again; the cause counts in ledger_follower_failures_total by code.',
      registers,
    });
    this.registerGauges();
  }

  /** The listener of the channels of `provider` (ResilientUpstream's `listenerFor`). */
  channelListener(provider: string): ChannelListener {
    return (event: ChannelEvent) => {
      switch (event.type) {
        case 'attempt-succeeded':
        case 'attempt-failed': {
          const outcome = event.type === 'attempt-succeeded' ? 'success' : event.error.code;
          const status = event.status === undefined || event.status === null ? 'none' : String(event.status);
          this.vendorRequests.inc({ vendor: provider, outcome, status });
          if (event.durationMs !== undefined) this.vendorDuration.observe({ vendor: provider, outcome }, event.durationMs / 1000);
          return;
        }
        case 'retrying':
          this.vendorRetries.inc({ vendor: provider });
          return;
        case 'rate-budget-spent':
          this.rateBudgetRefusals.inc({ vendor: provider });
          return;
        case 'cache-hit':
          this.cacheRequests.inc({ vendor: provider, result: 'hit' });
          return;
        case 'cache-miss':
          this.cacheRequests.inc({ vendor: provider, result: 'miss' });
          return;
        case 'cache-failed':
          // A read that fails is served as a miss; a failed write is no lookup.
          if (event.operation === 'read') this.cacheRequests.inc({ vendor: provider, result: 'miss' });
          return;
        case 'served-stale':
          this.cacheRequests.inc({ vendor: provider, result: 'stale' });
          return;
        case 'not-retrying':
        case 'breaker-changed':
          // The attempt's own event counted it; the breaker's state is a gauge.
          return;
      }
    };
  }

  /** Where the breaker and rate-budget gauges read each vendor's channels. */
  watchUpstream(source: HealthSource): void {
    this.healthSource = source;
  }

  /**
   * Registers `usage_gateway_shared_state_up` (1: state shared through Redis, 0: this instance on
   * its local fallback), read from `isUp` when scraped. Only with `REDIS_URL`: without it there is
   * nothing to share and no such series.
   */
  watchSharedState(isUp: () => boolean): void {
    new Gauge({
      name: `${METRIC_PREFIX}shared_state_up`,
      help: 'Whether the shared state (Redis) is in use: 1 shared, 0 this instance on its local fallback with 1/GATEWAY_INSTANCES of every limit.',
      registers: [this.registry],
      collect() {
        this.set(isUp() ? 1 : 0);
      },
    });
  }

  /**
   * Registers the usage history's series: `usage_gateway_history_samples_total` (samples this
   * instance appended, by vendor; fed by `historySamplesRecorded`) and `usage_gateway_history_up`
   * (1 while the store takes samples or this instance only reads, 0 while it refuses them: a full
   * disk, a read-only file system, …), read from `isUp` when scraped. Only when history is on.
   */
  watchHistory(isUp: () => boolean): void {
    this.historySamples = new Counter({
      name: `${METRIC_PREFIX}history_samples_total`,
      help: 'Usage-history samples this instance appended to the store, by vendor.',
      labelNames: ['vendor'],
      registers: [this.registry],
    });
    new Gauge({
      name: `${METRIC_PREFIX}history_up`,
      help: 'Whether the usage-history store takes samples: 1 yes (or this instance only reads), 0 it refuses them (see /ready for the condition).',
      registers: [this.registry],
      collect() {
        this.set(isUp() ? 1 : 0);
      },
    });
  }

  /**
   * Registers `usage_gateway_alerts_firing{rule}`: alerts firing now per rule in force (0 for a rule
   * with none), read from the alert store when scraped, so every instance of a fleet shows the same.
   */
  watchAlerts(ruleIds: () => readonly string[], firing: () => Promise<readonly { ruleId: string }[]>): void {
    new Gauge({
      name: `${METRIC_PREFIX}alerts_firing`,
      help: 'Threshold alerts firing now (fired and not resolved), by rule.',
      labelNames: ['rule'],
      registers: [this.registry],
      async collect() {
        const counts = new Map<string, number>(ruleIds().map((id) => [id, 0]));
        // A store that cannot be read leaves the series out of this scrape rather than failing it.
        const events = await firing().catch(() => null);
        this.reset();
        if (events === null) return;
        for (const event of events) counts.set(event.ruleId, (counts.get(event.ruleId) ?? 0) + 1);
        for (const [rule, count] of counts) this.set({ rule }, count);
      },
    });
  }

  /** For the history sampler's `onSamples`. */
  historySamplesRecorded(provider: string, count: number): void {
    this.historySamples?.inc({ vendor: provider }, count);
  }

  /**
   * Registers the webhook series: `usage_gateway_webhook_attempts_total{endpoint,outcome}` (every
   * delivery attempt: delivered, http_error, network_error or gone),
   * `usage_gateway_webhook_failures_total{endpoint}` (messages given up after their last attempt),
   * both fed by {@link webhookObserver}, and `usage_gateway_webhook_outbox_lag_seconds` (age of the
   * oldest pending message), read from `lagSeconds` when scraped. Only when webhooks are on.
   */
  watchWebhooks(lagSeconds: () => number): void {
    const registers = [this.registry];
    this.webhookAttempts = new Counter({
      name: `${METRIC_PREFIX}webhook_attempts_total`,
      help: 'Webhook delivery attempts this instance made, by endpoint id and outcome (delivered, http_error, network_error, gone).',
      labelNames: ['endpoint', 'outcome'],
      registers,
    });
    this.webhookFailures = new Counter({
      name: `${METRIC_PREFIX}webhook_failures_total`,
      help: 'Webhook messages given up after their last attempt failed, by endpoint id.',
      labelNames: ['endpoint'],
      registers,
    });
    new Gauge({
      name: `${METRIC_PREFIX}webhook_outbox_lag_seconds`,
      help: 'Age of the oldest webhook message still pending in the outbox; 0 when none is.',
      registers,
      collect() {
        this.set(lagSeconds());
      },
    });
  }

  /** For the webhook delivery's `observer`; endpoint ids come from the rules file, so the label is bounded by it. */
  readonly webhookObserver = {
    attempted: (endpoint: string, outcome: string) => this.webhookAttempts?.inc({ endpoint, outcome }),
    givenUp: (endpoint: string) => this.webhookFailures?.inc({ endpoint }),
  };

  /** The ledger whose lag the gauge shows. */
  watchLedger(ledger: PartnerLedger | null): void {
    this.ledger = ledger;
  }

  /** For the ledger follower (the Arrays service's `ledgerObserver`). */
  readonly ledgerObserver: LedgerObserver = {
    committed: (entries, durationMs) => {
      this.ledgerEntries.inc(entries);
      this.ledgerCommits.inc();
      this.ledgerCommitDuration.observe(durationMs / 1000);
    },
    failed: (code) => this.ledgerFailures.inc({ code: this.errorCodes.of(code) }),
    stalled: (code) => this.ledgerStalled.set(code === null ? 0 : 1),
  };

  /** For the caller rate limit's `onRefused`. Never an address or a credential: a name, a sub, or `anonymous`. */
  callerRefused(caller: Caller): void {
    const name = caller.kind === 'anonymous' ? 'anonymous' : `${caller.kind}:${caller.name ?? caller.sub ?? 'unnamed'}`;
    this.callerRefusals.inc({ caller: this.callers.of(name) });
  }

  /**
   * One GraphQL operation answered from the response cache: the hot path and yoga's plugin both
   * count through here, since a hit skips the parse and execution the operation counters count in.
   */
  responseCacheHit(operationName: string | undefined): void {
    const label = this.operationLabel(operationName);
    let child = this.responseCacheHitsByLabel.get(label);
    if (child === undefined) this.responseCacheHitsByLabel.set(label, (child = this.responseCacheHits.labels({ operation_name: label })));
    child.inc();
  }

  /** The label of an operation name, bounded like every label here (see BoundedLabel). */
  operationLabel(name: string | undefined): string {
    return this.operationNames.of(name ?? 'anonymous');
  }

  /** The label of an error code, bounded likewise. */
  errorCodeLabel(code: string): string {
    return this.errorCodes.of(code);
  }

  /** The exposition in Prometheus's text format, with its content type. */
  async exposition(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  private registerGauges(): void {
    const registers = [this.registry];
    const source = () => this.healthSource();
    new Gauge({
      name: `${METRIC_PREFIX}vendor_breaker_state`,
      help: "A vendor's circuit breaker: 0 closed, 1 half open, 2 open (the worst of its channels).",
      labelNames: ['vendor'],
      registers,
      collect() {
        this.reset();
        for (const [vendor, channels] of byVendor(source())) {
          this.set({ vendor }, Math.max(...channels.map((health) => BREAKER_STATE_VALUE[health.breaker.state])));
        }
      },
    });
    // With several credentials for one vendor, the channel nearest its limit is the one to watch.
    const tightest = (channels: ChannelHealth[]) => channels.reduce((a, b) => (b.rateBudget.remaining < a.rateBudget.remaining ? b : a));
    new Gauge({
      name: `${METRIC_PREFIX}vendor_rate_budget_limit`,
      help: "Requests a minute the gateway's rate budget allows a vendor (the configured limit, or the lower one the vendor reported).",
      labelNames: ['vendor'],
      registers,
      collect() {
        this.reset();
        for (const [vendor, channels] of byVendor(source())) this.set({ vendor }, tightest(channels).rateBudget.limitPerMinute);
      },
    });
    new Gauge({
      name: `${METRIC_PREFIX}vendor_rate_budget_remaining`,
      help: "Requests left in a vendor's rate budget over the current sliding minute.",
      labelNames: ['vendor'],
      registers,
      collect() {
        this.reset();
        for (const [vendor, channels] of byVendor(source())) this.set({ vendor }, tightest(channels).rateBudget.remaining);
      },
    });
    const ledger = () => this.ledger;
    new Gauge({
      name: `${METRIC_PREFIX}ledger_lag_seconds`,
      help: 'Stream time between the ledger cursor and the newest head the follower saw; 0 once caught up, absent before the first page.',
      registers,
      async collect() {
        this.reset();
        const current = ledger();
        if (current === null) return;
        // As `partnerLedger.lagMs` computes it.
        const cursor = cursorTime((await current.store.position()).cursor);
        const head = current.status().headCursor;
        const headTime = head === null ? null : cursorTime(head);
        if (cursor !== null && headTime !== null) this.set(Math.max(0, headTime.getTime() - cursor.getTime()) / 1000);
      },
    });
    new Gauge({
      name: `${METRIC_PREFIX}ledger_leader`,
      help: 'Whether this instance follows the Arrays stream and writes the ledger (1) or reads the commits of the one that does (0); absent without a ledger.',
      registers,
      collect() {
        this.reset();
        const current = ledger();
        // Read at each scrape: with DATABASE_URL the lead moves between instances while they run.
        if (current !== null) this.set(current.store.writable ? 1 : 0);
      },
    });
  }
}

function byVendor(channels: ReadonlyArray<{ provider: string; health: ChannelHealth }>): Map<string, ChannelHealth[]> {
  const grouped = new Map<string, ChannelHealth[]>();
  for (const { provider, health } of channels) {
    const list = grouped.get(provider);
    if (list === undefined) grouped.set(provider, [health]);
    else list.push(health);
  }
  return grouped;
}
