import { useEffect, useState } from 'preact/hooks';
import { get } from '../../api';
import { until } from '../../format';
import type { DutyRole, DutyRoles, Incident, Urgent, UrgentList } from '../../incident/types.gen';
import { holderLine } from '../../incident/words';
import { loadCore, type Message } from '../../messaging/core';
import { onMessage, onUrgent } from '../../messaging/state';

/** useUrgent follows the urgent messages of a conversation: read once,
 * then again whenever the client core says one changed (delivered,
 * acknowledged, escalated) or an urgent message arrives, never on a
 * timer. */
export function useUrgent(conversation: string): { list: Urgent[]; reload: () => void } {
  const [list, setList] = useState<Urgent[]>([]);
  const [round, setRound] = useState(0);
  useEffect(() => {
    let live = true;
    get<UrgentList>(`/api/conversations/${encodeURIComponent(conversation)}/urgent`)
      .then((r) => live && setList(r.urgent))
      .catch(() => {});
    return () => {
      live = false;
    };
  }, [conversation, round]);
  useEffect(() => {
    const again = () => setRound((n) => n + 1);
    const stops = [
      onUrgent((c) => c === conversation && again()),
      onMessage((m) => m.conversation === conversation && (m as Message).urgent && again()),
    ];
    return () => stops.forEach((s) => s());
  }, [conversation]);
  return { list, reload: () => setRound((n) => n + 1) };
}

/** urgentFor finds the state of an urgent message, by either copy. */
export function urgentFor(list: Urgent[], m: Message): Urgent | undefined {
  return list.find((u) => u.message === m.id || u.latest === m.id);
}

interface Props {
  conversation: string;
  message: Message;
  state: Urgent | undefined;
  mine: boolean;
  myEmail: string;
  /** cursors are how far each member's devices have received, from the
   * conversation's receipts: a recipient has the message once any of
   * theirs is past it, which the server does not announce. */
  cursors: { email: string; seq: number }[];
  onChanged: () => void;
}

/** UrgentStatus is what an urgent message shows under its text: for the
 * people it waits for, an Acknowledge button; for its sender, where it
 * has got to with each recipient. */
export function UrgentStatus({ conversation, message, state, mine, myEmail, cursors, onChanged }: Props) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  if (!state) return null;
  const me = myEmail.toLowerCase();
  if (mine) {
    return (
      <div class="sb-urgent" data-testid="urgent-status">
        <ul class="nhsuk-list sb-urgent__list">
          {state.recipients.map((r) => (
            <li key={r.person.email} data-testid="urgent-recipient">
              {r.person.name}:{' '}
              {r.acknowledged
                ? `acknowledged ${until(r.acknowledged)}`
                : r.delivered ||
                    cursors.some((c) => c.email.toLowerCase() === r.person.email.toLowerCase() && c.seq >= state.seq)
                  ? 'delivered, not acknowledged yet'
                  : 'not delivered yet'}
              {r.via === 'escalation' && ' (escalated to them)'}
              {r.via === 'handover' && ' (took over the role)'}
            </li>
          ))}
        </ul>
        {state.escalated_at && (
          <p class="sb-urgent__escalated" data-testid="urgent-escalated">
            Escalated{state.escalated_to ? ` to ${state.escalated_to.name}` : ''} at {until(state.escalated_at)}
          </p>
        )}
      </div>
    );
  }
  const waiting = state.recipients.find((r) => r.person.email.toLowerCase() === me && !r.acknowledged);
  const done = state.recipients.find((r) => r.person.email.toLowerCase() === me && r.acknowledged);
  const ack = async () => {
    setBusy(true);
    setError('');
    try {
      await (await loadCore()).acknowledge(conversation, state.message || message.id);
      onChanged();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="sb-urgent" data-testid="urgent-status">
      {waiting && (
        <button class="nhsuk-button nhsuk-button--small sb-urgent__ack" type="button" disabled={busy} onClick={ack}>
          Acknowledge<span class="nhsuk-u-visually-hidden"> the urgent message from {state.sender.name}</span>
        </button>
      )}
      {done?.acknowledged && <p data-testid="urgent-acknowledged">You acknowledged it at {until(done.acknowledged)}</p>}
      {error && (
        <p class="nhsuk-error-message" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}

/** useRoleOf finds the duty role a conversation follows (follows is the
 * core's "role:ID"), so the page can say who holds it now. */
export function useRoleOf(follows: string): DutyRole | undefined {
  const [role, setRole] = useState<DutyRole | undefined>();
  const id = follows.startsWith('role:') ? follows.slice('role:'.length) : '';
  useEffect(() => {
    if (!id) return;
    let live = true;
    get<DutyRoles>('/api/duty')
      .then((r) => live && setRole(r.roles.find((x) => x.id === id)))
      .catch(() => {});
    return () => {
      live = false;
    };
  }, [id]);
  return id ? role : undefined;
}

/** RoleLine is the line under a role conversation's name. */
export function RoleLine({ role, myEmail }: { role: DutyRole; myEmail: string }) {
  return (
    <p class="nhsuk-body" data-testid="role-line">
      To: {role.name} ({holderLine(role, myEmail)})
    </p>
  );
}

/** useIncidentOf finds the major incident a conversation follows
 * (follows is the core's "incident:ID"). */
export function useIncidentOf(follows: string): Incident | undefined {
  const [found, setFound] = useState<Incident | undefined>();
  const id = follows.startsWith('incident:') ? follows.slice('incident:'.length) : '';
  useEffect(() => {
    if (!id) return;
    let live = true;
    get<Incident>(`/api/incidents/${encodeURIComponent(id)}`)
      .then((i) => live && setFound(i))
      .catch(() => {});
    return () => {
      live = false;
    };
  }, [id]);
  return id ? found : undefined;
}

/** IncidentLine is the line under an incident conversation's name. */
export function IncidentLine({ incident }: { incident: Incident }) {
  return (
    <p class="nhsuk-body" data-testid="incident-line">
      {incident.closed_at ? 'This incident is closed. ' : ''}
      <a href={`/incidents/${incident.id}`}>Roll-call of {incident.name}</a>
    </p>
  );
}
