import { useState } from 'preact/hooks';
import { get, post, seg } from '../api';
import { ErrorSummary, type FieldError } from '../components/ErrorSummary';
import { Notice } from '../components/Notice';
import { Table } from '../components/Table';
import { TextInput } from '../components/TextInput';
import { when } from '../format';
import { message, useLoad } from '../load';
import { useTitle } from '../title';
import { TextArea } from './BreachLog';
import { Clock } from './Clock';
import type { Breach, BreachChange, BreachLog } from './types.gen';
import { categoryName, kindName, useServerNow } from './words';

/** BreachPage is one entry of the breach and complaint log: what
 * happened, its ICO clock, its history, and (for the DPO) what to change:
 * actions and counts, whether it is reportable, that the ICO was told,
 * closing and reopening. Closed entries keep their history. */
export function BreachPage({ id }: { id: string }) {
  const entry = useLoad(() => get<Breach>(`/api/dpo/breaches/${seg(id)}`), [id]);
  // The log says whether the caller may change entries, and the server's time.
  const log = useLoad(() => get<BreachLog>('/api/dpo/breaches'));
  const now = useServerNow(log.data?.now);
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [done, setDone] = useState('');
  const [busy, setBusy] = useState(false);
  const b = entry.data;
  useTitle(b ? `${kindName(b.kind)}: ${categoryName(b.category)}` : 'Breach log entry', errors.length > 0 || !!entry.error);

  const change = async (c: Omit<BreachChange, 'version'>, said: string) => {
    if (!b) return;
    setBusy(true);
    try {
      await post<Breach>(`/api/dpo/breaches/${seg(b.id)}`, { ...c, version: b.version });
      setErrors([]);
      setDone(said);
      await entry.reload();
    } catch (e) {
      setErrors([{ text: message(e) }]);
    } finally {
      setBusy(false);
    }
  };
  const allErrors = entry.error ? [{ text: entry.error }, ...errors] : errors;
  const canChange = !!log.data?.can_change;
  return (
    <>
      <ErrorSummary errors={allErrors} />
      {done && (
        <Notice success testid="done">
          <p class="nhsuk-notification-banner__heading">{done}</p>
        </Notice>
      )}
      <a class="nhsuk-back-link" href="/dpo">
        Breach and complaint log
      </a>
      {b && (
        <>
          <h1>
            <span class="nhsuk-caption-l">{kindName(b.kind)}</span>
            {categoryName(b.category)}
          </h1>
          <dl class="nhsuk-summary-list" data-testid="breach-summary">
            <Row k="Status" v={b.closed_at ? `Closed ${when(b.closed_at)}` : 'Open'} />
            <Row k="ICO clock" v={<Clock b={b} now={now} />} />
            {b.deadline && <Row k="Report to the ICO by" v={when(b.deadline)} />}
            {b.reported_at && <Row k="ICO told" v={when(b.reported_at)} />}
            <Row k="What happened" v={b.summary} />
            <Row k="People affected" v={String(b.affected)} />
            <Row k="Actions" v={b.actions || '–'} />
            <Row k="Became aware" v={when(b.aware_at)} />
            <Row k="Opened" v={`${when(b.opened_at)} by ${b.opened_by}`} />
          </dl>
          {canChange && <Changes b={b} busy={busy} change={change} />}
          <h2>History</h2>
          <Table
            caption="What happened to this entry, oldest first"
            testid="breach-history"
            rows={b.history ?? []}
            rowKey={(e) => `${e.at}-${e.action}-${e.note}`}
            columns={[
              { heading: 'When', cell: (e) => when(e.at) },
              { heading: 'Who', cell: (e) => e.actor },
              { heading: 'What', cell: (e) => e.note },
            ]}
          />
        </>
      )}
    </>
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

function Changes({
  b,
  busy,
  change,
}: {
  b: Breach;
  busy: boolean;
  change: (c: Omit<BreachChange, 'version'>, said: string) => Promise<void>;
}) {
  const [actions, setActions] = useState(b.actions);
  const [affected, setAffected] = useState(String(b.affected));
  const save = (e: Event) => {
    e.preventDefault();
    void change({ actions, affected: Number(affected) }, 'You saved the actions and the number of people affected.');
  };
  return (
    <>
      <h2>Change this entry</h2>
      <div class="app-actions">
        {!b.closed_at && !b.reportable && (
          <button class="nhsuk-button nhsuk-button--secondary" type="button" disabled={busy}
            onClick={() => change({ reportable: true }, 'The entry is reportable: the 72-hour clock runs from when you became aware of it.')}>
            Mark reportable to the ICO
          </button>
        )}
        {!b.closed_at && b.reportable && !b.reported_at && (
          <button class="nhsuk-button nhsuk-button--secondary" type="button" disabled={busy}
            onClick={() => change({ reported: true }, 'You recorded that the ICO has been told.')}>
            Record that the ICO was told
          </button>
        )}
        {!b.closed_at ? (
          <button class="nhsuk-button nhsuk-button--secondary" type="button" disabled={busy}
            onClick={() => change({ close: true }, 'You closed the entry. Its history is kept.')}>
            Close the entry
          </button>
        ) : (
          <button class="nhsuk-button nhsuk-button--secondary" type="button" disabled={busy}
            onClick={() => change({ reopen: true }, 'You reopened the entry.')}>
            Reopen the entry
          </button>
        )}
      </div>
      <form onSubmit={save} novalidate>
        <TextArea id="breach-actions" label="Actions taken" hint="Without patient identifiers." value={actions} onInput={setActions} />
        <TextInput id="breach-affected" label="People affected" value={affected} onInput={setAffected} inputmode="numeric" width={5} />
        <button class="nhsuk-button" type="submit" disabled={busy}>
          Save
        </button>
      </form>
    </>
  );
}
