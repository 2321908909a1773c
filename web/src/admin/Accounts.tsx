import { useEffect, useRef, useState } from 'preact/hooks';
import { post, put, seg } from '../api';
import { Confirm } from '../components/Confirm';
import { ErrorSummary, errorFor, type FieldError } from '../components/ErrorSummary';
import { Notice } from '../components/Notice';
import { message } from '../load';
import { roleLabel, roleNames } from '../roles';
import { EnrolLink } from './EnrolLink';
import { RolesField } from './RolesField';
import type { AdminUser } from './types';
import { type AccountAction, UsersTable } from './UsersTable';

interface Props {
  users: AdminUser[];
  /** me is the admin's own user ID. */
  me: string;
  /** onChanged reloads what an account change affects (people and devices). */
  onChanged: () => Promise<void>;
}

type Pending = { action: 'roles' | 'disable'; user: AdminUser };

const path = (u: AdminUser, what: string) => `/api/admin/users/${seg(u.id)}/${what}`;

/** rolesText is a list of roles as a sentence says it: "Clinician and
 * Data protection officer". */
function rolesText(roles: string[]): string {
  const names = Object.keys(roleNames)
    .filter((r) => roles.includes(r))
    .map(roleLabel);
  return names.length > 1 ? `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}` : (names[0] ?? '');
}

/** Accounts is the people in the organisation with what an admin does to
 * their accounts: a new setup link, change roles, disable (after a
 * confirmation naming what happens), enable and unlock. */
export function Accounts({ users, me, onChanged }: Props) {
  const [pending, setPending] = useState<Pending | null>(null);
  const [roles, setRoles] = useState<string[]>([]);
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState('');
  const [link, setLink] = useState<{ user: AdminUser; enrol_url: string } | null>(null);

  // run makes one change; the server's sentence, if it refuses, goes in
  // the error summary and any open form stays open.
  const run = async (change: () => Promise<unknown>, success: string) => {
    setBusy(true);
    try {
      await change();
      setErrors([]);
      setPending(null);
      setDone(success);
      await onChanged();
    } catch (e) {
      setErrors([{ text: message(e) }]);
    } finally {
      setBusy(false);
    }
  };

  const onAction = (action: AccountAction, u: AdminUser) => {
    setDone('');
    setErrors([]);
    setLink(null);
    setPending(null);
    switch (action) {
      case 'link':
        void run(async () => setLink(await post<{ user: AdminUser; enrol_url: string }>(path(u, 'enrolment'))), '');
        break;
      case 'roles':
        setRoles(u.roles);
        setPending({ action, user: u });
        break;
      case 'disable':
        setPending({ action, user: u });
        break;
      case 'enable':
        void run(
          () => post(path(u, 'enable')),
          `${u.name}’s account has been enabled. They can sign in again with their password and security code.`,
        );
        break;
      case 'unlock':
        void run(() => post(path(u, 'unlock')), `${u.name} has been unlocked and can sign in again now.`);
        break;
    }
  };

  const saveRoles = (u: AdminUser) => {
    if (!roles.length) {
      setErrors([{ field: 'edit-role-clinician', text: 'Select at least one role' }]);
      return;
    }
    void run(() => put(path(u, 'roles'), { roles }), `${u.name}’s roles are now ${rolesText(roles)}.`);
  };

  return (
    <>
      <ErrorSummary errors={errors} />
      {done && (
        <Notice success testid="account-done">
          <p class="nhsuk-notification-banner__heading">{done}</p>
        </Notice>
      )}
      {link && <EnrolLink user={link.user} url={link.enrol_url} reissued onAnother={() => setLink(null)} />}
      {pending?.action === 'roles' && (
        <RolesForm
          key={pending.user.id}
          user={pending.user}
          roles={roles}
          onToggle={(r, on) => setRoles(on ? [...roles, r] : roles.filter((x) => x !== r))}
          error={errorFor(errors, 'edit-role-clinician')}
          busy={busy}
          onSave={() => saveRoles(pending.user)}
          onCancel={() => {
            setErrors([]);
            setPending(null);
          }}
        />
      )}
      {pending?.action === 'disable' && (
        <Confirm
          key={pending.user.id}
          heading={`Disable ${pending.user.name}’s account?`}
          confirmText="Yes, disable account"
          busy={busy}
          onConfirm={() => void run(() => post(path(pending.user, 'disable')), disabledText(pending.user))}
          onCancel={() => {
            setErrors([]);
            setPending(null);
          }}
        >
          <p>
            {pending.user.name} ({pending.user.email}) will at once be:
          </p>
          <ul class="nhsuk-list nhsuk-list--bullet">
            <li>signed out everywhere</li>
            <li>unable to use any of their devices again: each is revoked and told to erase its messages</li>
            <li>removed from their conversations</li>
          </ul>
          <p>
            They cannot sign in until an administrator enables the account again, and then only on new devices.
          </p>
        </Confirm>
      )}
      <UsersTable users={users} me={me} onAction={onAction} />
    </>
  );
}

const disabledText = (u: AdminUser) =>
  `${u.name}’s account has been disabled. They have been signed out everywhere and their devices revoked.`;

interface RolesFormProps {
  user: AdminUser;
  roles: string[];
  onToggle: (role: string, on: boolean) => void;
  error?: string;
  busy: boolean;
  onSave: () => void;
  onCancel: () => void;
}

/** RolesForm changes one person's roles. Focus moves to it when it opens. */
function RolesForm({ user, roles, onToggle, error, busy, onSave, onCancel }: RolesFormProps) {
  const ref = useRef<HTMLFormElement>(null);
  useEffect(() => ref.current?.focus(), []);
  return (
    <form
      class="nhsuk-card app-confirm"
      ref={ref}
      tabIndex={-1}
      novalidate
      aria-labelledby="change-roles-heading"
      data-testid="change-roles"
      onSubmit={(e) => {
        e.preventDefault();
        onSave();
      }}
    >
      <div class="nhsuk-card__content">
        <h3 class="nhsuk-card__heading" id="change-roles-heading">
          Change roles for {user.name}
        </h3>
        <RolesField prefix="edit-role" legend={`Roles for ${user.name}`} roles={roles} onToggle={onToggle} error={error} />
        <div class="app-actions">
          <button class="nhsuk-button" type="submit" disabled={busy}>
            Save roles<span class="nhsuk-u-visually-hidden"> for {user.name}</span>
          </button>
          <button class="nhsuk-button nhsuk-button--secondary" type="button" onClick={onCancel}>
            Cancel
          </button>
        </div>
      </div>
    </form>
  );
}
