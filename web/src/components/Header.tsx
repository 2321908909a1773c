import type { Me } from '../api';
import { canAdmin, canAudit, canBreachLog, canConsult, canReview } from '../roles';

interface Props {
  me: Me | null;
  path: string;
  onSignOut: () => void;
}

const logoPath =
  'M200 0v80H0V0h200Zm-27.5 5.5c-14.5 0-29 5-29 22 0 10.2 7.7 13.5 14.7 16.3l.7.3c5.4 2 10.1 3.9 10.1 8.4 0 6.5-8.5 7.5-14 7.5s-12.5-1.5-16-3.5L135 70c5.5 2 13.5 3.5 20 3.5 15.5 0 32-4.5 32-22.5 0-19.5-25.5-16.5-25.5-25.5 0-5.5 5.5-6.5 12.5-6.5a35 35 0 0 1 14.5 3l4-13.5c-4.5-2-12-3-20-3Zm-131 2h-22l-14 65H22l9-45h.5l13.5 45h21.5l14-65H64l-9 45h-.5l-13-45Zm63 0h-18l-13 65h17l6-28H117l-5.5 28H129l13.5-65H125L119.5 32h-20l5-24.5Z';

const userIconPath =
  'M12 1a11 11 0 1 1 0 22 11 11 0 0 1 0-22Zm0 2a9 9 0 0 0-5 16.5V18a4 4 0 0 1 4-4h2a4 4 0 0 1 4 4v1.5A9 9 0 0 0 12 3Zm0 3a3.5 3.5 0 1 1-3.5 3.5A3.4 3.4 0 0 1 12 6Z';

/** Header is the NHS header: logo and service name, the signed-in person
 * with a sign-out button, and navigation to the pages their roles allow. */
export function Header({ me, path, onSignOut }: Props) {
  const items = me ? navItems(me) : [];
  // A patient's pages never lead into the staff pages: there the logo is
  // not a link.
  const patient = path.startsWith('/join/');
  const Logo = patient ? 'span' : 'a';
  return (
    <header class="nhsuk-header" role="banner">
      <div class="nhsuk-header__container nhsuk-width-container">
        <div class="nhsuk-header__service">
          <Logo
            class="nhsuk-header__service-logo"
            data-testid="service-logo"
            {...(patient ? {} : { href: '/', 'aria-label': 'NHS Switchboard homepage' })}
          >
            <svg
              class="nhsuk-header__logo"
              xmlns="http://www.w3.org/2000/svg"
              viewBox="0 0 200 80"
              height="40"
              width="100"
              focusable="false"
              role="img"
              aria-label="NHS"
            >
              <title>NHS</title>
              <path fill="currentcolor" d={logoPath} />
            </svg>
            <span class="nhsuk-header__service-name">Switchboard</span>
          </Logo>
        </div>
        {me && (
          <nav class="nhsuk-header__account" aria-label="Account">
            <ul class="nhsuk-header__account-list">
              <li class="nhsuk-header__account-item">
                <a class="nhsuk-header__account-link" href="/account">
                  <svg
                    class="nhsuk-icon nhsuk-icon--user"
                    xmlns="http://www.w3.org/2000/svg"
                    viewBox="0 0 24 24"
                    width="16"
                    height="16"
                    focusable="false"
                    aria-hidden="true"
                  >
                    <path d={userIconPath} />
                  </svg>
                  {me.user.name}
                </a>
              </li>
              {me.user.org && <li class="nhsuk-header__account-item">{me.user.org.name}</li>}
              <li class="nhsuk-header__account-item">
                <form
                  class="nhsuk-header__account-form"
                  method="post"
                  action="/signin"
                  novalidate
                  onSubmit={(e) => {
                    e.preventDefault();
                    onSignOut();
                  }}
                >
                  <button class="nhsuk-header__account-button" type="submit">
                    Sign out
                  </button>
                </form>
              </li>
            </ul>
          </nav>
        )}
      </div>
      {items.length > 0 && (
        <nav class="nhsuk-header__navigation" aria-label="Menu">
          <div class="nhsuk-header__navigation-container nhsuk-width-container">
            <ul class="nhsuk-header__navigation-list">
              {items.map((it) => {
                const current = it.href === '/' ? path === '/' : path.startsWith(it.href);
                return (
                  <li
                    key={it.href}
                    class={`nhsuk-header__navigation-item${current ? ' nhsuk-header__navigation-item--current' : ''}`}
                  >
                    <a
                      class="nhsuk-header__navigation-link"
                      href={it.href}
                      aria-current={current ? 'page' : undefined}
                    >
                      {current ? (
                        <strong class="nhsuk-header__navigation-item-current-fallback">{it.text}</strong>
                      ) : (
                        it.text
                      )}
                    </a>
                  </li>
                );
              })}
            </ul>
          </div>
        </nav>
      )}
    </header>
  );
}

function navItems(me: Me): { href: string; text: string }[] {
  const items = [
    { href: '/', text: 'Home' },
    { href: '/messages', text: 'Messages' },
    { href: '/account', text: 'Your account' },
  ];
  // Major incidents are reached from the duty roles page, the home page
  // and, while one is open, the banner on every page: a phone's menu
  // stays two lines.
  if (canConsult(me) || canAdmin(me)) items.push({ href: '/duty', text: 'Duty roles' });
  if (canConsult(me)) items.push({ href: '/consultations', text: 'Video consultations' });
  if (canAdmin(me)) items.push({ href: '/admin', text: 'Users and devices' });
  if (canAudit(me)) items.push({ href: '/audit', text: 'Audit log' });
  if (canReview(me)) items.push({ href: '/records', text: 'Consultation records' });
  if (canReview(me)) items.push({ href: '/holds', text: 'Legal holds' });
  // Everyone reads the software register, from the home page; those who
  // keep or oversee it also have it in the menu.
  if (canBreachLog(me)) items.push({ href: '/dpo', text: 'Breach log' }, { href: '/register', text: 'Software register' });
  return items;
}
