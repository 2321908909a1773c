import { useEffect, useState } from 'preact/hooks';
import { get } from '../../api';
import { roleLabel } from '../../roles';

/** Person is someone in the organisation's directory. */
export interface DirectoryPerson {
  id: string;
  email: string;
  name: string;
  roles: string[];
  registration: string;
  team: string;
}

interface Props {
  /** exclude lists emails that cannot be picked (already members, you). */
  exclude: string[];
  onPick: (p: DirectoryPerson) => void;
  pickLabel: string;
}

/** PeoplePicker searches the organisation's directory by name, email,
 * role or team and offers each person found. */
export function PeoplePicker({ exclude, onPick, pickLabel }: Props) {
  const [q, setQ] = useState('');
  const [found, setFound] = useState<DirectoryPerson[] | null>(null);
  const [error, setError] = useState('');

  useEffect(() => {
    let live = true;
    const t = window.setTimeout(() => {
      get<{ people: DirectoryPerson[] }>(`/api/directory?q=${encodeURIComponent(q)}`)
        .then((r) => live && (setFound(r.people), setError('')))
        .catch((e: unknown) => live && setError(e instanceof Error ? e.message : String(e)));
    }, 200);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [q]);

  const shown = (found ?? []).filter((p) => !exclude.includes(p.email));
  return (
    <div class="nhsuk-form-group">
      <label class="nhsuk-label" for="people-search">
        Search by name, email, role or team
      </label>
      <input
        class="nhsuk-input nhsuk-input--width-20"
        id="people-search"
        type="search"
        autocomplete="off"
        value={q}
        onInput={(e) => setQ((e.currentTarget as HTMLInputElement).value)}
      />
      {error && <p class="nhsuk-error-message">{error}</p>}
      <ul class="nhsuk-list sb-people" aria-live="polite" data-testid="directory">
        {found !== null && shown.length === 0 && <li>No one found.</li>}
        {shown.map((p) => (
          <li key={p.id} class="sb-person">
            <span>
              <strong>{p.name}</strong> <span class="nhsuk-u-secondary-text-colour">{p.email}</span>
              <span class="nhsuk-u-secondary-text-colour">
                {' '}
                · {p.roles.map(roleLabel).join(', ')}
                {p.team && ` · ${p.team}`}
              </span>
            </span>
            <button
              class="nhsuk-button nhsuk-button--secondary nhsuk-button--small sb-person__pick"
              type="button"
              onClick={() => onPick(p)}
            >
              {pickLabel} <span class="nhsuk-u-visually-hidden">{p.name}</span>
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}
