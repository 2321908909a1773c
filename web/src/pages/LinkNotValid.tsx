import type { ComponentChildren } from 'preact';

/** LinkNotValid explains that a one-time link cannot be used and what to
 * do instead. */
export function LinkNotValid({ heading, children }: { heading: string; children: ComponentChildren }) {
  return (
    <div class="nhsuk-grid-row">
      <div class="nhsuk-grid-column-two-thirds" data-testid="link-not-valid">
        <h1>{heading}</h1>
        {children}
      </div>
    </div>
  );
}
