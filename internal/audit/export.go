package audit

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"time"
)

// ExportFormat names the format of an Export, so that a reader knows what
// it holds.
const ExportFormat = "switchboard-audit-export/1"

// Export is a range of the audit chain as one organisation may take it
// away: its own entries in full, and every other entry of the range as its
// hashes only, so that anyone can re-check offline (VerifyExport) that the
// organisation's entries are unaltered and that nothing in the range was
// removed or reordered, without learning anything of other organisations.
type Export struct {
	Format       string    `json:"format"`
	Organisation string    `json:"organisation"` // the ODS code
	ExportedAt   time.Time `json:"exported_at"`
	From         time.Time `json:"from"`
	To           time.Time `json:"to"`
	// Filter is what the exporter asked for; entries of the range it
	// leaves out are links.
	Filter map[string]string `json:"filter,omitempty"`
	// Verified reports that the server verified its whole chain, up to
	// HeadSeq with hash HeadHash, when it exported.
	Verified bool         `json:"verified"`
	HeadSeq  int64        `json:"head_seq"`
	HeadHash string       `json:"head_hash"`
	Chain    []ExportItem `json:"chain"`
}

// ExportItem is one entry of an exported range: in full, or (Link) its
// sequence number and hashes only.
type ExportItem struct {
	Seq      int64             `json:"seq"`
	PrevHash string            `json:"prev_hash"`
	Hash     string            `json:"hash"`
	Link     bool              `json:"link,omitempty"` // another organisation's, or left out by the filter
	At       *time.Time        `json:"at,omitempty"`
	OrgID    string            `json:"org_id,omitempty"`
	Actor    string            `json:"actor,omitempty"`
	Action   string            `json:"action,omitempty"`
	Target   string            `json:"target,omitempty"`
	Addr     string            `json:"addr,omitempty"`
	Detail   map[string]string `json:"detail,omitempty"`
}

// ItemOf turns an entry into an export item, in full or as a link.
func ItemOf(e Entry, full bool) ExportItem {
	it := ExportItem{Seq: e.Seq, PrevHash: hex.EncodeToString(e.PrevHash), Hash: hex.EncodeToString(e.Hash), Link: !full}
	if full {
		at := e.At.UTC()
		it.At, it.OrgID, it.Actor, it.Action, it.Target, it.Addr, it.Detail = &at, e.OrgID, e.Actor, e.Action, e.Target, e.Addr, e.Detail
	}
	return it
}

// ExportResult is what VerifyExport found.
type ExportResult struct {
	Entries int   // entries re-hashed and found unaltered
	Links   int   // entries taken by their hashes
	First   int64 // the range's first sequence number
	Last    int64 // its last
}

// VerifyExport re-checks an export offline: the items are consecutive,
// each follows the one before by its hashes, each entry given in full
// hashes to its recorded hash, and a range from the chain's start begins
// at the genesis hash. The error names the first item that fails.
func VerifyExport(r io.Reader) (ExportResult, error) {
	var x Export
	var res ExportResult
	dec := json.NewDecoder(r)
	if err := dec.Decode(&x); err != nil {
		return res, fmt.Errorf("this is not an audit export: %w", err)
	}
	if x.Format != ExportFormat {
		return res, fmt.Errorf("this is not an audit export of the format %s", ExportFormat)
	}
	if len(x.Chain) == 0 {
		return res, fmt.Errorf("the export holds no entries")
	}
	var prev []byte
	for i, it := range x.Chain {
		ph, err1 := hex.DecodeString(it.PrevHash)
		h, err2 := hex.DecodeString(it.Hash)
		if err1 != nil || err2 != nil || len(h) != len(Genesis) || len(ph) != len(Genesis) {
			return res, fmt.Errorf("audit entry %d: its hashes are not SHA-256 hashes in hex", it.Seq)
		}
		switch {
		case i == 0 && it.Seq == 1 && !bytes.Equal(ph, Genesis):
			return res, fmt.Errorf("audit entry 1: does not start from the genesis hash")
		case i > 0 && it.Seq != x.Chain[i-1].Seq+1:
			return res, fmt.Errorf("audit entry %d: expected entry %d here; entries were removed or reordered", it.Seq, x.Chain[i-1].Seq+1)
		case i > 0 && !bytes.Equal(ph, prev):
			return res, fmt.Errorf("audit entry %d: does not follow entry %d; entries were removed or reordered", it.Seq, it.Seq-1)
		}
		if it.Link {
			res.Links++
		} else {
			if it.At == nil {
				return res, fmt.Errorf("audit entry %d: has no time", it.Seq)
			}
			ev := Event{At: *it.At, OrgID: it.OrgID, Actor: it.Actor, Action: it.Action, Target: it.Target, Addr: it.Addr, Detail: it.Detail}
			if !bytes.Equal(h, Chain(ph, it.Seq, ev)) {
				return res, fmt.Errorf("audit entry %d: its contents were altered", it.Seq)
			}
			res.Entries++
		}
		prev = h
	}
	res.First, res.Last = x.Chain[0].Seq, x.Chain[len(x.Chain)-1].Seq
	if x.HeadSeq == res.Last && x.HeadHash != hex.EncodeToString(prev) {
		return res, fmt.Errorf("audit entry %d: differs from the head the server recorded when it exported", res.Last)
	}
	return res, nil
}
