import { SpanKind, type Span, type Tracer } from '@opentelemetry/api';
import { inCallPhases, markPhase } from '../common/instrumentation.js';
import { activeTracer, failSpan } from '../common/instrumentation.js';
import type { Admission, Permit } from './admission.js';
import type { Caller, ChannelCall, Received } from './channel-call.js';
import type { ChannelEvents } from './channel-events.js';
import type { Clock } from '../common/clock.js';
import { isUpstreamError, UpstreamCancelledError, UpstreamTimeoutError, type UpstreamError } from './errors.js';
import type { UpstreamHttp, UpstreamResponse } from './http.js';
import type { VendorPolicy } from './policy.js';
import { currentRequestScope, type RequestScope } from '../common/request-scope.js';
import type { RetryBudget } from './retry-budget.js';
import { decideRetry, fullJitterBackoff } from './retry-policy.js';

/** What a {@link GuardedCaller} is built from. */
export interface GuardedCallerOptions {
  /** Vendor name for errors and the transport, e.g. `SHARPE`. */
  provider: string;
  /** The credential the calls carry; the transport redacts it from every error. */
  credential: string;
  /** The vendor's transport; its connect and headers deadlines should be the policy's. */
  http: Pick<UpstreamHttp, 'get'>;
  policy: Pick<VendorPolicy, 'timeoutMs' | 'maxRetries' | 'retryBaseDelayMs' | 'retryMaxDelayMs'>;
  /** The breaker and rate budget every attempt passes. */
  admission: Admission;
  /** Shared by the vendor's channels. */
  retryBudget: RetryBudget;
  clock: Clock;
  events: ChannelEvents;
}

type AttemptResult<T> = { response: UpstreamResponse | null; result: { value: T } | { error: UpstreamError }; durationMs: number };

/**
 * One vendor call within its deadline: every attempt admitted by the breaker and the rate budget,
 * failed attempts retried as the retry policy and the vendor's retry budget allow.
 */
export class GuardedCaller implements Caller {
  private readonly secrets: readonly string[];

  constructor(private readonly options: GuardedCallerOptions) {
    this.secrets = [options.credential];
  }

  call<T>(call: ChannelCall<T>, signal?: AbortSignal): Promise<Received<T>> {
    return inCallPhases(() => `${this.options.provider} ${call.url.pathname}`, () => this.callWithin(call, signal));
  }

  private async callWithin<T>(call: ChannelCall<T>, signal: AbortSignal | undefined): Promise<Received<T>> {
    markPhase('call started');
    const { admission, clock, events, policy, retryBudget } = this.options;
    const deadlineAt = clock.now() + policy.timeoutMs;
    // A background call serves no client request, even one whose async context it started in.
    const scope = call.priority === 'background' ? undefined : currentRequestScope();
    const tracer = activeTracer();
    let previous: UpstreamError | null = null;
    let retryWaitMs = 0;
    for (let retries = 0; ; retries += 1) {
      // Abandoned between attempts (in a backoff or budget wait): spend no more of the vendor's budget.
      if (signal?.aborted === true) {
        const provider = this.options.provider;
        throw new UpstreamCancelledError(`${provider}: abandoned, nobody waits for the answer any more`, { provider });
      }
      if (clock.now() >= deadlineAt) {
        const provider = this.options.provider;
        throw previous ?? new UpstreamTimeoutError(`${provider}: no time left within ${policy.timeoutMs} ms`, { provider });
      }
      const span = tracer === undefined ? undefined : this.startAttemptSpan(tracer, call, retries, retryWaitMs);
      const admitFrom = clock.now();
      let permit: Permit;
      try {
        permit = await admission.admit(deadlineAt, previous, call.priority, scope?.callerId ?? null);
      } catch (error) {
        // Refused by the breaker or the budget: the span stays, showing the attempt that was not sent.
        if (span !== undefined) endAttemptSpan(span, clock.now() - admitFrom, null, error);
        throw error;
      }
      const rateBudgetWaitMs = clock.now() - admitFrom;
      if (retries === 0) retryBudget.recordRequest(clock.now());
      else retryBudget.recordRetry(clock.now());
      let attempted: AttemptResult<T>;
      try {
        attempted = await this.attempt(call, permit, deadlineAt, scope, signal);
      } catch (error) {
        if (span !== undefined) endAttemptSpan(span, rateBudgetWaitMs, null, error);
        throw error;
      }
      const { response, result, durationMs } = attempted;
      const receivedAt = clock.now();
      if (span !== undefined) endAttemptSpan(span, rateBudgetWaitMs, response, 'error' in result ? result.error : null);
      if ('value' in result) {
        admission.settle(receivedAt, permit, null);
        events.emit({ type: 'attempt-succeeded', at: receivedAt, status: response?.status ?? 0, durationMs });
        const reported = call.reportedRateLimit?.(result.value);
        if (reported !== undefined && reported !== null) admission.observeReportedLimit(reported);
        return { value: result.value, receivedAt, weight: response?.bytes?.length ?? response?.text.length ?? 0 };
      }
      const failure = result.error;
      admission.settle(receivedAt, permit, failure);
      events.emit({ type: 'attempt-failed', error: failure, at: receivedAt, status: response?.status ?? null, durationMs });
      const decision = decideRetry({
        method: 'GET',
        outcome: { error: failure, status: response?.status ?? null, retryAfterSeconds: response?.retryAfterSeconds ?? null },
        retriesSoFar: retries,
        maxRetries: policy.maxRetries,
        backoffMs: fullJitterBackoff(retries, policy.retryBaseDelayMs, policy.retryMaxDelayMs, () => clock.random()),
        remainingMs: deadlineAt - receivedAt,
        budgetAllows: retryBudget.canRetry(receivedAt),
      });
      if (!decision.retry) {
        events.emit({ type: 'not-retrying', error: failure, reason: decision.reason });
        throw failure;
      }
      events.emit({ type: 'retrying', error: failure, retry: retries + 1, delayMs: decision.delayMs });
      previous = failure;
      retryWaitMs = decision.delayMs;
      await clock.sleep(decision.delayMs);
    }
  }

