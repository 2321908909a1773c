import { useState } from 'preact/hooks';
import { post, seg } from '../../api';
import { ErrorSummary, type FieldError } from '../../components/ErrorSummary';
import { TextInput } from '../../components/TextInput';
import type { DutyRole } from '../../incident/types.gen';
import { message } from '../../load';
import { loadCore } from '../../messaging/core';
import { useUnlocked } from '../../messaging/state';
import { emailErrors } from '../../validate';

/** Handover lets whoever holds a duty role hand it to someone now: bleeps
 * and the role's conversations, with their urgent messages, go to them. */
export function Handover({ role, onDone }: { role: DutyRole; onDone: () => Promise<void> }) {
  const [email, setEmail] = useState('');
  const [note, setNote] = useState('');
  const unlocked = useUnlocked();
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [busy, setBusy] = useState(false);
  const field = `handover-${role.id}`;
  const noteField = `${field}-note`;

  const submit = async (e: Event) => {
    e.preventDefault();
    const bad = emailErrors(email, field);
    if (note.trim() && !unlocked) {
      bad.push({
        field: noteField,
        text: 'Messages are locked: open Messages and enter your PIN to send a note, or hand over without one',
      });
    }
    setErrors(bad);
    if (bad.length) return;
    setBusy(true);
    try {
      if (note.trim()) {
        // The note goes end to end encrypted: the client core hands over
        // and then writes to the incoming holder.
        const core = await loadCore();
        await core.handover(role.id, email.trim(), note.trim());
      } else {
        await post(`/api/duty/${seg(role.id)}/handover`, { email: email.trim() });
      }
      setEmail('');
      setNote('');
      await onDone();
    } catch (err) {
      setErrors([{ field, text: message(err) }]);
    } finally {
      setBusy(false);
    }
  };

  const noteError = errors.find((x) => x.field === noteField)?.text;
  return (
    <details class="nhsuk-details sb-handover" open={errors.length > 0 || undefined}>
      <summary class="nhsuk-details__summary">
        <span class="nhsuk-details__summary-text">Hand {role.name} over</span>
      </summary>
      <div class="nhsuk-details__text">
        <form onSubmit={submit} novalidate>
          <ErrorSummary errors={errors} />
          <TextInput
            id={field}
            label={`Hand ${role.name} over to (email address)`}
            hint="They hold it from now; bleeps and open urgent messages go to them."
            value={email}
            onInput={setEmail}
            type="email"
            autocomplete="off"
            spellcheck={false}
            error={errors.find((x) => x.field === field)?.text}
          />
          <div class={`nhsuk-form-group${noteError ? ' nhsuk-form-group--error' : ''}`}>
            <label class="nhsuk-label" for={noteField}>
              Handover note (optional)
            </label>
            <div class="nhsuk-hint" id={`${noteField}-hint`}>
              Only they can read it: it goes to them as a secure message. Use bed or hospital numbers, not patient details.
            </div>
            {noteError && (
              <span class="nhsuk-error-message" id={`${noteField}-error`}>
                <span class="nhsuk-u-visually-hidden">Error: </span>
                {noteError}
              </span>
            )}
            <textarea
              class={`nhsuk-textarea${noteError ? ' nhsuk-textarea--error' : ''}`}
              id={noteField}
              name={noteField}
              rows={3}
              value={note}
              onInput={(e) => setNote((e.currentTarget as HTMLTextAreaElement).value)}
              aria-describedby={`${noteField}-hint${noteError ? ` ${noteField}-error` : ''}`}
            />
          </div>
          <button class="nhsuk-button nhsuk-button--secondary nhsuk-button--small" type="submit" disabled={busy}>
            Hand over
          </button>
        </form>
      </div>
    </details>
  );
}
