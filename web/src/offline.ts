// offline.ts registers the service worker (public/sw.js), which keeps the
// client's hashed files so that a return visit downloads none of them.

/** registerWorker registers the service worker and has it keep the files
 * this page loaded before the worker was in control of it. Without a
 * worker (private browsing, an old browser) the HTTP cache still helps. */
export function registerWorker(): void {
  if (!('serviceWorker' in navigator)) return;
  navigator.serviceWorker
    .register('/sw.js', { scope: '/' })
    .then(() =>
      keep(
        performance
          .getEntriesByType('resource')
          .map((e) => e.name)
          .filter(isAsset),
      ),
    )
    .catch(() => {});
}

/** keep asks the service worker to cache the given hashed files, if the
 * browser has not already fetched them through it. */
export function keep(urls: string[]): void {
  if (!('serviceWorker' in navigator) || urls.length === 0) return;
  navigator.serviceWorker.ready
    .then((reg) => reg.active?.postMessage({ type: 'keep', urls: urls.map((u) => new URL(u, location.href).href) }))
    .catch(() => {});
}

function isAsset(u: string): boolean {
  const url = new URL(u, location.href);
  return url.origin === location.origin && url.pathname.startsWith('/assets/');
}
