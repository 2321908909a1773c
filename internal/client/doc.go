// Package client is the core of a Switchboard messaging device, used by
// the command line natively and by the web app as WebAssembly. It signs
// in, registers the device's MLS signature key, keeps KeyPackages on the
// server, creates conversations (MLS groups whose external_senders name
// the server, so it can propose removals of revoked devices), adds and
// removes members, sends and receives end-to-end encrypted messages, joins
// from Welcomes, and follows the server's stream over HTTP and WebSocket,
// resuming from its cursors. It speaks the contract in docs/messaging.md.
//
// Application messages carry a small JSON envelope inside MLS:
// {"type":"text"|"title"|"receipt"|"attachment","text",...,"sent_at"}. A
// message's ID is the client message ID its sender chose, the same on
// every device. The conversation's name travels as a "title" envelope,
// sent again whenever members are added, since they cannot read earlier
// messages.
//
// Invariants:
//
//   - Everything the device keeps (profile, MLS group state, KeyPackage
//     private keys, message history, outbox) is sealed with AES-256-GCM
//     under a key derived from the passphrase with argon2id; only the
//     header with the salt and parameters is stored in the clear. A wrong
//     passphrase is reported, never silently accepted.
//   - A group's state is saved before any message it produced leaves the
//     device, so a key generation is never used twice, and an unsent
//     message keeps its client ID so that resending it stores it once.
//   - The stream is applied in sequence order; a message that cannot be
//     processed is skipped, never allowed to block the conversation.
//   - A leaf is accepted only with a credential signed by the server's
//     pinned service key for the leaf's own signature key.
//   - It never logs or returns in errors any message text, names or keys:
//     logs carry conversation and message IDs only.
//
// Operating-system storage sits behind Backend: package filestore on disk,
// package idbstore (IndexedDB) in the browser. The network sits behind
// Transport and the socket behind dial: net/http and coder/websocket
// natively, the page's fetch and WebSocket in the browser, so the
// WebAssembly build links neither net/http nor TLS (about half its size).
package client
