import { useState } from 'preact/hooks';
import { get, type Me, post, seg } from '../api';
import { RulesTable } from '../admin/RetentionForm';
import { ErrorSummary, errorFor, type FieldError } from '../components/ErrorSummary';
import { Notice } from '../components/Notice';
import { Radios } from '../components/Radios';
import { Table } from '../components/Table';
import { TextInput } from '../components/TextInput';
import { when } from '../format';
import { message, useLoad } from '../load';
import type { Hold, NewHold, Retention } from '../records/types.gen';
import { canReview } from '../roles';
import { useTitle } from '../title';

type Scope = 'conversation' | 'person' | 'period';

/** Holds is the legal holds page: the data protection officer places a
 * hold for an FOI, SAR, complaint, litigation or inquiry, and releases
 * it; admins read it. Held messages are deleted by neither retention nor
 * filing until the hold is released. */
export function Holds({ me }: { me: Me }) {
  const holds = useLoad(() => get<{ holds: Hold[] }>('/api/dpo/holds'));
  const retention = useLoad(() => get<Retention>('/api/admin/retention'));
  const dpo = canReview(me);
  const [released, setReleased] = useState('');
  const [error, setError] = useState('');
  useTitle('Legal holds', !!(holds.error || error));
  const release = async (h: Hold) => {
    try {
      await post(`/api/dpo/holds/${seg(h.id)}/release`);
      setReleased(h.case);
      setError('');
      await holds.reload();
    } catch (err) {
      setError(message(err));
    }
  };
  return (
    <>
      <ErrorSummary errors={holds.error || error ? [{ text: holds.error || error }] : []} />
      {released && (
        <Notice success testid="hold-released">
          <p class="nhsuk-notification-banner__heading">
            Released the hold for {released}: what it kept is deleted when its time comes.
          </p>
        </Notice>
      )}
      <h1>Legal holds</h1>
      <p class="nhsuk-body">
        A hold keeps a conversation, everything one person is in, or a period of every conversation, past its retention
        and past filing to the record, on the server and on every device, until it is released. Members see that a hold
        applies, never why.
      </p>
      {holds.data && holds.data.holds.length === 0 && <p class="nhsuk-body">No holds have been placed.</p>}
      {holds.data && holds.data.holds.length > 0 && (
        <Table<Hold>
          caption="Holds"
          testid="holds"
          rows={holds.data.holds}
          rowKey={(h) => h.id}
          columns={[
            { heading: 'Case', cell: (h) => h.case },
            { heading: 'Holds', cell: holdOn },
            { heading: 'Placed', cell: (h) => `${when(h.placed_at)} by ${h.placed_by}` },
            {
              heading: 'Released',
              cell: (h) =>
                h.released_at ? (
                  when(h.released_at)
                ) : dpo ? (
                  <button class="nhsuk-button nhsuk-button--secondary nhsuk-button--small" type="button" onClick={() => release(h)}>
                    Release <span class="nhsuk-u-visually-hidden">the hold for {h.case}</span>
                  </button>
                ) : (
                  'In force'
                ),
            },
          ]}
        />
      )}
      {dpo && (
        <div class="nhsuk-grid-row">
          <div class="nhsuk-grid-column-two-thirds">
            <PlaceHold onPlaced={holds.reload} />
          </div>
        </div>
      )}
      {retention.data && (
        <>
          <h2>How long messages are kept</h2>
          <RulesTable retention={retention.data} />
        </>
      )}
    </>
  );
}

function holdOn(h: Hold) {
  if (h.email) return <span class="app-id">Every conversation of {h.email}</span>;
  if (h.from && h.to) {
    const to = new Date(new Date(h.to).getTime() - 86400000);
    return `Messages sent from ${h.from.slice(0, 10)} to ${to.toISOString().slice(0, 10)}`;
  }
  return <span class="app-id">Conversation {h.conversation}</span>;
}

function PlaceHold({ onPlaced }: { onPlaced: () => Promise<void> }) {
  const [scope, setScope] = useState<Scope>('conversation');
  const [target, setTarget] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [caseRef, setCaseRef] = useState('');
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [placed, setPlaced] = useState('');
  const submit = async (e: Event) => {
    e.preventDefault();
    setPlaced('');
    const errs: FieldError[] = [];
    if (!caseRef.trim()) errs.push({ field: 'hold-case', text: 'Enter the case reference, such as "FOI-2026-0042"' });
    if (scope !== 'period' && !target.trim())
      errs.push({ field: 'hold-target', text: scope === 'person' ? 'Enter the person’s email' : 'Enter the conversation’s ID' });
    if (scope === 'period' && (!from || !to)) errs.push({ field: 'hold-from', text: 'Enter the dates the period starts and ends' });
    setErrors(errs);
    if (errs.length) return;
    const body: NewHold = { case: caseRef.trim() };
    if (scope === 'conversation') body.conversation = target.trim();
    if (scope === 'person') body.email = target.trim();
    if (scope === 'period') Object.assign(body, { from, to });
    try {
      await post('/api/dpo/holds', body);
      setPlaced(caseRef.trim());
      setTarget('');
      setCaseRef('');
      await onPlaced();
    } catch (err) {
      setErrors([{ field: 'hold-case', text: message(err) }]);
    }
  };
  return (
    <form onSubmit={submit} novalidate aria-labelledby="place-heading">
      <h2 id="place-heading">Place a hold</h2>
      <ErrorSummary errors={errors} />
      {placed && (
        <Notice success testid="hold-placed">
          <p class="nhsuk-notification-banner__heading">Placed a hold for {placed}.</p>
        </Notice>
      )}
      <Radios<Scope>
        name="hold-scope"
        legend="What to hold"
        value={scope}
        onChange={setScope}
        options={[
          { value: 'conversation', label: 'One conversation', hint: 'By its ID, from the address of its page.' },
          { value: 'person', label: 'Everything one person is in', hint: 'By their email.' },
          { value: 'period', label: 'A period of every conversation' },
        ]}
      />
      {scope !== 'period' ? (
        <TextInput
          id="hold-target"
          label={scope === 'person' ? 'Email' : 'Conversation ID'}
          value={target}
          onInput={setTarget}
          width={30}
          type={scope === 'person' ? 'email' : 'text'}
          error={errorFor(errors, 'hold-target')}
        />
      ) : (
        <>
          <TextInput id="hold-from" label="From" type="date" value={from} onInput={setFrom} error={errorFor(errors, 'hold-from')} />
          <TextInput id="hold-to" label="To (inclusive)" type="date" value={to} onInput={setTo} />
        </>
      )}
      <TextInput
        id="hold-case"
        label="Case reference"
        hint="The FOI, SAR, complaint, litigation or inquiry. Members never see it."
        value={caseRef}
        onInput={setCaseRef}
        width={20}
        error={errorFor(errors, 'hold-case')}
      />
      <button class="nhsuk-button" type="submit">
        Place the hold
      </button>
    </form>
  );
}
