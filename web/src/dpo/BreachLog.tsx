import { useState } from 'preact/hooks';
import { get, post } from '../api';
import { ErrorSummary, errorFor, type FieldError } from '../components/ErrorSummary';
import { Notice } from '../components/Notice';
import { Table } from '../components/Table';
import { TextInput } from '../components/TextInput';
import { when } from '../format';
import { message, useLoad } from '../load';
import { useTitle } from '../title';
import { Clock } from './Clock';
import type { Breach, BreachLog as Log, NewBreach } from './types.gen';
import { categoryName, kindName, useServerNow } from './words';

/** BreachLog is the data protection officer's breach and complaint log:
 * every entry with its 72-hour ICO clock, and a form to record a new one.
 * Administrators read it; only the DPO records and changes entries. */
export function BreachLog() {
  const log = useLoad(() => get<Log>('/api/dpo/breaches'));
  const now = useServerNow(log.data?.now);
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [done, setDone] = useState('');
  useTitle('Breach and complaint log', errors.length > 0 || !!log.error);
  const allErrors = log.error ? [{ text: log.error }, ...errors] : errors;
  const open = log.data?.breaches.filter((b) => !b.closed_at) ?? [];
  const closed = log.data?.breaches.filter((b) => b.closed_at) ?? [];
  return (
    <>
      <ErrorSummary errors={allErrors} />
      {done && (
        <Notice success testid="done">
          <p class="nhsuk-notification-banner__heading">{done}</p>
        </Notice>
      )}
      <h1>Breach and complaint log</h1>
      <p>
        Breaches, near misses and complaints about personal data, kept by the data protection officer. A breach that
        must be reported to the Information Commissioner's Office (ICO) has 72 hours from when the organisation became
        aware of it; you are reminded at 24, 48 and 66 hours.
      </p>
      {log.data && (
        <>
          <h2>Open entries</h2>
          <Entries rows={open} now={now} caption="Open entries, newest first" testid="open-breaches" />
          {log.data.can_change && (
            <NewEntry
              log={log.data}
              onError={setErrors}
              onAdded={async (b) => {
                setErrors([]);
                setDone(`You recorded a ${kindName(b.kind).toLowerCase()}.`);
                await log.reload();
              }}
            />
          )}
          <h2>DPIA pack</h2>
          <p>
            Switchboard as your organisation has configured it, for your own DPIA and DCB0160 work: data flows, what
            the server can and cannot see, retention, sub-processors, security controls, the NHS guidance it enforces
            and the clinical safety hazard log.
          </p>
          <ul>
            <li>
              <a href="/api/dpo/dpia.pdf" download data-testid="dpia-pdf">
                Download the DPIA pack (PDF)
              </a>
            </li>
            <li>
              <a href="/api/dpo/dpia" target="_blank" rel="noopener" data-testid="dpia-html">
                Open the DPIA pack as a web page (opens in a new tab)
              </a>
            </li>
          </ul>
          {closed.length > 0 && (
            <>
              <h2>Closed entries</h2>
              <Entries rows={closed} now={now} caption="Closed entries, newest first" testid="closed-breaches" />
            </>
          )}
        </>
      )}
    </>
  );
}

function Entries({ rows, now, caption, testid }: { rows: Breach[]; now: number; caption: string; testid: string }) {
  if (rows.length === 0) return <p>There are none.</p>;
  return (
    <Table
      caption={caption}
      testid={testid}
      rows={rows}
      rowKey={(b) => b.id}
      columns={[
        { heading: 'Opened', cell: (b) => when(b.opened_at) },
        { heading: 'Kind', cell: (b) => kindName(b.kind) },
        { heading: 'About', cell: (b) => categoryName(b.category) },
        { heading: 'ICO clock', cell: (b) => <Clock b={b} now={now} /> },
        {
          heading: 'Entry',
          cell: (b) => (
            <a href={`/dpo/breaches/${b.id}`}>
              View<span class="nhsuk-u-visually-hidden"> the {kindName(b.kind).toLowerCase()} opened {when(b.opened_at)}</span>
            </a>
          ),
        },
      ]}
    />
  );
}

