import { useState } from 'preact/hooks';
import { post, seg } from '../api';
import { Confirm } from '../components/Confirm';
import { ErrorSummary } from '../components/ErrorSummary';
import { Notice } from '../components/Notice';
import { Table } from '../components/Table';
import { when } from '../format';
import { message } from '../load';
import type { AdminDevice } from './types';

type Action = 'signout' | 'revoke' | 'lost';

interface Props {
  devices: AdminDevice[];
  myDevice: string;
  onChanged: () => Promise<void>;
}

/** DevicesTable lists every device in the organisation, with Sign out
 * (end its sessions), Revoke (it can never be used again) and Lost or
 * stolen (revoked, and a near miss opened in the breach log for the data
 * protection officer), each asked about first. */
export function DevicesTable({ devices, myDevice, onChanged }: Props) {
  const [pending, setPending] = useState<{ action: Action; device: AdminDevice } | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const [done, setDone] = useState('');

  const act = async () => {
    if (!pending) return;
    const { action, device } = pending;
    setBusy(true);
    try {
      await post(`/api/admin/devices/${seg(device.id)}/${action}`);
      setDone(
        action === 'revoke'
          ? `${device.name} (${device.user_name}) has been revoked. It is signed out and cannot be used again.`
          : action === 'lost'
            ? `${device.name} (${device.user_name}) is reported lost or stolen. It has been signed out and revoked, and the data protection officer has been told.`
            : `${device.name} (${device.user_name}) has been signed out.`,
      );
      setError('');
      setPending(null);
      await onChanged();
    } catch (e) {
      setError(message(e));
    } finally {
      setBusy(false);
    }
  };

  const ask = (action: Action, device: AdminDevice) => {
    setDone('');
    setPending({ action, device });
  };

  return (
    <>
      <ErrorSummary errors={error ? [{ text: error }] : []} />
      {done && (
        <Notice success testid="device-done">
          <p class="nhsuk-notification-banner__heading">{done}</p>
        </Notice>
      )}
      {pending && (
        <Confirm
          heading={
            pending.action === 'revoke'
              ? 'Revoke this device?'
              : pending.action === 'lost'
                ? 'Report this device lost or stolen?'
                : 'Sign out this device?'
          }
          confirmText={
            pending.action === 'revoke' ? 'Yes, revoke device' : pending.action === 'lost' ? 'Yes, it is lost or stolen' : 'Yes, sign it out'
          }
          busy={busy}
          onConfirm={act}
          onCancel={() => setPending(null)}
        >
          <p>
            {pending.device.name}, used by {pending.device.user_name} ({pending.device.user_email}).
          </p>
          <p>
            {pending.action === 'revoke'
              ? 'It will be signed out at once and can never be used again. Use this for a shared device.'
              : pending.action === 'lost'
                ? 'It will be signed out and revoked at once, and the data protection officer told in the breach log, on the person’s behalf.'
                : 'Its sessions end now. The person can sign in on it again.'}
            {pending.device.id === myDevice && ' This is the device you are using now.'}
          </p>
        </Confirm>
      )}
      <Table
        caption="Devices in your organisation"
        testid="devices"
        rows={devices}
        rowKey={(d) => d.id}
        columns={[
          {
            heading: 'Person',
            cell: (d) => (
              <>
                {d.user_name}
                <br />
                <span class="nhsuk-body-s">{d.user_email}</span>
              </>
            ),
          },
          {
            heading: 'Device',
            cell: (d) => (
              <>
                {d.name}
                {d.id === myDevice && <strong class="nhsuk-tag nhsuk-tag--blue nhsuk-u-margin-left-2">This device</strong>}
              </>
            ),
          },
          { heading: 'Last used', cell: (d) => when(d.last_seen_at) },
          { heading: 'Sessions', cell: (d) => String(d.active_sessions) },
          {
            heading: 'Status',
            cell: (d) =>
              d.revoked_at ? (
                <strong class="nhsuk-tag nhsuk-tag--grey">Revoked</strong>
              ) : (
                <strong class="nhsuk-tag nhsuk-tag--green">Active</strong>
              ),
          },
          {
            heading: 'Actions',
            cell: (d) =>
              !d.revoked_at && (
                <div class="app-actions">
                  {d.active_sessions > 0 && (
                    <button
                      type="button"
                      class="nhsuk-button nhsuk-button--secondary nhsuk-button--small"
                      onClick={() => ask('signout', d)}
                    >
                      Sign out<span class="nhsuk-u-visually-hidden"> {d.name} of {d.user_name}</span>
                    </button>
                  )}
                  <button
                    type="button"
                    class="nhsuk-button nhsuk-button--warning nhsuk-button--small"
                    onClick={() => ask('revoke', d)}
                  >
                    Revoke<span class="nhsuk-u-visually-hidden"> {d.name} of {d.user_name}</span>
                  </button>
                  <button
                    type="button"
                    class="nhsuk-button nhsuk-button--warning nhsuk-button--small"
                    onClick={() => ask('lost', d)}
                  >
                    Lost or stolen<span class="nhsuk-u-visually-hidden">: {d.name} of {d.user_name}</span>
                  </button>
                </div>
              ),
          },
        ]}
      />
    </>
  );
}
