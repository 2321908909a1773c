import { useEffect } from 'preact/hooks';
import { get } from '../../api';
import { ErrorSummary } from '../../components/ErrorSummary';
import { when } from '../../format';
import type { UrgentList as List } from '../../incident/types.gen';
import { useLoad } from '../../load';
import { urgentEvent } from '../../messaging/state';
import { useTitle } from '../../title';

/** UrgentList lists the urgent messages waiting for this person's
 * acknowledgement, oldest first, each linking to its conversation, where
 * it is read and acknowledged. */
export function UrgentList() {
  const list = useLoad(() => get<List>('/api/urgent'));
  useTitle('Urgent messages', !!list.error);
  useEffect(() => {
    const again = () => void list.reload();
    window.addEventListener(urgentEvent, again);
    return () => window.removeEventListener(urgentEvent, again);
  }, [list.reload]);
  return (
    <>
      <ErrorSummary errors={list.error ? [{ text: list.error }] : []} />
      <h1>Urgent messages</h1>
      {list.data && list.data.urgent.length === 0 && (
        <p class="nhsuk-body" data-testid="no-urgent">
          No urgent messages are waiting for your acknowledgement.
        </p>
      )}
      {list.data && list.data.urgent.length > 0 && (
        <>
          <p class="nhsuk-body">Open each one to read it and acknowledge it.</p>
          <ul class="nhsuk-list sb-conversations" data-testid="urgent-list">
            {list.data.urgent.map((u) => (
              <li key={u.message} class="sb-conversation">
                <strong class="nhsuk-tag nhsuk-tag--red">Urgent</strong>
                <a class="nhsuk-link sb-conversation__name" href={`/messages/${u.conversation}`}>
                  From {u.sender.name}
                </a>
                <span class="sb-conversation__meta nhsuk-u-secondary-text-colour">
                  Sent {when(u.sent_at)}
                  {u.escalated_at ? ' · escalated' : ''}
                </span>
              </li>
            ))}
          </ul>
        </>
      )}
    </>
  );
}
