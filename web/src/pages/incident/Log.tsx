import { useEffect, useRef, useState } from 'preact/hooks';
import type { Me } from '../../api';
import { ErrorSummary } from '../../components/ErrorSummary';
import { when } from '../../format';
import type { IncidentLog, LogEntry } from '../../incident/types.gen';
import { answerText } from '../../incident/words';
import { loadCore, type Message } from '../../messaging/core';
import { useUnlocked } from '../../messaging/state';
import { useTitle } from '../../title';
import { Unlock } from '../messages/Unlock';

/** LogPage is an incident's log, put together on this device: the
 * server's timeline and roll-call with the incident conversation's
 * messages, decrypted here. It prints as a record and downloads as JSON;
 * the core tells the server each time it is put together, for the audit
 * log. */
export function LogPage({ me, id }: { me: Me; id: string }) {
  const unlocked = useUnlocked();
  if (!unlocked) return <Unlock me={me} />;
  return <Log id={id} />;
}

const events: Record<string, string> = {
  declared: 'Declared',
  answered: 'Answered',
  stood_down: 'Stood down',
  commander: 'Commander changed',
  closed: 'Closed',
  log_exported: 'Log exported',
};

interface Loaded {
  server: IncidentLog;
  messages: Message[];
}

function Log({ id }: { id: string }) {
  const [log, setLog] = useState<Loaded | null>(null);
  const [error, setError] = useState('');
  const downloaded = useRef(false);
  useTitle(log ? `${log.server.incident.name}: log` : 'Incident log', !!error);

  useEffect(() => {
    let live = true;
    (async () => {
      try {
        const l = await (await loadCore()).incidentLog(id);
        if (!live) return;
        setLog(l); // the core has told the server it was exported
        if (new URLSearchParams(location.search).has('download') && !downloaded.current) {
          downloaded.current = true;
          download(l);
        }
      } catch (e) {
        if (live) setError(e instanceof Error ? e.message : String(e));
      }
    })();
    return () => {
      live = false;
    };
  }, [id]);

  const inc = log?.server.incident;
  return (
    <>
      <a class="nhsuk-back-link" href={`/incidents/${id}`}>
        Back to the roll-call
      </a>
      <ErrorSummary errors={error ? [{ text: error }] : []} />
      <h1>{inc ? `${inc.name}: incident log` : 'Incident log'}</h1>
      {!log && !error && (
        <p class="nhsuk-body" aria-live="polite">
          Putting the log together…
        </p>
      )}
      {log && inc && (
        <>
          <div class="app-actions sb-noprint nhsuk-u-margin-bottom-5">
            <button class="nhsuk-button nhsuk-button--secondary" type="button" onClick={() => download(log)}>
              Download the log (JSON)
            </button>
            <button class="nhsuk-button nhsuk-button--secondary" type="button" onClick={() => window.print()}>
              Print
            </button>
          </div>
          <dl class="nhsuk-summary-list">
            <Row k="Kind" v={`${inc.kind === 'standby' ? 'Standby' : 'Major incident'}${inc.exercise ? ' (exercise)' : ''}`} />
            <Row k="Declared" v={when(inc.declared_at)} />
            <Row k="Closed" v={inc.closed_at ? when(inc.closed_at) : 'Still open'} />
            <Row k="Commander" v={`${inc.commander.name} (${inc.commander.email})`} />
            <Row k="Call-in lists" v={inc.lists.map((l) => l.name + (l.stood_down_at ? ` (stood down ${when(l.stood_down_at)})` : '')).join(', ')} />
          </dl>

          <h2>Timeline</h2>
          <ol class="nhsuk-list sb-log" data-testid="timeline">
            {log.server.timeline.map((e, i) => (
              <li key={i}>
                <strong>{when(e.at)}</strong> {line(e)}
              </li>
            ))}
          </ol>

          <h2>Roll-call</h2>
          <ul class="nhsuk-list sb-log" data-testid="log-board">
            {log.server.board.answers.map((a) => (
              <li key={a.person.id}>
                <strong>{a.person.name}</strong> ({a.lists.join(', ')}): {answerText(a)}
                {a.answered_at && `, ${when(a.answered_at)}`}
              </li>
            ))}
          </ul>

          <h2>Answer times</h2>
          <p class="nhsuk-body">From the alert to the first answer, the median and 90% of answers, for each group.</p>
          <ul class="nhsuk-list sb-log" data-testid="log-times">
            {log.server.board.tallies.map((t) => (
              <li key={`${t.by}/${t.name}`}>
                <strong>{t.name}</strong> ({byNames[t.by] ?? t.by}): {t.alerted} alerted; first {span(t.first_answer_seconds)},
                median {span(t.median_seconds)}, 90% {span(t.p90_seconds)}
              </li>
            ))}
          </ul>

          <h2>Messages</h2>
          {log.messages.length === 0 ? (
            <p class="nhsuk-body">No messages.</p>
          ) : (
            <ol class="nhsuk-list sb-log" data-testid="log-messages">
              {log.messages.map((m) => (
                <li key={m.seq}>
                  <strong>
                    {when(m.sent_at)} {m.sender}
                    {m.urgent ? ' (urgent)' : ''}:
                  </strong>
                  <p class="sb-message__text">{m.type === 'attachment' ? 'An attachment' : m.text}</p>
                </li>
              ))}
            </ol>
          )}
        </>
      )}
    </>
  );
}

const byNames: Record<string, string> = { list: 'call-in list', role: 'duty role', team: 'team' };

// span writes seconds as minutes and seconds, "2 min 05 s"; no answer, "–".
function span(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return '–';
  const s = Math.round(seconds);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
}

function Row({ k, v }: { k: string; v: string }) {
  return (
    <div class="nhsuk-summary-list__row">
      <dt class="nhsuk-summary-list__key">{k}</dt>
      <dd class="nhsuk-summary-list__value">{v}</dd>
    </div>
  );
}

function line(e: LogEntry): string {
  const what = events[e.event] ?? e.event;
  const by = e.actor ? ` by ${e.actor.name}` : '';
  const who = e.subject && e.subject.id !== e.actor?.id ? `: ${e.subject.name}` : '';
  return `${what}${by}${who}${e.detail ? ` (${e.detail})` : ''}`;
}

// download saves the log as a JSON file, from a blob: URL made and
// revoked here so the decrypted messages are not left in the page.
function download(l: Loaded): void {
  const blob = new Blob([JSON.stringify(l, null, 2)], { type: 'application/json' });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = `${l.server.incident.name.replace(/[^A-Za-z0-9]+/g, '-').toLowerCase()}-log.json`;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
