import { useEffect, useState } from 'preact/hooks';
import { get, type Me } from '../../api';
import type { UrgentList } from '../../incident/types.gen';
import { realTime, when } from '../../format';
import { loadCore, type Summary } from '../../messaging/core';
import { enableNotifications } from '../../messaging/push';
import { onConversation, onMessage, urgentEvent, useUnlocked } from '../../messaging/state';
import { kindLabel } from '../../records/kind';
import { useTitle } from '../../title';
import { Unlock } from './Unlock';

/** Messages lists the conversations this device is in, newest activity
 * first, with unread counts; behind the PIN like every messaging page. */
export function Messages({ me }: { me: Me }) {
  const unlocked = useUnlocked();
  if (!unlocked) return <Unlock me={me} />;
  return <ConversationList />;
}

function ConversationList() {
  useTitle('Messages');
  const [list, setList] = useState<Summary[] | null>(null);
  const [error, setError] = useState('');
  const [push, setPush] = useState('');
  const [urgent, setUrgent] = useState<Set<string>>(new Set());

  // Conversations with an urgent message waiting for this person's
  // acknowledgement, read again when the core says one changed.
  useEffect(() => {
    let live = true;
    const load = () =>
      get<UrgentList>('/api/urgent')
        .then((r) => live && setUrgent(new Set(r.urgent.map((u) => u.conversation))))
        .catch(() => {});
    void load();
    window.addEventListener(urgentEvent, load);
    return () => {
      live = false;
      window.removeEventListener(urgentEvent, load);
    };
  }, []);

  useEffect(() => {
    let live = true;
    let timer = 0;
    const load = () =>
      loadCore()
        .then((c) => c.summaries())
        .then((s) => {
          if (!live) return;
          s.sort((a, b) => last(b).localeCompare(last(a)) || a.name.localeCompare(b.name));
          setList(s);
        })
        .catch((e: unknown) => live && setError(e instanceof Error ? e.message : String(e)));
    void load();
    // The core says when a message arrives and when a conversation is
    // joined or changes: the list is read again then, never on a timer.
    const later = () => {
      clearTimeout(timer);
      timer = window.setTimeout(load, 100);
    };
    const stops = [onMessage(later), onConversation(later)];
    return () => {
      live = false;
      clearTimeout(timer);
      for (const stop of stops) stop();
    };
  }, []);

  const turnOnPush = async () => {
    try {
      await enableNotifications();
      setPush('Notifications are on. They say only "New secure message", or that a message is urgent or a major incident declared.');
    } catch (e) {
      setPush(e instanceof Error ? e.message : String(e));
    }
  };

  return (
    <>
      <h1>Messages</h1>
      <a class="nhsuk-button" href="/messages/new" role="button" draggable={false}>
        New conversation
      </a>
      {error && (
        <div class="nhsuk-error-summary" role="alert">
          <h2 class="nhsuk-error-summary__heading">There is a problem</h2>
          <div class="nhsuk-error-summary__body">
            <p>{error}</p>
          </div>
        </div>
      )}
      {list === null && !error && (
        <p class="nhsuk-body" aria-live="polite">
          Loading conversations…
        </p>
      )}
      {list !== null && list.length === 0 && <p class="nhsuk-body">You are not in any conversations yet.</p>}
      {list !== null && list.length > 0 && (
        <ul class="nhsuk-list sb-conversations" data-testid="conversations">
          {list.map((c) => (
            <li key={c.id} class="sb-conversation" data-testid="conversation">
              <a class="nhsuk-link sb-conversation__name" href={`/messages/${c.id}`}>
                {c.name || 'Conversation'}
              </a>
              {urgent.has(c.id) && (
                <strong class="nhsuk-tag nhsuk-tag--red sb-conversation__unread" data-testid="urgent">
                  Urgent: acknowledge
                </strong>
              )}
              {c.unread > 0 && (
                <strong class="nhsuk-tag nhsuk-tag--blue sb-conversation__unread" data-testid="unread">
                  {c.unread.toLocaleString('en-GB')} unread
                </strong>
              )}
              <span class="sb-conversation__meta nhsuk-u-secondary-text-colour">
                {c.removed
                  ? 'You are no longer a member'
                  : `${c.records ? `${kindLabel(c.records.kind)} · ` : ''}${memberCount(c)} · ${realTime(c.last_at) ? `last message ${when(c.last_at)}` : 'No messages yet'}`}
              </span>
            </li>
          ))}
        </ul>
      )}
      <h2 class="nhsuk-heading-s nhsuk-u-margin-top-6">Notifications</h2>
      <p class="nhsuk-body">
        Switchboard can tell this device when a message arrives, when an urgent message waits for you and when a major
        incident calls you in. The notification says only "New secure message", "Urgent: secure message" or that a
        major incident is declared: never who sent it or what it says. Tapping a major incident alert opens its
        roll-call.
      </p>
      <button class="nhsuk-button nhsuk-button--secondary" type="button" onClick={turnOnPush}>
        Turn on notifications
      </button>
      {push && (
        <p class="nhsuk-body" role="status" data-testid="push-status">
          {push}
        </p>
      )}
    </>
  );
}

function memberCount(c: Summary): string {
  const people = new Set(c.members.map((m) => m.email)).size;
  return people === 1 ? '1 person' : `${people} people`;
}

// last is when a conversation last had a message, or "" if never, so
// conversations without messages sort after the rest.
function last(c: Summary): string {
  return realTime(c.last_at) ? c.last_at : '';
}
