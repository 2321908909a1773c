import { roleNames } from '../roles';

const roleHints: Record<string, string> = {
  clinician: 'Messages colleagues and runs video consultations.',
  admin: 'Adds people, manages devices and sets policies.',
  dpo: 'Reads the audit log and handles information governance.',
};

interface Props {
  /** prefix makes the ids unique on the page: `${prefix}-clinician` and so on. */
  prefix: string;
  legend: string;
  roles: string[];
  onToggle: (role: string, on: boolean) => void;
  error?: string;
}

/** RolesField is the NHS checkboxes for a person's roles, each with what
 * it lets them do. */
export function RolesField({ prefix, legend, roles, onToggle, error }: Props) {
  const hint = `${prefix}s-hint`;
  const err = `${prefix}s-error`;
  return (
    <div class={`nhsuk-form-group${error ? ' nhsuk-form-group--error' : ''}`}>
      <fieldset class="nhsuk-fieldset" aria-describedby={`${hint}${error ? ` ${err}` : ''}`}>
        <legend class="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">{legend}</legend>
        <div class="nhsuk-hint" id={hint}>
          Select all that apply.
        </div>
        {error && (
          <span class="nhsuk-error-message" id={err}>
            <span class="nhsuk-u-visually-hidden">Error: </span>
            {error}
          </span>
        )}
        <div class="nhsuk-checkboxes">
          {Object.keys(roleNames).map((r) => (
            <div class="nhsuk-checkboxes__item" key={r}>
              <input
                class="nhsuk-checkboxes__input"
                id={`${prefix}-${r}`}
                name={`${prefix}s`}
                type="checkbox"
                value={r}
                checked={roles.includes(r)}
                onChange={(e) => onToggle(r, (e.currentTarget as HTMLInputElement).checked)}
                aria-describedby={`${prefix}-${r}-hint`}
              />
              <label class="nhsuk-label nhsuk-checkboxes__label" for={`${prefix}-${r}`}>
                {roleNames[r]}
              </label>
              <div class="nhsuk-hint nhsuk-checkboxes__hint" id={`${prefix}-${r}-hint`}>
                {roleHints[r]}
              </div>
            </div>
          ))}
        </div>
      </fieldset>
    </div>
  );
}
