// attachments.ts encrypts a file in the browser (AES-256-GCM with a fresh
// key), uploads only the ciphertext, and describes it for the MLS message
// that carries the key. Opening one fetches the ciphertext and decrypts it
// into a blob: URL that only this page can show.

/** AttachmentMeta travels inside the end-to-end encrypted message. */
export interface AttachmentMeta {
  v: 1;
  id: string; // the server's blob ID
  key: string; // base64 AES-256 key
  iv: string; // base64 GCM nonce
  type: string;
  name: string;
  size: number;
}

/** allowedTypes are the attachments the app shows: images and PDFs. */
export const allowedTypes = ['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'application/pdf'];

/** maxAttachment is the server's limit on one blob, less the GCM tag. */
export const maxAttachment = 25 * 1024 * 1024 - 16;

const b64 = (b: ArrayBuffer | Uint8Array) => btoa(String.fromCharCode(...new Uint8Array(b)));
const unb64 = (s: string) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));

/** upload encrypts file and stores the ciphertext in the conversation. */
export async function upload(conversation: string, file: File, csrf: string): Promise<AttachmentMeta> {
  if (!allowedTypes.includes(file.type)) throw new Error('Attach a picture (PNG, JPEG, GIF or WebP) or a PDF.');
  if (file.size > maxAttachment) throw new Error('The file is too big: attach files of up to 25 MB.');
  const key = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, true, ['encrypt']);
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ct = await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, key, await file.arrayBuffer());
  const res = await fetch(`/api/conversations/${encodeURIComponent(conversation)}/attachments`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/octet-stream', 'X-CSRF-Token': csrf, Accept: 'application/json' },
    body: ct,
    credentials: 'same-origin',
  });
  const body = (await res.json().catch(() => ({}))) as { id?: string; error?: string };
  if (!res.ok || !body.id) throw new Error(body.error ?? 'The file could not be uploaded. Try again.');
  const raw = await crypto.subtle.exportKey('raw', key);
  return { v: 1, id: body.id, key: b64(raw), iv: b64(iv), type: file.type, name: file.name.slice(0, 200), size: file.size };
}

/** parseMeta reads an attachment message's description, or null. */
export function parseMeta(text: string): AttachmentMeta | null {
  try {
    const m = JSON.parse(text) as AttachmentMeta;
    return m && m.v === 1 && typeof m.id === 'string' && allowedTypes.includes(m.type) ? m : null;
  } catch {
    return null;
  }
}

/** open fetches and decrypts an attachment into a blob: URL; the caller
 * revokes it when it is no longer shown. */
export async function open(meta: AttachmentMeta): Promise<string> {
  const res = await fetch(`/api/attachments/${encodeURIComponent(meta.id)}`, { credentials: 'same-origin' });
  if (!res.ok) throw new Error('The attachment could not be fetched.');
  const key = await crypto.subtle.importKey('raw', unb64(meta.key), 'AES-GCM', false, ['decrypt']);
  const plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: unb64(meta.iv) }, key, await res.arrayBuffer());
  return URL.createObjectURL(new Blob([plain], { type: meta.type }));
}
