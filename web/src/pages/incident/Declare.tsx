import { useState } from 'preact/hooks';
import { get, type Me } from '../../api';
import { ErrorSummary, type FieldError } from '../../components/ErrorSummary';
import { Forbidden } from '../Forbidden';
import type { CallLists } from '../../incident/types.gen';
import { useLoad } from '../../load';
import { type IncidentKind, loadCore } from '../../messaging/core';
import { followNew, useUnlocked } from '../../messaging/state';
import { navigate } from '../../router';
import { useTitle } from '../../title';
import { Unlock } from '../messages/Unlock';
import { useMayDeclare } from './Incidents';

/** DeclarePage declares a major incident or standby, behind the PIN: the
 * METHANE report goes end to end encrypted into the incident's
 * conversation, which only the people called in can read. */
export function DeclarePage({ me }: { me: Me }) {
  const unlocked = useUnlocked();
  const may = useMayDeclare(me);
  if (may === null) {
    return (
      <p class="nhsuk-body" aria-live="polite">
        Loading…
      </p>
    );
  }
  if (!may) return <Forbidden />;
  if (!unlocked) return <Unlock me={me} />;
  return <Declare />;
}

/** methaneFields are the METHANE report's parts after M (which the kind
 * radios answer), in order. */
const methaneFields = [
  { id: 'exact-location', label: 'Exact location', hint: 'Where it is, as precisely as you can: a grid reference, road, building or ward.' },
  { id: 'type', label: 'Type of incident', hint: 'For example a road traffic collision, fire, chemical release or building collapse.' },
  { id: 'hazards', label: 'Hazards', hint: 'Present and possible.' },
  { id: 'access', label: 'Access', hint: 'Routes in and out, and where to report to.' },
  { id: 'casualties', label: 'Number and severity of casualties', hint: 'Known or expected, with how serious.' },
  { id: 'services', label: 'Emergency services', hint: 'Which are there and which are needed.' },
] as const;

type FieldID = (typeof methaneFields)[number]['id'];

/** methaneText writes the METHANE report as one message. */
export function methaneText(kind: IncidentKind, exercise: boolean, f: Record<FieldID, string>): string {
  const m = kind === 'major' ? 'Major incident declared' : 'Major incident standby';
  const lines = [`${exercise ? 'EXERCISE EXERCISE EXERCISE\n' : ''}M – ${m}`];
  for (const x of methaneFields) {
    lines.push(`${x.label[0]} – ${x.label}: ${f[x.id].trim() || 'not known yet'}`);
  }
  if (exercise) lines.push('EXERCISE EXERCISE EXERCISE');
  return lines.join('\n');
}

