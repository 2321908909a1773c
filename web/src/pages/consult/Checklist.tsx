import { useState } from 'preact/hooks';
import { put, seg } from '../../api';
import { ErrorSummary, errorFor, type FieldError } from '../../components/ErrorSummary';
import { TextInput } from '../../components/TextInput';
import { message } from '../../load';
import { serverError } from '../../validate';
import { identityMethods as methods, type Checklist as Saved } from './types';

/** Checklist is the opening checklist (NHS guidance: verify identity at
 * the outset, confirm a private space, declare who else is present, agree
 * a number to call). Nobody else can be admitted, and no outcome written,
 * until it is saved. */
export function Checklist({ id, saved, defaultPhone, onSaved }: { id: string; saved: Saved | null; defaultPhone: string; onSaved: () => void }) {
  const [method, setMethod] = useState(saved?.identity_method ?? '');
  const [detail, setDetail] = useState(saved?.identity_detail ?? '');
  const [privateSpace, setPrivate] = useState(saved?.private_space ?? false);
  const [others, setOthers] = useState(saved?.others_present ?? '');
  const [phone, setPhone] = useState(saved?.fallback_phone ?? defaultPhone);
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [done, setDone] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    const errs: FieldError[] = [];
    if (!method) errs.push({ field: 'identity-name-dob', text: 'Select how you verified the patient’s identity' });
    if (method === 'other' && !detail.trim()) errs.push({ field: 'identity-detail', text: 'Describe how you verified the patient’s identity' });
    if (!privateSpace) errs.push({ field: 'private-space', text: 'Confirm the patient is in a private space' });
    if (!others.trim()) errs.push({ field: 'others-present', text: 'Enter who else is present and their relationship, or “None”' });
    if (!phone.trim()) errs.push({ field: 'fallback-phone', text: 'Enter a number to call if the video fails' });
    setErrors(errs);
    if (errs.length) return;
    try {
      await put(`/api/consultations/${seg(id)}/checklist`, {
        identity_method: method,
        identity_detail: detail,
        private_space: privateSpace,
        others_present: others,
        fallback_phone: phone,
      });
      setDone(true);
      onSaved();
    } catch (err) {
      setErrors([
        serverError(message(err), [
          [/identity/i, 'identity-name-dob'],
          [/private/i, 'private-space'],
          [/present/i, 'others-present'],
          [/number|phone/i, 'fallback-phone'],
        ]),
      ]);
    }
  };

  const methodError = errorFor(errors, 'identity-name-dob');
  return (
    <form onSubmit={submit} novalidate aria-labelledby="checklist-heading" data-testid="checklist">
      <h2 id="checklist-heading">Opening checklist</h2>
      <p class="nhsuk-body">Complete this at the start. You cannot admit anyone else, or write the outcome, until it is saved.</p>
      <ErrorSummary errors={errors} />
      {done && !errors.length && (
        <p class="nhsuk-body" role="status" data-testid="checklist-saved">
          <strong class="nhsuk-tag nhsuk-tag--green">Checklist saved</strong>
        </p>
      )}
      <div class={`nhsuk-form-group${methodError ? ' nhsuk-form-group--error' : ''}`}>
        <fieldset class="nhsuk-fieldset" aria-describedby={methodError ? 'identity-error' : undefined}>
          <legend class="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">How did you verify the patient’s identity?</legend>
          {methodError && (
            <span class="nhsuk-error-message" id="identity-error">
              <span class="nhsuk-u-visually-hidden">Error: </span>
              {methodError}
            </span>
          )}
          <div class="nhsuk-radios">
            {methods.map((m) => (
              <div class="nhsuk-radios__item" key={m.value}>
                <input
                  class="nhsuk-radios__input"
                  id={`identity-${m.value}`}
                  name="identity"
                  type="radio"
                  value={m.value}
                  checked={method === m.value}
                  onChange={() => setMethod(m.value)}
                />
                <label class="nhsuk-label nhsuk-radios__label" for={`identity-${m.value}`}>
                  {m.label}
                </label>
              </div>
            ))}
          </div>
        </fieldset>
      </div>
      {method === 'other' && (
        <TextInput id="identity-detail" label="How?" value={detail} onInput={setDetail} error={errorFor(errors, 'identity-detail')} autocomplete="off" />
      )}
      <div class={`nhsuk-form-group${errorFor(errors, 'private-space') ? ' nhsuk-form-group--error' : ''}`}>
        {errorFor(errors, 'private-space') && (
          <span class="nhsuk-error-message" id="private-space-error">
            <span class="nhsuk-u-visually-hidden">Error: </span>
            {errorFor(errors, 'private-space')}
          </span>
        )}
        <div class="nhsuk-checkboxes">
          <div class="nhsuk-checkboxes__item">
            <input
              class="nhsuk-checkboxes__input"
              id="private-space"
              type="checkbox"
              checked={privateSpace}
              onChange={(e) => setPrivate((e.currentTarget as HTMLInputElement).checked)}
              aria-describedby={errorFor(errors, 'private-space') ? 'private-space-error' : undefined}
            />
            <label class="nhsuk-label nhsuk-checkboxes__label" for="private-space">
              The patient confirmed they are in a private space
            </label>
          </div>
        </div>
      </div>
      <TextInput
        id="others-present"
        label="Who else is present, and their relationship to the patient"
        hint="Write “None” if nobody else is present."
        value={others}
        onInput={setOthers}
        error={errorFor(errors, 'others-present')}
        autocomplete="off"
      />
      <TextInput
        id="fallback-phone"
        label="Number to call if the video fails"
        value={phone}
        onInput={setPhone}
        error={errorFor(errors, 'fallback-phone')}
        width={20}
        autocomplete="off"
      />
      <button class="nhsuk-button" type="submit">
        Save checklist
      </button>
    </form>
  );
}
