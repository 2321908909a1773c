import { useState } from 'preact/hooks';
import { post, seg } from '../../api';
import { ErrorSummary, type FieldError } from '../../components/ErrorSummary';
import { until } from '../../format';
import type { Answer } from '../../incident/types.gen';
import { answerText, ETA_MAX, etaError } from '../../incident/words';
import { message } from '../../load';

interface Props {
  incident: string;
  mine: Answer;
  open: boolean;
  onAnswered: (a: Answer) => void;
}

/** Respond is this person's answer to the roll-call: one tap on
 * "Available now" or "Unavailable"; "On my way" with an ETA in minutes. */
export function Respond({ incident, mine, open, onAnswered }: Props) {
  const [eta, setEta] = useState('');
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState('');

  const answer = async (state: 'available' | 'en-route' | 'unavailable') => {
    if (busy) return;
    let minutes = 0;
    if (state === 'en-route') {
      const bad = etaError(eta);
      if (bad) {
        setErrors([{ field: 'eta', text: bad }]);
        return;
      }
      minutes = Number(eta.trim());
    }
    setErrors([]);
    setBusy(true);
    try {
      await post(`/api/incidents/${seg(incident)}/response`, minutes ? { state, eta_minutes: minutes } : { state });
      const a = { ...mine, state, eta_minutes: minutes || undefined, answered_at: new Date().toISOString() };
      onAnswered(a);
      setDone(`Your answer is saved: ${answerText(a)}.`);
    } catch (e) {
      setErrors([{ field: state === 'en-route' ? 'eta' : undefined, text: message(e) }]);
    } finally {
      setBusy(false);
    }
  };

  const etaErr = errors.find((e) => e.field === 'eta')?.text;
  if (mine.stood_down_at) {
    return (
      <section class="sb-respond" aria-labelledby="respond-heading" data-testid="respond">
        <h2 id="respond-heading">Your answer</h2>
        <p class="nhsuk-body" data-testid="my-answer">
          You were stood down at {until(mine.stood_down_at)}. Thank you.
        </p>
      </section>
    );
  }
  return (
    <section class="sb-respond" aria-labelledby="respond-heading" data-testid="respond">
      <h2 id="respond-heading">Your answer</h2>
      <p class="nhsuk-body" data-testid="my-answer">
        {mine.state ? `You answered: ${answerText(mine)}` : 'You have not answered yet.'}
      </p>
      {open && (
        <>
          <ErrorSummary errors={errors} />
          <div class="app-actions sb-respond__now">
            <button class="nhsuk-button" type="button" disabled={busy} onClick={() => answer('available')}>
              Available now
            </button>
            <button
              class="nhsuk-button nhsuk-button--secondary"
              type="button"
              disabled={busy}
              onClick={() => answer('unavailable')}
            >
              Unavailable
            </button>
          </div>
          <div class={`nhsuk-form-group sb-respond__eta${etaErr ? ' nhsuk-form-group--error' : ''}`}>
            <label class="nhsuk-label" for="eta">
              Minutes until you arrive
            </label>
            <div class="nhsuk-hint" id="eta-hint">
              From 1 to {ETA_MAX}, then choose On my way.
            </div>
            {etaErr && (
              <span class="nhsuk-error-message" id="eta-error">
                <span class="nhsuk-u-visually-hidden">Error: </span>
                {etaErr}
              </span>
            )}
            <div class="app-actions">
              <input
                class={`nhsuk-input nhsuk-input--width-4${etaErr ? ' nhsuk-input--error' : ''}`}
                id="eta"
                name="eta"
                type="text"
                inputMode="numeric"
                autocomplete="off"
                value={eta}
                onInput={(e) => setEta((e.currentTarget as HTMLInputElement).value)}
                aria-describedby={`eta-hint${etaErr ? ' eta-error' : ''}`}
              />
              <button
                class="nhsuk-button nhsuk-button--secondary"
                type="button"
                disabled={busy}
                onClick={() => answer('en-route')}
              >
                On my way
              </button>
            </div>
          </div>
          <p class="nhsuk-u-visually-hidden" role="status">
            {done}
          </p>
        </>
      )}
    </section>
  );
}