function NewEntry({ log, onError, onAdded }: { log: Log; onError: (e: FieldError[]) => void; onAdded: (b: Breach) => void }) {
  const [kind, setKind] = useState('breach');
  const [category, setCategory] = useState('');
  const [summary, setSummary] = useState('');
  const [affected, setAffected] = useState('');
  const [actions, setActions] = useState('');
  const [reportable, setReportable] = useState(false);
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<FieldError[]>([]);
  const fail = (es: FieldError[]) => {
    setErrors(es);
    onError(es);
  };
  const submit = async (e: Event) => {
    e.preventDefault();
    const es: FieldError[] = [];
    if (!category) es.push({ field: 'breach-category', text: 'Choose what the entry is about.' });
    if (!summary.trim()) es.push({ field: 'breach-summary', text: 'Say what happened in the summary.' });
    const n = affected.trim() === '' ? 0 : Number(affected);
    if (!Number.isInteger(n) || n < 0) es.push({ field: 'breach-affected', text: 'Give the number of people affected as a whole number.' });
    if (es.length) return fail(es);
    setBusy(true);
    try {
      const body: NewBreach = { kind, category, summary, affected: n, actions, reportable };
      const b = await post<Breach>('/api/dpo/breaches', body);
      setCategory('');
      setSummary('');
      setAffected('');
      setActions('');
      setReportable(false);
      setErrors([]);
      onAdded(b);
    } catch (err) {
      const text = message(err);
      fail([{ field: /summary|NHS number/.test(text) ? 'breach-summary' : undefined, text }]);
    } finally {
      setBusy(false);
    }
  };
  const summaryError = errorFor(errors, 'breach-summary');
  const categoryError = errorFor(errors, 'breach-category');
  return (
    <form onSubmit={submit} novalidate data-testid="new-breach">
      <h2>Record a breach, near miss or complaint</h2>
      <div class="nhsuk-warning-callout">
        <h3 class="nhsuk-warning-callout__label">
          <span class="nhsuk-u-visually-hidden">Important: </span>No patient identifiers
        </h3>
        <p>
          What you write here is kept on the server. Do not enter patient names, NHS numbers, dates of birth or
          addresses: describe what happened and refer to the record instead. An NHS number is refused.
        </p>
      </div>
      <div class="nhsuk-form-group">
        <fieldset class="nhsuk-fieldset">
          <legend class="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">What is it?</legend>
          <div class="nhsuk-radios nhsuk-radios--inline">
            {log.kinds.map((k) => (
              <div class="nhsuk-radios__item" key={k}>
                <input
                  class="nhsuk-radios__input"
                  id={`breach-kind-${k}`}
                  name="breach-kind"
                  type="radio"
                  value={k}
                  checked={kind === k}
                  onChange={() => setKind(k)}
                />
                <label class="nhsuk-label nhsuk-radios__label" for={`breach-kind-${k}`}>
                  {kindName(k)}
                </label>
              </div>
            ))}
          </div>
        </fieldset>
      </div>
      <div class={`nhsuk-form-group${categoryError ? ' nhsuk-form-group--error' : ''}`}>
        <label class="nhsuk-label" for="breach-category">
          What is it about?
        </label>
        {categoryError && (
          <span class="nhsuk-error-message" id="breach-category-error">
            <span class="nhsuk-u-visually-hidden">Error: </span>
            {categoryError}
          </span>
        )}
        <select
          class="nhsuk-select"
          id="breach-category"
          name="breach-category"
          value={category}
          aria-describedby={categoryError ? 'breach-category-error' : undefined}
          onChange={(e) => setCategory((e.currentTarget as HTMLSelectElement).value)}
        >
          <option value="">Choose one</option>
          {log.categories.map((c) => (
            <option value={c} key={c}>
              {categoryName(c)}
            </option>
          ))}
        </select>
      </div>
      <TextArea id="breach-summary" label="What happened" hint="Without patient identifiers." value={summary} onInput={setSummary} error={summaryError} />
      <TextInput
        id="breach-affected"
        label="How many people are affected, if known"
        value={affected}
        onInput={setAffected}
        inputmode="numeric"
        width={5}
        error={errorFor(errors, 'breach-affected')}
      />
      <TextArea id="breach-actions" label="What has been done so far (optional)" value={actions} onInput={setActions} />
      <div class="nhsuk-form-group">
        <div class="nhsuk-checkboxes">
          <div class="nhsuk-checkboxes__item">
            <input
              class="nhsuk-checkboxes__input"
              id="breach-reportable"
              name="breach-reportable"
              type="checkbox"
              checked={reportable}
              onChange={(e) => setReportable((e.currentTarget as HTMLInputElement).checked)}
            />
            <label class="nhsuk-label nhsuk-checkboxes__label" for="breach-reportable">
              Reportable to the ICO: start the 72-hour clock
            </label>
          </div>
        </div>
      </div>
      <button class="nhsuk-button" type="submit" disabled={busy}>
        Record it
      </button>
    </form>
  );
}

/** TextArea is the NHS textarea with its label, hint and error. */
export function TextArea(p: { id: string; label: string; hint?: string; value: string; onInput: (v: string) => void; error?: string }) {
  const described = [p.hint ? `${p.id}-hint` : '', p.error ? `${p.id}-error` : ''].filter(Boolean).join(' ');
  return (
    <div class={`nhsuk-form-group${p.error ? ' nhsuk-form-group--error' : ''}`}>
      <label class="nhsuk-label" for={p.id}>
        {p.label}
      </label>
      {p.hint && (
        <div class="nhsuk-hint" id={`${p.id}-hint`}>
          {p.hint}
        </div>
      )}
      {p.error && (
        <span class="nhsuk-error-message" id={`${p.id}-error`}>
          <span class="nhsuk-u-visually-hidden">Error: </span>
          {p.error}
        </span>
      )}
      <textarea
        class={`nhsuk-textarea${p.error ? ' nhsuk-textarea--error' : ''}`}
        id={p.id}
        name={p.id}
        rows={4}
        value={p.value}
        aria-describedby={described || undefined}
        onInput={(e) => p.onInput((e.currentTarget as HTMLTextAreaElement).value)}
      />
    </div>
  );
}

