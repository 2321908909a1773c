import { useState } from 'preact/hooks';
import { ApiError, post, type Me } from '../api';
import { cleanCode, CodeInput, codeError } from '../components/CodeInput';
import { ErrorSummary, errorFor, type FieldError } from '../components/ErrorSummary';
import { Notice } from '../components/Notice';
import { PasswordInput } from '../components/PasswordInput';
import { TextInput } from '../components/TextInput';
import { thisDevice } from '../device';
import { safeNext, signedIn, type SignInResult } from '../session';
import { useTitle } from '../title';
import { emailErrors } from '../validate';
import { localRetry } from '../format';

/** SignInNotice says why the person is on the sign-in page, if the app
 * sent them there. */
export type SignInNotice = 'signed-out' | 'expired' | 'idle' | 'revoked' | 'pin-limit' | null;

interface Props {
  onSignedIn: (me: Me, next?: string) => void;
  notice: SignInNotice;
}

/** SignIn asks for email, password and the security code together; a
 * refusal never says which one was wrong. */
export function SignIn({ onSignedIn, notice }: Props) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [busy, setBusy] = useState(false);
  useTitle('Sign in', errors.length > 0);

  const submit = async (e: Event) => {
    e.preventDefault();
    const errs = [...emailErrors(email, 'email')];
    if (!password) errs.push({ field: 'password', text: 'Enter your password' });
    const ce = codeError(code);
    if (ce) errs.push({ field: 'code', text: ce });
    setErrors(errs);
    if (errs.length) return;
    setBusy(true);
    try {
      const r = await post<SignInResult>(
        '/api/session',
        { email: email.trim(), password, code: cleanCode(code), device: thisDevice() },
        { public: true },
      );
      onSignedIn(signedIn(r), safeNext(new URLSearchParams(location.search).get('next')));
    } catch (err) {
      // The server's sentence: for 401 it does not say which part was
      // wrong; for 429 it says when to try again.
      setErrors([{ text: err instanceof ApiError ? localRetry(err.message, err.retryAfter) : String(err) }]);
      setCode('');
      setBusy(false);
    }
  };

  return (
    <div class="nhsuk-grid-row">
      <div class="nhsuk-grid-column-two-thirds">
        <ErrorSummary errors={errors} />
        {!errors.length && notice && <SignInNoticeBanner notice={notice} />}
        <h1>Sign in to Switchboard</h1>
        <form onSubmit={submit} novalidate>
          <TextInput
            id="email"
            label="Email address"
            type="email"
            value={email}
            onInput={setEmail}
            error={errorFor(errors, 'email')}
            autocomplete="username"
            spellcheck={false}
          />
          <PasswordInput
            id="password"
            label="Password"
            autocomplete="current-password"
            value={password}
            onInput={setPassword}
            error={errorFor(errors, 'password')}
          />
          <CodeInput value={code} onInput={setCode} error={errorFor(errors, 'code')} />
          <button class="nhsuk-button" type="submit" disabled={busy}>
            Sign in
          </button>
        </form>
        <p class="nhsuk-body-s">
          Forgotten your password or lost your phone? Contact your organisation’s Switchboard administrator.
        </p>
      </div>
    </div>
  );
}

function SignInNoticeBanner({ notice }: { notice: Exclude<SignInNotice, null> }) {
  const text = {
    'signed-out': 'You have signed out.',
    expired: 'Your session has ended. Sign in again to continue.',
    idle: 'You were signed out because Switchboard was not used for a while. Sign in again to continue.',
    revoked:
      'This device was revoked (removed from your account by you or an administrator), so it has been signed out. If you sign in again it is added as a new device.',
    'pin-limit':
      'The messaging PIN was entered wrongly too many times, so the messages on this device were erased and you were signed out. Sign in again and choose a new PIN.',
  }[notice];
  return (
    <Notice success={notice === 'signed-out'} title={notice === 'signed-out' ? 'Signed out' : 'Important'} testid="signin-notice">
      <p class="nhsuk-notification-banner__heading">{text}</p>
    </Notice>
  );
}
