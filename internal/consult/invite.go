package consult

import (
	"context"
	"time"
)

// Notice is an invitation to deliver. Its text holds the link, the
// practice's name and the time, and nothing else: no patient name, no
// reason, since a text or email can be read by whoever holds the phone.
type Notice struct {
	To       string // phone number (+44…) or email address
	Practice string
	When     string // "2:30pm on Tuesday 24 November"
	Link     string
}

// Subject is the email subject of n.
func (n Notice) Subject() string { return "Your video consultation with " + n.Practice }

// Body is the text of n, for SMS and plain-text email alike.
func (n Notice) Body() string {
	return "You have a video consultation with " + n.Practice + " at " + n.When + ".\n\n" +
		"At that time, open this link on your phone or computer: " + n.Link + "\n\n" +
		"The link works only for you and only once. If you cannot join, contact the practice."
}

// Sender delivers invitations through one channel.
type Sender interface {
	// Channel names the channel: "sms" (to a phone number) or "email".
	Channel() string
	Send(ctx context.Context, n Notice) error
}

const sendTimeout = 15 * time.Second

// deliver sends an invite through every configured channel the
// participant has an address for, and records each attempt.
func (s *Service) deliver(ctx context.Context, cl Clinician, c *Consultation, inv *Invite) {
	p := inv.Participant
	var recs []Record
	for _, snd := range s.senders {
		to := p.Email
		if snd.Channel() == "sms" {
			to = p.Phone
		}
		if to == "" {
			continue
		}
		sctx, cancel := context.WithTimeout(ctx, sendTimeout)
		err := snd.Send(sctx, Notice{To: to, Practice: c.Practice, When: s.When(c.StartsAt), Link: inv.Link})
		cancel()
		result := "sent"
		if err != nil {
			result = "failed"
			inv.Failed = append(inv.Failed, snd.Channel())
			s.log.Warn("invite not delivered", "consultation", c.ID, "participant", p.ID, "channel", snd.Channel(), "err", err)
		} else {
			inv.Sent = append(inv.Sent, snd.Channel())
		}
		recs = append(recs, s.record(c, RecordSent, p.ID, cl.UserID, map[string]string{"channel": snd.Channel(), "result": result}))
	}
	if len(recs) == 0 {
		return
	}
	ev := s.event(cl, "consult.send", c.ID, map[string]string{"participant": p.ID, "sent": join(inv.Sent), "failed": join(inv.Failed)})
	if err := s.store.AddRecords(ctx, recs, ev); err != nil {
		s.log.Error("record invite delivery", "consultation", c.ID, "err", err)
	}
}

func join(ss []string) string {
	out := ""
	for i, s := range ss {
		if i > 0 {
			out += ","
		}
		out += s
	}
	return out
}
