import type { Breach } from './types.gen';
import { left } from './words';

/** Clock is an entry's ICO clock: time left, shown as a timer (which
 * screen readers do not announce each second), or its state when it is
 * not running. */
export function Clock({ b, now }: { b: Breach; now: number }) {
  if (!b.reportable) return <span>Not reportable</span>;
  if (b.reported_at) return <strong class="nhsuk-tag nhsuk-tag--green">ICO told</strong>;
  if (!b.clocked || !b.deadline) return <span>Closed before reporting</span>;
  const l = left(b.deadline, now);
  const tag = l.overdue ? 'nhsuk-tag--red' : l.hours < 24 ? 'nhsuk-tag--orange' : 'nhsuk-tag--yellow';
  return (
    <strong class={`nhsuk-tag ${tag}`} role="timer" data-testid="ico-clock">
      {l.text}
    </strong>
  );
}
