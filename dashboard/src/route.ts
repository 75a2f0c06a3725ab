import { useEffect, useState } from 'preact/hooks';

/**
 * The dashboard's URL state: the view is the path under `/dashboard/`, everything else (range,
 * vendor, user, sort, page) is a query parameter, so a copied URL opens the same view.
 */
export const BASE = '/dashboard/';

export type View = 'overview' | 'vendor' | 'partners' | 'partner' | 'me' | 'alerts';
export const VIEWS: readonly View[] = ['overview', 'vendor', 'partners', 'partner', 'me', 'alerts'];

export interface Route {
  view: View;
  params: URLSearchParams;
}

const CHANGE = 'dashboard:route';

/** The route of the current location; an unknown path is the overview. */
export function currentRoute(): Route {
  const rest = location.pathname.startsWith(BASE) ? location.pathname.slice(BASE.length).replace(/\/+$/, '') : '';
  const view = (VIEWS as readonly string[]).includes(rest) ? (rest as View) : 'overview';
  return { view, params: new URLSearchParams(location.search) };
}

/** The href of a view with these parameters (empty and undefined ones left out). */
export function hrefFor(view: View, params: Record<string, string | null | undefined> = {}): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== undefined && value !== null && value !== '') search.set(name, value);
  const query = search.toString();
  return `${BASE}${view === 'overview' ? '' : view}${query ? `?${query}` : ''}`;
}

/**
 * Goes to `href` without a reload (a new history entry, so Back works). A new view also moves the
 * focus to the page's main region, as a page load would: otherwise a keyboard or screen-reader
 * user stays on the link just followed, with nothing said of the view that replaced the page.
 * A replaced entry (a select changing a parameter) leaves the focus on the control in use.
 */
export function navigate(href: string, replace = false): void {
  if (replace) history.replaceState(null, '', href);
  else history.pushState(null, '', href);
  window.dispatchEvent(new Event(CHANGE));
  if (replace) return;
  window.scrollTo(0, 0);
  document.getElementById(MAIN_ID)?.focus({ preventScroll: true });
}

/** The id of the page's main region, the skip link's target and where a new view puts the focus. */
export const MAIN_ID = 'main';

/** Changes some parameters of the current view (null removes one); replaces the history entry. */
export function setParams(patch: Record<string, string | null>, replace = true): void {
  const { view, params } = currentRoute();
  const next: Record<string, string | null> = Object.fromEntries(params.entries());
  Object.assign(next, patch);
  navigate(hrefFor(view, next), replace);
}

/** The current route, re-rendered on Back/Forward and on {@link navigate}. */
export function useRoute(): Route {
  const [route, setRoute] = useState(currentRoute);
  useEffect(() => {
    const update = () => setRoute(currentRoute());
    window.addEventListener('popstate', update);
    window.addEventListener(CHANGE, update);
    return () => {
      window.removeEventListener('popstate', update);
      window.removeEventListener(CHANGE, update);
    };
  }, []);
  return route;
}

/** Time ranges a view offers, by their URL value. */
export const RANGES = { '24h': 1, '7d': 7, '30d': 30, '90d': 90 } as const;
export type Range = keyof typeof RANGES;
export const DEFAULT_RANGE: Range = '7d';

export function rangeOf(params: URLSearchParams): Range {
  const value = params.get('range');
  return value !== null && value in RANGES ? (value as Range) : DEFAULT_RANGE;
}

/**
 * A range's bounds: instants for history (`since`/`until`, DateTime) and UTC days for partner
 * counters (`sinceDay` inclusive, `untilDay` exclusive, Date), both ending now.
 */
export function rangeBounds(range: Range, now = new Date()): { since: string; until: string; sinceDay: string; untilDay: string } {
  const days = RANGES[range];
  const since = new Date(now.getTime() - days * 86_400_000);
  const tomorrow = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1));
  const firstDay = new Date(tomorrow.getTime() - days * 86_400_000);
  return { since: since.toISOString(), until: now.toISOString(), sinceDay: firstDay.toISOString().slice(0, 10), untilDay: tomorrow.toISOString().slice(0, 10) };
}
