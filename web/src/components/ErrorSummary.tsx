import { useEffect, useRef } from 'preact/hooks';

/** FieldError is one problem: the message and the id of the field it is
 * about (omitted for problems with no single field, such as a refused
 * sign-in). */
export interface FieldError {
  field?: string;
  text: string;
}

/** ErrorSummary is the NHS error summary: shown at the top of the page,
 * focused when it appears, each error linking to its field. */
export function ErrorSummary({ errors }: { errors: FieldError[] }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (errors.length) ref.current?.focus();
  }, [errors]);
  if (!errors.length) return null;
  return (
    <div class="nhsuk-error-summary" ref={ref} tabIndex={-1} data-testid="error-summary">
      <div role="alert">
        <h2 class="nhsuk-error-summary__heading">There is a problem</h2>
        <div class="nhsuk-error-summary__body">
          <ul class="nhsuk-list nhsuk-error-summary__list">
            {errors.map((e) => (
              <li key={e.text}>
                {e.field ? (
                  <a href={`#${e.field}`} onClick={(ev) => focusField(ev, e.field!)}>
                    {e.text}
                  </a>
                ) : (
                  e.text
                )}
              </li>
            ))}
          </ul>
        </div>
      </div>
    </div>
  );
}

// The link moves focus to the field itself rather than only scrolling,
// as nhsuk-frontend's own error summary script does.
function focusField(ev: MouseEvent, id: string): void {
  const el = document.getElementById(id);
  if (!el) return;
  ev.preventDefault();
  el.scrollIntoView({ block: 'center' });
  el.focus();
}

/** errorFor picks the message for one field out of a list of errors. */
export function errorFor(errors: FieldError[], field: string): string | undefined {
  return errors.find((e) => e.field === field)?.text;
}
