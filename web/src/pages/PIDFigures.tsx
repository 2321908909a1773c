import { get } from '../api';
import { Table } from '../components/Table';
import { useLoad } from '../load';

interface Week {
  week_commencing: string;
  counts: Record<string, number>;
}

const kinds = ['NHS number', 'date of birth', 'postcode', 'phone number'];

/** PIDFigures shows, week by week, how many messages were sent after a
 * patient-data warning, by kind of data: counts only, never who or what. */
export function PIDFigures() {
  const r = useLoad(() => get<{ weeks: Week[] }>('/api/reports/pid?weeks=8'));
  return (
    <section aria-labelledby="pid-heading">
      <h2 id="pid-heading">Patient-data warnings overridden</h2>
      <p>
        How many messages were sent after the app warned that they held patient-identifiable data, by kind of data.
        Only the counts are kept: not who sent them, where, or what they said.
      </p>
      {r.error && <p class="nhsuk-body">These figures are not available: {r.error}</p>}
      {r.data && (
        <Table
          caption="Messages sent after a patient-data warning, the last 8 weeks"
          testid="pid-figures"
          rows={r.data.weeks}
          rowKey={(w) => w.week_commencing}
          columns={[
            { heading: 'Week commencing', cell: (w) => w.week_commencing },
            ...kinds.map((k) => ({ heading: k[0].toUpperCase() + k.slice(1), cell: (w: Week) => String(w.counts[k] ?? 0) })),
          ]}
        />
      )}
    </section>
  );
}
