//go:build js && wasm

package main

import (
	"context"
	"encoding/json"
	"syscall/js"
	"time"
	"unicode/utf16"
	"unicode/utf8"

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
	fn := func(name string, f func(ctx context.Context, args []js.Value) (any, error)) {
		o.Set(name, js.FuncOf(func(_ js.Value, args []js.Value) any {
			return promise(func() (any, error) {
				ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
				defer cancel()
				return f(ctx, args)
			})
		}))
	}
	str := func(args []js.Value, i int) string {
		if i < len(args) && args[i].Type() == js.TypeString {
			return args[i].String()
		}
		return ""
	}
	fn("status", func(ctx context.Context, _ []js.Value) (any, error) { return a.status(ctx) })
	fn("unlock", func(ctx context.Context, args []js.Value) (any, error) { return a.unlock(ctx, str(args, 0)) })
	fn("lock", func(context.Context, []js.Value) (any, error) { a.lock(); return true, nil })
	fn("erase", func(ctx context.Context, _ []js.Value) (any, error) { return a.erase(ctx) })
	fn("setCSRF", func(_ context.Context, args []js.Value) (any, error) { a.csrf.set(str(args, 0)); return true, nil })
	fn("watch", func(_ context.Context, args []js.Value) (any, error) {
		if len(args) == 0 || args[0].Type() != js.TypeFunction {
			return nil, errLocked
		}
		return a.watch(args[0])
	})
	fn("summaries", func(ctx context.Context, _ []js.Value) (any, error) {
		c, err := a.client()
		if err != nil {
			return nil, err
		}
		return c.Summaries(ctx)
	})
	fn("history", func(ctx context.Context, args []js.Value) (any, error) {
		c, err := a.client()
		if err != nil {
			return nil, err
		}
		return c.History(ctx, str(args, 0))
	})
	fn("messages", func(ctx context.Context, args []js.Value) (any, error) {
		c, err := a.client()
		if err != nil {
			return nil, err
		}
		return c.Messages(ctx, str(args, 0))
	})
	fn("send", func(ctx context.Context, args []js.Value) (any, error) {
		c, err := a.client()
		if err != nil {
			return nil, err
		}
		return c.Send(ctx, str(args, 0), str(args, 1))
	})
	fn("sendAttachment", func(ctx context.Context, args []js.Value) (any, error) {
		c, err := a.client()
		if err != nil {
			return nil, err
		}
		return c.SendAttachment(ctx, str(args, 0), str(args, 1))
	})
	fn("create", func(ctx context.Context, args []js.Value) (any, error) {
		c, err := a.client()
		if err != nil {
			return nil, err
		}
		var emails []string
		if err := json.Unmarshal([]byte(str(args, 1)), &emails); err != nil {
			return nil, fault.Invalidf("Choose the people to add to the conversation.")
		}
		return c.CreateConversation(ctx, str(args, 0), emails)
	})
	fn("add", func(ctx context.Context, args []js.Value) (any, error) {
		c, err := a.client()
		if err != nil {
			return nil, err
		}
		return true, c.Add(ctx, str(args, 0), str(args, 1))
	})
	fn("remove", func(ctx context.Context, args []js.Value) (any, error) {
		c, err := a.client()
		if err != nil {
			return nil, err
		}
		return true, c.Remove(ctx, str(args, 0), str(args, 1))
	})
	fn("leave", func(ctx context.Context, args []js.Value) (any, error) {
		c, err := a.client()
		if err != nil {
			return nil, err
		}
		return true, c.Leave(ctx, str(args, 0))
	})
	fn("makeAdmin", func(ctx context.Context, args []js.Value) (any, error) {
		c, err := a.client()
		if err != nil {
			return nil, err
		}
		return true, c.MakeAdmin(ctx, str(args, 0), str(args, 1))
	})
	fn("people", func(ctx context.Context, args []js.Value) (any, error) {
		c, err := a.client()
		if err != nil {
			return nil, err
		}
		return c.People(ctx, str(args, 0))
	})
	fn("safetyCode", func(ctx context.Context, args []js.Value) (any, error) {
		c, err := a.client()
		if err != nil {
			return nil, err
		}
		return c.SafetyCode(ctx, str(args, 0), str(args, 1))
	})
	fn("verify", func(ctx context.Context, args []js.Value) (any, error) {
		c, err := a.client()
		if err != nil {
			return nil, err
		}
		return true, c.Verify(ctx, str(args, 0), str(args, 1))
	})
	fn("markRead", func(ctx context.Context, args []js.Value) (any, error) {
		c, err := a.client()
		if err != nil {
			return nil, err
		}
		seq := 0.0
		if len(args) > 1 && args[1].Type() == js.TypeNumber {
			seq = args[1].Float()
		}
		return true, c.MarkRead(ctx, str(args, 0), uint64(seq))
	})
	fn("receiptPolicy", func(ctx context.Context, _ []js.Value) (any, error) {
		c, err := a.client()
		if err != nil {
			return nil, err
		}
		return c.ReceiptPolicy(ctx)
	})
	fn("sendReceipt", func(ctx context.Context, args []js.Value) (any, error) {
		c, err := a.client()
		if err != nil {
			return nil, err
		}
		return true, c.SendReceipt(ctx, str(args, 0), str(args, 1))
	})
	fn("readBy", func(_ context.Context, args []js.Value) (any, error) {
		c, err := a.client()
		if err != nil {
			return nil, err
		}
		return c.ReadBy(str(args, 0))
	})
	// pid is synchronous: the composer calls it on every keystroke.
	o.Set("pid", js.FuncOf(func(_ js.Value, args []js.Value) any {
		b, _ := json.Marshal(findPID(str(args, 0), time.Now()))
		return string(b)
	}))
	return o
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
