import { useState } from 'preact/hooks';
import { del, get, post, seg, type Me } from '../api';
import { Confirm } from '../components/Confirm';
import { ErrorSummary, type FieldError } from '../components/ErrorSummary';
import { Notice } from '../components/Notice';
import { Table } from '../components/Table';
import { when } from '../format';
import { message, useLoad } from '../load';
import { useTitle } from '../title';

interface Session {
  id: string;
  device_id: string;
  device_name: string;
  created_at: string;
  last_seen_at: string;
  current: boolean;
}

interface Device {
  id: string;
  name: string;
  kind: string;
  created_at: string;
  last_seen_at: string;
  revoked_at: string | null;
}

type Pending =
  | { kind: 'session'; item: Session }
  | { kind: 'device'; item: Device }
  | { kind: 'lost'; item: Device }
  | null;

/** Account lists the person's own devices and sessions, so they can end a
 * session left open elsewhere, revoke a device, or report one lost or
 * stolen: it is revoked at once and the data protection officer hears of
 * it in the breach log. */
export function Account({ me, onSignOut }: { me: Me; onSignOut: () => void }) {
  const sessions = useLoad(() => get<{ sessions: Session[] }>('/api/me/sessions'));
  const devices = useLoad(() => get<{ devices: Device[] }>('/api/me/devices'));
  const [pending, setPending] = useState<Pending>(null);
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [done, setDone] = useState('');
  const loadError = sessions.error || devices.error;
  useTitle('Your account', errors.length > 0 || !!loadError);

  const act = async () => {
    if (!pending) return;
    setBusy(true);
    try {
      if (pending.kind === 'session') {
        await del(`/api/me/sessions/${seg(pending.item.id)}`);
        setDone(`You signed out the session on ${pending.item.device_name}.`);
      } else if (pending.kind === 'lost') {
        await post(`/api/me/devices/${seg(pending.item.id)}/lost`);
        if (pending.item.id === me.device_id) {
          onSignOut();
          return;
        }
        setDone(
          `You reported ${pending.item.name} lost or stolen. It has been signed out and revoked, and the data protection officer has been told.`,
        );
      } else {
        await del(`/api/me/devices/${seg(pending.item.id)}`);
        if (pending.item.id === me.device_id) {
          onSignOut();
          return;
        }
        setDone(`You revoked ${pending.item.name}. It has been signed out and cannot be used again.`);
      }
      setErrors([]);
      setPending(null);
      await Promise.all([sessions.reload(), devices.reload()]);
    } catch (e) {
      setErrors([{ text: message(e) }]);
    } finally {
      setBusy(false);
    }
  };

  const allErrors = loadError ? [{ text: loadError }, ...errors] : errors;
  // The question appears under the heading of the list it is about.
  const confirm = (kind: 'session' | 'device') =>
    (pending?.kind === kind || (kind === 'device' && pending?.kind === 'lost')) &&
    pending && (
      <Confirm
        heading={
          pending.kind === 'session' ? 'Sign out this session?' : pending.kind === 'lost' ? 'Report this device lost or stolen?' : 'Revoke this device?'
        }
        confirmText={
          pending.kind === 'session' ? 'Yes, sign it out' : pending.kind === 'lost' ? 'Yes, it is lost or stolen' : 'Yes, revoke device'
        }
        busy={busy}
        onConfirm={act}
        onCancel={() => setPending(null)}
      >
        {pending.kind === 'session' ? (
          <p>The session on {pending.item.device_name} will end. Whoever is using it will need to sign in again.</p>
        ) : pending.kind === 'lost' ? (
          <p>
            {pending.item.name} will be signed out and revoked at once, so it cannot read new messages, and the data
            protection officer will be told so that they can decide whether it must be reported.
          </p>
        ) : (
          <p>
            {pending.item.name} will be signed out at once and can never be used again
            {pending.item.id === me.device_id ? ' – this is the device you are using now' : ''}.
          </p>
        )}
      </Confirm>
    );
  return (
    <>
      <ErrorSummary errors={allErrors} />
      {done && (
        <Notice success testid="done">
          <p class="nhsuk-notification-banner__heading">{done}</p>
        </Notice>
      )}
      <h1>Your account</h1>
      <p>
        Signed in as {me.user.name} ({me.user.email}). If you see a device or session you do not recognise,
        revoke it and tell your administrator.
      </p>
      <h2>Devices</h2>
      {confirm('device')}
      {devices.data && (
        <Table
          caption="Devices you have signed in on"
          testid="my-devices"
          rows={devices.data.devices}
          rowKey={(d) => d.id}
          columns={[
            {
              heading: 'Device',
              cell: (d) => (
                <>
                  {d.name}
                  {d.id === me.device_id && <strong class="nhsuk-tag nhsuk-tag--blue nhsuk-u-margin-left-2">This device</strong>}
                </>
              ),
            },
            { heading: 'Added', cell: (d) => when(d.created_at) },
            { heading: 'Last used', cell: (d) => when(d.last_seen_at) },
            {
              heading: 'Status',
              cell: (d) =>
                d.revoked_at ? (
                  <strong class="nhsuk-tag nhsuk-tag--grey">Revoked {when(d.revoked_at)}</strong>
                ) : (
                  <strong class="nhsuk-tag nhsuk-tag--green">Active</strong>
                ),
            },
            {
              heading: 'Action',
              cell: (d) =>
                !d.revoked_at && (
                  <div class="app-actions">
                    <button
                      type="button"
                      class="nhsuk-button nhsuk-button--secondary nhsuk-button--small"
                      onClick={() => setPending({ kind: 'device', item: d })}
                    >
                      Revoke<span class="nhsuk-u-visually-hidden"> {d.name}</span>
                    </button>
                    <button
                      type="button"
                      class="nhsuk-button nhsuk-button--warning nhsuk-button--small"
                      onClick={() => setPending({ kind: 'lost', item: d })}
                    >
                      Lost or stolen<span class="nhsuk-u-visually-hidden">: {d.name}</span>
                    </button>
                  </div>
                ),
            },
          ]}
        />
      )}

      <h2>Sessions</h2>
      {confirm('session')}
      {sessions.data && (
        <Table
          caption="Places you are signed in now"
          testid="my-sessions"
          rows={sessions.data.sessions}
          rowKey={(s) => s.id}
          columns={[
            {
              heading: 'Device',
              cell: (s) => (
                <>
                  {s.device_name}
                  {s.current && <strong class="nhsuk-tag nhsuk-tag--blue nhsuk-u-margin-left-2">This session</strong>}
                </>
              ),
            },
            { heading: 'Signed in', cell: (s) => when(s.created_at) },
            { heading: 'Last active', cell: (s) => when(s.last_seen_at) },
            {
              heading: 'Action',
              cell: (s) =>
                s.current ? (
                  <span class="nhsuk-body-s">Use Sign out at the top of the page</span>
                ) : (
                  <button
                    type="button"
                    class="nhsuk-button nhsuk-button--secondary nhsuk-button--small"
                    onClick={() => setPending({ kind: 'session', item: s })}
                  >
                    Sign out<span class="nhsuk-u-visually-hidden"> the session on {s.device_name}</span>
                  </button>
                ),
            },
          ]}
        />
      )}
    </>
  );
}
