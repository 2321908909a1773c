import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { ApiError, handleUnauthorized, type Me } from './api';
import { Footer } from './components/Footer';
import { Header } from './components/Header';
import { useIdle } from './idle';
import { Account } from './pages/Account';
import { Admin } from './pages/Admin';
import { Audit } from './pages/Audit';
import { RecordPage, Records } from './pages/Records';
import { Enrol } from './pages/Enrol';
import { Forbidden } from './pages/Forbidden';
import { BreachLog } from './dpo/BreachLog';
import { BreachPage } from './dpo/BreachPage';
import { Register } from './dpo/Register';
import { Home } from './pages/Home';
import { NotFound } from './pages/NotFound';
import { Setup } from './pages/Setup';
import { SignIn, type SignInNotice } from './pages/SignIn';
import { Consultation } from './pages/consult/Consultation';
import { Consultations } from './pages/consult/Consultations';
import { Join } from './pages/consult/Join';
import { ConversationPage } from './pages/messages/Conversation';
import { FilePage } from './pages/messages/File';
import { FilingPage } from './pages/Filing';
import { Holds } from './pages/Holds';
import { MembersPage } from './pages/messages/Members';
import { Messages } from './pages/messages/Messages';
import { NewConversation } from './pages/messages/NewConversation';
import { Alerts } from './incident/Alerts';
import { BleepPage } from './pages/incident/Bleep';
import { BoardPage } from './pages/incident/Board';
import { DeclarePage } from './pages/incident/Declare';
import { Duty } from './pages/incident/Duty';
import { Incidents } from './pages/incident/Incidents';
import { LogPage } from './pages/incident/Log';
import { UrgentList } from './pages/incident/UrgentList';
import { eraseStore, loadedCore } from './messaging/core';
import { isUnlocked, lock as lockMessaging, pinLimitEvent, policyEvent, setSigningOut } from './messaging/state';
import { canAdmin, canAudit, canBreachLog, canConsult, canReview } from './roles';
import { match, navigate, onLinkClick, usePath } from './router';
import { forgetThisBrowser } from './device';
import { endSession, loadMe, signOut } from './session';

/** App is the shell: header, the page for the current path, footer. Pages
 * behind sign-in wait for the first /api/me; it is asked again on every
 * navigation so a revoked device or ended session is noticed at once. */
