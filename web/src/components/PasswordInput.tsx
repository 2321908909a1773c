import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';

interface Props {
  id: string;
  label: string;
  value: string;
  onInput: (v: string) => void;
  autocomplete: 'current-password' | 'new-password';
  hint?: ComponentChildren;
  error?: string;
}

/** PasswordInput is the NHS password input: a password field with a
 * Show/Hide button, so people can check what they typed instead of typing
 * it twice. */
export function PasswordInput(p: Props) {
  const [shown, setShown] = useState(false);
  const hintId = `${p.id}-hint`;
  const errorId = `${p.id}-error`;
  const describedBy = [p.hint ? hintId : '', p.error ? errorId : ''].filter(Boolean).join(' ');
  return (
    <div class={`nhsuk-form-group nhsuk-password-input${p.error ? ' nhsuk-form-group--error' : ''}`}>
      <label class="nhsuk-label" for={p.id}>
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
      <div class="nhsuk-input-wrapper">
        <input
          class={`nhsuk-input nhsuk-password-input__input${p.error ? ' nhsuk-input--error' : ''}`}
          id={p.id}
          name={p.id}
          type={(shown ? 'text' : 'password') as 'text'}
          value={p.value}
          onInput={(e) => p.onInput((e.currentTarget as HTMLInputElement).value)}
          spellcheck={false}
          autocomplete={p.autocomplete}
          autocapitalize="none"
          aria-describedby={describedBy || undefined}
        />
        <button
          class="nhsuk-button nhsuk-button--secondary nhsuk-button--small nhsuk-password-input__toggle"
          type="button"
          aria-controls={p.id}
          aria-label={shown ? 'Hide password' : 'Show password'}
          onClick={() => setShown(!shown)}
        >
          {shown ? 'Hide' : 'Show'}
        </button>
      </div>
      <div class="nhsuk-u-visually-hidden" aria-live="polite">
        {shown ? 'Your password is visible' : ''}
      </div>
    </div>
  );
}
