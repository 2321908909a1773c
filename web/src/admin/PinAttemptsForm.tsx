import { useEffect, useState } from 'preact/hooks';
import { get, put } from '../api';
import { ErrorSummary, errorFor, type FieldError } from '../components/ErrorSummary';
import { Notice } from '../components/Notice';
import { TextInput } from '../components/TextInput';
import { message } from '../load';

/** PinAttemptsForm sets how many wrong messaging PINs in a row a device
 * allows before it erases its messages and signs its person out. */
export function PinAttemptsForm() {
  const [attempts, setAttempts] = useState('');
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    get<{ pin_attempts: number }>('/api/admin/policy')
      .then((p) => setAttempts(String(p.pin_attempts)))
      .catch((e) => setErrors([{ text: message(e) }]));
  }, []);

  const submit = async (e: Event) => {
    e.preventDefault();
    setSaved(false);
    const n = Number(attempts.trim());
    if (!attempts.trim() || !Number.isInteger(n) || n < 3 || n > 20) {
      setErrors([{ field: 'pin-attempts', text: 'Wrong PIN attempts must be a whole number from 3 to 20' }]);
      return;
    }
    setBusy(true);
    try {
      const p = await put<{ pin_attempts: number }>('/api/admin/policy', { pin_attempts: n });
      setAttempts(String(p.pin_attempts));
      setErrors([]);
      setSaved(true);
    } catch (err) {
      setErrors([{ field: 'pin-attempts', text: message(err) }]);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={submit} novalidate aria-labelledby="pin-attempts-heading">
      <h2 id="pin-attempts-heading">Wrong PIN limit</h2>
      <ErrorSummary errors={errors} />
      {saved && (
        <Notice success testid="pin-attempts-saved">
          <p class="nhsuk-notification-banner__heading">Wrong PIN limit saved.</p>
        </Notice>
      )}
      <TextInput
        id="pin-attempts"
        label="Wrong PINs in a row before a device erases its messages"
        hint="From 3 to 20. After 3 wrong PINs each try waits longer. At the limit the device erases its messages and signs out; the person signs in again and chooses a new PIN."
        value={attempts}
        onInput={setAttempts}
        error={errorFor(errors, 'pin-attempts')}
        inputmode="numeric"
        width={2}
        autocomplete="off"
      />
      <button class="nhsuk-button nhsuk-button--secondary" type="submit" disabled={busy}>
        Save wrong PIN limit
      </button>
    </form>
  );
}
