import { useEffect, useRef, useState } from 'preact/hooks';
import type { AdminUser } from './types';

interface Props {
  user: AdminUser;
  url: string;
  onAnother: () => void;
  /** reissued marks a new link for someone already added. */
  reissued?: boolean;
}

/** EnrolLink shows the one-time setup link for a person just added. The
 * server does not send it anywhere: the admin passes it on. */
export function EnrolLink({ user, url, onAnother, reissued }: Props) {
  const ref = useRef<HTMLDivElement>(null);
  const [copied, setCopied] = useState(false);
  // The clipboard API exists only on HTTPS (and localhost).
  const canCopy = typeof navigator.clipboard?.writeText === 'function';
  useEffect(() => ref.current?.focus(), []);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(url);
      setCopied(true);
    } catch {
      setCopied(false);
    }
  };
  return (
    <div class="nhsuk-panel" ref={ref} tabIndex={-1} data-testid="user-added">
      <h2 class="nhsuk-panel__heading">{reissued ? `New setup link for ${user.name}` : `${user.name} has been added`}</h2>
      <div class="nhsuk-panel__body">
        <p>Send them this link. It works once, and they use it to create a password and set up their security code.</p>
        {reissued && (
          <p>
            Any earlier setup link for them has stopped working. Their current password and security code keep working
            until they use this one.
          </p>
        )}
        <p>
          <code class="app-enrol-url" data-testid="enrol-url">
            {url}
          </code>
        </p>
        <p class="nhsuk-body-s">
          Send it to their work email or give it to them in person. Anyone with the link can set up this account.
        </p>
        <div class="app-actions">
          {canCopy && (
            <button class="nhsuk-button nhsuk-button--reverse" type="button" onClick={copy}>
              Copy link
            </button>
          )}
          <button class="nhsuk-button nhsuk-button--reverse" type="button" onClick={onAnother}>
            {reissued ? 'Done' : 'Add another user'}
          </button>
        </div>
        <p class="nhsuk-u-visually-hidden" aria-live="polite">
          {copied ? 'Link copied' : ''}
        </p>
      </div>
    </div>
  );
}
