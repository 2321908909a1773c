import { useState } from 'preact/hooks';
import { get, type Me, post, seg } from '../api';
import { EnrolLink } from '../admin/EnrolLink';
import { AddUser } from '../admin/AddUser';
import { DevicesTable } from '../admin/DevicesTable';
import { PolicyForm } from '../admin/PolicyForm';
import { ReceiptsForm } from '../admin/ReceiptsForm';
import type { AdminDevice, AdminUser } from '../admin/types';
import { UsersTable } from '../admin/UsersTable';
import { ErrorSummary } from '../components/ErrorSummary';
import { useLoad } from '../load';
import { useTitle } from '../title';

/** Admin is the organisation administrator's page: people, their
 * devices, and the idle time limit. */
export function Admin({ me }: { me: Me }) {
  const users = useLoad(() => get<{ users: AdminUser[] }>('/api/admin/users'));
  const devices = useLoad(() => get<{ devices: AdminDevice[] }>('/api/admin/devices'));
  const [reissued, setReissued] = useState<{ user: AdminUser; enrol_url: string } | null>(null);
  const [reissueError, setReissueError] = useState('');
  const loadError = users.error || devices.error || reissueError;
  const newLink = async (u: AdminUser) => {
    setReissueError('');
    try {
      setReissued(await post<{ user: AdminUser; enrol_url: string }>(`/api/admin/users/${seg(u.id)}/enrolment`));
    } catch (e) {
      setReissueError(e instanceof Error ? e.message : String(e));
    }
  };
  useTitle('Users and devices', !!loadError);
  return (
    <>
      <ErrorSummary errors={loadError ? [{ text: loadError }] : []} />
      <h1>Users and devices</h1>
      <p>
        {me.user.org ? `${me.user.org.name}: ` : ''}add people, pass on their setup links, and sign out or revoke
        devices that are lost or shared.
      </p>

      <h2>Users</h2>
      {reissued && (
        <EnrolLink user={reissued.user} url={reissued.enrol_url} reissued onAnother={() => setReissued(null)} />
      )}
      {users.data && <UsersTable users={users.data.users} onNewLink={newLink} />}

      <div class="nhsuk-grid-row">
        <div class="nhsuk-grid-column-two-thirds">
          <AddUser onAdded={() => void users.reload()} />
        </div>
      </div>

      <h2 class="nhsuk-u-margin-top-5">Devices</h2>
      {devices.data && (
        <DevicesTable devices={devices.data.devices} myDevice={me.device_id} onChanged={devices.reload} />
      )}

      <div class="nhsuk-grid-row">
        <div class="nhsuk-grid-column-two-thirds">
          <PolicyForm />
          <ReceiptsForm />
        </div>
      </div>
    </>
  );
}
