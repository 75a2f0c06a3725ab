import { describe, expect, it } from 'vitest';
import type { WebhookDeliveryObserver } from '../../src/monitoring/alerts/webhooks/delivery.js';
import { GatewayMetrics } from '../../src/observability/metrics.js';

describe('webhook metrics', () => {
  it('count attempts by endpoint and outcome, messages given up, and show the outbox lag when scraped', async () => {
    const metrics = new GatewayMetrics({ processMetrics: false });
    let lag = 0;
    metrics.watchWebhooks(() => lag);
    // The delivery worker's observer is the metrics' one as is.
    const observer: WebhookDeliveryObserver = metrics.webhookObserver;
    observer.attempted?.('ops', 'http_error');
    observer.attempted?.('ops', 'http_error');
    observer.attempted?.('ops', 'delivered');
    observer.attempted?.('billing', 'gone');
    observer.givenUp?.('billing');
    lag = 42.5;
    const { body } = await metrics.exposition();
    expect(body).toContain('usage_gateway_webhook_attempts_total{endpoint="ops",outcome="http_error"} 2');
    expect(body).toContain('usage_gateway_webhook_attempts_total{endpoint="ops",outcome="delivered"} 1');
    expect(body).toContain('usage_gateway_webhook_attempts_total{endpoint="billing",outcome="gone"} 1');
    expect(body).toContain('usage_gateway_webhook_failures_total{endpoint="billing"} 1');
    expect(body).toContain('usage_gateway_webhook_outbox_lag_seconds 42.5');
  });

  it('are absent until watched', async () => {
    const metrics = new GatewayMetrics({ processMetrics: false });
    metrics.webhookObserver.attempted('ops', 'delivered');
    expect((await metrics.exposition()).body).not.toContain('webhook');
  });
});
