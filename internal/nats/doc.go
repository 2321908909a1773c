// Package nats carries messaging events between the nodes of a scale-out
// deployment over NATS core publish and subscribe.
//
// Every node publishes each event it makes durable (a stored stream entry,
// a notice for one device) on one subject and hears every other node's.
// NATS core delivers at most once, so the bus never relies on it for
// completeness: the store is the record, and sockets fill any gap in a
// stream from it. When a node's link to NATS breaks, or NATS drops events
// because the node fell behind, the bus tells this node's sockets to
// resynchronise (re-read their memberships and catch up from the store),
// so nothing acknowledged is lost and nothing is delivered twice.
//
// Events carry only what the store already holds: opaque MLS ciphertext,
// IDs and sequence numbers, never plaintext. Logs carry no connection
// credentials (URLs are redacted).
package nats