export function App() {
  const path = usePath();
  const [me, setMe] = useState<Me | null>(null);
  const [notice, setNotice] = useState<SignInNotice>(null);
  const [loadError, setLoadError] = useState('');
  const isPublic = publicPage(path) !== null;

  const toSignIn = useCallback((why: SignInNotice) => {
    setMe(null);
    // Someone who was never signed in in this tab is not told that a
    // session ended; a later 401 of the same ending keeps the first notice.
    if (endSession() || why === 'signed-out' || why === 'pin-limit') setNotice(why);
    if (why === 'revoked') {
      // A revoked device can never be used again: nothing of it stays.
      void lockMessaging()
        .then(() => eraseStore())
        .catch(() => {})
        .finally(forgetThisBrowser);
    }
    // A later 401 of the same ending finds the page on sign-in already:
    // it stays, with where to return to. Signing out on purpose returns
    // nowhere.
    const deliberate = why === 'signed-out' || why === 'pin-limit';
    if (!deliberate && location.pathname === '/signin') return;
    const here = location.pathname + location.search;
    const back = !deliberate && location.pathname !== '/' && !publicPage(location.pathname);
    navigate(`/signin${back ? `?next=${encodeURIComponent(here)}` : ''}`, { replace: true });
  }, []);

  useEffect(
    () => handleUnauthorized((code) => toSignIn(code === 'device_revoked' ? 'revoked' : 'expired')),
    [toSignIn],
  );

  useEffect(() => {
    if (isPublic) return;
    let live = true;
    loadMe()
      .then((m) => {
        if (!live) return;
        setMe(m);
        void loadedCore()?.setCSRF(m.csrf_token);
        setLoadError('');
      })
      .catch((e: unknown) => {
        // A 401 has already moved to /signin.
        if (live && e instanceof ApiError && e.status !== 401) setLoadError(e.message);
      });
    return () => {
      live = false;
    };
  }, [path, isPublic]);

  // A policy change (a shorter idle limit) reaches open pages at once:
  // the messaging socket says so, and a page without one reads the policy
  // again whenever it is shown.
  useEffect(() => {
    if (isPublic || !me) return;
    const reread = () =>
      loadMe()
        .then((m) => setMe((old) => (old && samePolicy(old, m) ? old : m)))
        .catch(() => {});
    const onVisible = () => document.visibilityState === 'visible' && reread();
    window.addEventListener(policyEvent, reread);
    window.addEventListener('focus', reread);
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      window.removeEventListener(policyEvent, reread);
      window.removeEventListener('focus', reread);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, [isPublic, me !== null]);

  const onSignedIn = useCallback((m: Me, next = '/') => {
    setMe(m);
    setNotice(null);
    navigate(next);
  }, []);

  const onSignOut = useCallback(async (why: SignInNotice = 'signed-out') => {
    // Signing out erases this device's messages: the store in IndexedDB
    // and its push subscription.
    setSigningOut(true);
    await lockMessaging();
    await fetch('/api/push/subscriptions', {
      method: 'DELETE',
      headers: { 'X-CSRF-Token': me?.csrf_token ?? '' },
      credentials: 'same-origin',
    }).catch(() => {});
    // If another tab holds the store open it may outlive this sign-out,
    // still encrypted under the PIN; the next person's PIN page erases it.
    await eraseStore().catch(() => {});
    await signOut(true);
    forgetThisBrowser();
    toSignIn(why);
    setSigningOut(false);
  }, [toSignIn, me]);

  // Too many wrong PINs: the messages on this device are erased and the
  // person signed out, told why.
  useEffect(() => {
    const erase = () => void onSignOut('pin-limit');
    window.addEventListener(pinLimitEvent, erase);
    return () => window.removeEventListener(pinLimitEvent, erase);
  }, [onSignOut]);

  // At the idle limit an unlocked messaging store locks (the pages then
  // show only the PIN form); otherwise the person is signed out.
  const [idleRound, setIdleRound] = useState(0);
  const onIdle = useCallback(async () => {
    if (isUnlocked()) {
      await lockMessaging();
      setIdleRound((n) => n + 1);
      return;
    }
    await signOut();
    toSignIn('idle');
  }, [toSignIn]);
  useIdle(me && !isPublic ? me.idle_timeout_seconds : undefined, onIdle, idleRound);

  const ready = isPublic || me !== null;
  useFocusHeadingOnNavigate(path, ready);

  return (
    <div onClick={onLinkClick}>
      <a class="nhsuk-skip-link" href="#maincontent">
        Skip to main content
      </a>
      <Header me={isPublic ? null : me} path={path} onSignOut={onSignOut} />
      <div class="nhsuk-width-container">
        {me && !isPublic && <Alerts path={path} />}
        <main class="nhsuk-main-wrapper" id="maincontent" role="main" tabIndex={-1}>
          {ready ? page(path, me, onSignedIn, notice, onSignOut) : <Loading error={loadError} />}
        </main>
      </div>
      <Footer />
    </div>
  );
}

// samePolicy reports whether two answers from /api/me carry the same
// organisation policy, so an unchanged one does not redraw the page.
function samePolicy(a: Me, b: Me): boolean {
  return a.idle_timeout_seconds === b.idle_timeout_seconds && a.pin_attempts === b.pin_attempts;
}

function publicPage(path: string): string | null {
  if (path === '/signin') return 'signin';
  if (match(path, '/setup/') !== null) return 'setup';
  if (match(path, '/enrol/') !== null) return 'enrol';
  if (match(path, '/join/') !== null) return 'join';
  return null;
}

function page(
  path: string,
  me: Me | null,
  onSignedIn: (m: Me, next?: string) => void,
  notice: SignInNotice,
  onSignOut: () => void,
) {
  const setupToken = match(path, '/setup/');
  if (setupToken !== null) return <Setup token={setupToken} />;
  const enrolToken = match(path, '/enrol/');
  if (enrolToken !== null) return <Enrol token={enrolToken} onSignedIn={onSignedIn} />;
  if (path === '/signin') return <SignIn onSignedIn={onSignedIn} notice={notice} />;
  const joinToken = match(path, '/join/');
  if (joinToken !== null) return <Join token={joinToken} />;
  if (!me) return <Loading />;
  const consultID = match(path, '/consultations/');
  if (consultID !== null) return canConsult(me) ? <Consultation id={consultID} /> : <Forbidden />;
  const recordID = match(path, '/records/');
  if (recordID !== null) return canReview(me) ? <RecordPage id={recordID} /> : <Forbidden />;
  const convMembers = /^\/messages\/([0-9a-f]{32})\/members$/.exec(path);
  if (convMembers) return <MembersPage me={me} id={convMembers[1]} />;
  const convFile = /^\/messages\/([0-9a-f]{32})\/file$/.exec(path);
  if (convFile) return <FilePage me={me} id={convFile[1]} />;
  const filingID = match(path, '/filings/');
  if (filingID !== null) return <FilingPage id={filingID} />;
  const incidentLog = /^\/incidents\/([0-9a-zA-Z_-]+)\/log$/.exec(path);
  if (incidentLog) return <LogPage me={me} id={incidentLog[1]} />;
  const incidentID = match(path, '/incidents/');
  if (incidentID === 'new') return <DeclarePage me={me} />;
  if (incidentID === 'all') return <Incidents me={me} all />;
  if (incidentID !== null) return <BoardPage me={me} id={incidentID} />;
  const breachID = match(path, '/dpo/breaches/');
  if (breachID !== null) return canBreachLog(me) ? <BreachPage id={breachID} /> : <Forbidden />;
  const roleID = match(path, '/duty/');
  if (roleID !== null) return <BleepPage me={me} id={roleID} />;
  const convID = match(path, '/messages/');
  if (convID === 'new') return <NewConversation me={me} />;
  if (convID !== null) return <ConversationPage me={me} id={convID} />;
  switch (path) {
    case '/':
      return <Home me={me} />;
    case '/account':
      return <Account me={me} onSignOut={onSignOut} />;
    case '/admin':
      return canAdmin(me) ? <Admin me={me} /> : <Forbidden />;
    case '/audit':
      return canAudit(me) ? <Audit me={me} /> : <Forbidden />;
    case '/register':
      return <Register me={me} />;
    case '/dpo':
      return canBreachLog(me) ? <BreachLog /> : <Forbidden />;
    case '/records':
      return canReview(me) ? <Records /> : <Forbidden />;
    case '/holds':
      return canAudit(me) ? <Holds me={me} /> : <Forbidden />;
    case '/messages':
      return <Messages me={me} />;
    case '/duty':
      return <Duty me={me} />;
    case '/urgent':
      return <UrgentList />;
    case '/incidents':
      return <Incidents me={me} all={false} />;
    case '/consultations':
      return canConsult(me) ? <Consultations /> : <Forbidden />;
    default:
      return <NotFound />;
  }
}

function Loading({ error }: { error?: string }) {
  if (error) {
    return (
      <>
        <h1>Sorry, there is a problem with the service</h1>
        <p class="nhsuk-body">{error}</p>
      </>
    );
  }
  return (
    <p class="nhsuk-body" aria-live="polite">
      Loading…
    </p>
  );
}

// After a client-side navigation, focus the new page's heading so screen
// reader users hear where they are, as on a full page load.
function useFocusHeadingOnNavigate(path: string, ready: boolean): void {
  const first = useRef(true);
  useLayoutEffect(() => {
    if (!ready) return;
    if (first.current) {
      first.current = false;
      return;
    }
    const h1 = document.querySelector<HTMLElement>('main h1');
    if (h1) {
      h1.tabIndex = -1;
      h1.focus({ preventScroll: true });
    }
  }, [path, ready]);
}
