/** The right to make one vendor call for every instance; released once its answer is cached. */
export interface FlightLease {
  release(): Promise<void>;
}

/**
 * Shares a call among gateway instances, beyond this process's {@link SingleFlight}: a shared
 * store's lease per key. The embedded default has none (each process is alone).
 */
export interface FlightCoordinator {
  /**
   * A lease on `key` for at most `ttlMs` (a holder that crashed blocks nobody past it), or null
   * once another instance's lease on it has gone (released or expired): the caller then reads the
   * shared cache and asks again. Rejects with `signal`'s reason when it aborts. A store that fails
   * grants the lease (this process decides alone) rather than fail the call.
   */
  lead(key: string, ttlMs: number, signal: AbortSignal): Promise<FlightLease | null>;
}

/** One shared call and how many callers still wait for it. */
interface Flight<T> {
  readonly key: string;
  readonly promise: Promise<T>;
  readonly controller: AbortController;
  /** Callers that may still leave; one that cannot (no signal) pins the flight to the end. */
  waiting: number;
  pinned: boolean;
}

/**
 * Shares one in-flight promise among concurrent callers with the same key: fifty identical
 * requests arriving together cost the vendor one call. The key is forgotten once the promise
 * settles, so later callers start afresh (the cache, not this, serves them).
 *
 * A caller that leaves (its `signal` aborts) stops waiting at once, but the shared call is only
 * abandoned when the last of its callers has left: one request's deadline must not fail the
 * others that share its call.
 */
export class SingleFlight<T> {
  private readonly inFlight = new Map<string, Flight<T>>();

  /**
   * `start` receives the signal that abandons the shared call. `signal` is this caller's: when it
   * aborts, this caller's promise rejects with its reason.
   */
  run(key: string, start: (signal: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T> {
    let flight = this.inFlight.get(key);
    if (flight === undefined) {
      const controller = new AbortController();
      const created: Flight<T> = {
        key,
        promise: start(controller.signal).finally(() => this.forget(created)),
        controller,
        waiting: 0,
        pinned: false,
      };
      this.inFlight.set(key, created);
      flight = created;
    }
    if (signal === undefined) {
      flight.pinned = true;
      return flight.promise;
    }
    return this.wait(flight, signal);
  }

  get size(): number {
    return this.inFlight.size;
  }

  private wait(flight: Flight<T>, signal: AbortSignal): Promise<T> {
    if (signal.aborted) {
      this.leave(flight);
      return Promise.reject(signal.reason);
    }
    flight.waiting += 1;
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => {
        flight.waiting -= 1;
        this.leave(flight);
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      flight.promise.then(
        (value) => {
          signal.removeEventListener('abort', onAbort);
          resolve(value);
        },
        (error: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(error);
        },
      );
    });
  }

  private leave(flight: Flight<T>): void {
    if (flight.waiting > 0 || flight.pinned) return;
    // A caller arriving from now on starts a call of its own rather than join one being abandoned.
    this.forget(flight);
    flight.controller.abort();
  }

  private forget(flight: Flight<T>): void {
    if (this.inFlight.get(flight.key) === flight) this.inFlight.delete(flight.key);
  }
}
