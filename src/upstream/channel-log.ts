import type { ChannelEvent, ChannelListener } from './channel-events.js';

/** The logging a channel does; the gateway's Logger fits. */
export interface UpstreamLogger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
}

/** Logs a channel's events that an operator would want to see, each with its vendor. */
export function logChannelEvents(provider: string, logger: UpstreamLogger): ChannelListener {
  return (event: ChannelEvent) => {
    switch (event.type) {
      case 'retrying':
        logger.debug('retrying a failed vendor call', {
          provider,
          code: event.error.code,
          httpStatus: event.error.httpStatus,
          retry: event.retry,
          delayMs: event.delayMs,
        });
        return;
      case 'not-retrying':
        // A failure that no attempt could change is the call's answer, not news.
        if (event.reason !== 'not-retryable') {
          logger.debug('not retrying a failed vendor call', { provider, code: event.error.code, reason: event.reason });
        }
        return;
      case 'breaker-changed': {
        const fields = { provider, state: event.state, calls: event.calls, failures: event.failures };
        if (event.state === 'OPEN') logger.warn('circuit breaker opened: calls to this vendor fail fast', fields);
        else logger.info('circuit breaker closed: vendor answering again', fields);
        return;
      }
      case 'rate-budget-spent':
        logger.warn('vendor rate budget spent; request not sent', { provider, limitPerMinute: event.limitPerMinute, waitMs: event.waitMs });
        return;
      case 'served-stale':
        logger.info('vendor failed; serving its last good answer, marked stale', {
          provider,
          path: event.path,
          code: event.error.code,
          ageSeconds: event.ageSeconds,
        });
        return;
      case 'cache-failed':
        logger.warn(`upstream cache ${event.operation} failed`, { provider, error: event.error });
        return;
      case 'attempt-succeeded':
      case 'attempt-failed':
      case 'cache-hit':
      case 'cache-miss':
        // Every attempt's outcome is in `health()` and the metrics; a log line per call would drown the rest.
        return;
    }
  };
}
