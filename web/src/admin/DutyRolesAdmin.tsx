import { useState } from 'preact/hooks';
import { get, post, seg } from '../api';
import { ErrorSummary, type FieldError } from '../components/ErrorSummary';
import { Notice } from '../components/Notice';
import { type Column, Table } from '../components/Table';
import { TextInput } from '../components/TextInput';
import { until } from '../format';
import type { DutyRole, DutyRoles } from '../incident/types.gen';
import { minutes } from '../incident/words';
import { message, useLoad } from '../load';
import { emailErrors, serverError } from '../validate';

const columns: Column<DutyRole>[] = [
  { heading: 'Role', cell: (r) => r.name },
  {
    heading: 'Held now by',
    cell: (r) => (r.holder ? `${r.holder.name}${r.until ? `, until ${until(r.until)}` : ''}` : 'Nobody'),
  },
  {
    heading: 'Urgent bleeps escalate to',
    cell: (r) => (r.escalate_to ? `${r.escalate_to} after ${minutes(r.escalate_after_seconds)}` : 'Nobody'),
  },
  { heading: 'May declare a major incident', cell: (r) => (r.may_declare ? 'Yes' : 'No') },
];

/** DutyRolesAdmin lists the organisation's duty roles, adds new ones and
 * puts people on their rota. */
export function DutyRolesAdmin() {
  const roles = useLoad(() => get<DutyRoles>('/api/duty'));
  const list = roles.data?.roles ?? [];
  return (
    <section aria-labelledby="duty-heading" data-testid="duty-admin">
      <h2 id="duty-heading" class="nhsuk-u-margin-top-5">
        Duty roles
      </h2>
      <ErrorSummary errors={roles.error ? [{ text: roles.error }] : []} />
      {roles.data && list.length === 0 && <p class="nhsuk-body">No duty roles yet.</p>}
      {list.length > 0 && (
        <Table caption="Duty roles and who holds them now" columns={columns} rows={list} rowKey={(r) => r.id} testid="duty-roles-table" />
      )}
      <div class="nhsuk-grid-row">
        <div class="nhsuk-grid-column-two-thirds">
          <AddRole onAdded={roles.reload} />
          {list.length > 0 && <Assign roles={list} onAssigned={roles.reload} />}
        </div>
      </div>
    </section>
  );
}

function AddRole({ onAdded }: { onAdded: () => Promise<void> }) {
  const [name, setName] = useState('');
  const [escTo, setEscTo] = useState('');
  const [escAfter, setEscAfter] = useState('10');
  const [mayDeclare, setMayDeclare] = useState(false);
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [added, setAdded] = useState('');
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    setAdded('');
    const errs: FieldError[] = [];
    if (!name.trim()) errs.push({ field: 'role-name', text: 'Enter the duty role’s name' });
    const n = Number(escAfter.trim());
    if (!/^\d+$/.test(escAfter.trim()) || n < 1 || n > 1440) {
      errs.push({ field: 'role-escalate-after', text: 'Enter the minutes before escalating as a whole number from 1 to 1440' });
    }
    setErrors(errs);
    if (errs.length) return;
    setBusy(true);
    try {
      const r = await post<DutyRole>('/api/admin/duty', {
        name: name.trim(),
        escalate_to: escTo.trim() || undefined,
        escalate_after_seconds: n * 60,
        may_declare: mayDeclare,
      });
      setAdded(r.name);
      setName('');
      setEscTo('');
      setMayDeclare(false);
      await onAdded();
    } catch (err) {
      setErrors([
        serverError(message(err), [
          [/escalate/i, 'role-escalate-to'],
          [/name/i, 'role-name'],
        ]),
      ]);
    } finally {
      setBusy(false);
    }
  };

  const err = (f: string) => errors.find((x) => x.field === f)?.text;
  return (
    <form onSubmit={submit} novalidate aria-labelledby="add-role-heading">
      <h3 id="add-role-heading">Add a duty role</h3>
      <ErrorSummary errors={errors} />
      {added && (
        <Notice success testid="role-added">
          <p class="nhsuk-notification-banner__heading">Added the duty role {added}.</p>
        </Notice>
      )}
      <TextInput id="role-name" label="Role name" hint="For example, Medical registrar on call" value={name} onInput={setName} error={err('role-name')} width={30} autocomplete="off" />
      <TextInput
        id="role-escalate-to"
        label="Urgent bleeps escalate to (optional)"
        hint="Another duty role’s name, or a person’s email address"
        value={escTo}
        onInput={setEscTo}
        error={err('role-escalate-to')}
        width={30}
        autocomplete="off"
        spellcheck={false}
      />
      <TextInput
        id="role-escalate-after"
        label="Minutes without acknowledgement before escalating"
        hint="From 1 to 1440"
        value={escAfter}
        onInput={setEscAfter}
        error={err('role-escalate-after')}
        inputmode="numeric"
        width={4}
        autocomplete="off"
      />
      <div class="nhsuk-form-group">
        <div class="nhsuk-checkboxes">
          <div class="nhsuk-checkboxes__item">
            <input
              class="nhsuk-checkboxes__input"
              id="role-may-declare"
              type="checkbox"
              checked={mayDeclare}
              onChange={(e) => setMayDeclare((e.currentTarget as HTMLInputElement).checked)}
            />
            <label class="nhsuk-label nhsuk-checkboxes__label" for="role-may-declare">
              Whoever holds this role may declare a major incident
            </label>
          </div>
        </div>
      </div>
      <button class="nhsuk-button nhsuk-button--secondary" type="submit" disabled={busy}>
        Add duty role
      </button>
    </form>
  );
}

