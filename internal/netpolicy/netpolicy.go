// Package netpolicy decides which addresses the server may open
// connections to on a user's behalf: the TURN relay's peers and Web Push
// endpoints. Only public unicast addresses pass, so neither can be aimed
// at the trust's internal network, loopback or cloud metadata.
package netpolicy

import "net/netip"

// refused lists the ranges the server never connects to for a user.
var refused = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),         // "this network"
	netip.MustParsePrefix("10.0.0.0/8"),        // private
	netip.MustParsePrefix("100.64.0.0/10"),     // carrier-grade NAT
	netip.MustParsePrefix("127.0.0.0/8"),       // loopback
	netip.MustParsePrefix("169.254.0.0/16"),    // link-local, including 169.254.169.254 (cloud metadata)
	netip.MustParsePrefix("172.16.0.0/12"),     // private
	netip.MustParsePrefix("192.0.0.0/24"),      // IETF protocol assignments
	netip.MustParsePrefix("192.168.0.0/16"),    // private
	netip.MustParsePrefix("192.0.2.0/24"),      // documentation
	netip.MustParsePrefix("198.18.0.0/15"),     // benchmarking
	netip.MustParsePrefix("198.51.100.0/24"),   // documentation
	netip.MustParsePrefix("203.0.113.0/24"),    // documentation
	netip.MustParsePrefix("224.0.0.0/4"),       // multicast
	netip.MustParsePrefix("240.0.0.0/4"),       // reserved, broadcast
	netip.MustParsePrefix("::/96"),             // unspecified, loopback, deprecated IPv4-compatible
	netip.MustParsePrefix("100::/64"),          // discard-only
	netip.MustParsePrefix("2001::/32"),         // Teredo: its IPv4 addresses are hidden
	netip.MustParsePrefix("2001:2::/48"),       // benchmarking
	netip.MustParsePrefix("2001:db8::/32"),     // documentation
	netip.MustParsePrefix("64:ff9b:1::/48"),    // local-use NAT64
	netip.MustParsePrefix("fc00::/7"),          // unique local
	netip.MustParsePrefix("fe80::/10"),         // link-local
	netip.MustParsePrefix("fd00:ec2::254/128"), // AWS metadata over IPv6 (inside fc00::/7, listed for the record)
	netip.MustParsePrefix("ff00::/8"),          // multicast
}

// Prefixes that carry an IPv4 address inside an IPv6 one: Public
// judges the IPv4 address, so that 64:ff9b::a00:1 (10.0.0.1 through a
// NAT64 gateway) or 2002:7f00:1:: (127.0.0.1 by 6to4) are refused while
// public addresses reached that way are not.
var (
	nat64     = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour = netip.MustParsePrefix("2002::/16")
)

// Public reports whether a is a public unicast address.
func Public(a netip.Addr) bool {
	if !a.IsValid() {
		return false
	}
	a = a.Unmap()
	if b := a.As16(); nat64.Contains(a) {
		a = netip.AddrFrom4([4]byte(b[12:16]))
	} else if sixToFour.Contains(a) {
		a = netip.AddrFrom4([4]byte(b[2:6]))
	}
	for _, p := range refused {
		if p.Contains(a) {
			return false
		}
	}
	return true
}
