import { Fragment, type ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { get, post, type Me } from '../api';
import type { AdminDevice, AdminUser } from '../admin/types';
import { ErrorSummary } from '../components/ErrorSummary';
import { Table } from '../components/Table';
import { TextInput } from '../components/TextInput';
import { when } from '../format';
import { message, useLoad } from '../load';
import { canAdmin } from '../roles';
import { useTitle } from '../title';
import { PIDFigures } from './PIDFigures';

interface Entry {
  seq: number;
  at: string;
  actor: string;
  action: string;
  target: string;
  addr?: string;
  detail: unknown;
}

interface Page {
  entries: Entry[];
  verified: boolean;
  verify_error?: string;
  names?: Record<string, string>;
}

const PAGE = 100;

/** Audit shows the append-only audit log, newest first, and whether its
 * hash chain verified when the server read it. The log holds IDs; for an
 * admin, people and devices are shown by name. */
export function Audit({ me }: { me: Me }) {
  const [applied, setApplied] = useState<Filters>(noFilters);
  const qs = query(applied);
  const first = useLoad(() => get<Page>(`/api/audit?limit=${PAGE}${qs ? `&${qs}` : ''}`), [qs]);
  const names = useNames(canAdmin(me));
  // Raw IDs are long unbroken strings and may wrap anywhere; names may not.
  const [olderNames, setOlderNames] = useState<Record<string, string>>({});
  // The server names the IDs on each page, for readers who are not admins.
  const named = (id: string) => first.data?.names?.[id] ?? olderNames[id] ?? names.get(id);
  // An ID without a name (a session, or something since deleted) is shown
  // as what it is and the end of its ID, enough to match two entries.
  const ref = (id: string, kind = 'ID') => named(id) ?? short(id, kind);
  const target = (e: Entry) => {
    if (!e.action.startsWith('session.')) return ref(e.target);
    const who = e.actor && e.actor !== 'system' ? named(e.actor) : undefined;
    return ref(e.target, who ? `Session of ${who}` : 'Session');
  };
  const [older, setOlder] = useState<Entry[]>([]);
  const [more, setMore] = useState(true);
  const [error, setError] = useState('');
  const loadError = first.error || error;
  useTitle('Audit log', !!loadError);

  const entries = [...(first.data?.entries ?? []), ...older];
  const loadOlder = async () => {
    const before = Math.min(...entries.map((e) => e.seq));
    try {
      const p = await get<Page>(`/api/audit?limit=${PAGE}&before=${before}${qs ? `&${qs}` : ''}`);
      setOlder([...older, ...p.entries]);
      setOlderNames({ ...olderNames, ...p.names });
      setMore(p.entries.length === PAGE);
    } catch (e) {
      setError(message(e));
    }
  };

  return (
    <>
      <ErrorSummary errors={loadError ? [{ text: loadError }] : []} />
      <h1>Audit log</h1>
      <p>
        Every privileged action is recorded here, in order. Each entry includes a hash of the one before, so any
        change to past entries breaks the chain. Messages are never recorded.
      </p>
      {first.data && <ChainStatus verified={first.data.verified} reason={first.data.verify_error} />}
      <VerifyNow />
      <FilterForm
        applied={applied}
        onApply={(f) => {
          setOlder([]);
          setMore(true);
          setApplied(f);
        }}
      />
      <p>
        <a href={`/api/audit/export${qs ? `?${qs}` : ''}`} download data-testid="audit-export">
          Export {qs ? 'the entries these filters pick' : 'the last 30 days'} as JSON
        </a>
        , with the hashes that let anyone check it offline (<code>switchboard admin audit verify --file FILE</code>).
      </p>
      {first.data && (
        <Table
          caption="Audit entries, newest first"
          testid="audit"
          rows={entries}
          rowKey={(e) => e.seq}
          columns={[
            { heading: 'No.', cell: (e) => String(e.seq) },
            { heading: 'Time', cell: (e) => <span class="app-nowrap">{when(e.at)}</span> },
            { heading: 'By', cell: (e) => (!e.actor || e.actor === 'system' ? 'System' : ref(e.actor)) },
            { heading: 'Action', cell: (e) => <code>{e.action}</code> },
            { heading: 'Target', cell: (e) => (e.target ? target(e) : '–') },
            { heading: 'From', cell: (e) => e.addr || '–' },
            { heading: 'Detail', cell: (e) => detail(e.detail, ref) },
          ]}
        />
      )}
      {first.data && more && first.data.entries.length === PAGE && (
        <button class="nhsuk-button nhsuk-button--secondary" type="button" onClick={loadOlder}>
          Show older entries
        </button>
      )}
      <PIDFigures />
    </>
  );
}

interface Filters {
  actor: string;
  action: string;
  target: string;
  from: string;
  to: string;
}

const noFilters: Filters = { actor: '', action: '', target: '', from: '', to: '' };

function query(f: Filters): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(f)) if (v.trim()) q.set(k, v.trim());
  return q.toString();
}

