//go:build js && wasm

package main

import (
	"context"
	"encoding/json"
	"syscall/js"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/switchboard-nhs/switchboard/internal/client"
	"github.com/switchboard-nhs/switchboard/internal/fault"
	"github.com/switchboard-nhs/switchboard/internal/pid"
)

// callTimeout bounds one call from the page.
const callTimeout = 2 * time.Minute

// exports builds the object the page calls. Every function but pid
// returns a Promise of a JSON string; a rejection carries an Error whose
// message is a sentence for the user and whose kind is the fault kind.
func (a *app) exports() js.Value {
	o := js.Global().Get("Object").New()
	for name, h := range a.handlers() {
		o.Set(name, js.FuncOf(func(_ js.Value, args []js.Value) any {
			return promise(func() (any, error) {
				ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
				defer cancel()
				return h(ctx, args)
			})
		}))
	}
	// pid is synchronous: the composer calls it on every keystroke.
	o.Set("pid", js.FuncOf(func(_ js.Value, args []js.Value) any {
		b, _ := json.Marshal(findPID(str(args, 0), time.Now()))
		return string(b)
	}))
	return o
}

// handler answers one call from the page with a value to encode as JSON.
type handler func(ctx context.Context, args []js.Value) (any, error)

// handlers is the page's interface to the client core: one typed entry
// per call, its arguments taken in order as strings.
func (a *app) handlers() map[string]handler {
	type C = *client.Client
	return map[string]handler{
		"status":  func(ctx context.Context, _ []js.Value) (any, error) { return a.status(ctx) },
		"unlock":  func(ctx context.Context, args []js.Value) (any, error) { return a.unlock(ctx, str(args, 0)) },
		"lock":    func(context.Context, []js.Value) (any, error) { a.lock(); return true, nil },
		"erase":   func(ctx context.Context, _ []js.Value) (any, error) { return a.erase(ctx) },
		"setCSRF": func(_ context.Context, args []js.Value) (any, error) { a.csrf.set(str(args, 0)); return true, nil },
		"watch": func(_ context.Context, args []js.Value) (any, error) {
			if len(args) == 0 || args[0].Type() != js.TypeFunction {
				return nil, errLocked
			}
			return a.watch(args[0])
		},
		"summaries":      with0(a, C.Summaries),
		"receiptPolicy":  with0(a, C.ReceiptPolicy),
		"history":        with1(a, C.History),
		"messages":       with1(a, C.Messages),
		"people":         with1(a, C.People),
		"leave":          done1(a, C.Leave),
		"send":           with2(a, C.Send),
		"sendAttachment": with2(a, C.SendAttachment),
		"safetyCode":     with2(a, C.SafetyCode),
		"add":            done2(a, C.Add),
		"remove":         done2(a, C.Remove),
		"makeAdmin":      done2(a, C.MakeAdmin),
		"verify":         done2(a, C.Verify),
		"sendReceipt":    done2(a, C.SendReceipt),
		"readBy": with1(a, func(c C, _ context.Context, id string) (map[string][]client.Reader, error) {
			return c.ReadBy(id)
		}),
		"create": func(ctx context.Context, args []js.Value) (any, error) {
			c, err := a.client()
			if err != nil {
				return nil, err
			}
			var list []string
			if err := json.Unmarshal([]byte(str(args, 1)), &list); err != nil {
				return "", fault.Invalidf("Choose the people to add to the conversation.")
			}
			return c.CreateConversation(ctx, str(args, 0), list, str(args, 2))
		},
		"file": func(ctx context.Context, args []js.Value) (any, error) {
			c, err := a.client()
			if err != nil {
				return nil, err
			}
			var ids []string
			if err := json.Unmarshal([]byte(str(args, 1)), &ids); err != nil {
				return nil, fault.Invalidf("Choose the messages to file.")
			}
			return c.File(ctx, str(args, 0), ids, str(args, 2))
		},
		"receipt":     with1(a, C.Receipt),
		"acknowledge": done2(a, C.Acknowledge),
		"urgent":      with1(a, C.Urgent),
		"incidentLog": with1(a, C.ExportIncidentLog),
		"handover": func(ctx context.Context, args []js.Value) (any, error) {
			c, err := a.client()
			if err != nil {
				return nil, err
			}
			return c.Handover(ctx, str(args, 0), str(args, 1), str(args, 2))
		},
		"bleep": func(ctx context.Context, args []js.Value) (any, error) {
			c, err := a.client()
			if err != nil {
				return nil, err
			}
			conv, msg, err := c.Bleep(ctx, str(args, 0), str(args, 1), str(args, 2) == "true")
			if err != nil {
				return nil, err
			}
			return map[string]string{"conversation": conv, "message": msg}, nil
		},
		"declare": func(ctx context.Context, args []js.Value) (any, error) {
			c, err := a.client()
			if err != nil {
				return nil, err
			}
			var lists []string
			if err := json.Unmarshal([]byte(str(args, 2)), &lists); err != nil {
				return nil, fault.Invalidf("Choose the call-in lists to alert.")
			}
			return c.Declare(ctx, str(args, 0), str(args, 1) == "true", lists, str(args, 3))
		},
		"markRead": func(ctx context.Context, args []js.Value) (any, error) {
			c, err := a.client()
			if err != nil {
				return nil, err
			}
			seq := 0.0
			if len(args) > 1 && args[1].Type() == js.TypeNumber {
				seq = args[1].Float()
			}
			return true, c.MarkRead(ctx, str(args, 0), uint64(seq))
		},
	}
}

