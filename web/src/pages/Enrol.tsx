import { useEffect, useState } from 'preact/hooks';
import { ApiError, get, post, seg, type Me } from '../api';
import { cleanCode, CodeInput, codeError } from '../components/CodeInput';
import { ErrorSummary, errorFor, type FieldError } from '../components/ErrorSummary';
import { PasswordInput } from '../components/PasswordInput';
import { thisDevice } from '../device';
import { signedIn, type SignInResult } from '../session';
import { useTitle } from '../title';
import { LinkNotValid } from './LinkNotValid';

interface Invite {
  email: string;
  name: string;
  org_name: string;
}

interface Totp {
  totp_uri: string;
  totp_secret: string;
  qr_png: string;
}

/** MIN_PASSWORD is the NCSC-style policy the server enforces: length, not
 * complexity rules, plus a deny list of common passwords. */
export const MIN_PASSWORD = 12;

interface Props {
  token: string;
  onSignedIn: (me: Me) => void;
}

/** Enrol is where a new person, following their one-time link, sets a
 * password and then adds Switchboard to their authenticator app. */
export function Enrol({ token, onSignedIn }: Props) {
  const [invite, setInvite] = useState<Invite | null>(null);
  const [invalid, setInvalid] = useState<ApiError | null>(null);
  const [totp, setTotp] = useState<Totp | null>(null);

  useEffect(() => {
    get<Invite>(`/api/enrol/${seg(token)}`, { public: true })
      .then(setInvite)
      .catch((e) => setInvalid(e instanceof ApiError ? e : new ApiError(0, String(e))));
  }, [token]);

  if (invalid) return <InvalidLink error={invalid} />;
  if (!invite) return <p class="nhsuk-body">Checking your link…</p>;
  if (!totp) return <PasswordStep token={token} invite={invite} onDone={setTotp} />;
  return <TotpStep token={token} totp={totp} onSignedIn={onSignedIn} />;
}

function InvalidLink({ error }: { error: ApiError }) {
  const notFound = error.status === 404;
  useTitle(notFound ? 'Link not valid' : 'Sorry, there is a problem');
  if (!notFound) {
    return (
      <LinkNotValid heading="Sorry, there is a problem with the service">
        <p>{error.message}</p>
      </LinkNotValid>
    );
  }
  return (
    <LinkNotValid heading="This link is not valid">
      <p>It may have been used already or have expired: links work once, for a limited time.</p>
      <p>Ask your organisation’s Switchboard administrator for a new one.</p>
      <p>
        If you have already set up your account, <a href="/signin">sign in</a>.
      </p>
    </LinkNotValid>
  );
}