function Declare() {
  const lists = useLoad(() => get<CallLists>('/api/calllists'));
  const [kind, setKind] = useState<IncidentKind | ''>('');
  const [exercise, setExercise] = useState(false);
  const [chosen, setChosen] = useState<string[]>([]);
  const [fields, setFields] = useState<Record<FieldID, string>>({
    'exact-location': '',
    type: '',
    hazards: '',
    access: '',
    casualties: '',
    services: '',
  });
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [busy, setBusy] = useState(false);
  useTitle('Declare a major incident', errors.length > 0 || !!lists.error);

  const submit = async (e: Event) => {
    e.preventDefault();
    if (busy) return;
    const errs: FieldError[] = [];
    if (!kind) errs.push({ field: 'kind-major', text: 'Choose major incident declared or standby' });
    if (chosen.length === 0) errs.push({ field: 'list-0', text: 'Choose at least one call-in list to alert' });
    if (!fields['exact-location'].trim()) errs.push({ field: 'exact-location', text: 'Enter the exact location' });
    if (!fields.type.trim()) errs.push({ field: 'type', text: 'Enter the type of incident' });
    setErrors(errs);
    if (errs.length || !kind) return;
    setBusy(true);
    try {
      const core = await loadCore();
      const inc = await core.declare(kind, exercise, chosen, methaneText(kind, exercise, fields));
      await followNew();
      navigate(`/incidents/${inc.id}`);
    } catch (err) {
      setBusy(false);
      setErrors([{ text: err instanceof Error ? err.message : String(err) }]);
    }
  };

  const err = (f: string) => errors.find((x) => x.field === f)?.text;
  const group = (f: string) => `nhsuk-form-group${err(f) ? ' nhsuk-form-group--error' : ''}`;
  const errorLine = (f: string) =>
    err(f) && (
      <span class="nhsuk-error-message" id={`${f}-error`}>
        <span class="nhsuk-u-visually-hidden">Error: </span>
        {err(f)}
      </span>
    );
  const available = lists.data?.lists ?? [];

  return (
    <div class="nhsuk-grid-row">
      <div class="nhsuk-grid-column-two-thirds">
        <a class="nhsuk-back-link" href="/incidents/all">
          Back to major incidents
        </a>
        <ErrorSummary errors={lists.error ? [{ text: lists.error }, ...errors] : errors} />
        <h1>Declare a major incident</h1>
        <p class="nhsuk-body">
          Everyone on the call-in lists you choose is alerted at once, on every device, and asked to answer the
          roll-call. The METHANE report goes to them end to end encrypted.
        </p>
        <form onSubmit={submit} novalidate>
          <div class={group('kind-major')}>
            <fieldset class="nhsuk-fieldset" aria-describedby={err('kind-major') ? 'kind-major-error' : undefined}>
              <legend class="nhsuk-fieldset__legend nhsuk-fieldset__legend--m">
                <h2 class="nhsuk-fieldset__heading">M – Major incident declared or standby</h2>
              </legend>
              {errorLine('kind-major')}
              <div class="nhsuk-radios">
                {(
                  [
                    ['major', 'Major incident declared', 'Call people in now.'],
                    ['standby', 'Major incident standby', 'Warn people that they may be called in.'],
                  ] as const
                ).map(([k, label, hint]) => (
                  <div class="nhsuk-radios__item" key={k}>
                    <input
                      class="nhsuk-radios__input"
                      id={`kind-${k}`}
                      name="kind"
                      type="radio"
                      value={k}
                      checked={kind === k}
                      onChange={() => setKind(k)}
                      aria-describedby={`kind-${k}-hint`}
                    />
                    <label class="nhsuk-label nhsuk-radios__label" for={`kind-${k}`}>
                      {label}
                    </label>
                    <div class="nhsuk-hint nhsuk-radios__hint" id={`kind-${k}-hint`}>
                      {hint}
                    </div>
                  </div>
                ))}
              </div>
            </fieldset>
          </div>

          <div class="nhsuk-form-group">
            <div class="nhsuk-checkboxes">
              <div class="nhsuk-checkboxes__item">
                <input
                  class="nhsuk-checkboxes__input"
                  id="exercise"
                  name="exercise"
                  type="checkbox"
                  checked={exercise}
                  onChange={(e) => setExercise((e.currentTarget as HTMLInputElement).checked)}
                  aria-describedby="exercise-hint"
                />
                <label class="nhsuk-label nhsuk-checkboxes__label" for="exercise">
                  This is an exercise
                </label>
                <div class="nhsuk-hint nhsuk-checkboxes__hint" id="exercise-hint">
                  Every page and alert says EXERCISE EXERCISE EXERCISE.
                </div>
              </div>
            </div>
          </div>

          <div class={group('list-0')}>
            <fieldset class="nhsuk-fieldset" aria-describedby={err('list-0') ? 'list-0-error' : 'lists-hint'}>
              <legend class="nhsuk-fieldset__legend nhsuk-fieldset__legend--m">
                <h2 class="nhsuk-fieldset__heading">Call-in lists to alert</h2>
              </legend>
              <div class="nhsuk-hint" id="lists-hint">
                Everyone on a list you choose is alerted.
              </div>
              {errorLine('list-0')}
              {lists.data && available.length === 0 && (
                <p class="nhsuk-body">Your organisation has no call-in lists yet. An administrator adds them.</p>
              )}
              <div class="nhsuk-checkboxes">
                {available.map((l, i) => (
                  <div class="nhsuk-checkboxes__item" key={l.id}>
                    <input
                      class="nhsuk-checkboxes__input"
                      id={`list-${i}`}
                      name="lists"
                      type="checkbox"
                      value={l.name}
                      checked={chosen.includes(l.name)}
                      onChange={(e) =>
                        setChosen(
                          (e.currentTarget as HTMLInputElement).checked
                            ? [...chosen, l.name]
                            : chosen.filter((x) => x !== l.name),
                        )
                      }
                    />
                    <label class="nhsuk-label nhsuk-checkboxes__label" for={`list-${i}`}>
                      {l.name}{' '}
                      <span class="nhsuk-u-secondary-text-colour">
                        ({l.members.length === 1 ? '1 person' : `${l.members.length} people`})
                      </span>
                    </label>
                  </div>
                ))}
              </div>
            </fieldset>
          </div>

          <h2 class="nhsuk-heading-m">METHANE report</h2>
          {methaneFields.map((f) => (
            <div class={group(f.id)} key={f.id}>
              <label class="nhsuk-label" for={f.id}>
                {f.label}
              </label>
              <div class="nhsuk-hint" id={`${f.id}-hint`}>
                {f.hint}
              </div>
              {errorLine(f.id)}
              <textarea
                class={`nhsuk-textarea${err(f.id) ? ' nhsuk-textarea--error' : ''}`}
                id={f.id}
                name={f.id}
                rows={2}
                value={fields[f.id]}
                onInput={(e) => setFields({ ...fields, [f.id]: (e.currentTarget as HTMLTextAreaElement).value })}
                aria-describedby={`${f.id}-hint${err(f.id) ? ` ${f.id}-error` : ''}`}
              />
            </div>
          ))}
          <button class="nhsuk-button nhsuk-button--warning" type="submit" disabled={busy} aria-disabled={busy}>
            {busy ? 'Declaring…' : exercise ? 'Declare the exercise' : kind === 'standby' ? 'Declare standby' : 'Declare major incident'}
          </button>
        </form>
      </div>
    </div>
  );
}
