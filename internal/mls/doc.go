// Package mls implements the core of Messaging Layer Security (RFC 9420)
// for cipher suite 1, MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519, on the
// Go standard library (crypto/hpke, crypto/hkdf, crypto/ed25519, AES-GCM).
// The same code runs natively and as WebAssembly (GOOS=js GOARCH=wasm).
//
// It provides the wire encodings of every MLS message, the labelled
// primitives, the key schedule, secret tree and transcript hashes, message
// protection, the ratchet tree and TreeKEM, and a Group type that creates
// groups, makes and validates KeyPackages, proposes and commits adds,
// removes, updates, PSKs and GroupContext extensions, processes other
// members' commits, joins from a Welcome or by external commit (also to
// resynchronise a member that lost its state), protects and unprotects
// application messages, exports secrets and serialises its state. It is
// verified against the IETF interoperability test vectors
// (../shared/mls-test-vectors beside the repository root).
//
// # Guarantees
//
//   - Decoding never panics and never allocates more than its input
//     justifies: lengths are checked against the bytes remaining, length
//     headers must be minimal, and unknown enum values are errors. The
//     Decode… functions (DecodeMLSMessage, DecodeKeyPackage, …) reject
//     trailing bytes.
//   - Received messages are checked before they change state: group and
//     epoch, membership tag, signature, confirmation tag, proposal rules of
//     RFC 9420 §12.2, leaf-node and KeyPackage validity (§7.3, §10.1), tree
//     validity and parent hashes. A message that fails any check leaves the
//     Group unchanged, apart from ratchet keys derived to try to read it
//     (kept, bounded, for the genuine message).
//   - Credentials are checked by Config.ValidateCredential, the caller's
//     authentication service, for every leaf that enters the group. The
//     zero Config is the strict one: with no ValidateCredential every
//     credential is refused, lifetimes are checked against the system
//     clock and handshakes are encrypted; AcceptAnyCredential,
//     SkipLifetimes and PublicHandshake name each relaxation.
//   - Each message key is used once: keys are deleted from the secret tree
//     when handed out, a bounded window (maxSkippedKeys) keeps keys for
//     out-of-order messages, and a message more than
//     maxForwardGenerations ahead is refused. Consumed secrets, replaced
//     private keys and the state of past epochs are zeroed.
//   - A member's own commit is kept pending until the delivery service
//     accepts it (MergePendingCommit) or chooses another
//     (DiscardPendingCommit), matching a server that orders one commit per
//     epoch.
//   - Errors never carry secret material; no package-level mutable state.
//
// # Not supported yet
//
//   - Cipher suites other than 1.
//   - ReInit and branch (they are decoded and rejected when committed);
//     resumption PSKs are available for the last maxResumptionEpochs
//     epochs of the same group only.
//   - Messages from earlier epochs are refused, except application
//     messages from the last Config.PastEpochs epochs.
//   - Decrypting one's own PrivateMessages: a sender's keys are deleted once
//     used, so a delivery service must not echo them back.
//
// A Group is not safe for concurrent use. Its serialised state
// (MarshalState) contains private keys and must be stored encrypted.
package mls
