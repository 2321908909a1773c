// Package turn is Switchboard's TURN relay (pion/turn) and the short-lived
// credentials browsers use with it or with a coturn fleet.
//
// Credentials follow coturn's REST API ("use-auth-secret"): the username is
// "EXPIRY:ID" (Unix seconds) and the password base64(HMAC-SHA1(secret,
// username)), so the same secret works with either server.
//
// The relay must never become a way into the server's own network: its
// peer policy refuses loopback, private, link-local (including the cloud
// metadata address 169.254.169.254), carrier-grade NAT, multicast and
// unspecified addresses. Tests on one machine opt in to loopback
// explicitly with AllowLoopback; nothing else loosens the policy.
//
// The relay carries media it cannot read (DTLS-SRTP end to end); it never
// logs peer addresses together with anything about a consultation.
package turn
