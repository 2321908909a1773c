// Package messaging is the MLS (RFC 9420) delivery and authentication
// service: it binds each device's signature key to its account, keeps
// KeyPackages, orders each conversation's handshake and application
// messages, and delivers them to member devices.
//
// The server never sees plaintext. Application messages are MLS
// PrivateMessages it cannot decrypt; it reads only their unencrypted
// header (group ID, epoch, content type). It reads commits, which are
// PublicMessages, only to learn membership: which device sits at which
// leaf. It cannot check members' signatures (that needs the group's
// secrets), so a commit is only accepted from the device at the commit's
// sender leaf, over that device's session.
//
// What the server stores about a conversation, and nothing else:
//
//   - its ID (the MLS group ID), organisation, creation time, current
//     epoch and last sequence number;
//   - its members: device, leaf, the seq at which it joined (it never
//     receives anything from before), its delivery cursor, and whether
//     its user has left (its removal proposed, not yet committed);
//   - its admins: the users who may add and remove other people. The
//     creator is the first; an admin makes others; when no admin remains
//     among the members that stay, the longest-standing member becomes one;
//   - its stream: commits, the server's own Remove proposals and
//     application messages, each an opaque MLSMessage with a
//     per-conversation sequence number, sender device, client message ID,
//     epoch and time; for its proposals, their reference and removed leaf;
//   - Welcomes waiting for devices, with the ratchet tree;
//   - attachment blobs (client-encrypted) with size, uploader and time.
//
// No names, titles, message text or attachment keys: a conversation's
// title travels inside encrypted application messages. Per device it
// stores the issued credential, KeyPackages and a Web Push subscription.
//
// Invariants: exactly one commit is accepted per epoch (others get a
// conflict naming the current epoch); a message is acknowledged only once
// it is durable; the same client ID from the same device is stored once;
// each stream is delivered in sequence order; a slow socket is dropped,
// never waited for. Across nodes, a Bus carries each stored entry to every
// node; a socket that sees a gap in a stream, or is told to resynchronise,
// reads the missing entries from the store, so a lost or late event delays
// an entry but never loses or repeats it. Push payloads are always PushPayload. Logs, errors and
// metrics carry IDs only, never message content.
package messaging
