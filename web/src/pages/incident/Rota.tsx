import { useState } from 'preact/hooks';
import { get, seg } from '../../api';
import { until } from '../../format';
import type { DutyRole, Rota as RotaList } from '../../incident/types.gen';
import { message } from '../../load';

/** Rota shows who holds a duty role from when to when: the shifts not over
 * yet, read when it is opened. */
export function Rota({ role }: { role: DutyRole }) {
  const [rota, setRota] = useState<RotaList | null>(null);
  const [error, setError] = useState('');
  const toggle = (e: Event) => {
    if (!(e.currentTarget as HTMLDetailsElement).open || rota) return;
    get<RotaList>(`/api/duty/${seg(role.id)}/rota`)
      .then(setRota)
      .catch((err) => setError(message(err)));
  };
  return (
    <details class="nhsuk-details sb-rota" onToggle={toggle} data-testid="rota">
      <summary class="nhsuk-details__summary">
        <span class="nhsuk-details__summary-text">Rota for {role.name}</span>
      </summary>
      <div class="nhsuk-details__text">
        {error && <p class="nhsuk-error-message">{error}</p>}
        {!rota && !error && <p class="nhsuk-body-s">Loading the rota…</p>}
        {rota && rota.shifts.length === 0 && <p class="nhsuk-body-s">Nobody is on the rota from now on.</p>}
        {rota && rota.shifts.length > 0 && (
          <ul class="nhsuk-list nhsuk-body-s">
            {rota.shifts.map((s) => (
              <li key={s.id} data-testid="shift">
                {s.person.name}: from {until(s.from)}
                {s.until ? ` until ${until(s.until)}` : ' until the next shift starts'}
              </li>
            ))}
          </ul>
        )}
      </div>
    </details>
  );
}
