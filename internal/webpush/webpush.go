// Package webpush sends Web Push messages (RFC 8030, payloads encrypted
// as RFC 8291 aes128gcm, signed with VAPID as RFC 8292) for the messaging
// service. It is the adapter for github.com/SherClockHolmes/webpush-go.
//
// It never sends anything the caller did not give it, and the messaging
// service only ever gives it a content-free payload. Its HTTP client
// connects only to public addresses (netpolicy.Public: no loopback,
// private, link-local, carrier-grade NAT or metadata ranges), checked at
// every dial after DNS resolution so that a name pointing inside cannot
// pass, unless built for tests that push to 127.0.0.1; and it does not
// follow redirects. So the server cannot be aimed at internal services.
package webpush

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"

	wp "github.com/SherClockHolmes/webpush-go"

	"github.com/switchboard-nhs/switchboard/internal/messaging"
	"github.com/switchboard-nhs/switchboard/internal/netpolicy"
)

// Sender sends pushes with the server's VAPID key.
type Sender struct {
	public, private string
	subject         string
	client          *http.Client
}

// New returns a Sender. subject is the VAPID contact (a mailto: or https:
// URL); allowLoopback admits 127.0.0.1 endpoints, for tests only.
func New(vapidPublic, vapidPrivate, subject string, allowLoopback bool) *Sender {
	d := &net.Dialer{Timeout: 10 * time.Second, Control: func(_, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return err
		}
		ip := ap.Addr().Unmap()
		if allowLoopback && ip == netip.AddrFrom4([4]byte{127, 0, 0, 1}) {
			return nil
		}
		if !netpolicy.Public(ip) {
			return fmt.Errorf("push endpoint address %s is not public", ip)
		}
		return nil
	}}
	tr := &http.Transport{DialContext: d.DialContext, TLSHandshakeTimeout: 10 * time.Second,
		ResponseHeaderTimeout: 10 * time.Second, MaxIdleConnsPerHost: 4, IdleConnTimeout: 90 * time.Second}
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return errors.New("push services do not redirect") }}
	return &Sender{public: vapidPublic, private: vapidPrivate, subject: subject, client: client}
}

// Push encrypts payload for sub and posts it to the push service.
func (s *Sender) Push(ctx context.Context, sub *messaging.PushSubscription, payload []byte) error {
	res, err := wp.SendNotificationWithContext(ctx, payload, &wp.Subscription{Endpoint: sub.Endpoint,
		Keys: wp.Keys{P256dh: sub.P256DH, Auth: sub.Auth}}, &wp.Options{
		HTTPClient: s.client, Subscriber: s.subject, TTL: 24 * 60 * 60, Urgency: wp.UrgencyHigh,
		VAPIDPublicKey: s.public, VAPIDPrivateKey: s.private,
	})
	if err != nil {
		return fmt.Errorf("web push: %w", err)
	}
	io.Copy(io.Discard, io.LimitReader(res.Body, 4096))
	res.Body.Close()
	if res.StatusCode == http.StatusNotFound || res.StatusCode == http.StatusGone {
		return fmt.Errorf("web push: push service answered %d: %w", res.StatusCode, messaging.ErrPushGone)
	}
	if res.StatusCode >= 300 {
		return fmt.Errorf("web push: push service answered %d", res.StatusCode)
	}
	return nil
}

var _ messaging.Pusher = (*Sender)(nil)
