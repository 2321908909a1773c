import { useEffect, useState } from 'preact/hooks';
import { ApiError, get, post, seg } from '../api';
import { ErrorSummary, errorFor, type FieldError } from '../components/ErrorSummary';
import { TextInput } from '../components/TextInput';
import { emailErrors, serverError } from '../validate';
import { navigate } from '../router';
import { useTitle } from '../title';
import { LinkNotValid } from './LinkNotValid';

/** Setup is the first-start page: the one-time link printed by
 * `switchboard serve` creates the organisation and its first
 * administrator, who then sets a password and security code. */
export function Setup({ token }: { token: string }) {
  const [state, setState] = useState<'checking' | 'valid' | 'invalid' | 'failed'>('checking');
  const [failure, setFailure] = useState('');
  const [ods, setOds] = useState('');
  const [orgName, setOrgName] = useState('');
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [busy, setBusy] = useState(false);
  useTitle(state === 'invalid' ? 'Setup link not valid' : 'Set up Switchboard', errors.length > 0);

  useEffect(() => {
    get(`/api/setup/${seg(token)}`, { public: true })
      .then(() => setState('valid'))
      .catch((e) => {
        if (e instanceof ApiError && e.status === 404) return setState('invalid');
        setFailure(e instanceof ApiError ? e.message : String(e));
        setState('failed');
      });
  }, [token]);

  if (state === 'checking') return <p class="nhsuk-body">Checking your setup link…</p>;
  if (state === 'failed') {
    return (
      <LinkNotValid heading="Sorry, there is a problem with the service">
        <p>{failure}</p>
      </LinkNotValid>
    );
  }
  if (state === 'invalid') {
    return (
      <LinkNotValid heading="This setup link is not valid">
        <p>It may have been used already. Setup happens once, when Switchboard first starts.</p>
        <p>
          If your organisation is already set up, <a href="/signin">sign in</a>.
        </p>
      </LinkNotValid>
    );
  }

  const submit = async (e: Event) => {
    e.preventDefault();
    const errs = validate(ods, orgName, name, email);
    setErrors(errs);
    if (errs.length) return;
    setBusy(true);
    try {
      const r = await post<{ enrol_token: string }>(
        '/api/setup',
        { token, ods: ods.trim().toUpperCase(), org_name: orgName.trim(), name: name.trim(), email: email.trim() },
        { public: true },
      );
      navigate(`/enrol/${seg(r.enrol_token)}`);
    } catch (err) {
      const msg = err instanceof ApiError ? err.message : String(err);
      setErrors([
        serverError(msg, [
          [/ODS/, 'ods'],
          [/organisation name/i, 'org-name'],
          [/email/i, 'email'],
          [/name/i, 'name'],
        ]),
      ]);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="nhsuk-grid-row">
      <div class="nhsuk-grid-column-two-thirds">
        <ErrorSummary errors={errors} />
        <h1>Set up Switchboard</h1>
        <p>
          Tell us about your organisation and yourself. You will be its first administrator, and can then add
          your colleagues.
        </p>
        <form onSubmit={submit} novalidate>
          <h2 class="nhsuk-heading-m">Your organisation</h2>
          <TextInput
            id="ods"
            label="ODS code"
            hint="The Organisation Data Service code, for example RX1 for a trust or A81001 for a GP practice."
            value={ods}
            onInput={setOds}
            error={errorFor(errors, 'ods')}
            width={10}
            spellcheck={false}
            autocomplete="off"
            code
          />
          <TextInput
            id="org-name"
            label="Organisation name"
            value={orgName}
            onInput={setOrgName}
            error={errorFor(errors, 'org-name')}
            autocomplete="organization"
          />
          <h2 class="nhsuk-heading-m">About you</h2>
          <TextInput
            id="name"
            label="Full name"
            value={name}
            onInput={setName}
            error={errorFor(errors, 'name')}
            autocomplete="name"
            spellcheck={false}
          />
          <TextInput
            id="email"
            label="Email address"
            hint="Your work email. You will use it to sign in."
            type="email"
            value={email}
            onInput={setEmail}
            error={errorFor(errors, 'email')}
            autocomplete="email"
            spellcheck={false}
          />
          <button class="nhsuk-button" type="submit" disabled={busy}>
            Continue
          </button>
        </form>
      </div>
    </div>
  );
}

function validate(ods: string, orgName: string, name: string, email: string): FieldError[] {
  const errs: FieldError[] = [];
  const code = ods.trim();
  if (!code) errs.push({ field: 'ods', text: 'Enter your organisation’s ODS code' });
  else if (!/^[A-Za-z0-9]{3,10}$/.test(code) || !/[A-Za-z]/.test(code)) {
    errs.push({ field: 'ods', text: 'ODS code must be 3 to 10 letters and numbers, like RX1 or A81001' });
  }
  if (!orgName.trim()) errs.push({ field: 'org-name', text: 'Enter your organisation’s name' });
  if (!name.trim()) errs.push({ field: 'name', text: 'Enter your full name' });
  errs.push(...emailErrors(email, 'email'));
  return errs;
}
