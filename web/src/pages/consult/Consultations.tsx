import { useState } from 'preact/hooks';
import { get, post } from '../../api';
import { ErrorSummary, errorFor, type FieldError } from '../../components/ErrorSummary';
import { Table } from '../../components/Table';
import { TextInput } from '../../components/TextInput';
import { message, useLoad } from '../../load';
import { useTitle } from '../../title';
import { serverError } from '../../validate';
import { InviteSent } from './InviteSent';
import { type Consultation, type Invite, statusNames, when } from './types';

/** Consultations is the clinician's list of video consultations, the form
 * to book one, and the weekly activity report. */
export function Consultations() {
  const list = useLoad(() => get<{ consultations: Consultation[] }>('/api/consultations'));
  const [booked, setBooked] = useState<{ consultation: Consultation; invite: Invite } | null>(null);
  const [hasErrors, setHasErrors] = useState(false);
  useTitle('Video consultations', hasErrors);
  const rows = list.data?.consultations ?? [];
  return (
    <>
      <h1>Video consultations</h1>
      {list.error && <p class="nhsuk-error-message">{list.error}</p>}
      {rows.length > 0 ? (
        <div class="app-table-scroll">
          <Table
            caption="Your consultations"
            testid="consultations"
            rows={rows}
            rowKey={(c) => c.id}
            columns={[
              { heading: 'Time', cell: (c) => when(c.starts_at) },
              { heading: 'Patient', cell: (c) => <a href={`/consultations/${c.id}`}>{c.patient_name}</a> },
              { heading: 'Status', cell: (c) => statusNames[c.status] ?? c.status },
            ]}
          />
        </div>
      ) : (
        <p class="nhsuk-body">You have no video consultations booked.</p>
      )}
      {booked ? (
        <InviteSent
          heading="Consultation booked"
          invite={booked.invite}
          onAnother={() => setBooked(null)}
          open={`/consultations/${booked.consultation.id}`}
        />
      ) : (
        <Schedule
          onBooked={(b) => {
            setBooked(b);
            void list.reload();
          }}
          onErrors={setHasErrors}
        />
      )}
      <ActivityReport />
    </>
  );
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

function Schedule({ onBooked, onErrors }: { onBooked: (b: { consultation: Consultation; invite: Invite }) => void; onErrors: (b: boolean) => void }) {
  const soon = new Date(Date.now() + 10 * 60_000);
  const [name, setName] = useState('');
  const [phone, setPhone] = useState('');
  const [email, setEmail] = useState('');
  const [reason, setReason] = useState('');
  const [date, setDate] = useState(`${soon.getFullYear()}-${pad(soon.getMonth() + 1)}-${pad(soon.getDate())}`);
  const [time, setTime] = useState(`${pad(soon.getHours())}:${pad(soon.getMinutes())}`);
  const [length, setLength] = useState('15');
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [busy, setBusy] = useState(false);

  const fail = (errs: FieldError[]) => {
    setErrors(errs);
    onErrors(errs.length > 0);
  };

  const submit = async (e: Event) => {
    e.preventDefault();
    const errs: FieldError[] = [];
    if (!name.trim()) errs.push({ field: 'patient-name', text: 'Enter the patient’s full name' });
    if (!phone.trim() && !email.trim()) errs.push({ field: 'patient-phone', text: 'Enter a mobile number or an email address to send the link to' });
    if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) errs.push({ field: 'starts-date', text: 'Enter the date of the consultation' });
    if (!/^\d{2}:\d{2}$/.test(time)) errs.push({ field: 'starts-time', text: 'Enter the time of the consultation, such as 14:30' });
    fail(errs);
    if (errs.length) return;
    setBusy(true);
    try {
      const b = await post<{ consultation: Consultation; invite: Invite }>('/api/consultations', {
        patient_name: name,
        patient_phone: phone,
        patient_email: email,
        reason,
        starts_at: `${date}T${time}`,
        slot_minutes: Number(length) || 0,
      });
      fail([]);
      onBooked(b);
    } catch (err) {
      fail([
        serverError(message(err), [
          [/name/i, 'patient-name'],
          [/mobile/i, 'patient-phone'],
          [/email/i, 'patient-email'],
          [/reason/i, 'reason'],
          [/length|minutes/i, 'slot-minutes'],
          [/time|date|passed|days/i, 'starts-date'],
        ]),
      ]);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={submit} novalidate aria-labelledby="schedule-heading">
      <h2 id="schedule-heading">Book a video consultation</h2>
      <ErrorSummary errors={errors} />
      <TextInput id="patient-name" label="Patient’s full name" value={name} onInput={setName} error={errorFor(errors, 'patient-name')} autocomplete="off" spellcheck={false} />
      <TextInput
        id="patient-phone"
        label="Patient’s mobile number"
        hint="We text the link to this number. The text has only the link, the practice name and the time."
        value={phone}
        onInput={setPhone}
        error={errorFor(errors, 'patient-phone')}
        width={20}
        autocomplete="off"
      />
      <TextInput id="patient-email" label="Patient’s email address (optional)" type="email" value={email} onInput={setEmail} error={errorFor(errors, 'patient-email')} autocomplete="off" spellcheck={false} />
      <TextInput id="reason" label="Reason (optional)" hint="Shown only to you, never sent to the patient." value={reason} onInput={setReason} error={errorFor(errors, 'reason')} autocomplete="off" />
      <div class={`nhsuk-form-group${errorFor(errors, 'starts-date') || errorFor(errors, 'starts-time') ? ' nhsuk-form-group--error' : ''}`}>
        <fieldset class="nhsuk-fieldset">
          <legend class="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">When</legend>
          {(errorFor(errors, 'starts-date') || errorFor(errors, 'starts-time')) && (
            <span class="nhsuk-error-message">
              <span class="nhsuk-u-visually-hidden">Error: </span>
              {errorFor(errors, 'starts-date') ?? errorFor(errors, 'starts-time')}
            </span>
          )}
          <label class="nhsuk-label" for="starts-date">
            Date
          </label>
          <input class="nhsuk-input nhsuk-input--width-10 nhsuk-u-margin-bottom-3" id="starts-date" type="date" value={date} onInput={(e) => setDate((e.currentTarget as HTMLInputElement).value)} />
          <label class="nhsuk-label" for="starts-time">
            Time (UK time, 24-hour clock)
          </label>
          <input class="nhsuk-input nhsuk-input--width-5" id="starts-time" type="time" value={time} onInput={(e) => setTime((e.currentTarget as HTMLInputElement).value)} />
        </fieldset>
      </div>
      <TextInput id="slot-minutes" label="Length in minutes" value={length} onInput={setLength} error={errorFor(errors, 'slot-minutes')} inputmode="numeric" width={3} />
      <button class="nhsuk-button" type="submit" disabled={busy}>
        Book and send the link
      </button>
    </form>
  );
}

function ActivityReport() {
  return (
    <section aria-labelledby="report-heading">
      <h2 id="report-heading">Weekly activity report</h2>
      <p class="nhsuk-body">
        Counts of this week’s video consultations for the S97 return: booked, held, and how they ended. It has no patient names or
        other identifiers.
      </p>
      <form method="get" action="/api/reports/consultations" class="nhsuk-u-margin-bottom-5">
        <div class="nhsuk-form-group">
          <label class="nhsuk-label" for="report-week">
            Week
          </label>
          <div class="nhsuk-hint" id="report-week-hint">
            For example 2026-W48. Leave it empty for this week.
          </div>
          <input class="nhsuk-input nhsuk-input--width-10" id="report-week" name="week" type="text" aria-describedby="report-week-hint" autocomplete="off" />
        </div>
        <button class="nhsuk-button nhsuk-button--secondary" type="submit" data-testid="report-download">
          Download the report (CSV)
        </button>
      </form>
    </section>
  );
}
