// Switchboard's service worker: it shows a notification when a push
// arrives, and nothing else. The notification never says who sent what,
// or where: the text is fixed here, whatever the push carries.
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
