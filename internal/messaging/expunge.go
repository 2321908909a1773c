package messaging

import (
	"context"
	"fmt"

	"github.com/switchboard-nhs/switchboard/internal/wire"
)

// Expunged is what Expunge deleted: the sequence numbers of the
// application messages, and the deletion entry that tells members'
// devices (Entry 0 when nothing was deleted).
type Expunged struct {
	Seqs  []int64
	Entry int64
}

// Expunge deletes what x selects of a conversation's stream and
// attachments, on the stream writer, and appends a deletion entry signed
// by the service that names what went, for members' devices to delete it
// too. org is the organisation's ODS code and filing the filing that is
// the reason, if one is.
func (s *Service) Expunge(ctx context.Context, org, filing string, x Expunge) (Expunged, error) {
	var out Expunged
	x.Entry = func(deleted, kept []int64) (*Message, error) {
		out.Seqs = deleted
		d := &wire.Deletion{Org: org, Conversation: x.Conversation, Ranges: Ranges(deleted, kept), Filing: filing, At: s.now().UTC()}
		data, err := wire.SignDeletion(s.signer, d)
		if err != nil {
			return nil, err
		}
		return &Message{Conversation: x.Conversation, Kind: KindDeletion, SentAt: s.now(), Data: data}, nil
	}
	r := s.do(ctx, func(ctx context.Context) (int64, []Event, error) {
		out.Seqs = nil
		m, err := s.store.Expunge(ctx, &x)
		if err != nil || m == nil {
			return 0, nil, err
		}
		return m.Seq, []Event{{Message: m}}, nil
	})
	if r.err != nil {
		return Expunged{}, fmt.Errorf("expunge %s: %w", x.Conversation, r.err)
	}
	out.Entry = r.seq
	return out, nil
}

// Ranges turns the deleted sequence numbers (ascending) into inclusive
// ranges that cover no kept one (ascending too): entries that are neither
// deleted nor kept, such as commits, may fall inside a range.
func Ranges(deleted, kept []int64) [][2]uint64 {
	var out [][2]uint64
	k := 0
	for i, d := range deleted {
		for k < len(kept) && kept[k] < d {
			k++
		}
		if i > 0 {
			prev := deleted[i-1]
			// Extend the last range unless a kept message lies between.
			between := k > 0 && kept[k-1] > prev
			if !between {
				out[len(out)-1][1] = uint64(d)
				continue
			}
		}
		out = append(out, [2]uint64{uint64(d), uint64(d)})
	}
	return out
}
