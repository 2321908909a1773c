import { useCallback, useEffect, useState } from 'preact/hooks';
import { count } from '../../format';
import { get, type Me, put, seg } from '../../api';
import { Radios } from '../../components/Radios';
import { type ConversationKind } from '../../messaging/core';
import { kindLabel, kinds } from '../../records/kind';
import { canAdmin } from '../../roles';
import { Confirm } from '../../components/Confirm';
import { loadCore, type Person } from '../../messaging/core';
import { useUnlocked } from '../../messaging/state';
import { useTitle } from '../../title';
import { navigate } from '../../router';
import { PeoplePicker } from './PeoplePicker';
import { Unlock } from './Unlock';

/** MembersPage lists a conversation's members with their verified
 * status and who its admins are, compares safety codes, lets admins add,
 * remove and appoint people, and lets anyone leave. */
export function MembersPage({ me, id }: { me: Me; id: string }) {
  const unlocked = useUnlocked();
  if (!unlocked) return <Unlock me={me} />;
  return <Members id={id} orgAdmin={canAdmin(me)} />;
}

function Members({ id, orgAdmin }: { id: string; orgAdmin: boolean }) {
  useTitle('Members and safety codes');
  const [people, setPeople] = useState<Person[] | null>(null);
  const [names, setNames] = useState<Record<string, string>>({});
  const [codes, setCodes] = useState<Record<string, string>>({});
  const [status, setStatus] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const [confirmLeave, setConfirmLeave] = useState(false);

  const load = useCallback(async () => {
    const core = await loadCore();
    setPeople(await core.people(id));
  }, [id]);

  useEffect(() => {
    load().catch((e: unknown) => setError(e instanceof Error ? e.message : String(e)));
    get<{ people: { email: string; name: string }[] }>('/api/directory?q=')
      .then((r) => setNames(Object.fromEntries(r.people.map((p) => [p.email, p.name]))))
      .catch(() => {});
  }, [load]);

  const act = async (what: () => Promise<unknown>, done: string) => {
    setBusy(true);
    setError('');
    setStatus('');
    try {
      await what();
      await load();
      setStatus(done);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };

  const label = (email: string) => names[email] ?? email;
  const amAdmin = (people ?? []).some((p) => p.self && p.admin);
  const leave = async () => {
    setBusy(true);
    setError('');
    try {
      await (await loadCore()).leave(id);
      navigate('/messages');
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
      setBusy(false);
    }
  };
  return (
    <>
      <a class="nhsuk-back-link" href={`/messages/${id}`}>
        Back to the conversation
      </a>
      <h1>Members and safety codes</h1>
      {error && (
        <div class="nhsuk-error-summary" role="alert">
          <h2 class="nhsuk-error-summary__heading">There is a problem</h2>
          <div class="nhsuk-error-summary__body">
            <p>{error}</p>
          </div>
        </div>
      )}
      <p class="nhsuk-body" role="status" data-testid="members-status">
        {status}
      </p>
      <p class="nhsuk-body">
        To be sure you are talking to the right person, compare safety codes with them face to face or on a call
        you trust. If the codes match, mark them as verified.
      </p>
      {people === null && <p class="nhsuk-body">Loading members…</p>}
      <ul class="nhsuk-list sb-members" data-testid="members">
        {(people ?? []).map((p) => (
          <li key={p.email} class="sb-member" data-testid="member">
            <p class="nhsuk-body nhsuk-u-margin-bottom-2">
              <strong>{p.self ? 'You' : label(p.email)}</strong>{' '}
              <span class="nhsuk-u-secondary-text-colour">
                {p.email} · {count(p.devices.length, 'device')}
              </span>{' '}
              {p.admin && <strong class="nhsuk-tag nhsuk-tag--blue">Admin</strong>}{' '}
              {p.leaving && <strong class="nhsuk-tag nhsuk-tag--orange">Leaving</strong>}{' '}
              {!p.self &&
                (p.verified ? (
                  <strong class="nhsuk-tag nhsuk-tag--green">Verified</strong>
                ) : (
                  <strong class="nhsuk-tag nhsuk-tag--grey">Not verified</strong>
                ))}
            </p>
            {p.key_changed && (
              <div class="nhsuk-warning-callout" data-testid="key-changed">
                <h2 class="nhsuk-warning-callout__label">
                  <span>
                    <span class="nhsuk-u-visually-hidden">Important: </span>
                    {label(p.email)}'s device key changed
                  </span>
                </h2>
                <p>
                  This can happen when they sign in again on a device, but it can also mean someone else is using
                  their account. Compare safety codes before you share anything sensitive.
                </p>
              </div>
            )}
            {!p.self && (
              <div class="sb-member__actions">
                {codes[p.email] ? (
                  <>
                    <p class="nhsuk-body">
                      Safety code with {label(p.email)}:{' '}
                      <code class="sb-safety-code" data-testid="safety-code">
                        {codes[p.email]}
                      </code>
                    </p>
                    {!p.verified && (
                      <button
                        class="nhsuk-button nhsuk-button--secondary nhsuk-button--small"
                        type="button"
                        disabled={busy}
                        onClick={() =>
                          act(async () => (await loadCore()).verify(id, p.email), `${label(p.email)} is verified.`)
                        }
                      >
                        The codes match <span class="nhsuk-u-visually-hidden">for {label(p.email)}</span>
                      </button>
                    )}
                  </>
                ) : (
                  <button
                    class="nhsuk-button nhsuk-button--secondary nhsuk-button--small"
                    type="button"
                    onClick={async () => {
                      try {
                        const c = await (await loadCore()).safetyCode(id, p.email);
                        setCodes({ ...codes, [p.email]: c });
                      } catch (e) {
                        setError(e instanceof Error ? e.message : String(e));
                      }
                    }}
                  >
                    Show safety code <span class="nhsuk-u-visually-hidden">with {label(p.email)}</span>
                  </button>
                )}
                {amAdmin && !p.admin && !p.leaving && (
                  <button
                    class="nhsuk-button nhsuk-button--secondary nhsuk-button--small"
                    type="button"
                    disabled={busy}
                    onClick={() =>
                      act(
                        async () => (await loadCore()).makeAdmin(id, p.email),
                        `${label(p.email)} is now an admin.`,
                      )
                    }
                  >
                    Make admin <span class="nhsuk-u-visually-hidden">{label(p.email)}</span>
                  </button>
                )}
                {amAdmin && (
                  <button
                    class="nhsuk-button nhsuk-button--secondary nhsuk-button--small"
                    type="button"
                    disabled={busy}
                    onClick={() =>
                      act(async () => (await loadCore()).remove(id, p.email), `${label(p.email)} was removed.`)
                    }
                  >
                    Remove <span class="nhsuk-u-visually-hidden">{label(p.email)}</span>
                  </button>
                )}
              </div>
            )}
          </li>
        ))}
      </ul>
      {amAdmin ? (
        <>
          <h2>Add someone</h2>
          <PeoplePicker
            exclude={(people ?? []).map((p) => p.email)}
            pickLabel="Add"
            onPick={(p) => act(async () => (await loadCore()).add(id, p.email), `${p.name} was added.`)}
          />
        </>
      ) : (
        people !== null && (
          <p class="nhsuk-body" data-testid="not-admin">
            Only the conversation's admins can add or remove people. Ask one of them if someone should join or
            go.
          </p>
        )
      )}
      {orgAdmin && <KindForm id={id} />}
      <h2>Leaving</h2>
      <p class="nhsuk-body">
        When you leave, you stop receiving this conversation's messages on all your devices. What you have read
        stays on this device, encrypted, until you sign out. An admin can add you again.
      </p>
      {confirmLeave ? (
        <Confirm
          heading="Leave this conversation?"
          confirmText="Leave the conversation"
          busy={busy}
          onConfirm={leave}
          onCancel={() => setConfirmLeave(false)}
        >
          <p data-testid="confirm-leave">
            {amAdmin && !(people ?? []).some((p) => !p.self && p.admin)
              ? 'You are its only admin: the member who has been in it longest will become one.'
              : 'You will need an admin to add you if you want to come back.'}
          </p>
        </Confirm>
      ) : (
        <button class="nhsuk-button nhsuk-button--warning" type="button" onClick={() => setConfirmLeave(true)}>
          Leave this conversation
        </button>
      )}
    </>
  );
}

/** KindForm lets an admin of the organisation change the conversation's
 * kind, which sets how long its messages are kept; members cannot. */
function KindForm({ id }: { id: string }) {
  const [kind, setKind] = useState<ConversationKind | null>(null);
  const [done, setDone] = useState('');
  const [error, setError] = useState('');
  useEffect(() => {
    loadCore()
      .then((c) => c.summaries())
      .then((s) => setKind((s.find((c) => c.id === id)?.records?.kind as ConversationKind) ?? 'clinical'))
      .catch(() => setKind('clinical'));
  }, [id]);
  if (!kind) return null;
  const save = async (e: Event) => {
    e.preventDefault();
    setDone('');
    try {
      await put(`/api/admin/conversations/${seg(id)}/kind`, { kind });
      setError('');
      setDone(`This is now a ${kindLabel(kind).toLowerCase()} conversation.`);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };
  return (
    <form onSubmit={save} novalidate aria-labelledby="kind-heading">
      <h2 id="kind-heading">Kind of conversation</h2>
      <Radios
        name="conversation-kind"
        legend="As an organisation admin, you can change it"
        hint="It sets how long the messages are kept. Members cannot change it."
        options={kinds}
        value={kind}
        onChange={setKind}
        error={error || undefined}
      />
      <button class="nhsuk-button nhsuk-button--secondary" type="submit">
        Change the kind
      </button>
      {done && (
        <p class="nhsuk-body" role="status" data-testid="kind-changed">
          {done}
        </p>
      )}
    </form>
  );
}
