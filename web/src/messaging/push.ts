// push.ts subscribes this browser to Web Push. The server sends every
// subscription the same content-free payload, and the service worker
// (/sw.js) shows only "New secure message" whatever arrives.
import { get, post } from '../api';

/** enableNotifications asks for permission and subscribes; it throws an
 * Error with a sentence for the user when it cannot. */
export async function enableNotifications(): Promise<void> {
  if (!('serviceWorker' in navigator) || !('PushManager' in window) || !('Notification' in window)) {
    throw new Error('This browser cannot show notifications from Switchboard.');
  }
  const reg = await navigator.serviceWorker.register('/sw.js', { scope: '/' });
  await navigator.serviceWorker.ready;
  const permission = await Notification.requestPermission();
  if (permission !== 'granted') {
    throw new Error('Notifications are blocked for Switchboard. Allow them in your browser settings, then try again.');
  }
  const { public_key } = await get<{ public_key: string }>('/api/push/vapid');
  let sub: PushSubscription;
  try {
    sub = await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: fromBase64URL(public_key) });
  } catch {
    throw new Error('This browser could not reach its notification service. Try again later.');
  }
  const j = sub.toJSON();
  await post('/api/push/subscriptions', { endpoint: j.endpoint, keys: j.keys });
}

function fromBase64URL(s: string): Uint8Array<ArrayBuffer> {
  const b = atob(s.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(s.length / 4) * 4, '='));
  const out = new Uint8Array(new ArrayBuffer(b.length));
  for (let i = 0; i < b.length; i++) out[i] = b.charCodeAt(i);
  return out;
}
