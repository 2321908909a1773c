// A Web Push endpoint for tests: an HTTP server on 127.0.0.1 that keeps
// every push it receives, and RFC 8291 (aes128gcm) decryption with the
// subscription's private key, as a browser's push service and the browser
// itself would do.
import { createDecipheriv, createECDH, createHmac, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';

const hmac = (key, data) => createHmac('sha256', key).update(data).digest();

/** subscriptionKeys makes a browser's side of a push subscription. */
export function subscriptionKeys() {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  const auth = randomBytes(16);
  return {
    ecdh,
    auth,
    p256dh: ecdh.getPublicKey().toString('base64url'),
    authB64: auth.toString('base64url'),
  };
}

/** decrypt opens an aes128gcm push body (RFC 8188 framing, RFC 8291 keys). */
export function decrypt(body, keys) {
  const salt = body.subarray(0, 16);
  const rs = body.readUInt32BE(16);
  const idlen = body[20];
  const asPublic = body.subarray(21, 21 + idlen);
  const ct = body.subarray(21 + idlen);
  if (ct.length > rs) throw new Error('more than one record');
  const shared = keys.ecdh.computeSecret(asPublic);
  const uaPublic = keys.ecdh.getPublicKey();
  const prkKey = hmac(keys.auth, shared);
  const ikm = hmac(prkKey, Buffer.concat([Buffer.from('WebPush: info\0'), uaPublic, asPublic, Buffer.from([1])]));
  const prk = hmac(salt, ikm);
  const cek = hmac(prk, Buffer.from('Content-Encoding: aes128gcm\0\x01')).subarray(0, 16);
  const nonce = hmac(prk, Buffer.from('Content-Encoding: nonce\0\x01')).subarray(0, 12);
  const d = createDecipheriv('aes-128-gcm', cek, nonce);
  d.setAuthTag(ct.subarray(ct.length - 16));
  const plain = Buffer.concat([d.update(ct.subarray(0, ct.length - 16)), d.final()]);
  let end = plain.length;
  while (end > 0 && plain[end - 1] === 0) end--;
  if (plain[end - 1] !== 2) throw new Error('no last-record delimiter');
  return plain.subarray(0, end - 1).toString('utf8');
}

/** pushEndpoint starts the endpoint; pushes holds {headers, body}. */
export async function pushEndpoint() {
  const pushes = [];
  const waiters = [];
  const srv = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      pushes.push({ headers: req.headers, body: Buffer.concat(chunks) });
      for (const w of waiters.splice(0)) w();
      res.writeHead(201).end();
    });
  });
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${srv.address().port}/push/${randomBytes(8).toString('hex')}`;
  const next = (timeout = 20_000) =>
    new Promise((resolve, reject) => {
      if (pushes.length) return resolve(pushes.shift());
      const t = setTimeout(() => reject(new Error('no push arrived')), timeout);
      waiters.push(() => {
        clearTimeout(t);
        resolve(pushes.shift());
      });
    });
  return { url, next, close: () => srv.close() };
}
