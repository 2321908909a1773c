import { useState } from 'preact/hooks';
import { get } from '../api';
import { ErrorSummary } from '../components/ErrorSummary';
import { Table } from '../components/Table';
import { TextInput } from '../components/TextInput';
import { useLoad } from '../load';
import { Timeline } from './consult/Consultation';
import { type Consultation, identityMethod, type Participant, type TimelineRecord, statusNames, when } from './consult/types';
import { count } from '../format';
import { roleName } from './consult/mesh';
import { useTitle } from '../title';

interface Reviewed extends Consultation {
  clinician: string;
}

interface List {
  consultations: Reviewed[];
  from: string;
  to: string;
}

interface Review {
  consultation: Reviewed;
  participants: Participant[];
  records: TimelineRecord[];
}

/** Records lets the data protection officer find any of the
 * organisation's video consultations by date, whoever ran it. */
export function Records() {
  const [range, setRange] = useState<{ from: string; to: string } | null>(null);
  const q = range ? `?from=${encodeURIComponent(range.from)}&to=${encodeURIComponent(range.to)}` : '';
  const list = useLoad(() => get<List>(`/api/reviews/consultations${q}`), [q]);
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  useTitle('Consultation records', !!list.error);
  const shown = list.data;
  return (
    <>
      <ErrorSummary errors={list.error ? [{ text: list.error, field: 'from' }] : []} />
      <h1>Consultation records</h1>
      <p>
        Every video consultation of your organisation: who was invited and how, who joined and was let in, the
        consent they gave and how the call went. Clinical notes are not shown here; they belong in the patient's
        record. Each record you open is written to the audit log.
      </p>
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          setRange({ from: from || shown?.from || '', to: to || shown?.to || '' });
        }}
      >
        <TextInput id="from" label="From" type="date" width={10} value={from || shown?.from || ''} onInput={setFrom} error={list.error} />
        <TextInput id="to" label="To" type="date" width={10} value={to || shown?.to || ''} onInput={setTo} />
        <button class="nhsuk-button nhsuk-button--secondary" type="submit">
          Show consultations
        </button>
      </form>
      {shown && shown.consultations.length === 0 && (
        <p class="nhsuk-body" data-testid="no-records">
          No consultations started between {shown.from} and {shown.to}.
        </p>
      )}
      {shown && shown.consultations.length > 0 && (
        <Table
          caption={`Consultations from ${shown.from} to ${shown.to}`}
          testid="records"
          rows={shown.consultations}
          rowKey={(c) => c.id}
          columns={[
            { heading: 'Time', cell: (c) => <span class="app-nowrap">{when(c.starts_at)}</span> },
            {
              heading: 'Patient',
              cell: (c) => (
                <a href={`/records/${c.id}`}>
                  {c.patient_name}
                  <span class="nhsuk-u-visually-hidden"> – open the record</span>
                </a>
              ),
            },
            { heading: 'Clinician', cell: (c) => c.clinician || '–' },
            { heading: 'Status', cell: (c) => statusNames[c.status] ?? c.status },
          ]}
        />
      )}
    </>
  );
}

/** RecordPage shows one consultation's record to the data protection
 * officer. */
export function RecordPage({ id }: { id: string }) {
  const r = useLoad(() => get<Review>(`/api/reviews/consultations/${encodeURIComponent(id)}`), [id]);
  useTitle('Consultation record', !!r.error);
  const c = r.data?.consultation;
  return (
    <>
      <a class="nhsuk-back-link" href="/records">
        Back to consultation records
      </a>
      <ErrorSummary errors={r.error ? [{ text: r.error }] : []} />
      <h1>Consultation record</h1>
      {r.data && c && (
        <>
          <dl class="nhsuk-summary-list" data-testid="record-summary">
            {[
              ['Patient', c.patient_name],
              ['Booked for', `${when(c.starts_at)}, ${count(c.slot_minutes, 'minute')}`],
              ['Clinician', c.clinician || '–'],
              ['Status', statusNames[c.status] ?? c.status],
              ['Identity checked', c.checklist ? identityMethodLine(c.checklist) : 'No'],
              ['Private space confirmed', c.checklist ? (c.checklist.private_space ? 'Yes' : 'No') : '–'],
              ['Others present', c.checklist?.others_present || '–'],
            ].map(([k, v]) => (
              <div class="nhsuk-summary-list__row" key={k}>
                <dt class="nhsuk-summary-list__key">{k}</dt>
                <dd class="nhsuk-summary-list__value">{v}</dd>
              </div>
            ))}
          </dl>
          <h2>People invited</h2>
          <ul class="nhsuk-list" data-testid="record-participants">
            {r.data.participants.map((p) => (
              <li key={p.id}>
                {p.role === 'patient' ? c.patient_name : p.label} ({roleName(p.role)}):{' '}
                {p.admitted_at ? `let in ${when(p.admitted_at)}` : p.entered_at ? `waited from ${when(p.entered_at)}` : 'did not join'}
              </li>
            ))}
          </ul>
          <h2>Timeline</h2>
          <Timeline detail={r.data} />
        </>
      )}
    </>
  );
}

/** identityMethodLine says how the patient's identity was checked, with
 * the clinician's words when it was another way. */
function identityMethodLine(k: { identity_method: string; identity_detail: string }): string {
  const how = identityMethod(k.identity_method);
  const line = how.charAt(0).toUpperCase() + how.slice(1);
  return k.identity_method === 'other' && k.identity_detail ? `${line}: ${k.identity_detail}` : line;
}