  /**
   * Sends one attempt and interprets its answer; a transport failure has no response. The attempt
   * is counted to the request it serves here, where it leaves for the vendor.
   */
  private async attempt<T>(
    call: ChannelCall<T>,
    permit: Permit,
    deadlineAt: number,
    scope: RequestScope | undefined,
    signal: AbortSignal | undefined,
  ): Promise<AttemptResult<T>> {
    const { admission, clock, http, provider } = this.options;
    let response: UpstreamResponse;
    if (scope !== undefined) scope.vendorCalls += 1;
    // The wire time only: the wait for admission before it is the rate budget's, not the vendor's.
    const startedAt = clock.now();
    markPhase('call sent');
    try {
      response = await http.get({
        provider,
        url: wireUrl(call),
        headers: call.headers,
        secrets: this.secrets,
        timeoutMs: Math.max(1, deadlineAt - clock.now()),
        ...(signal === undefined ? {} : { signal }),
      });
    } catch (error) {
      return { response: null, result: { error: this.typed(error, permit) }, durationMs: clock.now() - startedAt };
    }
    const durationMs = clock.now() - startedAt;
    admission.observeResponse(clock.now(), response);
    try {
      const value = call.interpret(response, new Date(clock.now()));
      markPhase('interpreted');
      return { response, result: { value }, durationMs };
    } catch (error) {
      return { response, result: { error: this.typed(error, permit) }, durationMs };
    }
  }

  /**
   * A client span per attempt, as OpenTelemetry's HTTP conventions have it (`http.request.resend_count`
   * on retries), child of the caching layer's span for the call. URL path only: the query may
   * hold a caller's arguments, and the headers hold the credential.
   */
  private startAttemptSpan(tracer: Tracer, call: ChannelCall<unknown>, retries: number, retryWaitMs: number): Span {
    const { url } = call;
    return tracer.startSpan(`GET ${this.options.provider}`, {
      kind: SpanKind.CLIENT,
      attributes: {
        'gateway.vendor': this.options.provider,
        'gateway.vendor.attempt': retries + 1,
        'gateway.vendor.retry_wait_ms': retryWaitMs,
        'gateway.vendor.priority': call.priority ?? 'foreground',
        'http.request.method': 'GET',
        ...(retries > 0 ? { 'http.request.resend_count': retries } : {}),
        'server.address': url.hostname,
        'server.port': url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port),
        'url.path': url.pathname,
      },
    });
  }

  /** An attempt's failure as a typed error; anything else is a bug, rethrown after freeing the permit. */
  private typed(error: unknown, permit: Permit): UpstreamError {
    if (isUpstreamError(error)) return error;
    this.options.admission.release(permit);
    throw error;
  }
}

function endAttemptSpan(span: Span, rateBudgetWaitMs: number, response: UpstreamResponse | null, failure: unknown): void {
  span.setAttribute('gateway.vendor.rate_budget_wait_ms', rateBudgetWaitMs);
  if (response !== null) span.setAttribute('http.response.status_code', response.status);
  if (failure !== null) failSpan(span, failure);
  span.end();
}

/**
 * The URL as sent: the call's, plus the credential's query parameter when the vendor takes it
 * there. Added only here, so that no cache key, log line or span attribute (all built from
 * `call.url`) holds the credential.
 */
function wireUrl(call: ChannelCall<unknown>): URL {
  if (call.credentialQuery === undefined) return call.url;
  const url = new URL(call.url);
  url.searchParams.set(call.credentialQuery.name, call.credentialQuery.value);
  return url;
}