// isoTime turns a datetime-local value (the person's own time) into the
// RFC 3339 time the server takes; "" stays "".
function isoTime(v: string): string {
  if (!v) return '';
  const d = new Date(v);
  return isNaN(d.getTime()) ? 'invalid' : d.toISOString();
}

function Assign({ roles, onAssigned }: { roles: DutyRole[]; onAssigned: () => Promise<void> }) {
  const [role, setRole] = useState(roles[0]?.id ?? '');
  const [email, setEmail] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [done, setDone] = useState('');
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    setDone('');
    const errs = emailErrors(email, 'rota-email');
    const f = isoTime(from);
    const u = isoTime(to);
    if (f === 'invalid') errs.push({ field: 'rota-from', text: 'Enter the start as a date and time' });
    if (u === 'invalid') errs.push({ field: 'rota-until', text: 'Enter the end as a date and time' });
    setErrors(errs);
    if (errs.length) return;
    const r = roles.find((x) => x.id === role) ?? roles[0];
    setBusy(true);
    try {
      await post(`/api/admin/duty/${seg(r.id)}/rota`, { email: email.trim(), from: f || undefined, until: u || undefined });
      setDone(`${email.trim()} is on the rota for ${r.name}.`);
      setEmail('');
      setFrom('');
      setTo('');
      await onAssigned();
    } catch (err) {
      setErrors([
        serverError(message(err), [
          [/email|no one/i, 'rota-email'],
          [/end|until/i, 'rota-until'],
          [/from|start/i, 'rota-from'],
        ]),
      ]);
    } finally {
      setBusy(false);
    }
  };

  const err = (f: string) => errors.find((x) => x.field === f)?.text;
  return (
    <form onSubmit={submit} novalidate aria-labelledby="rota-heading">
      <h3 id="rota-heading">Put someone on the rota</h3>
      <ErrorSummary errors={errors} />
      {done && (
        <Notice success testid="rota-added">
          <p class="nhsuk-notification-banner__heading">{done}</p>
        </Notice>
      )}
      <div class="nhsuk-form-group">
        <label class="nhsuk-label" for="rota-role">
          Duty role
        </label>
        <select class="nhsuk-select" id="rota-role" value={role} onChange={(e) => setRole((e.currentTarget as HTMLSelectElement).value)}>
          {roles.map((r) => (
            <option key={r.id} value={r.id}>
              {r.name}
            </option>
          ))}
        </select>
      </div>
      <TextInput id="rota-email" label="Email address of the person on duty" value={email} onInput={setEmail} type="email" error={err('rota-email')} autocomplete="off" spellcheck={false} />
      <TextInput id="rota-from" label="From (optional)" hint="Leave empty to start now." value={from} onInput={setFrom} type="datetime-local" error={err('rota-from')} />
      <TextInput id="rota-until" label="Until (optional)" hint="Leave empty to hold the role until the next shift starts." value={to} onInput={setTo} type="datetime-local" error={err('rota-until')} />
      <button class="nhsuk-button nhsuk-button--secondary" type="submit" disabled={busy}>
        Add to rota
      </button>
    </form>
  );
}
