import type { ComponentChildren } from 'preact';
import { useEffect, useId, useRef } from 'preact/hooks';

interface Props {
  heading: string;
  children: ComponentChildren;
  confirmText: string;
  busy?: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}

/** Confirm asks "are you sure?" in the page rather than in a browser
 * dialog, so it is styled, announced and can be reached by keyboard. Focus
 * moves to it when it opens. */
export function Confirm({ heading, children, confirmText, busy, onConfirm, onCancel }: Props) {
  const ref = useRef<HTMLDivElement>(null);
  const id = useId();
  useEffect(() => ref.current?.focus(), []);
  return (
    <div
      class="nhsuk-warning-callout app-confirm"
      ref={ref}
      tabIndex={-1}
      role="region"
      aria-labelledby={id}
      data-testid="confirm"
    >
      <h3 class="nhsuk-warning-callout__label" id={id}>
        {heading}
      </h3>
      {children}
      <div class="app-actions">
        <button
          class="nhsuk-button nhsuk-button--warning"
          type="button"
          disabled={busy}
          onClick={onConfirm}
        >
          {confirmText}
        </button>
        <button class="nhsuk-button nhsuk-button--secondary" type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </div>
  );
}
