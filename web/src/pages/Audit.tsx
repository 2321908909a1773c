import { useState } from 'preact/hooks';
import { get } from '../api';
import { ErrorSummary } from '../components/ErrorSummary';
import { Table } from '../components/Table';
import { when } from '../format';
import { message, useLoad } from '../load';
import { useTitle } from '../title';

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
}

const PAGE = 100;

/** Audit shows the append-only audit log, newest first, and whether its
 * hash chain verified when the server read it. */
export function Audit() {
  const first = useLoad(() => get<Page>(`/api/audit?limit=${PAGE}`));
  const [older, setOlder] = useState<Entry[]>([]);
  const [more, setMore] = useState(true);
  const [error, setError] = useState('');
  const loadError = first.error || error;
  useTitle('Audit log', !!loadError);

  const entries = [...(first.data?.entries ?? []), ...older];
  const loadOlder = async () => {
    const before = Math.min(...entries.map((e) => e.seq));
    try {
      const p = await get<Page>(`/api/audit?limit=${PAGE}&before=${before}`);
      setOlder([...older, ...p.entries]);
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
      {first.data && (
        <Table
          caption="Audit entries, newest first"
          testid="audit"
          rows={entries}
          rowKey={(e) => e.seq}
          columns={[
            { heading: 'No.', cell: (e) => String(e.seq) },
            { heading: 'Time', cell: (e) => <span class="app-nowrap">{when(e.at)}</span> },
            { heading: 'By', cell: (e) => e.actor || 'System' },
            { heading: 'Action', cell: (e) => <code>{e.action}</code> },
            { heading: 'Target', cell: (e) => e.target || '–' },
            { heading: 'From', cell: (e) => e.addr || '–' },
            { heading: 'Detail', cell: (e) => detail(e.detail) },
          ]}
        />
      )}
      {first.data && more && first.data.entries.length === PAGE && (
        <button class="nhsuk-button nhsuk-button--secondary" type="button" onClick={loadOlder}>
          Show older entries
        </button>
      )}
    </>
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

function detail(d: unknown): string {
  if (d === null || d === undefined || d === '') return '–';
  if (typeof d === 'string') return d;
  if (typeof d === 'object') {
    const parts = Object.entries(d as Record<string, unknown>).map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`);
    return parts.join(', ') || '–';
  }
  return String(d);
}
