package identity

import (
	"sync"
	"time"
)

// addrLimiter counts failed sign-ins per network address over a sliding
// window, so one address cannot try many accounts. It lives in one node's
// memory; the per-account lockout is in the store and holds across nodes.
type addrLimiter struct {
	mu     sync.Mutex
	max    int
	window time.Duration
	fails  map[string][]time.Time
}

func newAddrLimiter(max int, window time.Duration) *addrLimiter {
	return &addrLimiter{max: max, window: window, fails: map[string][]time.Time{}}
}

// blockedFor reports how long addr must wait before trying again, or 0.
func (l *addrLimiter) blockedFor(addr string, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	f := l.prune(addr, now)
	if len(f) < l.max {
		return 0
	}
	return f[0].Add(l.window).Sub(now)
}

func (l *addrLimiter) fail(addr string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.fails[addr] = append(l.prune(addr, now), now)
	if len(l.fails) > 100000 { // bound memory under a spray of addresses
		for a := range l.fails {
			if len(l.prune(a, now)) == 0 {
				delete(l.fails, a)
			}
		}
	}
}

func (l *addrLimiter) prune(addr string, now time.Time) []time.Time {
	f := l.fails[addr]
	i := 0
	for i < len(f) && now.Sub(f[i]) >= l.window {
		i++
	}
	f = f[i:]
	if len(f) == 0 {
		delete(l.fails, addr)
		return nil
	}
	l.fails[addr] = f
	return f
}

// ghostLocks gives an email with no usable account (none at all, or one
// not yet enrolled) the same failure count and lockout a real account
// gets, so that answers never tell which emails have accounts. It lives in
// one node's memory and is bounded.
type ghostLocks struct {
	mu    sync.Mutex
	state map[string]ghost
	// bypass counts, per user and lock, the failed tries from known
	// devices while the account is locked.
	bypass map[string]bypassTries
}

type bypassTries struct {
	lock time.Time // the lock they were made in
	n    int
}

// maxBypassTries is how many failed tries from known devices a lock allows.
const maxBypassTries = 3

type ghost struct {
	failures    int
	lockedUntil time.Time
	last        time.Time
}

// maxGhosts bounds the emails remembered; the oldest are forgotten first.
const maxGhosts = 50000

func newGhostLocks() *ghostLocks {
	return &ghostLocks{state: map[string]ghost{}, bypass: map[string]bypassTries{}}
}

// spent reports whether known devices have used up their tries in the
// lock that ends at lock.
func (g *ghostLocks) spent(user string, lock time.Time) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	b := g.bypass[user]
	return b.lock.Equal(lock) && b.n >= maxBypassTries
}

// spend counts a failed try from a known device during the lock.
func (g *ghostLocks) spend(user string, lock time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	b := g.bypass[user]
	if !b.lock.Equal(lock) {
		b = bypassTries{lock: lock}
	}
	b.n++
	g.bypass[user] = b
	if len(g.bypass) > maxGhosts {
		for u, t := range g.bypass {
			if t.lock.Before(lock) {
				delete(g.bypass, u)
			}
		}
	}
}

// lockedUntil returns until when email is locked, or the zero time.
func (g *ghostLocks) lockedUntil(email string, now time.Time) time.Time {
	g.mu.Lock()
	defer g.mu.Unlock()
	if st := g.state[email]; now.Before(st.lockedUntil) {
		return st.lockedUntil
	}
	return time.Time{}
}

// fail counts a failure for email and returns until when it is now locked
// (zero if it is not), on the same schedule as accounts.
func (g *ghostLocks) fail(email string, now time.Time) time.Time {
	g.mu.Lock()
	defer g.mu.Unlock()
	st := g.state[email]
	st.failures++
	st.last = now
	if st.failures%lockAfterFailures == 0 {
		st.lockedUntil = now.Add(lockDuration(st.failures))
	}
	g.state[email] = st
	if len(g.state) > maxGhosts {
		var oldest string
		for e, s := range g.state {
			if oldest == "" || s.last.Before(g.state[oldest].last) {
				oldest = e
			}
		}
		delete(g.state, oldest)
	}
	if st.failures%lockAfterFailures == 0 {
		return st.lockedUntil
	}
	return time.Time{}
}
