// Package fault defines Switchboard's one error type. An Error carries a Kind
// that decides how the error is reported (an HTTP status, a CLI exit), a
// message that is safe to show to the person who caused it, and the wrapped
// cause that only logs see.
//
// Messages and causes carry IDs only: never message text, names or NHS
// numbers.
package fault

import (
	"errors"
	"time"
)

// Kind classifies an error by what the caller can do about it.
type Kind int

// The kinds of error.
const (
	Internal        Kind = iota // a fault of ours; the user can only retry later
	Invalid                     // the input is wrong; the message says what to fix
	NotFound                    // the thing does not exist (or is not visible to the caller)
	Forbidden                   // the caller may not do this
	Unauthenticated             // the caller is not signed in, or the session ended
	Conflict                    // the thing exists already, or the state moved on
	TooMany                     // rate limited; RetryAfter says when to try again
	Unavailable                 // a dependency is down; try again later
)

func (k Kind) String() string {
	switch k {
	case Invalid:
		return "invalid"
	case NotFound:
		return "not found"
	case Forbidden:
		return "forbidden"
	case Unauthenticated:
		return "unauthenticated"
	case Conflict:
		return "conflict"
	case TooMany:
		return "too many"
	case Unavailable:
		return "unavailable"
	}
	return "internal"
}

// Error is an error with a Kind and a user-safe message.
type Error struct {
	Kind       Kind
	Msg        string        // one sentence, safe to show to the user
	RetryAfter time.Duration // for TooMany
	Err        error         // the cause, for logs only
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Msg + ": " + e.Err.Error()
	}
	return e.Msg
}

func (e *Error) Unwrap() error { return e.Err }

// New returns an Error of the given kind with a user-safe message.
func New(k Kind, msg string) *Error { return &Error{Kind: k, Msg: msg} }

// Wrap returns an Error of the given kind that keeps err as its cause.
func Wrap(k Kind, msg string, err error) *Error { return &Error{Kind: k, Msg: msg, Err: err} }

// Invalidf is shorthand for New(Invalid, msg).
func Invalidf(msg string) *Error { return New(Invalid, msg) }

// KindOf reports the Kind of the first Error in err's chain, or Internal.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Internal
}

// Message returns the user-safe message of the first Error in err's chain,
// or a generic sentence when there is none, so that causes never leak.
func Message(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Msg != "" {
		return e.Msg
	}
	return "Something went wrong on our side. Please try again in a minute."
}

// Is reports whether err has an Error of kind k in its chain.
func Is(err error, k Kind) bool {
	var e *Error
	return errors.As(err, &e) && e.Kind == k
}
