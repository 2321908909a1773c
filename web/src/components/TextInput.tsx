import type { ComponentChildren } from 'preact';

interface Props {
  id: string;
  label: ComponentChildren;
  value: string;
  onInput: (v: string) => void;
  hint?: ComponentChildren;
  error?: string;
  type?: 'text' | 'email' | 'password' | 'number' | 'date' | 'datetime-local';
  autocomplete?: string;
  inputmode?: 'numeric' | 'text' | 'email';
  spellcheck?: boolean;
  width?: 2 | 3 | 4 | 5 | 10 | 20 | 30;
  code?: boolean;
  /** labelClass sizes the label, for example "nhsuk-label--l" when the
   * field is the whole question on the page. */
  labelClass?: string;
}

/** TextInput is the NHS text input with its label, hint and error message,
 * wired together with aria-describedby. */
export function TextInput(p: Props) {
  const hintId = `${p.id}-hint`;
  const errorId = `${p.id}-error`;
  const describedBy = [p.hint ? hintId : '', p.error ? errorId : ''].filter(Boolean).join(' ');
  const classes = ['nhsuk-input'];
  if (p.width) classes.push(`nhsuk-input--width-${p.width}`);
  if (p.code) classes.push('nhsuk-input--code');
  if (p.error) classes.push('nhsuk-input--error');
  return (
    <div class={`nhsuk-form-group${p.error ? ' nhsuk-form-group--error' : ''}`}>
      <label class={`nhsuk-label ${p.labelClass ?? ''}`.trim()} for={p.id}>
        {p.label}
      </label>
      {p.hint && (
        <div class="nhsuk-hint" id={hintId}>
          {p.hint}
        </div>
      )}
      {p.error && (
        <span class="nhsuk-error-message" id={errorId}>
          <span class="nhsuk-u-visually-hidden">Error: </span>
          {p.error}
        </span>
      )}
      <input
        class={classes.join(' ')}
        id={p.id}
        name={p.id}
        type={(p.type ?? 'text') as 'text'}
        value={p.value}
        onInput={(e) => p.onInput((e.currentTarget as HTMLInputElement).value)}
        autocomplete={p.autocomplete}
        inputMode={p.inputmode}
        spellcheck={p.spellcheck}
        aria-describedby={describedBy || undefined}
      />
    </div>
  );
}
