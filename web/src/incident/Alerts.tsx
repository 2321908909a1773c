import { useEffect, useState } from 'preact/hooks';
import { get } from '../api';
import { count } from '../format';
import { incidentEvent, urgentEvent } from '../messaging/state';
import type { Incident, Incidents, UrgentList } from './types.gen';

interface State {
  urgent: number;
  /** firstUrgent is the conversation of the oldest urgent message waiting. */
  firstUrgent: string;
  incidents: Incident[];
}

/** Alerts is the banner under the header on every signed-in page: urgent
 * messages waiting for this person's acknowledgement, a link to an open
 * major incident, and EXERCISE EXERCISE EXERCISE while an exercise is on.
 * It reads the server again when the client core says something changed,
 * when the page is shown again and on each navigation, never on a timer. */
export function Alerts({ path }: { path: string }) {
  const [s, setS] = useState<State>({ urgent: 0, firstUrgent: '', incidents: [] });

  useEffect(() => {
    let live = true;
    let timer = 0;
    const load = async () => {
      const [u, i] = await Promise.all([
        get<UrgentList>('/api/urgent').catch(() => null),
        get<Incidents>('/api/incidents').catch(() => null),
      ]);
      if (!live) return;
      setS((old) => ({
        urgent: u ? u.urgent.length : old.urgent,
        firstUrgent: u ? (u.urgent[0]?.conversation ?? '') : old.firstUrgent,
        incidents: i ? i.incidents : old.incidents,
      }));
    };
    const soon = () => {
      clearTimeout(timer);
      timer = window.setTimeout(() => void load(), 150);
    };
    const onVisible = () => document.visibilityState === 'visible' && soon();
    void load();
    window.addEventListener(urgentEvent, soon);
    window.addEventListener(incidentEvent, soon);
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      live = false;
      clearTimeout(timer);
      window.removeEventListener(urgentEvent, soon);
      window.removeEventListener(incidentEvent, soon);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, [path]);

  const exercise = s.incidents.some((i) => i.exercise);
  const real = s.incidents.filter((i) => !i.exercise);
  if (!exercise && real.length === 0 && s.urgent === 0) return null;
  const urgentHref = s.urgent === 1 && s.firstUrgent ? `/messages/${s.firstUrgent}` : '/urgent';
  return (
    <section class="sb-alerts" aria-label="Alerts" data-testid="alerts">
      {exercise && (
        <p class="sb-alert sb-alert--exercise" data-testid="exercise-banner">
          <strong>EXERCISE EXERCISE EXERCISE</strong>
          <span class="sb-alert__detail">
            {' '}
            This is a practice.{' '}
            <a href={incidentHref(s.incidents.filter((i) => i.exercise))}>
              Open the exercise<span class="nhsuk-u-visually-hidden"> roll-call</span>
            </a>
          </span>
        </p>
      )}
      {real.length > 0 && (
        <p class="sb-alert sb-alert--incident" data-testid="incident-banner">
          <a href={incidentHref(real)}>
            <strong>{real.length === 1 ? `${real[0].name} declared` : `${real.length} major incidents open`}</strong>: answer
            the roll-call
          </a>
        </p>
      )}
      {s.urgent > 0 && (
        <p class="sb-alert sb-alert--urgent" data-testid="urgent-banner">
          <a href={urgentHref}>
            {count(s.urgent, 'urgent message')} {s.urgent === 1 ? 'needs' : 'need'} your acknowledgement
          </a>
        </p>
      )}
    </section>
  );
}

// incidentHref goes straight to the board when there is one incident.
function incidentHref(list: Incident[]): string {
  return list.length === 1 ? `/incidents/${list[0].id}` : '/incidents';
}
