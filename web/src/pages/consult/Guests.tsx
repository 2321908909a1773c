import { useState } from 'preact/hooks';
import { post, seg } from '../../api';
import { ErrorSummary, errorFor, type FieldError } from '../../components/ErrorSummary';
import { TextInput } from '../../components/TextInput';
import { message } from '../../load';
import { serverError } from '../../validate';
import { InviteSent } from './InviteSent';
import type { Invite } from './types';

const roles = [
  { value: 'carer', label: 'Carer or relative' },
  { value: 'interpreter', label: 'Interpreter' },
  { value: 'colleague', label: 'Colleague' },
  { value: 'other', label: 'Someone else' },
];

/** Guests invites a carer, interpreter or colleague with their own link.
 * They wait to be admitted like the patient. */
export function Guests({ id }: { id: string }) {
  const [role, setRole] = useState('');
  const [label, setLabel] = useState('');
  const [phone, setPhone] = useState('');
  const [email, setEmail] = useState('');
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [sent, setSent] = useState<Invite | null>(null);

  const submit = async (e: Event) => {
    e.preventDefault();
    const errs: FieldError[] = [];
    if (!role) errs.push({ field: 'guest-role-carer', text: 'Select the guest’s role' });
    if (!label.trim()) errs.push({ field: 'guest-label', text: 'Enter the guest’s name or a description' });
    setErrors(errs);
    if (errs.length) return;
    try {
      const r = await post<{ invite: Invite }>(`/api/consultations/${seg(id)}/guests`, { role, label, phone, email });
      setSent(r.invite);
      setRole('');
      setLabel('');
      setPhone('');
      setEmail('');
    } catch (err) {
      setErrors([
        serverError(message(err), [
          [/role/i, 'guest-role-carer'],
          [/name|description/i, 'guest-label'],
          [/mobile/i, 'guest-phone'],
          [/email/i, 'guest-email'],
        ]),
      ]);
    }
  };

  const roleError = errorFor(errors, 'guest-role-carer');
  return (
    <section aria-labelledby="guests-heading">
      <h2 id="guests-heading">Invite a guest</h2>
      {sent && <InviteSent heading="Guest invited" invite={sent} onAnother={() => setSent(null)} />}
      <form onSubmit={submit} novalidate>
        <ErrorSummary errors={errors} />
        <div class={`nhsuk-form-group${roleError ? ' nhsuk-form-group--error' : ''}`}>
          <fieldset class="nhsuk-fieldset" aria-describedby={roleError ? 'guest-role-error' : undefined}>
            <legend class="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">Role</legend>
            {roleError && (
              <span class="nhsuk-error-message" id="guest-role-error">
                <span class="nhsuk-u-visually-hidden">Error: </span>
                {roleError}
              </span>
            )}
            <div class="nhsuk-radios nhsuk-radios--inline">
              {roles.map((r) => (
                <div class="nhsuk-radios__item" key={r.value}>
                  <input
                    class="nhsuk-radios__input"
                    id={`guest-role-${r.value}`}
                    name="guest-role"
                    type="radio"
                    value={r.value}
                    checked={role === r.value}
                    onChange={() => setRole(r.value)}
                  />
                  <label class="nhsuk-label nhsuk-radios__label" for={`guest-role-${r.value}`}>
                    {r.label}
                  </label>
                </div>
              ))}
            </div>
          </fieldset>
        </div>
        <TextInput
          id="guest-label"
          label="Name or description"
          hint="Shown to you and the others in the call, such as “Anna Nowak, Polish interpreter”."
          value={label}
          onInput={setLabel}
          error={errorFor(errors, 'guest-label')}
          autocomplete="off"
        />
        <TextInput id="guest-phone" label="Mobile number (optional)" value={phone} onInput={setPhone} error={errorFor(errors, 'guest-phone')} width={20} autocomplete="off" />
        <TextInput id="guest-email" label="Email address (optional)" type="email" value={email} onInput={setEmail} error={errorFor(errors, 'guest-email')} autocomplete="off" />
        <button class="nhsuk-button nhsuk-button--secondary" type="submit">
          Invite guest
        </button>
      </form>
    </section>
  );
}
