import { useEffect, useState } from 'preact/hooks';
import { get, put } from '../api';
import { ErrorSummary, errorFor, type FieldError } from '../components/ErrorSummary';
import { Notice } from '../components/Notice';
import { TextInput } from '../components/TextInput';
import { message } from '../load';

interface Policy {
  idle_timeout_minutes: number;
}

/** PolicyForm sets how long a session may sit unused before it ends. */
export function PolicyForm() {
  const [minutes, setMinutes] = useState('');
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    get<Policy>('/api/admin/policy')
      .then((p) => setMinutes(String(p.idle_timeout_minutes)))
      .catch((e) => setErrors([{ text: message(e) }]));
  }, []);

  const submit = async (e: Event) => {
    e.preventDefault();
    setSaved(false);
    const n = Number(minutes.trim());
    if (!minutes.trim() || !Number.isInteger(n) || n < 1 || n > 720) {
      setErrors([{ field: 'idle-timeout', text: 'Idle time limit must be a whole number of minutes from 1 to 720' }]);
      return;
    }
    setBusy(true);
    try {
      const p = await put<Policy>('/api/admin/policy', { idle_timeout_minutes: n });
      if (p && typeof p.idle_timeout_minutes === 'number') setMinutes(String(p.idle_timeout_minutes));
      setErrors([]);
      setSaved(true);
    } catch (err) {
      setErrors([{ field: 'idle-timeout', text: message(err) }]);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={submit} novalidate aria-labelledby="policy-heading">
      <h2 id="policy-heading">Idle time limit</h2>
      <ErrorSummary errors={errors} />
      {saved && (
        <Notice success testid="policy-saved">
          <p class="nhsuk-notification-banner__heading">Idle time limit saved.</p>
        </Notice>
      )}
      <TextInput
        id="idle-timeout"
        label="Minutes a session can be unused before it ends"
        hint="From 1 to 720 minutes. NHS guidance is to lock devices after a short idle time; 15 minutes is a common choice."
        value={minutes}
        onInput={setMinutes}
        error={errorFor(errors, 'idle-timeout')}
        inputmode="numeric"
        width={3}
        autocomplete="off"
      />
      <button class="nhsuk-button nhsuk-button--secondary" type="submit" disabled={busy}>
        Save idle time limit
      </button>
    </form>
  );
}
