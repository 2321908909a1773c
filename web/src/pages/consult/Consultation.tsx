import { useEffect, useRef, useState } from 'preact/hooks';
import { get, post, put, seg } from '../../api';
import { ErrorSummary, errorFor, type FieldError } from '../../components/ErrorSummary';
import { Notice } from '../../components/Notice';
import { markActive } from '../../idle';
import { message, useLoad } from '../../load';
import { useTitle } from '../../title';
import { Call } from './Call';
import { Checklist } from './Checklist';
import { openDevices } from './check';
import { Guests } from './Guests';
import { recordKind, ShareRecord } from './Share';
import { type ChatLine, Mesh, type Remote, roleName, socketURL } from './mesh';
import { type Detail, identityMethod, type Participant, statusNames, when } from './types';
import { count } from '../../format';

/** Consultation is the clinician's page for one consultation: the waiting
 * room, the opening checklist, the call, and afterwards the outcome and
 * the exports. */
export function Consultation({ id }: { id: string }) {
  const d = useLoad(() => get<Detail>(`/api/consultations/${seg(id)}`), [id]);
  const [mesh, setMesh] = useState<Mesh | null>(null);
  const [local, setLocal] = useState<MediaStream | null>(null);
  const [remotes, setRemotes] = useState<Remote[]>([]);
  const [chat, setChat] = useState<ChatLine[]>([]);
  const [poor, setPoor] = useState(false);
  const [audioOnly, setAudioOnly] = useState(false);
  const [errors, setErrors] = useState<FieldError[]>([]);
  const meshRef = useRef<Mesh | null>(null);
  const detail = d.data;
  const c = detail?.consultation;
  useTitle(c ? `Consultation with ${c.patient_name}` : 'Consultation', errors.length > 0);

  useEffect(
    () => () => {
      meshRef.current?.close();
    },
    [],
  );
  useEffect(() => () => local?.getTracks().forEach((t) => t.stop()), [local]);

  // A call in progress is use of the device: keep the idle limit from
  // signing the clinician out mid-consultation, and the server session
  // alive with a request now and then.
  useEffect(() => {
    if (!mesh) return;
    const t = window.setInterval(() => {
      markActive();
      void d.reload();
    }, 60_000);
    return () => window.clearInterval(t);
  }, [mesh]);

  const act = async (f: () => Promise<unknown>) => {
    try {
      await f();
      setErrors([]);
    } catch (err) {
      setErrors([{ text: message(err) }]);
    }
    await d.reload();
  };

  const setMode = (mode: string, automatic = false) => act(() => post(`/api/consultations/${seg(id)}/mode`, { mode, automatic }));

  const startCall = async () => {
    if (!detail) return;
    const stream = (await openDevices()) ?? new MediaStream();
    setLocal(stream);
    const m = new Mesh(socketURL(`/api/consultations/${seg(id)}/ws`), detail.ice_servers, stream, {
      state: (s) => {
        if (s === 'ended') void d.reload();
      },
      remotes: setRemotes,
      chat: (l) => setChat((x) => [...x, l]),
      mode: (mode) => {
        m.setAudioOnly(mode === 'audio');
        setAudioOnly(mode === 'audio');
        if (mode === 'telephone') m.close();
        void d.reload();
      },
      presence: () => void d.reload(),
      lobby: () => void d.reload(),
      poor: (p) => {
        setPoor(p);
        if (p && !m.isAudioOnly()) {
          m.setAudioOnly(true);
          setAudioOnly(true);
          void setMode('audio', true);
        }
      },
    });
    meshRef.current = m;
    setMesh(m);
    m.start();
  };

  if (d.error) {
    return (
      <>
        <h1>Consultation not found</h1>
        <p class="nhsuk-body">{d.error}</p>
        <p>
          <a href="/consultations">Back to your consultations</a>
        </p>
      </>
    );
  }
  if (!detail || !c) return <p class="nhsuk-body">Loading…</p>;
  const over = c.status === 'ended' || c.status === 'cancelled';
  const admitted = detail.participants.some((p) => p.state === 'admitted');
  const phone = c.checklist?.fallback_phone || c.patient_phone;

  return (
    <>
      <a class="nhsuk-back-link" href="/consultations">
        Your consultations
      </a>
      <h1>Consultation with {c.patient_name}</h1>
      <ErrorSummary errors={errors} />
      <dl class="nhsuk-summary-list" data-testid="summary">
        <Row k="Time" v={`${when(c.starts_at)} (${count(c.slot_minutes, 'minute')})`} />
        {c.reason && <Row k="Reason" v={c.reason} />}
        <Row k="Status" v={<span data-testid="status">{statusNames[c.status]}</span>} />
        <Row k="Mode" v={<span data-testid="mode">{{ video: 'Video', audio: 'Sound only', telephone: 'Telephone' }[c.mode]}</span>} />
      </dl>
      {c.mode === 'telephone' && !over && (
        <Notice title="Switched to telephone" testid="telephone">
          <p class="nhsuk-notification-banner__heading">Phone the patient now on {phone || 'the number in their record'}.</p>
          <p>The change is recorded. End the consultation when the call is over.</p>
        </Notice>
      )}
      {!over && (
        <WaitingRoom
          participants={detail.participants}
          patient={c.patient_name}
          inCall={!!mesh}
          onAdmit={(p) => act(() => post(`/api/consultations/${seg(id)}/admit`, { participant_id: p.id }))}
        />
      )}
      {!over && !mesh && c.mode !== 'telephone' && (
        <p>
          <button type="button" class="nhsuk-button" onClick={startCall} data-testid="start-call">
            Start the video
          </button>
        </p>
      )}
      {mesh && !over && c.mode !== 'telephone' && (
        <Call
          mesh={mesh}
          local={local}
          remotes={remotes}
          chat={chat}
          poor={poor}
          audioOnly={audioOnly}
          onAudioOnly={(on) => {
            mesh.setAudioOnly(on);
            setAudioOnly(on);
            void setMode(on ? 'audio' : 'video');
          }}
        >
          <button type="button" class="nhsuk-button nhsuk-button--secondary" onClick={() => void setMode('telephone')} data-testid="to-telephone">
            Switch to telephone
          </button>
        </Call>
      )}
      {!over && (admitted || c.checklist) && (
        <Checklist id={id} saved={c.checklist} defaultPhone={c.patient_phone} onSaved={() => void d.reload()} />
      )}
      {!over && <Guests id={id} />}
      {!over && (
        <p>
          <button type="button" class="nhsuk-button nhsuk-button--warning" onClick={() => void act(() => post(`/api/consultations/${seg(id)}/end`))} data-testid="end">
            End the consultation
          </button>
        </p>
      )}
      {(over || admitted) && (
        <Outcome id={id} saved={c.outcome || notePrefill(c)} checklistDone={!!c.checklist} onSaved={() => void d.reload()} />
      )}
      <h2>Record</h2>
      <p class="nhsuk-body">
        <a href={`/api/consultations/${seg(id)}/fhir`} download data-testid="fhir">
          Download the record as FHIR (Encounter)
        </a>{' '}
        to file it in the patient’s record. It holds times, who took part, the checklist, consent and changes of mode; never video,
        sound or messages.
      </p>
      <Timeline detail={detail} />
      {over && (
        <>
          <h2>Share with colleagues</h2>
          <p class="nhsuk-body">
            Send this record into one of your Switchboard conversations, end to end encrypted. It carries the times, who
            took part, the checklist, consent and changes of mode; not the outcome note, the chat or anyone's contact
            details.
          </p>
          <ShareRecord detail={detail} />
        </>
      )}
    </>
  );
}


