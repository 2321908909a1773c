import { get, type Me } from '../../api';
import { ErrorSummary } from '../../components/ErrorSummary';
import type { DutyRoles } from '../../incident/types.gen';
import { holderLine, minutes } from '../../incident/words';
import { useLoad } from '../../load';
import { canAdmin } from '../../roles';
import { useTitle } from '../../title';
import { Handover } from './Handover';
import { Rota } from './Rota';

/** Duty lists the organisation's duty roles with whoever holds each now,
 * and offers to bleep them. */
export function Duty({ me }: { me: Me }) {
  const roles = useLoad(() => get<DutyRoles>('/api/duty'));
  useTitle('Duty roles', !!roles.error);
  const mine = roles.data?.roles.filter((r) => r.holder?.email.toLowerCase() === me.user.email.toLowerCase()) ?? [];
  const mayDeclare = canAdmin(me) || mine.some((r) => r.may_declare);
  return (
    <>
      <ErrorSummary errors={roles.error ? [{ text: roles.error }] : []} />
      <h1>Duty roles</h1>
      <p class="nhsuk-body">
        Bleep a role to message whoever holds it now. An urgent bleep waits for them to acknowledge it and goes on to
        someone else if they do not.
      </p>
      <p class="nhsuk-body">
        <a href="/incidents" data-testid="incidents-link">
          Major incidents
        </a>
        : answer a roll-call{mayDeclare ? ', or declare one' : ''}.
      </p>
      {mine.length > 0 && (
        <div class="nhsuk-inset-text" data-testid="my-roles">
          <span class="nhsuk-u-visually-hidden">Information: </span>
          <p>You hold {mine.map((r) => r.name).join(', ')} now: bleeps to {mine.length === 1 ? 'it' : 'them'} come to you.</p>
        </div>
      )}
      {roles.data && roles.data.roles.length === 0 && (
        <p class="nhsuk-body">Your organisation has no duty roles yet. An administrator adds them.</p>
      )}
      {roles.data && roles.data.roles.length > 0 && (
        <ul class="nhsuk-list sb-roles" data-testid="duty-roles">
          {roles.data.roles.map((r) => (
            <li key={r.id} class="sb-role" data-testid="duty-role">
              <div>
                <h2 class="nhsuk-heading-s sb-role__name">{r.name}</h2>
                <p class="nhsuk-body-s sb-role__holder" data-testid="holder">
                  {capitalised(holderLine(r, me.user.email))}
                </p>
                {r.escalate_to && (
                  <p class="nhsuk-body-s nhsuk-u-secondary-text-colour sb-role__escalate">
                    Urgent bleeps go to {r.escalate_to} after {minutes(r.escalate_after_seconds)} without an answer.
                  </p>
                )}
              </div>
              <Rota role={r} />
              {r.holder?.email.toLowerCase() === me.user.email.toLowerCase() && (
                <Handover role={r} onDone={roles.reload} />
              )}
              {r.holder && r.holder.email.toLowerCase() !== me.user.email.toLowerCase() && (
                <a
                  class="nhsuk-button nhsuk-button--secondary nhsuk-button--small sb-role__bleep"
                  href={`/duty/${r.id}`}
                  role="button"
                  draggable={false}
                >
                  Bleep<span class="nhsuk-u-visually-hidden"> {r.name}</span>
                </a>
              )}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

const capitalised = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
