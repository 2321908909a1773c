import { useState } from 'preact/hooks';
import { get, post } from '../api';
import { ErrorSummary, type FieldError } from '../components/ErrorSummary';
import { Notice } from '../components/Notice';
import { type Column, Table } from '../components/Table';
import { TextInput } from '../components/TextInput';
import type { CallList, CallLists } from '../incident/types.gen';
import { message, useLoad } from '../load';
import { serverError } from '../validate';

const columns: Column<CallList>[] = [
  { heading: 'List', cell: (l) => l.name },
  { heading: 'People', cell: (l) => l.members.map((m) => m.name).join(', ') || 'Nobody yet' },
];

/** CallListsAdmin lists the call-in lists a major incident alerts, makes
 * new ones and adds people to them. */
export function CallListsAdmin() {
  const lists = useLoad(() => get<CallLists>('/api/calllists'));
  const all = lists.data?.lists ?? [];
  const [name, setName] = useState('');
  const [emails, setEmails] = useState('');
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [done, setDone] = useState('');
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    setDone('');
    const people = emails
      .split(/[\s,;]+/)
      .map((x) => x.trim())
      .filter(Boolean);
    const errs: FieldError[] = [];
    if (!name.trim()) errs.push({ field: 'list-name', text: 'Enter the call-in list’s name' });
    if (people.length === 0) errs.push({ field: 'list-emails', text: 'Enter the email address of at least one person' });
    const bad = people.find((p) => !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(p));
    if (bad) errs.push({ field: 'list-emails', text: `${bad} is not an email address: write them like name@example.nhs.uk` });
    setErrors(errs);
    if (errs.length) return;
    setBusy(true);
    try {
      const l = await post<CallList>('/api/admin/calllists', { name: name.trim(), emails: people });
      setDone(`${l.name} has ${l.members.length === 1 ? '1 person' : `${l.members.length} people`} on it.`);
      setName('');
      setEmails('');
      await lists.reload();
    } catch (err) {
      setErrors([
        serverError(message(err), [
          [/email|no one|person/i, 'list-emails'],
          [/name/i, 'list-name'],
        ]),
      ]);
    } finally {
      setBusy(false);
    }
  };

  const err = (f: string) => errors.find((x) => x.field === f)?.text;
  return (
    <section aria-labelledby="calllists-heading" data-testid="calllists-admin">
      <h2 id="calllists-heading" class="nhsuk-u-margin-top-5">
        Call-in lists
      </h2>
      <ErrorSummary errors={lists.error ? [{ text: lists.error }] : []} />
      {lists.data && all.length === 0 && <p class="nhsuk-body">No call-in lists yet.</p>}
      {all.length > 0 && (
        <Table caption="Call-in lists and their people" columns={columns} rows={all} rowKey={(l) => l.id} testid="calllists-table" />
      )}
      <div class="nhsuk-grid-row">
        <div class="nhsuk-grid-column-two-thirds">
          <form onSubmit={submit} novalidate aria-labelledby="add-list-heading">
            <h3 id="add-list-heading">Add a call-in list, or people to one</h3>
            <ErrorSummary errors={errors} />
            {done && (
              <Notice success testid="list-added">
                <p class="nhsuk-notification-banner__heading">{done}</p>
              </Notice>
            )}
            <TextInput
              id="list-name"
              label="List name"
              hint="For example, Anaesthetists. Give an existing list’s name to add people to it."
              value={name}
              onInput={setName}
              error={err('list-name')}
              width={30}
              autocomplete="off"
            />
            <div class={`nhsuk-form-group${err('list-emails') ? ' nhsuk-form-group--error' : ''}`}>
              <label class="nhsuk-label" for="list-emails">
                Email addresses
              </label>
              <div class="nhsuk-hint" id="list-emails-hint">
                One a line, of people in your organisation
              </div>
              {err('list-emails') && (
                <span class="nhsuk-error-message" id="list-emails-error">
                  <span class="nhsuk-u-visually-hidden">Error: </span>
                  {err('list-emails')}
                </span>
              )}
              <textarea
                class={`nhsuk-textarea${err('list-emails') ? ' nhsuk-textarea--error' : ''}`}
                id="list-emails"
                rows={4}
                spellcheck={false}
                value={emails}
                onInput={(e) => setEmails((e.currentTarget as HTMLTextAreaElement).value)}
                aria-describedby={`list-emails-hint${err('list-emails') ? ' list-emails-error' : ''}`}
              />
            </div>
            <button class="nhsuk-button nhsuk-button--secondary" type="submit" disabled={busy}>
              Save call-in list
            </button>
          </form>
        </div>
      </div>
    </section>
  );
}