// notePrefill starts the outcome note from the opening checklist, as the
// record of the consultation's start.
function notePrefill(c: Detail['consultation']): string {
  const k = c.checklist;
  if (!k) return '';
  const how = k.identity_method === 'other' ? k.identity_detail : identityMethod(k.identity_method);
  return (
    `Video consultation. Identity: ${how}. Patient in a private space. Others present: ${k.others_present}. ` +
    `Fallback number: ${k.fallback_phone}.\n\n`
  );
}

function Row({ k, v }: { k: string; v: preact.ComponentChildren }) {
  return (
    <div class="nhsuk-summary-list__row">
      <dt class="nhsuk-summary-list__key">{k}</dt>
      <dd class="nhsuk-summary-list__value">{v}</dd>
    </div>
  );
}

function checkText(p: Participant): string {
  const k = p.check;
  if (!k) return 'Not checked';
  const bad = [!k.camera && 'no camera', !k.microphone && 'no microphone', !k.speaker && 'no speaker', k.connection === 'none' && 'cannot connect']
    .filter(Boolean)
    .join(', ');
  const conn = k.connection === 'direct' ? 'direct' : k.connection === 'relay' ? 'through the relay' : 'no connection';
  return `${bad ? `Problems: ${bad}` : 'All working'}; ${conn}${k.uplink_kbps ? `, about ${Math.round(k.uplink_kbps / 100) / 10} Mbit/s up` : ''}`;
}