/** FilterForm narrows the log by who, what, which ID and when. */
function FilterForm({ applied, onApply }: { applied: Filters; onApply: (f: Filters) => void }) {
  const [f, setF] = useState<Filters>(applied);
  const set = (k: keyof Filters) => (v: string) => setF({ ...f, [k]: v });
  return (
    <form
      novalidate
      data-testid="audit-filters"
      onSubmit={(e) => {
        e.preventDefault();
        onApply(f);
      }}
    >
      <h2>Filter</h2>
      <TextInput id="audit-actor" label="Who" hint="An email address, or system" value={f.actor} onInput={set('actor')} autocomplete="off" />
      <TextInput id="audit-action" label="Action" hint="Such as breach.open, or breach for all of them" value={f.action} onInput={set('action')} />
      <TextInput id="audit-target" label="Target ID" value={f.target} onInput={set('target')} />
      <TextInput id="audit-from" label="From" hint="A date, such as 2026-12-01" value={f.from} onInput={set('from')} width={10} />
      <TextInput id="audit-to" label="To" hint="A date, included" value={f.to} onInput={set('to')} width={10} />
      <div class="app-actions">
        <button class="nhsuk-button" type="submit">
          Apply filters
        </button>
        <button
          class="nhsuk-button nhsuk-button--secondary"
          type="button"
          onClick={() => {
            setF(noFilters);
            onApply(noFilters);
          }}
        >
          Clear filters
        </button>
      </div>
    </form>
  );
}

/** VerifyNow walks the whole chain on the server now and says what it found. */
function VerifyNow() {
  const [result, setResult] = useState<{ verified: boolean; entries: number; head_seq: number; head_hash: string; verify_error?: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  return (
    <div data-testid="verify-now">
      <button
        class="nhsuk-button nhsuk-button--secondary"
        type="button"
        disabled={busy}
        onClick={async () => {
          setBusy(true);
          try {
            setResult(await post('/api/audit/verify'));
            setError('');
          } catch (e) {
            setError(message(e));
          } finally {
            setBusy(false);
          }
        }}
      >
        Verify the chain now
      </button>
      <div aria-live="polite">
        {error && <p class="nhsuk-error-message">{error}</p>}
        {result &&
          (result.verified ? (
            <p data-testid="verify-result">
              <strong class="nhsuk-tag nhsuk-tag--green">Intact</strong> {result.entries} entries verified, up to entry{' '}
              {result.head_seq} (hash <code class="app-id">{result.head_hash.slice(0, 16)}…</code>).
            </p>
          ) : (
            <p data-testid="verify-result">
              <strong class="nhsuk-tag nhsuk-tag--red">Not intact</strong> {result.verify_error}
            </p>
          ))}
      </div>
    </div>
  );
}

function ChainStatus({ verified, reason }: { verified: boolean; reason?: string }) {
  if (verified) {
    return (
      <p data-testid="chain-status">
        <strong class="nhsuk-tag nhsuk-tag--green">Chain verified</strong> The log has not been altered.
      </p>
    );
  }
  return (
    <div class="nhsuk-warning-callout" data-testid="chain-status">
      <h2 class="nhsuk-warning-callout__label">The audit chain did not verify</h2>
      <p>
        One or more entries have been changed or removed since they were written. Tell your data protection officer
        and keep a copy of the database for investigation.
      </p>
      {reason && <p class="nhsuk-body-s">Details: {reason}</p>}
    </div>
  );
}

// opaque reports whether s is a random ID rather than a word or a value:
// 16 hex digits or more, or 20 or more letters, digits, _ and - (a random
// base32 ID has no digit about once in 200).
const opaque = (s: string) => /^[0-9a-f]{16,}$/i.test(s) || /^[A-Za-z0-9_-]{20,}$/.test(s);

function short(id: string, kind: string): ComponentChildren {
  if (!opaque(id)) return <span class="app-id">{id}</span>;
  return (
    <span title={id}>
      {kind === 'ID' ? `ID ending ${id.slice(-6)}` : `${kind} (ID ending ${id.slice(-6)})`}
    </span>
  );
}

function detail(d: unknown, ref: (id: string) => ComponentChildren): ComponentChildren {
  if (d === null || d === undefined || d === '') return '–';
  if (typeof d !== 'object') return String(d);
  const parts = Object.entries(d as Record<string, unknown>);
  if (!parts.length) return '–';
  return parts.map(([k, v], i) => (
    <Fragment key={k}>
      {i > 0 && ', '}
      {k.replace(/_/g, ' ')}: {typeof v === 'string' ? ref(v) : JSON.stringify(v)}
    </Fragment>
  ));
}

// useNames maps user and device IDs to names, from the admin lists; for a
// data protection officer without admin rights the IDs stay as they are.
function useNames(allowed: boolean): Map<string, string> {
  const [names, setNames] = useState(new Map<string, string>());
  useEffect(() => {
    if (!allowed) return;
    Promise.all([
      get<{ users: AdminUser[] }>('/api/admin/users'),
      get<{ devices: AdminDevice[] }>('/api/admin/devices'),
    ])
      .then(([u, d]) => {
        const m = new Map<string, string>();
        for (const x of u.users) m.set(x.id, x.name);
        for (const x of d.devices) m.set(x.id, `${x.name} (${x.user_name})`);
        setNames(m);
      })
      .catch(() => {
        // Names are a convenience; the IDs are still shown.
      });
  }, [allowed]);
  return names;
}
