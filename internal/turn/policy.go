package turn

import (
	"net"
	"net/netip"

	"github.com/switchboard-nhs/switchboard/internal/netpolicy"
)

// PeerPolicy decides whether clients may relay to a peer address.
type PeerPolicy func(ip net.IP) bool

// Strict is the default policy: public unicast addresses only.
func Strict(ip net.IP) bool {
	a, ok := netip.AddrFromSlice(ip)
	return ok && netpolicy.Public(a)
}

// AllowLoopback is Strict plus loopback addresses. It is for tests and
// benchmarks on one machine, where every browser is on 127.0.0.1; never
// for a server people use.
func AllowLoopback(ip net.IP) bool {
	if ip.IsLoopback() {
		return true
	}
	return Strict(ip)
}
