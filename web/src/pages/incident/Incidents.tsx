import { useEffect, useState } from 'preact/hooks';
import { get, type Me } from '../../api';
import { ErrorSummary } from '../../components/ErrorSummary';
import { when } from '../../format';
import type { DutyRoles, Incidents as List } from '../../incident/types.gen';
import { useLoad } from '../../load';
import { incidentEvent } from '../../messaging/state';
import { canAdmin } from '../../roles';
import { navigate } from '../../router';
import { useTitle } from '../../title';

/** useMayDeclare reports whether this person may declare a major
 * incident: an admin, or whoever holds a duty role that may. The server
 * decides; this only chooses what to offer. */
export function useMayDeclare(me: Me): boolean | null {
  const [may, setMay] = useState<boolean | null>(canAdmin(me) ? true : null);
  useEffect(() => {
    if (canAdmin(me)) return;
    let live = true;
    const mine = me.user.email.toLowerCase();
    get<DutyRoles>('/api/duty')
      .then((r) => live && setMay(r.roles.some((x) => x.may_declare && x.holder?.email.toLowerCase() === mine)))
      .catch(() => live && setMay(false));
    return () => {
      live = false;
    };
  }, [me.user.id]);
  return may;
}

/** Incidents lists the open major incidents and standby alerts that
 * called this person in (all of them, closed ones too, with all). With
 * exactly one open, it goes straight to that one's roll-call, so that a
 * tap on the alert's notification is a tap away from answering. */
export function Incidents({ me, all }: { me: Me; all: boolean }) {
  const list = useLoad(() => get<List>(`/api/incidents${all ? '?all=1' : ''}`), [all]);
  const mayDeclare = useMayDeclare(me);
  useTitle(all ? 'All major incidents' : 'Major incidents', !!list.error);

  useEffect(() => {
    const again = () => void list.reload();
    window.addEventListener(incidentEvent, again);
    return () => window.removeEventListener(incidentEvent, again);
  }, [list.reload]);

  const incidents = list.data?.incidents ?? [];
  useEffect(() => {
    if (!all && incidents.length === 1) navigate(`/incidents/${incidents[0].id}`, { replace: true });
  }, [all, list.data]);

  return (
    <>
      <ErrorSummary errors={list.error ? [{ text: list.error }] : []} />
      <h1>{all ? 'All major incidents' : 'Major incidents'}</h1>
      {mayDeclare === true && (
        <a class="nhsuk-button nhsuk-button--warning" href="/incidents/new" role="button" draggable={false}>
          Declare a major incident
        </a>
      )}
      {list.data && incidents.length === 0 && (
        <p class="nhsuk-body" data-testid="no-incidents">
          {all ? 'There have been no major incidents or standby alerts.' : 'No major incident is open now.'}
        </p>
      )}
      {incidents.length > 0 && (
        <ul class="nhsuk-list sb-conversations" data-testid="incidents">
          {incidents.map((i) => (
            <li key={i.id} class="sb-conversation" data-testid="incident">
              {i.exercise && <strong class="nhsuk-tag nhsuk-tag--yellow">Exercise</strong>}
              {i.closed_at && <strong class="nhsuk-tag nhsuk-tag--grey">Closed</strong>}
              <a class="nhsuk-link sb-conversation__name" href={`/incidents/${i.id}`}>
                {i.name}
              </a>
              <span class="sb-conversation__meta nhsuk-u-secondary-text-colour">
                Declared {when(i.declared_at)} · commander {i.commander.name} · lists:{' '}
                {i.lists.map((l) => l.name).join(', ')}
              </span>
            </li>
          ))}
        </ul>
      )}
      {!all && (
        <p class="nhsuk-body">
          <a href="/incidents/all">All incidents, including closed ones</a>
        </p>
      )}
      {all && (
        <p class="nhsuk-body">
          <a href="/incidents">Open incidents</a>
        </p>
      )}
    </>
  );
}
