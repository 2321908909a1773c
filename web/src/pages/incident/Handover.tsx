import { useState } from 'preact/hooks';
import { post, seg } from '../../api';
import { ErrorSummary, type FieldError } from '../../components/ErrorSummary';
import { TextInput } from '../../components/TextInput';
import type { DutyRole } from '../../incident/types.gen';
import { message } from '../../load';
import { emailErrors } from '../../validate';

/** Handover lets whoever holds a duty role hand it to someone now: bleeps
 * and the role's conversations, with their urgent messages, go to them. */
export function Handover({ role, onDone }: { role: DutyRole; onDone: () => Promise<void> }) {
  const [email, setEmail] = useState('');
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [busy, setBusy] = useState(false);
  const field = `handover-${role.id}`;

  const submit = async (e: Event) => {
    e.preventDefault();
    const bad = emailErrors(email, field);
    setErrors(bad);
    if (bad.length) return;
    setBusy(true);
    try {
      await post(`/api/duty/${seg(role.id)}/handover`, { email: email.trim() });
      setEmail('');
      await onDone();
    } catch (err) {
      setErrors([{ field, text: message(err) }]);
    } finally {
      setBusy(false);
    }
  };

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
          <button class="nhsuk-button nhsuk-button--secondary nhsuk-button--small" type="submit" disabled={busy}>
            Hand over
          </button>
        </form>
      </div>
    </details>
  );
}
