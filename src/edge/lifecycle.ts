import type { IncomingMessage, ServerResponse } from 'node:http';

/** What `/ready` reports beside draining, which {@link Lifecycle} adds. */
export interface Readiness {
  /** Whether the gateway should receive traffic. */
  ready: boolean;
  /** Each component's state by name, e.g. `{ config: 'ok', ledger: 'recovered', draining: false }`. */
  components: Record<string, string | boolean>;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

const READY_PATH = '/ready';

/**
 * The process's lifecycle at the HTTP edge: `/ready` (answered here, before yoga, so that no Host
 * check, identity, CSRF rule or caller rate limit stands between a probe and its answer), the
 * count of requests in flight, and draining, during which `/ready` says 503 and every answer
 * closes its connection, so that clients reconnect to a gateway that stays.
 */
export class Lifecycle {
  private inFlight = 0;
  private idle: (() => void) | null = null;
  private isDraining = false;

  /** `readiness` reports the components; draining is added by this class. */
  constructor(private readonly readiness: () => Readiness) {}

  get draining(): boolean {
    return this.isDraining;
  }

  wrap(handler: Handler): Handler {
    return (req, res) => {
      if (pathOf(req.url) === READY_PATH && (req.method === 'GET' || req.method === 'HEAD')) return this.answerReady(req, res);
      if (this.draining) res.setHeader('connection', 'close');
      this.inFlight += 1;
      res.once('close', () => {
        this.inFlight -= 1;
        if (this.inFlight === 0) this.idle?.();
      });
      handler(req, res);
    };
  }

  /**
   * Starts draining and resolves once no request is in flight, or after `graceMs` at the latest;
   * the caller then closes the listener and whatever connections are left.
   */
  drain(graceMs: number): Promise<void> {
    this.isDraining = true;
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.idle = null;
        resolve();
      };
      const timer = setTimeout(done, graceMs);
      this.idle = done;
    });
  }

  private answerReady(req: IncomingMessage, res: ServerResponse): void {
    const { ready, components } = this.readiness();
    const isReady = ready && !this.draining;
    const body = JSON.stringify({ status: isReady ? 'ready' : 'not-ready', components: { ...components, draining: this.draining } });
    res.writeHead(isReady ? 200 : 503, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
    res.end(req.method === 'HEAD' ? undefined : body);
  }
}

function pathOf(url: string | undefined): string {
  const query = (url ?? '/').indexOf('?');
  return query === -1 ? (url ?? '/') : (url ?? '/').slice(0, query);
}
