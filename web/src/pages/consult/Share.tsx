import { useEffect, useState } from 'preact/hooks';
import { loadCore, type Summary } from '../../messaging/core';
import { useUnlocked } from '../../messaging/state';
import { roleName } from './mesh';
import { type Detail, identityMethod, when } from './types';
import { count } from '../../format';

const kindText: Record<string, string> = {
  scheduled: 'Booked',
  invited: 'Invited',
  sent: 'Invitation sent',
  consent: 'Entered the waiting room (consent recorded)',
  admitted: 'Admitted',
  checklist: 'Opening checklist saved',
  mode: 'Mode changed',
  outcome: 'Outcome saved',
  ended: 'Ended',
};

/** recordKind names a timeline record as people read it. */
export const recordKind = (kind: string) => kindText[kind] ?? kind;


const initials = (name: string) =>
  name
    .split(/\s+/)
    .filter(Boolean)
    .map((w) => `${w[0].toUpperCase()}.`)
    .join('');

/** recordText is the consultation record as a message: times, who took
 * part and in what role, the checklist, consent and changes of mode. No
 * outcome note, chat or contact details; the patient by initials unless
 * the clinician chooses their full name. */
export function recordText(d: Pick<Detail, 'consultation' | 'participants' | 'records'>, fullName: boolean): string {
  const c = d.consultation;
  const patient = fullName ? c.patient_name : `patient ${initials(c.patient_name)}`;
  const who = (pid: string) => {
    const p = d.participants.find((x) => x.id === pid);
    if (!p) return '';
    return p.role === 'patient' ? patient : `${p.label} (${roleName(p.role)})`;
  };
  const lines = [`Video consultation record: ${patient}, booked for ${when(c.starts_at)} (${count(c.slot_minutes, 'minute')}).`];
  if (c.started_at) lines.push(`Started ${when(c.started_at)}${c.ended_at ? `, ended ${when(c.ended_at)}` : ''}.`);
  const k = c.checklist;
  if (k) {
    const how = k.identity_method === 'other' ? k.identity_detail : identityMethod(k.identity_method);
    lines.push(`Identity: ${how}. Private space: ${k.private_space ? 'confirmed' : 'not confirmed'}. Others present: ${k.others_present || 'none'}.`);
  } else {
    lines.push('No opening checklist was completed.');
  }
  const took = d.participants.filter((p) => p.admitted_at).map((p) => `${who(p.id)} from ${when(p.admitted_at)}`);
  lines.push(`Took part: ${took.length ? took.join('; ') : 'nobody was admitted'}.`);
  lines.push('Timeline:');
  for (const r of d.records) {
    let extra = r.participant_id ? ` – ${who(r.participant_id)}` : '';
    if (r.kind === 'mode') extra += ` from ${r.detail.from} to ${r.detail.to}`;
    if (r.kind === 'consent') extra += ` (statement ${r.detail.version})`;
    if (r.kind === 'sent' || r.kind === 'invited') continue; // how links travelled is for the practice, not colleagues
    lines.push(`- ${when(r.at)}: ${recordKind(r.kind)}${extra}`);
  }
  return lines.join('\n');
}

/** ShareRecord sends the consultation record into one of the clinician's
 * Switchboard conversations, end to end encrypted like any message. */
export function ShareRecord({ detail }: { detail: Detail }) {
  const unlocked = useUnlocked();
  const [convs, setConvs] = useState<Summary[] | null>(null);
  const [to, setTo] = useState('');
  const [fullName, setFullName] = useState(false);
  const [status, setStatus] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (!unlocked) return;
    loadCore()
      .then((c) => c.summaries())
      .then((s) => {
        const open = s.filter((x) => !x.removed);
        setConvs(open);
        setTo((cur) => cur || open[0]?.id || '');
      })
      .catch((e: unknown) => setError(e instanceof Error ? e.message : String(e)));
  }, [unlocked]);

  if (!unlocked) {
    return (
      <p class="nhsuk-body" data-testid="share-locked">
        To share this record with colleagues in a conversation, <a href="/messages">unlock secure messaging</a> first, then
        come back to this page.
      </p>
    );
  }
  if (convs === null) return <p class="nhsuk-body">Loading your conversations…</p>;
  if (convs.length === 0) {
    return <p class="nhsuk-body">You are not in any conversations yet; start one from Messages to share this record.</p>;
  }
  const share = async () => {
    setBusy(true);
    setError('');
    setStatus('');
    try {
      await (await loadCore()).send(to, recordText(detail, fullName));
      setStatus(`The record was shared in ${convs.find((c) => c.id === to)?.name || 'the conversation'}.`);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        void share();
      }}
    >
      {error && (
        <div class="nhsuk-error-summary" role="alert">
          <h3 class="nhsuk-error-summary__heading">There is a problem</h3>
          <div class="nhsuk-error-summary__body">
            <p>{error}</p>
          </div>
        </div>
      )}
      <div class="nhsuk-form-group">
        <label class="nhsuk-label" for="share-to">
          Conversation
        </label>
        <select class="nhsuk-select" id="share-to" value={to} onChange={(e) => setTo((e.currentTarget as HTMLSelectElement).value)}>
          {convs.map((c) => (
            <option key={c.id} value={c.id}>
              {c.name || 'Conversation'}
            </option>
          ))}
        </select>
      </div>
      <div class="nhsuk-form-group">
        <fieldset class="nhsuk-fieldset" aria-describedby="share-name-hint">
          <legend class="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">How should the record name the patient?</legend>
          <div class="nhsuk-hint" id="share-name-hint">
            Use the full name only if everyone in the conversation is caring for this patient.
          </div>
          <div class="nhsuk-radios">
            <div class="nhsuk-radios__item">
              <input class="nhsuk-radios__input" id="share-initials" type="radio" name="share-name" checked={!fullName} onChange={() => setFullName(false)} />
              <label class="nhsuk-label nhsuk-radios__label" for="share-initials">
                By initials ({initials(detail.consultation.patient_name)})
              </label>
            </div>
            <div class="nhsuk-radios__item">
              <input class="nhsuk-radios__input" id="share-full" type="radio" name="share-name" checked={fullName} onChange={() => setFullName(true)} />
              <label class="nhsuk-label nhsuk-radios__label" for="share-full">
                By full name
              </label>
            </div>
          </div>
        </fieldset>
      </div>
      <button class="nhsuk-button nhsuk-button--secondary" type="submit" disabled={busy || !to}>
        Share the record
      </button>
      <p class="nhsuk-body" role="status" data-testid="share-status">
        {status}
      </p>
    </form>
  );
}