function PasswordStep({ token, invite, onDone }: { token: string; invite: Invite; onDone: (t: Totp) => void }) {
  const [password, setPassword] = useState('');
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [busy, setBusy] = useState(false);
  useTitle('Create a password', errors.length > 0);

  const submit = async (e: Event) => {
    e.preventDefault();
    // Only emptiness is checked here: the policy lives on the server, and
    // its reason for refusing a password is shown as it is.
    const errs: FieldError[] = password ? [] : [{ field: 'password', text: 'Enter a password' }];
    setErrors(errs);
    if (errs.length) return;
    setBusy(true);
    try {
      onDone(await post<Totp>('/api/enrol/password', { token, password }, { public: true }));
    } catch (err) {
      const text = err instanceof ApiError ? err.message : String(err);
      setErrors([{ field: err instanceof ApiError && err.status === 400 ? 'password' : undefined, text }]);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="nhsuk-grid-row">
      <div class="nhsuk-grid-column-two-thirds">
        <ErrorSummary errors={errors} />
        <span class="nhsuk-caption-l">Set up your account: step 1 of 2</span>
        <h1>Create a password</h1>
        <dl class="nhsuk-summary-list">
          <div class="nhsuk-summary-list__row">
            <dt class="nhsuk-summary-list__key">Name</dt>
            <dd class="nhsuk-summary-list__value">{invite.name}</dd>
          </div>
          <div class="nhsuk-summary-list__row">
            <dt class="nhsuk-summary-list__key">Email address</dt>
            <dd class="nhsuk-summary-list__value">{invite.email}</dd>
          </div>
          <div class="nhsuk-summary-list__row">
            <dt class="nhsuk-summary-list__key">Organisation</dt>
            <dd class="nhsuk-summary-list__value">{invite.org_name}</dd>
          </div>
        </dl>
        <form onSubmit={submit} novalidate>
          {/* Lets password managers save the password against the email. */}
          <input type="hidden" name="username" autocomplete="username" value={invite.email} />
          <PasswordInput
            id="password"
            label="Password"
            autocomplete="new-password"
            value={password}
            onInput={setPassword}
            error={errorFor(errors, 'password')}
            hint={
              <>
                Your password must:
                <ul class="nhsuk-list nhsuk-list--bullet nhsuk-u-margin-bottom-0">
                  <li>be {MIN_PASSWORD} characters or more</li>
                  <li>not be a common password, like password1234</li>
                </ul>
                A good way to make one is 3 random words, like <i>teacup river lantern</i>. You do not need
                numbers or symbols.
              </>
            }
          />
          <button class="nhsuk-button" type="submit" disabled={busy}>
            Continue
          </button>
        </form>
      </div>
    </div>
  );
}

interface TotpProps {
  token: string;
  totp: Totp;
  onSignedIn: (me: Me) => void;
}

function TotpStep({ token, totp, onSignedIn }: TotpProps) {
  const [code, setCode] = useState('');
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [busy, setBusy] = useState(false);
  useTitle('Set up your security code', errors.length > 0);

  const submit = async (e: Event) => {
    e.preventDefault();
    const msg = codeError(code);
    setErrors(msg ? [{ field: 'code', text: msg }] : []);
    if (msg) return;
    setBusy(true);
    try {
      const r = await post<SignInResult>(
        '/api/enrol/confirm',
        { token, code: cleanCode(code), device: thisDevice() },
        { public: true },
      );
      onSignedIn(signedIn(r));
    } catch (err) {
      const text = err instanceof ApiError ? err.message : String(err);
      setErrors([{ field: err instanceof ApiError && err.status === 400 ? 'code' : undefined, text }]);
      setBusy(false);
    }
  };

  return (
    <div class="nhsuk-grid-row">
      <div class="nhsuk-grid-column-two-thirds">
        <ErrorSummary errors={errors} />
        <span class="nhsuk-caption-l">Set up your account: step 2 of 2</span>
        <h1>Set up your security code</h1>
        <p>
          Each time you sign in you will also enter a 6-digit code from an authenticator app on your phone, such
          as Microsoft Authenticator or Google Authenticator.
        </p>
        <ol class="nhsuk-list nhsuk-list--number">
          <li>Open your authenticator app and choose to add an account.</li>
          <li>
            Scan this QR code with it.
            <img
              class="app-qr nhsuk-u-margin-top-3"
              src={totp.qr_png}
              width={200}
              height={200}
              alt="QR code to add Switchboard to your authenticator app. If you cannot scan it, use the setup key below."
            />
            <p class="nhsuk-body-s nhsuk-u-margin-bottom-2">If you cannot scan the code, enter this setup key:</p>
            <p>
              <code class="app-secret" data-testid="totp-secret">
                {groups(totp.totp_secret)}
              </code>
            </p>
          </li>
          <li>Enter the 6-digit code the app now shows for Switchboard.</li>
        </ol>
        <form onSubmit={submit} novalidate>
          <CodeInput value={code} onInput={setCode} error={errorFor(errors, 'code')} />
          <button class="nhsuk-button" type="submit" disabled={busy}>
            Confirm and sign in
          </button>
        </form>
      </div>
    </div>
  );
}

// Groups of four are easier to read out and type; apps ignore the spaces.
function groups(secret: string): string {
  return secret.replace(/\s/g, '').replace(/(.{4})(?=.)/g, '$1 ');
}
