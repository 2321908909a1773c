// Switchboard's service worker does two things.
//
// It shows a notification when a push arrives. The notification never
// says who sent what, or where: the text is fixed here, whatever the push
// carries.
//
// It keeps the web client's files (the script, styles, images and the
// messaging client core, all under /assets/ with a hash of their content
// in their name) in a cache, so a return visit downloads none of them.
// Nothing else is cached: not the API, which carries people's data, nor
// index.html, which names the current files and so always comes from the
// server.

// The build (scripts/assets.mjs) replaces these two lines with this
// build's assets and a version made from their names.
const ASSETS = [];
const VERSION = 'dev';

const PREFIX = 'switchboard-assets-';
const CACHE = PREFIX + VERSION;

self.addEventListener('install', () => {
  // Nothing is fetched here: the page asks for what it uses (the core
  // only where messaging is used), and that is kept as it arrives.
  self.skipWaiting();
});

// A new build's worker keeps what earlier caches hold of the files this
// build still uses, and deletes the rest.
self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      const wanted = new Set(ASSETS);
      const cache = await caches.open(CACHE);
      for (const name of await caches.keys()) {
        if (name === CACHE || !name.startsWith(PREFIX)) continue;
        const old = await caches.open(name);
        for (const req of await old.keys()) {
          const path = new URL(req.url).pathname;
          if (!wanted.has(path)) continue;
          const res = await old.match(req);
          if (res) await cache.put(req, res);
        }
        await caches.delete(name);
      }
      await self.clients.claim();
    })(),
  );
});

// isAsset reports whether a request is for a hashed file of the client,
// which never changes under its name.
function isAsset(request) {
  if (request.method !== 'GET') return false;
  const url = new URL(request.url);
  return url.origin === self.location.origin && url.pathname.startsWith('/assets/');
}

// cacheFirst answers from the cache, or else from the network, keeping
// the answer while the page already streams it (the core compiles as it
// downloads).
async function cacheFirst(event) {
  const cache = await caches.open(CACHE);
  const hit = await cache.match(event.request, { ignoreVary: true });
  if (hit) return hit;
  const res = await fetch(event.request);
  if (res.ok && res.type === 'basic') event.waitUntil(cache.put(event.request, res.clone()));
  return res;
}

// Everything but /assets/ goes to the network as if there were no worker.
self.addEventListener('fetch', (event) => {
  if (isAsset(event.request)) event.respondWith(cacheFirst(event));
});

// The page names the files it loaded before the worker took control of
// it; they are kept too (the browser's own cache usually has them).
self.addEventListener('message', (event) => {
  if (event.origin && event.origin !== self.location.origin) return;
  const data = event.data;
  if (!data || data.type !== 'keep' || !Array.isArray(data.urls)) return;
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      for (const u of data.urls) {
        const req = new Request(u);
        if (!isAsset(req) || (await cache.match(req, { ignoreVary: true }))) continue;
        try {
          const res = await fetch(req);
          if (res.ok) await cache.put(req, res);
        } catch {
          // offline: kept the next time it is fetched
        }
      }
    })(),
  );
});

self.addEventListener('push', (event) => {
  event.waitUntil(
    self.registration.showNotification('New secure message', {
      body: 'Open Switchboard to read it.',
      tag: 'switchboard-message',
      renotify: true,
    }),
  );
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  event.waitUntil(
    self.clients.matchAll({ type: 'window', includeUncontrolled: true }).then((list) => {
      for (const c of list) {
        if (new URL(c.url).origin === self.location.origin && 'focus' in c) return c.focus();
      }
      return self.clients.openWindow('/messages');
    }),
  );
});
