import { Notice } from '../../components/Notice';
import type { Invite } from './types';

const channelNames: Record<string, string> = { sms: 'text message', email: 'email' };

/** InviteSent shows a new invitation link once, with how it was sent, so
 * the clinician can pass it on another way if sending failed. */
export function InviteSent({ heading, invite, onAnother, open }: { heading: string; invite: Invite; onAnother?: () => void; open?: string }) {
  return (
    <Notice success title={heading} testid="invite-sent">
      <p class="nhsuk-notification-banner__heading">
        {invite.sent.length ? `Sent by ${invite.sent.map((c) => channelNames[c] ?? c).join(' and ')}.` : 'The link has not been sent automatically.'}
        {invite.failed.length > 0 && ` Sending by ${invite.failed.map((c) => channelNames[c] ?? c).join(' and ')} failed.`}
      </p>
      <p>This is the only time the link is shown. It works once, in one browser, until the appointment slot has passed:</p>
      <code class="app-link-box" data-testid="invite-link">
        {invite.link}
      </code>
      <p>
        {open && (
          <a href={open} class="nhsuk-u-margin-right-4">
            Open the consultation
          </a>
        )}
        {onAnother && (
          <a
            href="#schedule"
            onClick={(e) => {
              e.preventDefault();
              onAnother();
            }}
          >
            Book another
          </a>
        )}
      </p>
    </Notice>
  );
}
