package client

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/switchboard-nhs/switchboard/internal/fault"
)

// Person is one member of a conversation, with all of their devices in
// it, as the member list shows them.
type Person struct {
	Email   string   `json:"email"`
	Devices []string `json:"devices"`
	Self    bool     `json:"self"`
	// Verified is true when this device's user compared the safety code
	// with this person for the device keys they have now.
	Verified bool `json:"verified"`
	// KeyChanged is true when one of the person's devices now signs with
	// a different key from the one this device saw before.
	KeyChanged bool `json:"key_changed"`
	// Admin is true for the conversation's admins, who may add and
	// remove other people.
	Admin bool `json:"admin"`
	// Leaving is true once the person has left and the other members'
	// devices have yet to commit their removal.
	Leaving bool `json:"leaving,omitempty"`
}

// keysRecord is what this device has seen of a person's device keys
// (trust on first use) and which set of keys its user verified.
type keysRecord struct {
	Seen       map[string]string `json:"seen"` // device ID → base64 signature key
	Verified   string            `json:"verified,omitempty"`
	KeyChanged bool              `json:"key_changed,omitempty"`
}

func keysKey(email string) string {
	h := sha256.Sum256([]byte(strings.ToLower(email)))
	return "keys/" + hex.EncodeToString(h[:16])
}

// memberKeys returns each member's email and device keys from the tree.
func (c *Client) memberKeys(cv *conv) map[string]map[string][]byte {
	out := map[string]map[string][]byte{}
	for _, m := range cv.g.Members() {
		id, err := parseIdentity(m.Credential.Identity, c.prof.ServiceKey)
		if err != nil {
			continue
		}
		e := strings.ToLower(id.Email)
		if out[e] == nil {
			out[e] = map[string][]byte{}
		}
		out[e][id.Device] = id.Key
	}
	return out
}

// fingerprint is a stable digest of one person's device keys.
func fingerprint(email string, keys map[string][]byte) string {
	ids := make([]string, 0, len(keys))
	for d := range keys {
		ids = append(ids, d)
	}
	slices.Sort(ids)
	h := sha256.New()
	h.Write([]byte(strings.ToLower(email)))
	for _, d := range ids {
		h.Write([]byte{0})
		h.Write([]byte(d))
		h.Write([]byte{0})
		h.Write(keys[d])
	}
	return hex.EncodeToString(h.Sum(nil))
}

// People lists the conversation's members, one entry per person, noting
// for each whether their keys were verified and whether a device key
// changed since this device first saw it.
func (c *Client) People(ctx context.Context, id string) ([]Person, error) {
	unlock, err := c.lock(ctx)
	if err != nil {
		return nil, err
	}
	defer unlock()
	cv, err := c.load(ctx, id)
	if err != nil {
		return nil, err
	}
	defer cv.close()
	if cv.g == nil {
		return []Person{}, nil
	}
	all := c.memberKeys(cv)
	// The server's roster adds who is an admin; without it (offline) the
	// list still shows everyone, just without that.
	ros, err := c.roster(ctx, id)
	if err != nil {
		c.log.Warn("conversation roster unavailable", "conversation", id, "err", err)
		ros = &roster{}
	}
	emails := make([]string, 0, len(all))
	for e := range all {
		emails = append(emails, e)
	}
	slices.Sort(emails)
	out := make([]Person, 0, len(emails))
	for _, e := range emails {
		p := Person{Email: e, Self: strings.EqualFold(e, c.prof.Email)}
		p.Admin = slices.ContainsFunc(ros.Admins, func(a string) bool { return strings.EqualFold(a, e) })
		for _, m := range ros.Members {
			p.Leaving = p.Leaving || strings.EqualFold(m.Email, e) && m.Leaving
		}
		var rec keysRecord
		if err := c.v.get(keysKey(e), &rec); err != nil && !errors.Is(err, ErrNotFound) {
			return nil, err
		}
		if rec.Seen == nil {
			rec.Seen = map[string]string{}
		}
		changed := false
		// A device never seen before of someone already seen (signed in
		// again after signing out, which makes a new device, or a new
		// phone) is as much a new key as a device that re-keyed.
		for d := range all[e] {
			if _, seen := rec.Seen[d]; !seen && len(rec.Seen) > 0 {
				rec.KeyChanged = true
			}
		}
		for d, k := range all[e] {
			p.Devices = append(p.Devices, d)
			enc := base64.StdEncoding.EncodeToString(k)
			if old, ok := rec.Seen[d]; ok && old != enc {
				rec.KeyChanged, changed = true, true
			}
			if rec.Seen[d] != enc {
				rec.Seen[d], changed = enc, true
			}
		}
		slices.Sort(p.Devices)
		if changed {
			if err := c.v.put(keysKey(e), &rec); err != nil {
				return nil, err
			}
		}
		p.Verified = rec.Verified != "" && rec.Verified == fingerprint(e, all[e])
		p.KeyChanged = rec.KeyChanged && !p.Verified
		out = append(out, p)
	}
	return out, nil
}

// SafetyCode returns the code that this device's user and the person
// with email both see when their devices' keys in the conversation are
// the ones the server vouched for: 20 digits in four groups, derived from
// both people's credentials' signature keys. The same two people in the
// same conversation see the same code.
func (c *Client) SafetyCode(ctx context.Context, id, email string) (string, error) {
	fp, err := c.pairFingerprint(ctx, id, email)
	if err != nil {
		return "", err
	}
	h := sha256.Sum256([]byte("switchboard safety code v1\x00" + fp))
	groups := make([]string, 4)
	for i := range groups {
		var b [8]byte
		copy(b[3:], h[i*5:i*5+5])
		groups[i] = fmt.Sprintf("%05d", binary.BigEndian.Uint64(b[:])%100000)
	}
	return strings.Join(groups, " "), nil
}

func (c *Client) pairFingerprint(ctx context.Context, id, email string) (string, error) {
	var out string
	err := c.opened(ctx, id, func(cv *conv) error {
		if cv.g == nil {
			return errNotMember
		}
		all := c.memberKeys(cv)
		me, them := strings.ToLower(c.prof.Email), strings.ToLower(email)
		if all[them] == nil || me == them {
			return fault.New(fault.NotFound, "That person is not another member of this conversation.")
		}
		pair := []string{fingerprint(me, all[me]), fingerprint(them, all[them])}
		slices.Sort(pair)
		out = pair[0] + pair[1]
		return nil
	})
	return out, err
}

// Verify records that the user compared the safety code with the person
// with email and it matched: their current device keys are trusted, and
// a changed-key notice is cleared.
func (c *Client) Verify(ctx context.Context, id, email string) error {
	return c.opened(ctx, id, func(cv *conv) error {
		if cv.g == nil {
			return errNotMember
		}
		e := strings.ToLower(email)
		keys := c.memberKeys(cv)[e]
		if keys == nil {
			return fault.New(fault.NotFound, "That person is not a member of this conversation.")
		}
		var rec keysRecord
		if err := c.v.get(keysKey(e), &rec); err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
		if rec.Seen == nil {
			rec.Seen = map[string]string{}
		}
		for d, k := range keys {
			rec.Seen[d] = base64.StdEncoding.EncodeToString(k)
		}
		rec.Verified, rec.KeyChanged = fingerprint(e, keys), false
		return c.v.put(keysKey(e), &rec)
	})
}
