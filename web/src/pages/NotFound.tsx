import { useTitle } from '../title';

/** NotFound is the page for a path the app does not know. */
export function NotFound() {
  useTitle('Page not found');
  return (
    <>
      <h1>Page not found</h1>
      <p>If you typed the web address, check it is correct.</p>
      <p>
        Go to the <a href="/">Switchboard home page</a>.
      </p>
    </>
  );
}
