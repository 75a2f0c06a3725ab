import { useEffect, useState } from 'preact/hooks';
import { SignInRequired } from './api/client';
import { forgetCredential, storedCredential } from './api/credential';
import { SIGN_IN_REQUIRED_EVENT, useQuery } from './api/use-query';
import { SessionDocument } from './gql/graphql';
import { AlertsPage } from './pages/alerts';
import { MyUsagePage } from './pages/my-usage';
import { OverviewPage } from './pages/overview';
import { PartnerUserPage } from './pages/partner-user';
import { PartnerUsersPage } from './pages/partner-users';
import { SignIn } from './pages/sign-in';
import { VendorPage } from './pages/vendor';
import { hrefFor, MAIN_ID, useRoute, type View } from './route';
import { accessOf, SessionContext, type Access } from './session';
import { useTheme } from './theme';
import { Link } from './ui/link';
import { Failure, Loading } from './ui/states';

/** The views a caller may open, in menu order. */
function viewsFor(access: Access): Array<{ view: View; label: string }> {
  const views: Array<{ view: View; label: string }> = [];
  if (access.usage) views.push({ view: 'overview', label: 'Overview' });
  if (access.partners) views.push({ view: 'partners', label: 'Partner users' });
  if (access.self) views.push({ view: 'me', label: 'My usage' });
  if (access.usage || access.partners || access.self) views.push({ view: 'alerts', label: 'Alerts' });
  return views;
}

/** Each view's name in the browser's tab and history. */
const VIEW_TITLES: Record<View, string> = {
  overview: 'Overview',
  vendor: 'Vendor',
  partners: 'Partner users',
  partner: 'Partner user',
  me: 'My usage',
  alerts: 'Alerts',
};

/** Names the tab after what it shows (`Sharpe · Vendor · Usage dashboard`), so tabs and history tell views apart. */
function PageTitle(props: { parts: ReadonlyArray<string | null | undefined> }) {
  const title = [...props.parts.filter((part): part is string => Boolean(part)), 'Usage dashboard'].join(' · ');
  useEffect(() => {
    document.title = title;
  }, [title]);
  return null;
}

/** Whether `view` is open to the caller (detail views follow their list's scope). */
function mayOpen(access: Access, view: View): boolean {
  switch (view) {
    case 'overview':
    case 'vendor':
      return access.usage;
    case 'partners':
      return access.partners;
    case 'partner':
      return access.partners;
    case 'me':
      return access.self;
    case 'alerts':
      return access.usage || access.partners || access.self;
  }
}

export function App() {
  const [theme, toggleTheme] = useTheme();
  const [signInReason, setSignInReason] = useState<string | null>(null);
  const session = useQuery(SessionDocument);
  const route = useRoute();

  useEffect(() => {
    const onRefused = (event: Event) => {
      // A refused credential (expired, revoked) is forgotten, so a reload does not send it again.
      forgetCredential();
      setSignInReason((event as CustomEvent<string>).detail);
    };
    window.addEventListener(SIGN_IN_REQUIRED_EVENT, onRefused);
    return () => window.removeEventListener(SIGN_IN_REQUIRED_EVENT, onRefused);
  }, []);

  const signOut = () => {
    forgetCredential();
    setSignInReason('Signed out.');
  };

  const header = (access: Access | null) => (
    <header class="top">
      <a class="skip" href="#main">
        Skip to content
      </a>
      <span class="brand">Usage gateway</span>
      {access ? (
        <nav aria-label="Views">
          {viewsFor(access).map(({ view, label }) => (
            <Link href={hrefFor(view)} current={route.view === view} testId={`nav-${view}`}>
              {label}
            </Link>
          ))}
        </nav>
      ) : null}
      <span class="spacer" />
      <button type="button" class="secondary" onClick={toggleTheme} aria-pressed={theme === 'dark'} data-testid="theme-toggle">
        Dark theme
      </button>
      {storedCredential() !== null ? (
        <button type="button" class="secondary" onClick={signOut} data-testid="sign-out">
          Sign out
        </button>
      ) : null}
    </header>
  );

  const signedIn = () => {
    setSignInReason(null);
    session.refetch();
  };

  if (signInReason !== null || (session.status === 'failed' && session.error instanceof SignInRequired)) {
    return (
      <>
        {header(null)}
        <PageTitle parts={['Sign in']} />
        <SignIn reason={signInReason ?? (session.status === 'failed' ? session.error.message : null)} onSignedIn={signedIn} />
      </>
    );
  }
  if (session.status === 'loading') {
    return (
      <>
        {header(null)}
        <main id="main">
          <Loading what="the dashboard" />
        </main>
      </>
    );
  }
  if (session.status === 'failed') {
    return (
      <>
        {header(null)}
        <main id="main">
          <Failure error={session.error} retry={session.refetch} />
        </main>
      </>
    );
  }
  const access = accessOf(session.answer);
  const views = viewsFor(access);
  // The overview is the home page; a caller without `usage:read` lands on its first view.
  const view: View | null = mayOpen(access, route.view) ? route.view : (views[0]?.view ?? null);
  return (
    <SessionContext.Provider value={access}>
      {header(access)}
      <PageTitle parts={view === null ? [] : [view === 'vendor' ? (access.providers.find((provider) => provider.kind === route.params.get('vendor'))?.name ?? route.params.get('vendor')) : view === 'partner' ? route.params.get('user') : null, VIEW_TITLES[view]]} />
      <main id={MAIN_ID} tabIndex={-1} data-view={view ?? 'none'}>
        {view === null ? <p class="state empty">This credential may not read any usage.</p> : null}
        {view === 'overview' ? <OverviewPage params={route.params} /> : null}
        {view === 'vendor' ? <VendorPage params={route.params} /> : null}
        {view === 'partners' ? <PartnerUsersPage params={route.params} /> : null}
        {view === 'partner' ? <PartnerUserPage params={route.params} /> : null}
        {view === 'me' ? <MyUsagePage params={route.params} /> : null}
        {view === 'alerts' ? <AlertsPage params={route.params} /> : null}
      </main>
    </SessionContext.Provider>
  );
}
