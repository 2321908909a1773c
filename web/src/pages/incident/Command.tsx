import { useState } from 'preact/hooks';
import { post, seg } from '../../api';
import { Confirm } from '../../components/Confirm';
import { ErrorSummary, type FieldError } from '../../components/ErrorSummary';
import { TextInput } from '../../components/TextInput';
import type { Incident } from '../../incident/types.gen';
import { message } from '../../load';
import { navigate } from '../../router';
import { emailErrors } from '../../validate';

/** Command is the commander's (and admins') part of the board: stand
 * lists down, hand command to someone else, export the log and close. */
export function Command({ incident }: { incident: Incident }) {
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [done, setDone] = useState('');
  const [busy, setBusy] = useState(false);
  const [standDown, setStandDown] = useState<string[]>([]);
  const [email, setEmail] = useState('');
  const [closing, setClosing] = useState(false);
  const base = `/api/incidents/${seg(incident.id)}`;
  const open = !incident.closed_at;
  const standing = incident.lists.filter((l) => !l.stood_down_at);

  const act = async (errField: string | undefined, fn: () => Promise<unknown>, ok: string) => {
    setBusy(true);
    setErrors([]);
    setDone('');
    try {
      await fn();
      setDone(ok);
      return true;
    } catch (e) {
      setErrors([{ field: errField, text: message(e) }]);
      return false;
    } finally {
      setBusy(false);
    }
  };

  const submitStandDown = async (e: Event) => {
    e.preventDefault();
    if (standDown.length === 0) {
      setErrors([{ field: 'standdown-0', text: 'Choose the call-in lists to stand down' }]);
      return;
    }
    const names = standDown;
    if (await act('standdown-0', () => post(`${base}/standdown`, { lists: names }), `Stood down: ${names.join(', ')}.`)) {
      setStandDown([]);
    }
  };

  const submitCommander = async (e: Event) => {
    e.preventDefault();
    const bad = emailErrors(email, 'commander-email');
    if (bad.length) {
      setErrors(bad);
      return;
    }
    const to = email.trim();
    if (await act('commander-email', () => post(`${base}/commander`, { email: to }), `${to} is the commander now.`)) {
      setEmail('');
    }
  };

  const close = async () => {
    if (await act(undefined, () => post(`${base}/close`), `${incident.name} is closed: everyone is stood down.`)) {
      setClosing(false);
    }
  };

  const err = (f: string) => errors.find((x) => x.field === f)?.text;
  return (
    <section class="sb-command" aria-labelledby="command-heading" data-testid="command">
      <h2 id="command-heading">Command</h2>
      <ErrorSummary errors={errors} />
      <p class="nhsuk-u-visually-hidden" role="status">
        {done}
      </p>
      {done && (
        <p class="nhsuk-body" data-testid="command-done">
          {done}
        </p>
      )}
      {open && standing.length > 0 && (
        <form onSubmit={submitStandDown} novalidate>
          <div class={`nhsuk-form-group${err('standdown-0') ? ' nhsuk-form-group--error' : ''}`}>
            <fieldset class="nhsuk-fieldset" aria-describedby="standdown-hint">
              <legend class="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">
                <h3 class="nhsuk-fieldset__heading">Stand down call-in lists</h3>
              </legend>
              <div class="nhsuk-hint" id="standdown-hint">
                When you have enough people from a list. Close the incident to stand everyone down.
              </div>
              {err('standdown-0') && (
                <span class="nhsuk-error-message">
                  <span class="nhsuk-u-visually-hidden">Error: </span>
                  {err('standdown-0')}
                </span>
              )}
              <div class="nhsuk-checkboxes nhsuk-checkboxes--small">
                {standing.map((l, i) => (
                  <div class="nhsuk-checkboxes__item" key={l.name}>
                    <input
                      class="nhsuk-checkboxes__input"
                      id={`standdown-${i}`}
                      type="checkbox"
                      checked={standDown.includes(l.name)}
                      onChange={(e) =>
                        setStandDown(
                          (e.currentTarget as HTMLInputElement).checked
                            ? [...standDown, l.name]
                            : standDown.filter((x) => x !== l.name),
                        )
                      }
                    />
                    <label class="nhsuk-label nhsuk-checkboxes__label" for={`standdown-${i}`}>
                      {l.name}
                    </label>
                  </div>
                ))}
              </div>
            </fieldset>
          </div>
          <button class="nhsuk-button nhsuk-button--secondary" type="submit" disabled={busy}>
            Stand down
          </button>
        </form>
      )}
      {open && (
        <form onSubmit={submitCommander} novalidate>
          <h3>Hand over command</h3>
          <TextInput
            id="commander-email"
            label="Email address of the new commander"
            hint={`The commander now is ${incident.commander.name}.`}
            value={email}
            onInput={setEmail}
            type="email"
            autocomplete="off"
            spellcheck={false}
            error={err('commander-email')}
            width={30}
          />
          <button class="nhsuk-button nhsuk-button--secondary" type="submit" disabled={busy}>
            Make commander
          </button>
        </form>
      )}
      <h3>Incident log</h3>
      <p class="nhsuk-body">
        The timeline, the roll-call and the incident conversation's messages, decrypted on this device, to keep with
        the incident's records. Exporting is recorded.
      </p>
      <button
        class="nhsuk-button nhsuk-button--secondary"
        type="button"
        onClick={() => navigate(`/incidents/${incident.id}/log?download=1`)}
      >
        Export the incident log
      </button>
      {open && !closing && (
        <>
          <h3>Close the incident</h3>
          <button class="nhsuk-button nhsuk-button--warning" type="button" onClick={() => setClosing(true)}>
            Close the incident
          </button>
        </>
      )}
      {open && closing && (
        <Confirm
          heading={`Close ${incident.name}?`}
          confirmText="Yes, close it"
          busy={busy}
          onConfirm={close}
          onCancel={() => setClosing(false)}
        >
          <p>Everyone still called in is stood down. The roll-call stops taking answers.</p>
        </Confirm>
      )}
    </section>
  );
}
