import { get } from '../api';
import { ErrorSummary } from '../components/ErrorSummary';
import { Table } from '../components/Table';
import { when } from '../format';
import { useLoad } from '../load';
import type { DeletionReceipt, Filing } from '../records/types.gen';
import { useTitle } from '../title';

/** FilingPage is a filing's deletion receipt: when the server deleted the
 * filed messages, and which member devices have confirmed deleting them. */
export function FilingPage({ id }: { id: string }) {
  const f = useLoad(() => get<Filing>(`/api/filings/${encodeURIComponent(id)}`), [id]);
  useTitle('Deletion receipt', !!f.error);
  const r = f.data;
  const confirmed = r?.devices.filter((d) => d.confirmed_at).length ?? 0;
  return (
    <>
      <ErrorSummary errors={f.error ? [{ text: f.error }] : []} />
      <h1>Deletion receipt</h1>
      {r && (
        <>
          <p class="nhsuk-body">
            {r.seqs.length === 1 ? '1 message' : `${r.seqs.length} messages`} filed to the record by {r.filed_by},{' '}
            {when(r.filed_at)}.{' '}
            <a href={`/messages/${r.conversation}`}>Open the conversation</a>
          </p>
          <p class="nhsuk-body" data-testid="filing-state">
            {r.deleted_at
              ? `Deleted from the server ${when(r.deleted_at)}. ${confirmed} of ${r.devices.length} devices have confirmed deleting them.`
              : r.held
                ? 'Not deleted: a legal hold keeps these messages until it is released.'
                : `To be deleted from the server and every member's devices after ${when(r.due_at)}.`}
          </p>
          {r.devices.length > 0 && (
            <Table<DeletionReceipt>
              caption="Member devices"
              testid="receipt-devices"
              rows={r.devices}
              rowKey={(d) => d.device}
              columns={[
                { heading: 'Person', cell: (d) => <span class="app-id">{d.email}</span> },
                { heading: 'Device', cell: (d) => d.device_name },
                { heading: 'Deleted', cell: (d) => (d.confirmed_at ? when(d.confirmed_at) : 'Not yet synced') },
              ]}
            />
          )}
          <button class="nhsuk-button nhsuk-button--secondary" type="button" onClick={() => void f.reload()}>
            Check again
          </button>
        </>
      )}
    </>
  );
}
