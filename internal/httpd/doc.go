// Package httpd is Switchboard's HTTP surface: the JSON API, the embedded
// web client, health and metrics. routes.go lists every route.
//
// Handlers return errors; one function maps an error's kind to a status and
// replies with its user-safe sentence, logging the cause only for faults of
// ours. Every response carries a strict Content-Security-Policy and the
// other security headers. Browsers authenticate with an HttpOnly,
// SameSite=Strict cookie and must echo a per-session CSRF token on every
// state-changing request; other clients use a bearer token. Nothing here
// logs request bodies.
package httpd