// with0, with1 and with2 call a method of the unlocked client with none,
// one or two string arguments; done1 and done2 those that answer only
// with an error, which the page sees as true.
func with0[T any](a *app, f func(*client.Client, context.Context) (T, error)) handler {
	return func(ctx context.Context, _ []js.Value) (any, error) {
		c, err := a.client()
		if err != nil {
			return nil, err
		}
		return f(c, ctx)
	}
}

func with1[T any](a *app, f func(*client.Client, context.Context, string) (T, error)) handler {
	return func(ctx context.Context, args []js.Value) (any, error) {
		c, err := a.client()
		if err != nil {
			return nil, err
		}
		return f(c, ctx, str(args, 0))
	}
}

func with2[T any](a *app, f func(*client.Client, context.Context, string, string) (T, error)) handler {
	return func(ctx context.Context, args []js.Value) (any, error) {
		c, err := a.client()
		if err != nil {
			return nil, err
		}
		return f(c, ctx, str(args, 0), str(args, 1))
	}
}

func done1(a *app, f func(*client.Client, context.Context, string) error) handler {
	return with1(a, func(c *client.Client, ctx context.Context, x string) (bool, error) { return true, f(c, ctx, x) })
}

func done2(a *app, f func(*client.Client, context.Context, string, string) error) handler {
	return with2(a, func(c *client.Client, ctx context.Context, x, y string) (bool, error) { return true, f(c, ctx, x, y) })
}

// str returns argument i if it is a string, else "".
func str(args []js.Value, i int) string {
	if i < len(args) && args[i].Type() == js.TypeString {
		return args[i].String()
	}
	return ""
}

// pidMatch is a finding with offsets in UTF-16 code units, as JavaScript
// strings count them.
type pidMatch struct {
	Kind  string `json:"kind"`
	Start int    `json:"start"`
	End   int    `json:"end"`
	Text  string `json:"text"`
}

func findPID(text string, now time.Time) []pidMatch {
	out := []pidMatch{}
	for _, m := range pid.Find(text, now) {
		out = append(out, pidMatch{Kind: string(m.Kind), Start: utf16Len(text[:m.Start]), End: utf16Len(text[:m.End]), Text: text[m.Start:m.End]})
	}
	return out
}

func utf16Len(s string) int {
	n := 0
	for len(s) > 0 {
		r, size := utf8.DecodeRuneInString(s)
		s = s[size:]
		n += len(utf16.Encode([]rune{r}))
	}
	return n
}

// promise runs f in its own goroutine (a call from JavaScript must not
// block) and settles a Promise with its JSON result or its error.
func promise(f func() (any, error)) js.Value {
	var handler js.Func
	handler = js.FuncOf(func(_ js.Value, args []js.Value) any {
		resolve, reject := args[0], args[1]
		go func() {
			defer handler.Release()
			v, err := f()
			if err != nil {
				e := js.Global().Get("Error").New(userMessage(err))
				e.Set("kind", kindOf(err))
				reject.Invoke(e)
				return
			}
			b, err := json.Marshal(v)
			if err != nil {
				reject.Invoke(js.Global().Get("Error").New(userMessage(err)))
				return
			}
			resolve.Invoke(string(b))
		}()
		return nil
	})
	return js.Global().Get("Promise").New(handler)
}
