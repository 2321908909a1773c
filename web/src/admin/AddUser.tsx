import { useState } from 'preact/hooks';
import { post } from '../api';
import { ErrorSummary, errorFor, type FieldError } from '../components/ErrorSummary';
import { TextInput } from '../components/TextInput';
import { message } from '../load';
import { emailErrors, serverError } from '../validate';
import { EnrolLink } from './EnrolLink';
import { RolesField } from './RolesField';
import type { AdminUser } from './types';

/** AddUser is the form that creates an account and then shows the
 * one-time link to pass to the new person. */
export function AddUser({ onAdded }: { onAdded: () => void }) {
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [roles, setRoles] = useState<string[]>(['clinician']);
  const [registration, setRegistration] = useState('');
  const [team, setTeam] = useState('');
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [busy, setBusy] = useState(false);
  const [added, setAdded] = useState<{ user: AdminUser; enrol_url: string } | null>(null);

  const toggle = (r: string, on: boolean) => setRoles(on ? [...roles, r] : roles.filter((x) => x !== r));

  const submit = async (e: Event) => {
    e.preventDefault();
    const errs: FieldError[] = [];
    if (!name.trim()) errs.push({ field: 'new-name', text: 'Enter the person’s full name' });
    errs.push(...emailErrors(email, 'new-email'));
    if (!roles.length) errs.push({ field: 'role-clinician', text: 'Select at least one role' });
    setErrors(errs);
    if (errs.length) return;
    setBusy(true);
    try {
      const body = { email: email.trim(), name: name.trim(), roles, registration: registration.trim(), team: team.trim() };
      setAdded(await post<{ user: AdminUser; enrol_url: string }>('/api/admin/users', body));
      setEmail('');
      setName('');
      setRoles(['clinician']);
      setRegistration('');
      setTeam('');
      onAdded();
    } catch (err) {
      setErrors([
        serverError(message(err), [
          [/registration/i, 'new-registration'],
          [/team/i, 'new-team'],
          [/email/i, 'new-email'],
          [/name/i, 'new-name'],
          [/role/i, 'role-clinician'],
        ]),
      ]);
    } finally {
      setBusy(false);
    }
  };

  if (added) {
    return <EnrolLink user={added.user} url={added.enrol_url} onAnother={() => setAdded(null)} />;
  }

  return (
    <form onSubmit={submit} novalidate aria-labelledby="add-user-heading">
      <h2 id="add-user-heading">Add a user</h2>
      <ErrorSummary errors={errors} />
      <TextInput id="new-name" label="Full name" value={name} onInput={setName} error={errorFor(errors, 'new-name')} autocomplete="off" spellcheck={false} />
      <TextInput
        id="new-email"
        label="Email address"
        hint="Their work email. They will use it to sign in."
        type="email"
        value={email}
        onInput={setEmail}
        error={errorFor(errors, 'new-email')}
        autocomplete="off"
        spellcheck={false}
      />
      <RolesField prefix="role" legend="Roles" roles={roles} onToggle={toggle} error={errorFor(errors, 'role-clinician')} />
      <TextInput
        id="new-registration"
        label="Professional registration (optional)"
        hint="A GMC number (7 digits), NMC PIN (such as 12A3456E) or HCPC number (such as PH123456)."
        value={registration}
        onInput={setRegistration}
        error={errorFor(errors, 'new-registration')}
        width={20}
        autocomplete="off"
        spellcheck={false}
      />
      <TextInput
        id="new-team"
        label="Team (optional)"
        hint="Such as Ward 7, Cardiology on call or Out-of-hours GP. Colleagues can find them by it."
        value={team}
        onInput={setTeam}
        error={errorFor(errors, 'new-team')}
        autocomplete="off"
      />
      <button class="nhsuk-button" type="submit" disabled={busy}>
        Add user
      </button>
    </form>
  );
}
