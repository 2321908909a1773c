/** RadioOption is one choice: its value, label and optional hint. */
export interface RadioOption<T extends string> {
  value: T;
  label: string;
  hint?: string;
}

interface Props<T extends string> {
  name: string;
  legend: string;
  options: RadioOption<T>[];
  value: T;
  onChange: (v: T) => void;
  hint?: string;
  error?: string;
}

/** Radios is the NHS radios fieldset: a legend, an optional hint and
 * error, and one radio per option, each with its hint. */
export function Radios<T extends string>({ name, legend, options, value, onChange, hint, error }: Props<T>) {
  const described = [hint ? `${name}-hint` : '', error ? `${name}-error` : ''].filter(Boolean).join(' ');
  return (
    <div class={`nhsuk-form-group${error ? ' nhsuk-form-group--error' : ''}`}>
      <fieldset class="nhsuk-fieldset" aria-describedby={described || undefined}>
        <legend class="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">{legend}</legend>
        {hint && (
          <div class="nhsuk-hint" id={`${name}-hint`}>
            {hint}
          </div>
        )}
        {error && (
          <span class="nhsuk-error-message" id={`${name}-error`}>
            <span class="nhsuk-u-visually-hidden">Error:</span> {error}
          </span>
        )}
        <div class="nhsuk-radios">
          {options.map((o, i) => (
            <div class="nhsuk-radios__item" key={o.value}>
              <input
                class="nhsuk-radios__input"
                id={i === 0 ? name : `${name}-${o.value}`}
                name={name}
                type="radio"
                value={o.value}
                checked={value === o.value}
                onChange={() => onChange(o.value)}
                aria-describedby={o.hint ? `${name}-${o.value}-hint` : undefined}
              />
              <label class="nhsuk-label nhsuk-radios__label" for={i === 0 ? name : `${name}-${o.value}`}>
                {o.label}
              </label>
              {o.hint && (
                <div class="nhsuk-hint nhsuk-radios__hint" id={`${name}-${o.value}-hint`}>
                  {o.hint}
                </div>
              )}
            </div>
          ))}
        </div>
      </fieldset>
    </div>
  );
}
