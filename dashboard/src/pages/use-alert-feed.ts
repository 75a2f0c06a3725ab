import { useEffect, useState } from 'preact/hooks';
import { execute, RequestFailed, SignInRequired } from '../api/client';
import { backoffDelay, streamOnce } from '../api/subscription';
import { SIGN_IN_REQUIRED_EVENT } from '../api/use-query';
import { AlertEventsAfterDocument, AlertEventsLiveDocument, type AlertEventFieldsFragment } from '../gql/graphql';

export type AlertEvent = AlertEventFieldsFragment;

/** The live feed's connection: opening, open, waiting to reconnect, or given up for a reason. */
export type FeedStatus = { state: 'connecting' } | { state: 'live' } | { state: 'reconnecting'; inMs: number; reason: string } | { state: 'off'; reason: string };

export interface AlertFeed {
  status: FeedStatus;
  /**
   * The alerts firing now, oldest first; null until a stream's first message has said, since the
   * recorded events read before it may be too few to tell what still fires.
   */
  firing: AlertEvent[] | null;
  /** Every event seen, newest first, each once. */
  events: AlertEvent[];
  /** Why the recorded events could not be read, when they could not. */
  historyError: string | null;
  /** The newest event the live stream delivered (not one read from the record), for a screen reader to announce. */
  latestLive: AlertEvent | null;
}

/** Most recorded events read on opening; older ones stay in the store (and in `alertEvents`). */
const HISTORY_PAGES = 20;
/** Most events the feed keeps in view. */
const KEPT = 1000;

/**
 * The alerts feed: the recorded events, then the `alertEvents` subscription. After a dropped
 * stream it reconnects with backoff; the new stream's first message brings the firing set, and
 * the events recorded in between are read with `alertEvents(after:)` from the last cursor seen.
 * Events are kept by id (an alert's key and kind, recorded once), so none is shown twice.
 */
export function useAlertFeed(): AlertFeed {
  const [feed, setFeed] = useState<AlertFeed>({ status: { state: 'connecting' }, firing: null, events: [], historyError: null, latestLive: null });

  useEffect(() => {
    const controller = new AbortController();
    const { signal } = controller;
    const seen = new Set<string>();
    // Keys resolved: a FIRED event read late (a catch-up behind the live stream) does not reopen them.
    const resolved = new Set<string>();
    let lastCursor: string | null = null;
    let catchingUp = false;

    const add = (events: readonly AlertEvent[]) => {
      const fresh = events.filter((event) => !seen.has(event.id));
      if (fresh.length === 0) return;
      for (const event of fresh) {
        seen.add(event.id);
        if (event.kind === 'RESOLVED') resolved.add(event.key);
      }
      setFeed((previous) => {
        let firing = previous.firing;
        for (const event of fresh) {
          if (firing === null) break;
          firing = firing.filter((alert) => alert.key !== event.key);
          if (event.kind === 'FIRED' && !resolved.has(event.key)) firing = [...firing, event];
        }
        return { ...previous, firing, events: [...[...fresh].reverse(), ...previous.events].slice(0, KEPT) };
      });
    };
    const setStatus = (status: FeedStatus) => setFeed((previous) => ({ ...previous, status }));

    // Reads every event after `lastCursor`; live events meanwhile do not move the cursor, so the
    // pages read cover the whole gap, and the cursor lands after them.
    // A catch-up asked for while one runs (a stream reopened meanwhile) is not dropped: it runs
    // again from where the first ended, so the gap before the newer stream is read too.
    let askedAgain = false;
    const catchUp = async () => {
      if (catchingUp) {
        askedAgain = true;
        return;
      }
      catchingUp = true;
      try {
        do {
          askedAgain = false;
          let after = lastCursor;
          for (let page = 0; page < HISTORY_PAGES && !signal.aborted; page++) {
            const answer = await execute(AlertEventsAfterDocument, { after }, signal);
            const result = answer.data?.alertEvents;
            if (!result) throw new Error(answer.errors[0]?.message ?? 'The alert events cannot be read.');
            add(result.events);
            after = result.endCursor ?? after;
            if (!result.hasMore) break;
          }
          lastCursor = after;
        } while (askedAgain && !signal.aborted);
        setFeed((previous) => ({ ...previous, historyError: null }));
      } catch (error) {
        if ((error as Error).name === 'AbortError') return;
        if (error instanceof SignInRequired) throw error;
        setFeed((previous) => ({ ...previous, historyError: (error as Error).message }));
      } finally {
        catchingUp = false;
      }
    };

    // Each wait takes its abort listener off again: a page left open through many reconnects
    // would otherwise pile one listener per attempt onto the signal.
    const wait = (ms: number) =>
      new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          signal.removeEventListener('abort', done);
          resolve();
        };
        const timer = setTimeout(done, ms);
        signal.addEventListener('abort', done, { once: true });
      });

    const signInRequired = (error: SignInRequired) => {
      window.dispatchEvent(new CustomEvent(SIGN_IN_REQUIRED_EVENT, { detail: error.message }));
      setStatus({ state: 'off', reason: error.message });
    };

    const run = async () => {
      await catchUp();
      for (let attempt = 0; !signal.aborted; ) {
        setStatus({ state: 'connecting' });
        let reason = 'The stream ended.';
        try {
          await streamOnce(
            AlertEventsLiveDocument,
            {},
            (answer) => {
              const message = answer.data?.alertEvents;
              if (!message) return;
              if (message.firing) {
                attempt = 0;
                setFeed((previous) => ({ ...previous, status: { state: 'live' }, firing: message.firing ?? [] }));
                catchUp().catch((error: unknown) => error instanceof SignInRequired && signInRequired(error));
              }
              if (message.event) {
                const event = message.event;
                if (!seen.has(event.id)) setFeed((previous) => ({ ...previous, latestLive: event }));
                add([event]);
                if (!catchingUp) lastCursor = message.event.cursor;
              }
            },
            signal,
          );
        } catch (error) {
          if (signal.aborted) return;
          if (error instanceof SignInRequired) return signInRequired(error);
          if (error instanceof RequestFailed && error.code === 'ALERTING_OFF') return setStatus({ state: 'off', reason: error.message });
          reason = (error as Error).message;
        }
        if (signal.aborted) return;
        const inMs = backoffDelay(attempt++);
        setStatus({ state: 'reconnecting', inMs, reason });
        await wait(inMs);
      }
    };
    run().catch((error: unknown) => {
      if (error instanceof SignInRequired) signInRequired(error);
    });
    return () => controller.abort();
  }, []);

  return feed;
}
