import type { ComponentChildren } from 'preact';
import { useId } from 'preact/hooks';

interface Props {
  title?: string;
  success?: boolean;
  children: ComponentChildren;
  testid?: string;
}

/** Notice is the NHS notification banner, for news about what just
 * happened (saved, signed out) rather than for errors. */
export function Notice({ title, success, children, testid }: Props) {
  const id = useId();
  return (
    <div
      class={`nhsuk-notification-banner${success ? ' nhsuk-notification-banner--success' : ''}`}
      role={success ? 'alert' : 'region'}
      aria-labelledby={id}
      data-testid={testid}
    >
      <div class="nhsuk-notification-banner__header">
        <h2 class="nhsuk-notification-banner__title" id={id}>
          {title ?? (success ? 'Success' : 'Important')}
        </h2>
      </div>
      <div class="nhsuk-notification-banner__content">{children}</div>
    </div>
  );
}
