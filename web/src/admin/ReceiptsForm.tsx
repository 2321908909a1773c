import { useEffect, useState } from 'preact/hooks';
import { get, put } from '../api';
import { ErrorSummary, type FieldError } from '../components/ErrorSummary';
import { Notice } from '../components/Notice';
import { message } from '../load';

type Mode = 'on' | 'off' | 'forced';

const choices: { value: Mode; label: string; hint: string }[] = [
  { value: 'on', label: 'On', hint: 'People see when the others have read their messages.' },
  { value: 'off', label: 'Off', hint: 'No read receipts are sent; messages show up to Delivered.' },
  { value: 'forced', label: 'Always', hint: 'As On; for teams that must know a message was read.' },
];

/** ReceiptsForm sets whether secure messages show when they were read. */
export function ReceiptsForm() {
  const [mode, setMode] = useState<Mode | ''>('');
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    get<{ read_receipts?: Mode }>('/api/admin/policy')
      .then((p) => setMode(p.read_receipts ?? 'on'))
      .catch((e) => setErrors([{ text: message(e) }]));
  }, []);

  const submit = async (e: Event) => {
    e.preventDefault();
    setSaved(false);
    if (!mode) return;
    setBusy(true);
    try {
      await put('/api/admin/policy', { read_receipts: mode });
      setErrors([]);
      setSaved(true);
    } catch (err) {
      setErrors([{ field: 'receipts-on', text: message(err) }]);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={submit} novalidate aria-labelledby="receipts-heading">
      <h2 id="receipts-heading">Read receipts</h2>
      <ErrorSummary errors={errors} />
      {saved && (
        <Notice success testid="receipts-saved">
          <p class="nhsuk-notification-banner__heading">Read receipts setting saved.</p>
        </Notice>
      )}
      <div class="nhsuk-form-group">
        <fieldset class="nhsuk-fieldset">
          <legend class="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">
            Show people when their secure messages have been read
          </legend>
          <div class="nhsuk-radios">
            {choices.map((c) => (
              <div class="nhsuk-radios__item" key={c.value}>
                <input
                  class="nhsuk-radios__input"
                  id={`receipts-${c.value}`}
                  name="read-receipts"
                  type="radio"
                  value={c.value}
                  checked={mode === c.value}
                  onChange={() => setMode(c.value)}
                  aria-describedby={`receipts-${c.value}-hint`}
                />
                <label class="nhsuk-label nhsuk-radios__label" for={`receipts-${c.value}`}>
                  {c.label}
                </label>
                <div class="nhsuk-hint nhsuk-radios__hint" id={`receipts-${c.value}-hint`}>
                  {c.hint}
                </div>
              </div>
            ))}
          </div>
        </fieldset>
      </div>
      <button class="nhsuk-button nhsuk-button--secondary" type="submit" disabled={busy}>
        Save read receipts setting
      </button>
    </form>
  );
}
