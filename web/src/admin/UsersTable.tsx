import { Table } from '../components/Table';
import { registration, until } from '../format';
import { roleLabel } from '../roles';
import type { AdminUser } from './types';

/** AccountAction is something an admin can do to a person's account. */
export type AccountAction = 'link' | 'roles' | 'disable' | 'enable' | 'unlock';

interface Props {
  users: AdminUser[];
  /** me is the admin's own user ID: they cannot disable themselves. */
  me?: string;
  onAction?: (action: AccountAction, user: AdminUser) => void;
}

/** locked reports whether the person is locked out after failed sign-ins. */
export const locked = (u: AdminUser) => !!u.locked_until && new Date(u.locked_until) > new Date();

/** UsersTable lists the organisation's people, whether each has finished
 * setting up their account, is disabled or locked out, and what an admin
 * can do about it. */
export function UsersTable({ users, me, onAction }: Props) {
  return (
    <Table
      caption="People in your organisation"
      testid="users"
      rows={users}
      rowKey={(u) => u.id}
      columns={[
        { heading: 'Name', cell: (u) => u.name },
        { heading: 'Email address', cell: (u) => u.email },
        { heading: 'Roles', cell: (u) => u.roles.map(roleLabel).join(', ') || 'None' },
        { heading: 'Registration', cell: (u) => (u.registration ? registration(u.registration) : '–') },
        { heading: 'Team', cell: (u) => u.team || '–' },
        { heading: 'Status', cell: (u) => <UserStatus user={u} /> },
        ...(onAction
          ? [{ heading: 'Actions', cell: (u: AdminUser) => <Actions user={u} self={u.id === me} onAction={onAction} /> }]
          : []),
      ]}
    />
  );
}

function UserStatus({ user }: { user: AdminUser }) {
  const tags = [];
  if (user.disabled) tags.push(<strong key="disabled" class="nhsuk-tag nhsuk-tag--grey">Disabled</strong>);
  if (locked(user)) {
    tags.push(
      <strong key="locked" class="nhsuk-tag nhsuk-tag--red">
        Locked until {until(user.locked_until!)}
      </strong>,
    );
  }
  if (!tags.length && !user.enrolled) tags.push(<strong key="new" class="nhsuk-tag nhsuk-tag--yellow">Not set up yet</strong>);
  if (!tags.length) tags.push(<strong key="active" class="nhsuk-tag nhsuk-tag--green">Active</strong>);
  return <div class="app-tags">{tags}</div>;
}

interface ActionsProps {
  user: AdminUser;
  self: boolean;
  onAction: (action: AccountAction, user: AdminUser) => void;
}

function Actions({ user: u, self, onAction }: ActionsProps) {
  const small = 'nhsuk-button nhsuk-button--secondary nhsuk-button--small';
  const forWhom = <span class="nhsuk-u-visually-hidden"> for {u.name}</span>;
  return (
    <div class="app-actions">
      <button class={small} type="button" onClick={() => onAction('link', u)}>
        New setup link{forWhom}
      </button>
      <button class={small} type="button" onClick={() => onAction('roles', u)}>
        Change roles{forWhom}
      </button>
      {locked(u) && (
        <button class={small} type="button" onClick={() => onAction('unlock', u)}>
          Unlock{forWhom}
        </button>
      )}
      {u.disabled ? (
        <button class={small} type="button" onClick={() => onAction('enable', u)}>
          Enable account{forWhom}
        </button>
      ) : (
        !self && (
          <button class="nhsuk-button nhsuk-button--warning nhsuk-button--small" type="button" onClick={() => onAction('disable', u)}>
            Disable account{forWhom}
          </button>
        )
      )}
    </div>
  );
}
