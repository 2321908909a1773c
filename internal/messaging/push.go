package messaging

import (
	"context"
	"errors"
	"net/url"
	"strings"

	"github.com/switchboard-nhs/switchboard/internal/fault"
	"github.com/switchboard-nhs/switchboard/internal/identity"
)

// The payloads pushes carry: a fixed sentence, never a sender,
// conversation, count or text.
const (
	PushPayload        = `{"title":"New secure message"}`
	PushUrgent         = `{"title":"Urgent: secure message","urgent":true}`
	PushIncident       = `{"title":"Major incident declared: open Switchboard","url":"/incidents","urgent":true}`
	PushIncidentUpdate = `{"title":"Major incident update: open Switchboard","url":"/incidents"}`
	PushExercise       = `{"title":"EXERCISE EXERCISE EXERCISE: open Switchboard","url":"/incidents","urgent":true}`
	PushExerciseUpdate = `{"title":"EXERCISE update: open Switchboard","url":"/incidents"}`
)

// push is one queued push: the device and the payload (one of the
// constants above). Forced pushes (urgent messages, incidents) skip the
// once-per-PushEvery limit of ordinary messages.
type push struct {
	device  string
	payload string
	forced  bool
}

// ErrPushGone is returned (wrapped) by a Pusher when the push service says
// the subscription no longer exists; the server then forgets it.
var ErrPushGone = errors.New("push subscription gone")

// Pusher sends a Web Push message to a subscription. Implementations
// encrypt payload for the subscription and sign with the VAPID key.
type Pusher interface {
	Push(ctx context.Context, sub *PushSubscription, payload []byte) error
}

// Subscribe stores the calling device's push subscription. Endpoints must
// be https URLs, so that the server cannot be aimed at internal services;
// allowHTTPLoopback admits http://127.0.0.1 for tests.
func (s *Service) Subscribe(ctx context.Context, p *identity.Principal, sub PushSubscription, allowHTTPLoopback bool) error {
	u, err := url.Parse(sub.Endpoint)
	if err != nil || u.Host == "" || len(sub.Endpoint) > 2048 {
		return fault.Invalidf("The push endpoint must be an https URL.")
	}
	switch {
	case u.Scheme == "https":
		h := u.Hostname()
		if h == "localhost" || strings.HasSuffix(h, ".localhost") || strings.HasSuffix(h, ".internal") || isIPLiteral(h) {
			return fault.Invalidf("The push endpoint must be a push service's https URL, not a local or numeric address.")
		}
	case u.Scheme == "http" && allowHTTPLoopback && u.Hostname() == "127.0.0.1":
	default:
		return fault.Invalidf("The push endpoint must be an https URL.")
	}
	if sub.P256DH == "" || sub.Auth == "" || len(sub.P256DH) > 200 || len(sub.Auth) > 100 {
		return fault.Invalidf("The push subscription needs its p256dh and auth keys.")
	}
	sub.Device = p.Device.ID
	return s.store.PutPushSubscription(ctx, &sub, s.now())
}

func isIPLiteral(h string) bool {
	return strings.Trim(h, "0123456789.") == "" || strings.Contains(h, ":")
}

// Unsubscribe deletes the calling device's push subscription.
func (s *Service) Unsubscribe(ctx context.Context, p *identity.Principal) error {
	err := s.store.DeletePushSubscription(ctx, p.Device.ID)
	if fault.Is(err, fault.NotFound) {
		return nil
	}
	return err
}

// queuePushes queues a push for each member device with no socket on this
// node. It runs on publishLoop, which owns the members cache.
func (s *Service) queuePushes(ctx context.Context, m *Message) {
	if s.pusher == nil {
		return
	}
	if m.Kind == KindCommit {
		delete(s.members, m.Conversation) // membership may have changed
	}
	if m.Kind != KindApplication {
		return
	}
	devices, ok := s.members[m.Conversation]
	if !ok {
		c, err := s.store.Conversation(ctx, m.Conversation)
		if err != nil {
			return
		}
		for _, mem := range c.Members {
			devices = append(devices, mem.Device)
		}
		if len(s.members) > 10000 {
			clear(s.members)
		}
		s.members[m.Conversation] = devices
	}
	for _, dev := range devices {
		if dev == m.Device || s.hub.Connected(dev) {
			continue
		}
		select {
		case s.pushq <- push{device: dev, payload: PushPayload}:
		default: // the push queue is full: this push is skipped, the message is not
		}
	}
}

// PushDevices queues a push of payload, one of the Push constants, to each
// device without a socket on this node, past the once-per-PushEvery
// limit: it is urgent. An alert to thousands is queued in full, however
// long the push services take.
func (s *Service) PushDevices(devices []string, payload string) {
	if s.pusher == nil {
		return
	}
	var offline []string
	for _, dev := range devices {
		if !s.hub.Connected(dev) {
			offline = append(offline, dev)
		}
	}
	if len(offline) == 0 {
		return
	}
	// Queued by a goroutine of the service's, so that the request that
	// raised the alert does not wait for the push services.
	s.Go(func(ctx context.Context) {
		for _, dev := range offline {
			select {
			case s.pushq <- push{device: dev, payload: payload, forced: true}:
			case <-ctx.Done():
				return
			}
		}
	})
}

// pushWorkers is how many pushes are sent at once: each waits on a push
// service over the internet, and an alert may go to thousands.
const pushWorkers = 16

// pushLoop sends queued pushes, at most one per device per PushEvery
// (unless forced); Run starts pushWorkers of them.
func (s *Service) pushLoop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case job := <-s.pushq:
			dev, now := job.device, s.now()
			s.pushMu.Lock()
			last, seen := s.pushed[dev]
			s.pushMu.Unlock()
			if seen && now.Sub(last) < s.limits.PushEvery && !job.forced {
				continue
			}
			sub, err := s.store.PushSubscription(ctx, dev)
			if err != nil {
				continue // no subscription (or the store is down: the socket catches up)
			}
			s.pushMu.Lock()
			if len(s.pushed) > 100000 {
				clear(s.pushed)
			}
			s.pushed[dev] = now
			s.pushMu.Unlock()
			err = s.pusher.Push(ctx, sub, []byte(job.payload))
			if errors.Is(err, ErrPushGone) {
				if err := s.store.DeletePushSubscription(ctx, dev); err != nil {
					s.log.Warn("delete a gone push subscription", "device", dev, "err", err)
				}
			} else if err != nil {
				s.log.Warn("web push failed", "device", dev, "err", err)
			}
		}
	}
}
