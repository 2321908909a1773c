import { useState } from 'preact/hooks';
import type { Me } from '../../api';
import { ErrorSummary, type FieldError } from '../../components/ErrorSummary';
import { Radios } from '../../components/Radios';
import { TextInput } from '../../components/TextInput';
import { type ConversationKind, loadCore } from '../../messaging/core';
import { kinds } from '../../records/kind';
import { followNew, useUnlocked } from '../../messaging/state';
import { navigate } from '../../router';
import { useTitle } from '../../title';
import { type DirectoryPerson, PeoplePicker } from './PeoplePicker';
import { Unlock } from './Unlock';

/** NewConversation starts a one-to-one or group conversation with people
 * picked from the organisation's directory. */
export function NewConversation({ me }: { me: Me }) {
  const unlocked = useUnlocked();
  if (!unlocked) return <Unlock me={me} />;
  return <Form me={me} />;
}

function Form({ me }: { me: Me }) {
  const [picked, setPicked] = useState<DirectoryPerson[]>([]);
  const [name, setName] = useState('');
  const [kind, setKind] = useState<ConversationKind>('clinical');
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [busy, setBusy] = useState(false);
  useTitle('New conversation', errors.length > 0);

  const group = picked.length > 1;
  const submit = async (e: Event) => {
    e.preventDefault();
    const errs: FieldError[] = [];
    if (picked.length === 0) errs.push({ field: 'people-search', text: 'Choose at least one person to message' });
    if (group && !name.trim()) errs.push({ field: 'name', text: 'Enter a name for the group' });
    setErrors(errs);
    if (errs.length) return;
    const title = group ? name.trim() : name.trim() || `${me.user.name} and ${picked[0].name}`;
    setBusy(true);
    try {
      const core = await loadCore();
      const id = await core.create(
        title,
        picked.map((p) => p.email),
        kind,
      );
      await followNew();
      navigate(`/messages/${id}`);
    } catch (err) {
      setBusy(false);
      setErrors([{ text: err instanceof Error ? err.message : String(err) }]);
    }
  };

  return (
    <div class="nhsuk-grid-row">
      <div class="nhsuk-grid-column-two-thirds">
        <a class="nhsuk-back-link" href="/messages">
          Back to messages
        </a>
        <ErrorSummary errors={errors} />
        <h1>New conversation</h1>
        <p class="nhsuk-body">
          To reach whoever is on duty, such as the registrar on call, <a href="/duty">bleep a duty role</a>.
        </p>
        <form onSubmit={submit} novalidate>
          <h2 class="nhsuk-heading-s">People</h2>
          {picked.length === 0 ? (
            <p class="nhsuk-body">No one chosen yet.</p>
          ) : (
            <ul class="nhsuk-list sb-people" data-testid="picked">
              {picked.map((p) => (
                <li key={p.id} class="sb-person">
                  <span>
                    <strong>{p.name}</strong> <span class="nhsuk-u-secondary-text-colour">{p.email}</span>
                  </span>
                  <button
                    class="nhsuk-button nhsuk-button--secondary nhsuk-button--small sb-person__pick"
                    type="button"
                    onClick={() => setPicked(picked.filter((x) => x.id !== p.id))}
                  >
                    Take out <span class="nhsuk-u-visually-hidden">{p.name}</span>
                  </button>
                </li>
              ))}
            </ul>
          )}
          <PeoplePicker
            exclude={[me.user.email, ...picked.map((p) => p.email)]}
            onPick={(p) => setPicked([...picked, p])}
            pickLabel="Choose"
          />
          <TextInput
            id="name"
            label={group ? 'Group name' : 'Conversation name (optional)'}
            hint="Everyone in the conversation sees it. Do not put patient details in it."
            value={name}
            onInput={setName}
            width={30}
            error={errors.find((x) => x.field === 'name')?.text}
          />
          <Radios
            name="kind"
            legend="Kind of conversation"
            hint="It sets how long messages are kept. Only an organisation admin can change it later."
            options={kinds}
            value={kind}
            onChange={setKind}
          />
          <button class="nhsuk-button" type="submit" disabled={busy} aria-disabled={busy}>
            {busy ? 'Starting…' : 'Start conversation'}
          </button>
        </form>
      </div>
    </div>
  );
}
