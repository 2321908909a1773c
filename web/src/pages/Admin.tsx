import { get, type Me } from '../api';
import { Accounts } from '../admin/Accounts';
import { AddUser } from '../admin/AddUser';
import { CallListsAdmin } from '../admin/CallListsAdmin';
import { DutyRolesAdmin } from '../admin/DutyRolesAdmin';
import { DevicesTable } from '../admin/DevicesTable';
import { PinAttemptsForm } from '../admin/PinAttemptsForm';
import { PolicyForm } from '../admin/PolicyForm';
import { QuotaForm } from '../admin/QuotaForm';
import { ReceiptsForm } from '../admin/ReceiptsForm';
import { RetentionForm } from '../admin/RetentionForm';
import type { AdminDevice, AdminUser } from '../admin/types';
import { ErrorSummary } from '../components/ErrorSummary';
import { useLoad } from '../load';
import { useTitle } from '../title';

/** Admin is the organisation administrator's page: people and their
 * accounts, their devices, and the organisation's policies. */
export function Admin({ me }: { me: Me }) {
  const users = useLoad(() => get<{ users: AdminUser[] }>('/api/admin/users'));
  const devices = useLoad(() => get<{ devices: AdminDevice[] }>('/api/admin/devices'));
  const loadError = users.error || devices.error;
  // Disabling someone revokes their devices too.
  const reloadBoth = async () => {
    await Promise.all([users.reload(), devices.reload()]);
  };
  useTitle('Users and devices', !!loadError);
  return (
    <>
      <ErrorSummary errors={loadError ? [{ text: loadError }] : []} />
      <h1>Users and devices</h1>
      <p>
        {me.user.org ? `${me.user.org.name}: ` : ''}add people, change their roles, disable the accounts of people who
        have left, and sign out or revoke devices that are lost or shared.
      </p>

      <h2>Users</h2>
      {users.data && <Accounts users={users.data.users} me={me.user.id} onChanged={reloadBoth} />}

      <div class="nhsuk-grid-row">
        <div class="nhsuk-grid-column-two-thirds">
          <AddUser onAdded={() => void users.reload()} />
        </div>
      </div>

      <h2 class="nhsuk-u-margin-top-5">Devices</h2>
      {devices.data && (
        <DevicesTable devices={devices.data.devices} myDevice={me.device_id} onChanged={devices.reload} />
      )}

      <DutyRolesAdmin />
      <CallListsAdmin />

      <div class="nhsuk-grid-row">
        <div class="nhsuk-grid-column-two-thirds">
          <PolicyForm />
          <ReceiptsForm />
          <PinAttemptsForm />
          <QuotaForm />
          <RetentionForm />
        </div>
      </div>
    </>
  );
}
