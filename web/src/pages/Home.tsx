import type { Me } from '../api';
import { registration } from '../format';
import { canAdmin, canAudit, canBreachLog, canConsult, canReview, roleLabel } from '../roles';
import { useTitle } from '../title';

/** Home says who is signed in, for which organisation and with which
 * roles, and links to the pages those roles allow. */
export function Home({ me }: { me: Me }) {
  useTitle('Home');
  const u = me.user;
  const links = [
    {
      href: '/messages',
      title: 'Messages',
      text: 'End-to-end encrypted conversations with colleagues, locked under your PIN on this device.',
    },
    { href: '/account', title: 'Your account', text: 'See the devices you have signed in on and end sessions.' },
  ];
  if (canConsult(me) || canAdmin(me)) {
    links.push(
      { href: '/duty', title: 'Duty roles', text: 'Who holds each duty role now, and bleep them, urgently if need be.' },
      {
        href: '/incidents',
        title: 'Major incidents',
        text: 'Answer a major incident’s roll-call, or follow it as commander.',
      },
    );
  }
  if (canAdmin(me)) {
    links.push({
      href: '/admin',
      title: 'Users and devices',
      text: 'Add people, pass on their setup links, sign out or revoke devices, set the idle time limit.',
    });
  }
  if (canAudit(me)) {
    links.push({
      href: '/audit',
      title: 'Audit log',
      text: 'Every privileged action, in order, with a check that the log has not been altered.',
    });
  }
  if (canReview(me)) {
    links.push({
      href: '/records',
      title: 'Consultation records',
      text: 'Who was invited to each video consultation, who joined, the consent given and how the call went.',
    });
  }
  if (canBreachLog(me)) {
    links.push({
      href: '/dpo',
      title: 'Breach log',
      text: 'Breaches, near misses and complaints, with the 72-hour ICO clock, and the DPIA pack.',
    });
  }
  links.push({
    href: '/register',
    title: 'Software register',
    text: 'The software the organisation uses to communicate, each with its data protection impact screening.',
  });
  return (
    <>
      <h1>Hello, {u.name}</h1>
      <dl class="nhsuk-summary-list" data-testid="whoami">
        <div class="nhsuk-summary-list__row">
          <dt class="nhsuk-summary-list__key">Email address</dt>
          <dd class="nhsuk-summary-list__value">{u.email}</dd>
        </div>
        {u.org && (
          <div class="nhsuk-summary-list__row">
            <dt class="nhsuk-summary-list__key">Organisation</dt>
            <dd class="nhsuk-summary-list__value">
              {u.org.name} <span class="nhsuk-u-secondary-text-colour">(ODS code {u.org.ods})</span>
            </dd>
          </div>
        )}
        <div class="nhsuk-summary-list__row">
          <dt class="nhsuk-summary-list__key">Roles</dt>
          <dd class="nhsuk-summary-list__value" data-testid="roles">
            {u.roles.length ? (
              u.roles.map((r) => (
                <strong class="nhsuk-tag nhsuk-tag--blue nhsuk-u-margin-right-2" key={r}>
                  {roleLabel(r)}
                </strong>
              ))
            ) : (
              'None'
            )}
          </dd>
        </div>
        {u.registration && (
          <div class="nhsuk-summary-list__row">
            <dt class="nhsuk-summary-list__key">Professional registration</dt>
            <dd class="nhsuk-summary-list__value">{registration(u.registration)}</dd>
          </div>
        )}
      </dl>
      <ul class="nhsuk-grid-row nhsuk-card-group">
        {links.map((l) => (
          <li class="nhsuk-grid-column-one-third nhsuk-card-group__item" key={l.href}>
            <div class="nhsuk-card nhsuk-card--clickable">
              <div class="nhsuk-card__content">
                <h2 class="nhsuk-card__heading nhsuk-heading-m">
                  <a class="nhsuk-card__link" href={l.href}>
                    {l.title}
                  </a>
                </h2>
                <p class="nhsuk-card__description">{l.text}</p>
              </div>
            </div>
          </li>
        ))}
      </ul>
    </>
  );
}
