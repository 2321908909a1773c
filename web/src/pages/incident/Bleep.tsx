import { useState } from 'preact/hooks';
import { get, type Me } from '../../api';
import { ErrorSummary, type FieldError } from '../../components/ErrorSummary';
import type { DutyRoles } from '../../incident/types.gen';
import { holderLine, minutes } from '../../incident/words';
import { useLoad } from '../../load';
import { loadCore } from '../../messaging/core';
import { followNew, useUnlocked } from '../../messaging/state';
import { navigate } from '../../router';
import { useTitle } from '../../title';
import { Unlock } from '../messages/Unlock';

/** BleepPage sends a message to whoever holds a duty role now, behind the
 * PIN like every messaging page: the message is end-to-end encrypted. */
export function BleepPage({ me, id }: { me: Me; id: string }) {
  const unlocked = useUnlocked();
  if (!unlocked) return <Unlock me={me} />;
  return <Bleep me={me} id={id} />;
}

function Bleep({ me, id }: { me: Me; id: string }) {
  const roles = useLoad(() => get<DutyRoles>('/api/duty'));
  const role = roles.data?.roles.find((r) => r.id === id);
  const [text, setText] = useState('');
  const [urgent, setUrgent] = useState(false);
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [busy, setBusy] = useState(false);
  const loadError = roles.error || (roles.data && !role ? 'There is no such duty role. Go back to the duty roles.' : '');
  useTitle(role ? `Bleep ${role.name}` : 'Bleep', errors.length > 0 || !!loadError);

  const submit = async (e: Event) => {
    e.preventDefault();
    if (!role || busy) return;
    if (!text.trim()) {
      setErrors([{ field: 'bleep-text', text: 'Enter a message' }]);
      return;
    }
    setBusy(true);
    try {
      const core = await loadCore();
      const sent = await core.bleep(role.id, text.trim(), urgent);
      await followNew();
      navigate(`/messages/${sent.conversation}`);
    } catch (err) {
      setBusy(false);
      setErrors([{ text: err instanceof Error ? err.message : String(err) }]);
    }
  };

  const fieldError = errors.find((x) => x.field === 'bleep-text')?.text;
  return (
    <div class="nhsuk-grid-row">
      <div class="nhsuk-grid-column-two-thirds">
        <a class="nhsuk-back-link" href="/duty">
          Back to duty roles
        </a>
        <ErrorSummary errors={loadError ? [{ text: loadError }] : errors} />
        <h1>{role ? `Bleep ${role.name}` : 'Bleep'}</h1>
        {role && (
          <form onSubmit={submit} novalidate>
            <p class="nhsuk-body" data-testid="bleep-holder">
              {role.name} — {holderLine(role, me.user.email)}
            </p>
            <div class={`nhsuk-form-group${fieldError ? ' nhsuk-form-group--error' : ''}`}>
              <label class="nhsuk-label" for="bleep-text">
                Message
              </label>
              <div class="nhsuk-hint" id="bleep-text-hint">
                Say where you are and what you need. Use a bed or hospital number rather than patient details.
              </div>
              {fieldError && (
                <span class="nhsuk-error-message" id="bleep-text-error">
                  <span class="nhsuk-u-visually-hidden">Error: </span>
                  {fieldError}
                </span>
              )}
              <textarea
                class={`nhsuk-textarea${fieldError ? ' nhsuk-textarea--error' : ''}`}
                id="bleep-text"
                name="bleep-text"
                rows={4}
                value={text}
                onInput={(e) => setText((e.currentTarget as HTMLTextAreaElement).value)}
                aria-describedby={`bleep-text-hint${fieldError ? ' bleep-text-error' : ''}`}
              />
            </div>
            <div class="nhsuk-form-group">
              <div class="nhsuk-checkboxes">
                <div class="nhsuk-checkboxes__item">
                  <input
                    class="nhsuk-checkboxes__input"
                    id="bleep-urgent"
                    name="bleep-urgent"
                    type="checkbox"
                    checked={urgent}
                    onChange={(e) => setUrgent((e.currentTarget as HTMLInputElement).checked)}
                    aria-describedby="bleep-urgent-hint"
                  />
                  <label class="nhsuk-label nhsuk-checkboxes__label" for="bleep-urgent">
                    Urgent
                  </label>
                  <div class="nhsuk-hint nhsuk-checkboxes__hint" id="bleep-urgent-hint">
                    They are alerted until they acknowledge it
                    {role.escalate_to
                      ? `; after ${minutes(role.escalate_after_seconds)} without an acknowledgement it goes to ${role.escalate_to} too.`
                      : '.'}
                  </div>
                </div>
              </div>
            </div>
            <button class="nhsuk-button" type="submit" disabled={busy} aria-disabled={busy}>
              {busy ? 'Sending…' : 'Send bleep'}
            </button>
          </form>
        )}
      </div>
    </div>
  );
}
