import { useState } from 'preact/hooks';
import { get, post, put, seg, type Me } from '../api';
import { ErrorSummary, type FieldError } from '../components/ErrorSummary';
import { Notice } from '../components/Notice';
import { Table } from '../components/Table';
import { TextInput } from '../components/TextInput';
import { when } from '../format';
import { message, useLoad } from '../load';
import { useTitle } from '../title';
import { TextArea } from './BreachLog';
import type { RegisterEntry, RegisterInput, SoftwareRegister } from './types.gen';

const basisNames: Record<string, string> = {
  consent: 'Consent',
  contract: 'Contract',
  'legal-obligation': 'Legal obligation',
  'vital-interests': 'Vital interests',
  'public-task': 'Public task',
  'legitimate-interests': 'Legitimate interests',
};
const statusNames: Record<string, string> = {
  approved: 'Approved',
  'under-review': 'Under review',
  rejected: 'Rejected',
  retired: 'Retired',
};

/** Register is the published software register (G12): every tool the
 * organisation uses to communicate, with its light DPIA, for everyone
 * signed in to read; also at /register.csv and /register.json. The data
 * protection officer adds and reviews entries here. */
export function Register({ me }: { me: Me }) {
  const reg = useLoad(() => get<SoftwareRegister>('/register.json?view=page'));
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [done, setDone] = useState('');
  const [editing, setEditing] = useState<RegisterEntry | 'new' | null>(null);
  const canChange = me.user.roles.includes('dpo');
  useTitle('Software register', errors.length > 0 || !!reg.error);
  const allErrors = reg.error ? [{ text: reg.error }, ...errors] : errors;
  const r = reg.data;
  return (
    <>
      <ErrorSummary errors={allErrors} />
      {done && (
        <Notice success testid="done">
          <p class="nhsuk-notification-banner__heading">{done}</p>
        </Notice>
      )}
      <h1>Software register</h1>
      {r && (
        <>
          <p>
            The software {r.organisation.name} uses to communicate, each with a light data protection impact assessment
            (the ICO's screening checklist, answered). Kept by the data protection officer; generated {when(r.generated_at)}{' '}
            from the live register. Also as <a href="/register.csv">CSV</a> and <a href="/register.json">JSON</a>.
          </p>
          <Table
            caption="Tools in use"
            testid="register"
            rows={r.entries}
            rowKey={(e) => e.id}
            columns={[
              { heading: 'Tool', cell: (e) => <a href={`#entry-${e.id}`}>{e.name}</a> },
              { heading: 'Status', cell: (e) => statusNames[e.status] ?? e.status },
              {
                heading: 'Next review',
                cell: (e) => (
                  <>
                    {e.next_review}
                    {e.overdue && <strong class="nhsuk-tag nhsuk-tag--red nhsuk-u-margin-left-2">Overdue</strong>}
                  </>
                ),
              },
              { heading: 'Full DPIA', cell: (e) => (e.full_dpia_needed ? 'Needed' : 'Not needed') },
            ]}
          />
          {canChange && editing === null && (
            <button class="nhsuk-button nhsuk-button--secondary" type="button" onClick={() => setEditing('new')}>
              Add a tool
            </button>
          )}
          {canChange && editing !== null && (
            <EntryForm
              reg={r}
              entry={editing === 'new' ? null : editing}
              onCancel={() => setEditing(null)}
              onError={setErrors}
              onSaved={async (said) => {
                setErrors([]);
                setEditing(null);
                setDone(said);
                await reg.reload();
              }}
            />
          )}
          {r.entries.map((e) => (
            <section key={e.id} id={`entry-${e.id}`} aria-labelledby={`entry-${e.id}-h`} data-testid="register-entry">
              <h2 id={`entry-${e.id}-h`}>{e.name}</h2>
              <dl class="nhsuk-summary-list">
                <Row k="Supplier" v={e.supplier} />
                <Row k="Purpose" v={e.purpose} />
                <Row k="Data it holds" v={e.data_categories} />
                <Row k="Lawful basis" v={basisNames[e.lawful_basis] ?? e.lawful_basis} />
                <Row k="Hosting" v={e.hosting} />
                <Row k="Encryption" v={e.encryption} />
                <Row k="Retention" v={e.retention} />
                <Row k="Sub-processors" v={e.sub_processors} />
                <Row
                  k="Approval"
                  v={e.status === 'approved' ? `Approved on ${e.approved_on} by ${e.approver}` : statusNames[e.status] ?? e.status}
                />
                <Row k="Next review" v={`${e.next_review}${e.overdue ? ' (overdue)' : ''}`} />
                <Row
                  k="Light DPIA"
                  v={
                    e.version === 0
                      ? 'Not yet screened'
                      : e.full_dpia_needed
                        ? `Full DPIA needed (yes to: ${yeses(r, e)})`
                        : `No full DPIA needed${yeses(r, e) ? ` (yes to: ${yeses(r, e)})` : ''}`
                  }
                />
                <Row k="Last changed" v={`${when(e.updated_at)} by ${e.updated_by}`} />
              </dl>
              {canChange && editing === null && (
                <button class="nhsuk-button nhsuk-button--secondary" type="button" onClick={() => setEditing(e)}>
                  Review<span class="nhsuk-u-visually-hidden"> {e.name}</span>
                </button>
              )}
            </section>
          ))}
          <h2>Changes</h2>
          {r.changes.length === 0 ? (
            <p>No changes yet.</p>
          ) : (
            <Table
              caption="Changes to the register, newest first"
              testid="register-changes"
              rows={r.changes}
              rowKey={(c) => `${c.at}-${c.entry}-${c.note}`}
              columns={[
                { heading: 'When', cell: (c) => when(c.at) },
                { heading: 'Who', cell: (c) => c.actor },
                { heading: 'What', cell: (c) => c.note },
              ]}
            />
          )}
        </>
      )}
    </>
  );
}

function yeses(r: SoftwareRegister, e: RegisterEntry): string {
  return r.screening_questions
    .filter((q) => e.screening[q.id])
    .map((q) => q.text.replace(/^Criterion: /, '').replace(/\?$/, '').replace(/\.$/, ''))
    .join('; ');
}

function Row({ k, v }: { k: string; v: string }) {
  return (
    <div class="nhsuk-summary-list__row">
      <dt class="nhsuk-summary-list__key">{k}</dt>
      <dd class="nhsuk-summary-list__value">{v}</dd>
    </div>
  );
}

function EntryForm({
  reg,
  entry,
  onCancel,
  onError,
  onSaved,
}: {
  reg: SoftwareRegister;
  entry: RegisterEntry | null;
  onCancel: () => void;
  onError: (e: FieldError[]) => void;
  onSaved: (said: string) => void;
}) {
  const builtin = !!entry?.builtin;
  const [f, setF] = useState<RegisterInput>({
    version: entry?.version ?? 0,
    name: entry?.name ?? '',
    supplier: entry?.supplier ?? '',
    purpose: entry?.purpose ?? '',
    data_categories: entry?.data_categories ?? '',
    lawful_basis: entry?.lawful_basis ?? '',
    hosting: entry?.hosting ?? '',
    encryption: entry?.encryption ?? '',
    retention: entry?.retention ?? '',
    sub_processors: entry?.sub_processors ?? '',
    status: entry?.status ?? 'under-review',
    approved_on: entry?.approved_on ?? '',
    approver: entry?.approver ?? '',
    next_review: entry && entry.version > 0 ? entry.next_review : '',
    screening: Object.fromEntries(reg.screening_questions.map((q) => [q.id, !!entry?.screening[q.id]])),
  });
  const [busy, setBusy] = useState(false);
  const set = (k: keyof RegisterInput) => (v: string) => setF({ ...f, [k]: v });
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    try {
      if (entry) await put(`/api/dpo/register/${seg(entry.id)}`, f);
      else await post('/api/dpo/register', f);
      onSaved(entry ? `You saved your review of ${entry.name}.` : `You added ${f.name} to the register.`);
    } catch (err) {
      onError([{ text: message(err) }]);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form onSubmit={submit} novalidate data-testid="register-form">
      <h2>{entry ? `Review ${entry.name}` : 'Add a tool'}</h2>
      {builtin && <p>Switchboard's technical details come from the running server; record your decision here.</p>}
      {!builtin && (
        <>
          <TextInput id="reg-name" label="Tool" value={f.name} onInput={set('name')} />
          <TextInput id="reg-supplier" label="Supplier" value={f.supplier} onInput={set('supplier')} />
          <TextArea id="reg-purpose" label="What it is used for" value={f.purpose} onInput={set('purpose')} />
          <TextArea id="reg-data" label="Kinds of personal data it holds" value={f.data_categories} onInput={set('data_categories')} />
          <TextInput id="reg-hosting" label="Where the data is hosted" value={f.hosting} onInput={set('hosting')} />
          <TextInput id="reg-encryption" label="Encryption" value={f.encryption} onInput={set('encryption')} />
          <TextInput id="reg-retention" label="Retention" value={f.retention} onInput={set('retention')} />
          <TextInput id="reg-subs" label="Sub-processors" value={f.sub_processors} onInput={set('sub_processors')} />
        </>
      )}
      <Select id="reg-basis" label="Lawful basis (UK GDPR Article 6)" value={f.lawful_basis} onChange={set('lawful_basis')}
        options={reg.lawful_bases.map((b) => [b, basisNames[b] ?? b])} />
      <Select id="reg-status" label="Status" value={f.status} onChange={set('status')} options={reg.statuses.map((s) => [s, statusNames[s] ?? s])} />
      <TextInput id="reg-approved-on" label="Approved on" hint="For an approved tool. For example, 2026-12-04" value={f.approved_on ?? ''} onInput={set('approved_on')} width={10} />
      <TextInput id="reg-approver" label="Approved by" value={f.approver ?? ''} onInput={set('approver')} />
      <TextInput id="reg-review" label="Next review" hint="For example, 2027-12-04" value={f.next_review} onInput={set('next_review')} width={10} />
      <div class="nhsuk-form-group">
        <fieldset class="nhsuk-fieldset" aria-describedby="reg-screening-hint">
          <legend class="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">DPIA screening (ICO checklist)</legend>
          <div class="nhsuk-hint" id="reg-screening-hint">
            Tick each that applies. A tick to any of the first twelve, or to two or more criteria, calls for a full DPIA.
          </div>
          <div class="nhsuk-checkboxes nhsuk-checkboxes--small">
            {reg.screening_questions.map((q) => (
              <div class="nhsuk-checkboxes__item" key={q.id}>
                <input
                  class="nhsuk-checkboxes__input"
                  id={`reg-q-${q.id}`}
                  type="checkbox"
                  checked={!!f.screening[q.id]}
                  onChange={(e) => setF({ ...f, screening: { ...f.screening, [q.id]: (e.currentTarget as HTMLInputElement).checked } })}
                />
                <label class="nhsuk-label nhsuk-checkboxes__label" for={`reg-q-${q.id}`}>
                  {q.text}
                </label>
              </div>
            ))}
          </div>
        </fieldset>
      </div>
      <div class="app-actions">
        <button class="nhsuk-button" type="submit" disabled={busy}>
          Save
        </button>
        <button class="nhsuk-button nhsuk-button--secondary" type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function Select(p: { id: string; label: string; value: string; onChange: (v: string) => void; options: string[][] }) {
  return (
    <div class="nhsuk-form-group">
      <label class="nhsuk-label" for={p.id}>
        {p.label}
      </label>
      <select class="nhsuk-select" id={p.id} name={p.id} value={p.value} onChange={(e) => p.onChange((e.currentTarget as HTMLSelectElement).value)}>
        <option value="">Choose one</option>
        {p.options.map(([v, l]) => (
          <option value={v} key={v}>
            {l}
          </option>
        ))}
      </select>
    </div>
  );
}
