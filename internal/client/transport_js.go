//go:build js

package client

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"syscall/js"
)

// NewFetchTransport returns a Transport over the page's fetch, which sends
// the session cookie.
func NewFetchTransport() Transport { return fetchTransport{} }

func defaultTransport() Transport { return fetchTransport{} }

type fetchTransport struct{}

func (fetchTransport) Do(ctx context.Context, r *Request) (*Response, error) {
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	abort := js.Global().Get("AbortController").New()
	headers := js.Global().Get("Object").New()
	for k, v := range r.Header {
		headers.Set(k, v)
	}
	opts := js.Global().Get("Object").New()
	opts.Set("method", r.Method)
	opts.Set("headers", headers)
	opts.Set("credentials", "same-origin")
	opts.Set("signal", abort.Get("signal"))
	if r.Body != nil {
		opts.Set("body", string(r.Body)) // JSON, always text
	}
	stop := context.AfterFunc(ctx, func() { abort.Call("abort") })
	defer stop()
	resp, err := await(ctx, js.Global().Call("fetch", r.URL, opts))
	if err != nil {
		return nil, err
	}
	out := &Response{Status: resp.Get("status").Int()}
	if ra := resp.Get("headers").Call("get", "Retry-After"); ra.Type() == js.TypeString {
		out.RetryAfter = ra.String()
	}
	buf, err := await(ctx, resp.Call("arrayBuffer"))
	if err != nil {
		return nil, err
	}
	if n := buf.Get("byteLength").Int(); n > maxBody {
		return nil, errors.New("answer of " + strconv.Itoa(n) + " bytes is too large")
	}
	out.Body = bytesOf(buf)
	return out, nil
}

// await waits for a JavaScript promise. The callbacks only hand the result
// over: a callback that blocked would stall the page's event loop.
func await(ctx context.Context, promise js.Value) (js.Value, error) {
	type result struct {
		v   js.Value
		err error
	}
	done := make(chan result, 1)
	ok := js.FuncOf(func(_ js.Value, args []js.Value) any {
		done <- result{v: args[0]}
		return nil
	})
	fail := js.FuncOf(func(_ js.Value, args []js.Value) any {
		done <- result{err: jsError(args[0])}
		return nil
	})
	defer ok.Release()
	defer fail.Release()
	promise.Call("then", ok, fail)
	select {
	case r := <-done:
		return r.v, r.err
	case <-ctx.Done():
		// The abort signal rejects the promise; wait for that, so the
		// callbacks are not released while it may still call them.
		r := <-done
		if r.err == nil {
			return r.v, nil
		}
		return js.Value{}, ctx.Err()
	}
}

func jsError(v js.Value) error {
	if v.Type() == js.TypeObject && v.Get("message").Type() == js.TypeString {
		return errors.New(v.Get("message").String())
	}
	return errors.New("fetch failed")
}

// bytesOf copies an ArrayBuffer into Go.
func bytesOf(buf js.Value) []byte {
	u := js.Global().Get("Uint8Array").New(buf)
	b := make([]byte, u.Get("length").Int())
	js.CopyBytesToGo(b, u)
	return b
}

// dial opens the socket with the browser's WebSocket; the session cookie
// authenticates it.
func dial(ctx context.Context, u string, _ *api, readLimit int64) (socket, error) {
	s := &jsSocket{ws: js.Global().Get("WebSocket").New(u), limit: readLimit, wake: make(chan struct{}, 1)}
	s.ws.Set("binaryType", "arraybuffer")
	opened := make(chan struct{})
	var once sync.Once
	s.funcs = []js.Func{
		js.FuncOf(func(js.Value, []js.Value) any {
			once.Do(func() { close(opened) })
			return nil
		}),
		js.FuncOf(func(_ js.Value, args []js.Value) any {
			s.onMessage(args[0].Get("data"))
			return nil
		}),
		js.FuncOf(func(_ js.Value, args []js.Value) any {
			ev := args[0]
			s.fail(errors.New("socket closed: " + strconv.Itoa(ev.Get("code").Int()) + " " + ev.Get("reason").String()))
			return nil
		}),
	}
	s.ws.Set("onopen", s.funcs[0])
	s.ws.Set("onmessage", s.funcs[1])
	s.ws.Set("onclose", s.funcs[2])
	// An error is always followed by close, which says more.
	select {
	case <-opened:
		return s, nil
	case <-s.wake:
		s.Close()
		return nil, s.err
	case <-ctx.Done():
		s.Close()
		return nil, ctx.Err()
	}
}

// jsSocket is a browser WebSocket. Frames arrive in a queue the reader
// drains, so the page's event loop never waits for Go.
type jsSocket struct {
	ws    js.Value
	funcs []js.Func
	limit int64
	wake  chan struct{} // signalled when a frame arrives or the socket ends

	mu     sync.Mutex
	queue  [][]byte
	err    error // why the socket ended
	closed bool
}

func (s *jsSocket) signal() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *jsSocket) onMessage(data js.Value) {
	var b []byte
	if data.Type() == js.TypeString {
		b = []byte(data.String())
	} else {
		b = bytesOf(data)
	}
	if int64(len(b)) > s.limit {
		s.ws.Call("close", 1009, "frame too large")
		s.fail(errors.New("frame of " + strconv.Itoa(len(b)) + " bytes is over the limit"))
		return
	}
	s.mu.Lock()
	s.queue = append(s.queue, b)
	s.mu.Unlock()
	s.signal()
}

func (s *jsSocket) fail(err error) {
	s.mu.Lock()
	if s.err == nil {
		s.err = err
	}
	s.mu.Unlock()
	s.signal()
}

func (s *jsSocket) Read(ctx context.Context) ([]byte, error) {
	for {
		s.mu.Lock()
		switch {
		case len(s.queue) > 0:
			b := s.queue[0]
			s.queue = s.queue[1:]
			s.mu.Unlock()
			return b, nil
		case s.err != nil:
			err := s.err
			s.mu.Unlock()
			return nil, err
		}
		s.mu.Unlock()
		select {
		case <-s.wake:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

func (s *jsSocket) Write(ctx context.Context, b []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	err := s.err
	s.mu.Unlock()
	if err != nil {
		return err
	}
	s.ws.Call("send", string(b)) // a text frame
	return nil
}

func (s *jsSocket) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	s.closed = true
	if s.err == nil {
		s.err = errors.New("socket closed")
	}
	s.ws.Set("onopen", js.Null())
	s.ws.Set("onmessage", js.Null())
	s.ws.Set("onclose", js.Null())
	s.ws.Call("close", 1000)
	for _, f := range s.funcs {
		f.Release()
	}
}