function WaitingRoom({ participants, patient, inCall, onAdmit }: { participants: Participant[]; patient: string; inCall: boolean; onAdmit: (p: Participant) => void }) {
  const stateText = (p: Participant) =>
    p.state === 'admitted' ? 'In the call' : p.state === 'waiting' ? (p.connected ? 'Waiting' : 'Entered, not connected now') : 'Not arrived';
  return (
    <section aria-labelledby="waiting-heading">
      <h2 id="waiting-heading">Waiting room</h2>
      {!inCall && <p class="nhsuk-body">Start the video to see who is waiting as they arrive and to let them in.</p>}
      <ul class="nhsuk-list" data-testid="waiting-list">
        {participants.map((p) => (
          <li key={p.id} class="nhsuk-card nhsuk-u-margin-bottom-3" data-testid={`participant-${p.role}`}>
            <div class="nhsuk-card__content">
              <h3 class="nhsuk-card__heading nhsuk-heading-s">
                {p.role === 'patient' ? patient : p.label} <span class="nhsuk-u-secondary-text-colour">({roleName(p.role)})</span>
              </h3>
              <p class="nhsuk-card__description">
                <strong class="nhsuk-tag nhsuk-tag--grey" data-testid="state">
                  {stateText(p)}
                </strong>
              </p>
              {p.check && <p class="nhsuk-card__description" data-testid="device-check">Device check: {checkText(p)}</p>}
              {p.state === 'waiting' && p.connected && inCall && (
                <button type="button" class="nhsuk-button nhsuk-u-margin-bottom-0" onClick={() => onAdmit(p)}>
                  Admit {p.role === 'patient' ? patient : p.label}
                </button>
              )}
            </div>
          </li>
        ))}
      </ul>
    </section>
  );
}

function Outcome({ id, saved, checklistDone, onSaved }: { id: string; saved: string; checklistDone: boolean; onSaved: () => void }) {
  const [text, setText] = useState(saved);
  const [typed, setTyped] = useState(false);
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [done, setDone] = useState(false);
  // An error that the opening checklist must come first goes once it has.
  useEffect(() => {
    if (checklistDone) setErrors((es) => es.filter((e) => !/opening checklist/i.test(e.text)));
  }, [checklistDone]);
  // Follow the saved note (or the checklist's prefill) until the
  // clinician starts typing, and again if they clear it.
  useEffect(() => {
    if (!typed) setText(saved);
  }, [saved, typed]);
  const submit = async (e: Event) => {
    e.preventDefault();
    if (!text.trim()) {
      setErrors([{ field: 'outcome', text: 'Enter the outcome of the consultation' }]);
      return;
    }
    try {
      await put(`/api/consultations/${seg(id)}/outcome`, { outcome: text });
      setErrors([]);
      setDone(true);
      onSaved();
    } catch (err) {
      setErrors([{ field: 'outcome', text: message(err) }]);
    }
  };
  const err = errorFor(errors, 'outcome');
  return (
    <form onSubmit={submit} novalidate aria-labelledby="outcome-heading">
      <h2 id="outcome-heading">Outcome</h2>
      <ErrorSummary errors={errors} />
      <div class={`nhsuk-form-group${err ? ' nhsuk-form-group--error' : ''}`}>
        <label class="nhsuk-label" for="outcome">
          What was the outcome?
        </label>
        <div class="nhsuk-hint" id="outcome-hint">
          Advice given, prescriptions, referrals and follow-up. It goes into the FHIR record.
        </div>
        {err && (
          <span class="nhsuk-error-message" id="outcome-error">
            <span class="nhsuk-u-visually-hidden">Error: </span>
            {err}
          </span>
        )}
        <textarea
          class={`nhsuk-textarea${err ? ' nhsuk-textarea--error' : ''}`}
          id="outcome"
          name="outcome"
          rows={5}
          aria-describedby={`outcome-hint${err ? ' outcome-error' : ''}`}
          value={text}
          onInput={(e) => {
            const v = (e.currentTarget as HTMLTextAreaElement).value;
            setTyped(v !== ''); // cleared, it follows the prefill again
            setText(v);
          }}
        />
      </div>
      {done && !err && (
        <p class="nhsuk-body" role="status" data-testid="outcome-saved">
          <strong class="nhsuk-tag nhsuk-tag--green">Outcome saved</strong>
        </p>
      )}
      <button class="nhsuk-button" type="submit">
        Save outcome
      </button>
    </form>
  );
}


/** Timeline lists a consultation's records in order. */
export function Timeline({ detail }: { detail: Pick<Detail, 'consultation' | 'participants' | 'records'> }) {
  const who = (pid: string) => {
    const p = detail.participants.find((x) => x.id === pid);
    if (!p) return '';
    return p.role === 'patient' ? detail.consultation.patient_name : `${p.label} (${roleName(p.role)})`;
  };
  return (
    <ul class="nhsuk-list" data-testid="timeline">
      {detail.records.map((r) => (
        <li key={r.seq}>
          {when(r.at)}: {recordKind(r.kind)}
          {r.participant_id && ` – ${who(r.participant_id)}`}
          {r.kind === 'mode' && ` from ${r.detail.from} to ${r.detail.to}${r.detail.trigger === 'automatic' ? ' (poor connection)' : ''}`}
          {r.kind === 'consent' && ` (statement ${r.detail.version})`}
          {r.kind === 'sent' && ` by ${r.detail.channel}: ${r.detail.result}`}
        </li>
      ))}
    </ul>
  );
}
