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

// The titles a push may ask for: fixed sentences, none naming a person,
// conversation or patient. Anything else is shown as a new message.
const TITLES = new Set([
  'New secure message',
  'Urgent: secure message',
  'Major incident declared: open Switchboard',
  'Major incident update: open Switchboard',
  'EXERCISE EXERCISE EXERCISE: open Switchboard',
  'EXERCISE update: open Switchboard',
]);

// Pages a notification may open: where to answer an incident's roll-call,
// or the messages.
const PAGES = new Set(['/incidents', '/messages', '/urgent']);

function readPush(event) {
  try {
    const p = event.data ? event.data.json() : {};
    return p && typeof p === 'object' ? p : {};
  } catch {
    return {};
  }
}

self.addEventListener('push', (event) => {
  const p = readPush(event);
  const title = TITLES.has(p.title) ? p.title : 'New secure message';
  const url = PAGES.has(p.url) ? p.url : p.urgent === true ? '/urgent' : '/messages';
  const urgent = p.urgent === true;
  event.waitUntil(
    self.registration.showNotification(title, {
      body: url === '/incidents' ? 'Open Switchboard to answer the roll-call.' : 'Open Switchboard to read it.',
      // Urgent alerts and incidents are not folded into the ordinary
      // "new message" notification, and stay until they are answered.
      tag: url === '/incidents' ? 'switchboard-incident' : urgent ? 'switchboard-urgent' : 'switchboard-message',
      renotify: true,
      requireInteraction: urgent,
      data: { url },
    }),
  );
});

// A tap on the notification opens the page it names (for an incident,
// /incidents, which goes straight to the roll-call of the one open), in
// a Switchboard window already open if there is one.
self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const data = event.notification.data;
  const path = data && PAGES.has(data.url) ? data.url : '/messages';
  const target = new URL(path, self.location.origin).href;
  event.waitUntil(
    self.clients.matchAll({ type: 'window', includeUncontrolled: true }).then(async (list) => {
      for (const c of list) {
        if (new URL(c.url).origin !== self.location.origin || !('focus' in c)) continue;
        if ('navigate' in c && c.url !== target) {
          try {
            const moved = await c.navigate(target);
            return (moved || c).focus();
          } catch {
            // not controlled by this worker: focus it as it is
          }
        }
        return c.focus();
      }
      return self.clients.openWindow(target);
    }),
  );
});
