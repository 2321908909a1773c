import { useEffect } from 'preact/hooks';

/** useTitle sets the document title, prefixed with "Error:" while the page
 * shows errors, as the NHS error summary guidance asks. */
export function useTitle(title: string, hasError = false): void {
  useEffect(() => {
    document.title = `${hasError ? 'Error: ' : ''}${title} – Switchboard`;
  }, [title, hasError]);
}
