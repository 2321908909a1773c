import { Table } from '../components/Table';
import { when } from '../format';
import { roleLabel } from '../roles';
import type { AdminUser } from './types';

/** UsersTable lists the organisation's people and whether each has
 * finished setting up their account. */
export function UsersTable({ users, onNewLink }: { users: AdminUser[]; onNewLink?: (u: AdminUser) => void }) {
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
        { heading: 'Registration', cell: (u) => u.registration || '–' },
        { heading: 'Status', cell: (u) => <UserStatus user={u} /> },
        ...(onNewLink
          ? [
              {
                heading: 'Setup link',
                cell: (u: AdminUser) => (
                  <button
                    class="nhsuk-button nhsuk-button--secondary nhsuk-button--small"
                    type="button"
                    onClick={() => onNewLink(u)}
                  >
                    New setup link <span class="nhsuk-u-visually-hidden">for {u.name}</span>
                  </button>
                ),
              },
            ]
          : []),
      ]}
    />
  );
}

function UserStatus({ user }: { user: AdminUser }) {
  if (user.locked_until && new Date(user.locked_until) > new Date()) {
    return <strong class="nhsuk-tag nhsuk-tag--red">Locked until {when(user.locked_until)}</strong>;
  }
  if (!user.enrolled) return <strong class="nhsuk-tag nhsuk-tag--yellow">Not set up yet</strong>;
  return <strong class="nhsuk-tag nhsuk-tag--green">Active</strong>;
}
