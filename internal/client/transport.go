package client

import (
	"context"
	"time"
)

// Transport carries the client's HTTP requests to the server. Natively it
// is net/http (NewHTTPTransport); in the browser it is the page's fetch
// (NewFetchTransport), which keeps net/http, and the TLS and certificate
// code it brings, out of the WebAssembly build.
type Transport interface {
	// Do sends req and returns the server's answer, whatever its status.
	// An error means no answer arrived.
	Do(ctx context.Context, req *Request) (*Response, error)
}

// Request is one HTTP request.
type Request struct {
	Method string
	URL    string
	Header map[string]string
	Body   []byte // nil for none
}

// Response is the part of an HTTP answer the client reads.
type Response struct {
	Status     int
	RetryAfter string // the Retry-After header
	Body       []byte
}

// maxBody bounds an answer's body.
const maxBody = 64 << 20

// requestTimeout bounds one request, answer included; the server holds a
// long poll for 25 s.
const requestTimeout = 30 * time.Second

// socket is the live-message connection: text frames both ways.
type socket interface {
	Read(ctx context.Context) ([]byte, error)
	Write(ctx context.Context, b []byte) error
	Close()
}
