import type { Me } from '../../api';
import { ErrorSummary } from '../../components/ErrorSummary';
import { type Column, Table } from '../../components/Table';
import { until, when } from '../../format';
import { useBoard } from '../../incident/board';
import type { Answer, Tally } from '../../incident/types.gen';
import { answerText } from '../../incident/words';
import { canAdmin } from '../../roles';
import { useTitle } from '../../title';
import { Command } from './Command';
import { Respond } from './Respond';

const groups: [Tally['by'], string][] = [
  ['list', 'By call-in list'],
  ['role', 'By duty role'],
  ['team', 'By team'],
];

const tallyColumns: Column<Tally>[] = [
  { heading: 'Name', cell: (t) => t.name },
  { heading: 'Alerted', cell: (t) => t.alerted },
  { heading: 'Available now', cell: (t) => t.available },
  { heading: 'On their way', cell: (t) => t.en_route },
  { heading: 'Unavailable', cell: (t) => t.unavailable },
  { heading: 'No answer', cell: (t) => t.no_answer },
  { heading: 'Stood down', cell: (t) => t.stood_down },
];

/** BoardPage is an incident's live roll-call board: this person's answer,
 * the tallies by list, duty role and team, who has not answered, and for
 * the commander the controls. It follows the server's long poll while it
 * is open. */
export function BoardPage({ me, id }: { me: Me; id: string }) {
  const { board, error, reconnecting, patch } = useBoard(id);
  const inc = board?.incident;
  useTitle(inc ? inc.name : 'Major incident', !!error);
  const email = me.user.email.toLowerCase();
  const mine = board?.answers.find((a) => a.person.email.toLowerCase() === email);
  const commands = !!inc && (canAdmin(me) || inc.commander.email.toLowerCase() === email);
  const waiting = (board?.answers ?? []).filter((a) => !a.state && !a.stood_down_at);
  const answered = (board?.answers ?? [])
    .filter((a) => a.state || a.stood_down_at)
    .sort((a, b) => (a.answered_at ?? '').localeCompare(b.answered_at ?? ''));

  return (
    <>
      <a class="nhsuk-back-link" href="/incidents/all">
        All major incidents
      </a>
      <ErrorSummary errors={error ? [{ text: error }] : []} />
      <h1>
        {inc?.exercise && <span class="sb-exercise-word">EXERCISE </span>}
        {inc ? inc.name.replace(/^EXERCISE /, '') : 'Major incident'}
      </h1>
      {!board && !error && (
        <p class="nhsuk-body" aria-live="polite">
          Loading the roll-call…
        </p>
      )}
      {reconnecting && (
        <p class="nhsuk-body" role="status" data-testid="reconnecting">
          Connection lost: trying again. The board may be out of date.
        </p>
      )}
      {inc && board && (
        <>
          {/* First, so that on a phone the answer is a tap away. */}
          {mine && <Respond incident={id} mine={mine} open={!inc.closed_at} onAnswered={patch} />}
          <dl class="nhsuk-summary-list" data-testid="incident-summary">
            <div class="nhsuk-summary-list__row">
              <dt class="nhsuk-summary-list__key">Status</dt>
              <dd class="nhsuk-summary-list__value" data-testid="incident-status">
                {inc.closed_at ? `Closed ${when(inc.closed_at)}` : inc.kind === 'standby' ? 'Standby' : 'Declared'}
                {inc.exercise && ' (exercise)'}
              </dd>
            </div>
            <div class="nhsuk-summary-list__row">
              <dt class="nhsuk-summary-list__key">Declared</dt>
              <dd class="nhsuk-summary-list__value">{when(inc.declared_at)}</dd>
            </div>
            <div class="nhsuk-summary-list__row">
              <dt class="nhsuk-summary-list__key">Commander</dt>
              <dd class="nhsuk-summary-list__value" data-testid="commander">
                {inc.commander.name}
              </dd>
            </div>
            <div class="nhsuk-summary-list__row">
              <dt class="nhsuk-summary-list__key">Call-in lists</dt>
              <dd class="nhsuk-summary-list__value" data-testid="incident-lists">
                <ul class="nhsuk-list">
                  {inc.lists.map((l) => (
                    <li key={l.name}>
                      {l.name}
                      {l.stood_down_at && ` (stood down ${until(l.stood_down_at)})`}
                    </li>
                  ))}
                </ul>
              </dd>
            </div>
          </dl>
          <p class="nhsuk-body">
            <a href={`/messages/${inc.conversation}`}>Open the incident conversation</a> for the METHANE report and
            updates.
          </p>

          <section aria-labelledby="rollcall-heading" data-testid="rollcall">
            <h2 id="rollcall-heading">Roll-call</h2>
            <p class="nhsuk-body" aria-live="polite" data-testid="rollcall-summary">
              {summary(board.answers)}
            </p>
            {groups.map(([by, caption]) => {
              const rows = board.tallies.filter((t) => t.by === by);
              return rows.length ? (
                <Table
                  key={by}
                  caption={caption}
                  columns={tallyColumns}
                  rows={rows}
                  rowKey={(t) => t.name}
                  testid={`tally-${by}`}
                />
              ) : null;
            })}
            <h3>Not answered yet</h3>
            {waiting.length === 0 ? (
              <p class="nhsuk-body" data-testid="waiting-none">
                Everyone has answered.
              </p>
            ) : (
              <ul class="nhsuk-list sb-people" data-testid="waiting">
                {waiting.map((a) => (
                  <li key={a.person.id} class="sb-person">
                    <span>
                      <strong>{a.person.name}</strong> <Who a={a} />
                    </span>
                  </li>
                ))}
              </ul>
            )}
            <h3>Answers</h3>
            {answered.length === 0 ? (
              <p class="nhsuk-body">No answers yet.</p>
            ) : (
              <ul class="nhsuk-list sb-people" data-testid="answers">
                {answered.map((a) => (
                  <li key={a.person.id} class="sb-person" data-testid="answer">
                    <span>
                      <strong>{a.person.name}</strong>: {answerText(a)} <Who a={a} />
                    </span>
                  </li>
                ))}
              </ul>
            )}
          </section>

          {commands && <Command incident={inc} />}
        </>
      )}
    </>
  );
}

function Who({ a }: { a: Answer }) {
  const parts = [...a.lists, ...(a.roles ?? []), ...(a.person.team ? [a.person.team] : [])];
  return <span class="nhsuk-u-secondary-text-colour">{parts.join(' · ')}</span>;
}

function summary(answers: Answer[]): string {
  const n = (f: (a: Answer) => boolean) => answers.filter(f).length;
  const up = (a: Answer) => !a.stood_down_at;
  return [
    `${n((a) => up(a) && a.state === 'available')} available now`,
    `${n((a) => up(a) && a.state === 'en-route')} on their way`,
    `${n((a) => up(a) && a.state === 'unavailable')} unavailable`,
    `${n((a) => up(a) && !a.state)} not answered`,
    `of ${answers.length} alerted`,
  ].join(', ');
}
