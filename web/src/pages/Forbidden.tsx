import { useTitle } from '../title';

/** Forbidden is shown when a signed-in person opens a page their roles do
 * not allow. The server refuses the data anyway; this says why. */
export function Forbidden() {
  useTitle('You cannot see this page');
  return (
    <>
      <h1>You cannot see this page</h1>
      <p>Your roles do not include access to it. If you need it, ask your organisation’s administrator.</p>
      <p>
        Go to the <a href="/">Switchboard home page</a>.
      </p>
    </>
  );
}
