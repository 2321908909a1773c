package client

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/fault"
	"github.com/switchboard-nhs/switchboard/internal/mls"

	"github.com/switchboard-nhs/switchboard/internal/wire"
)

const (
	// keyPackageBatch is how many KeyPackages are uploaded at a time.
	keyPackageBatch = 20
	// keyPackageLow is the stock below which the device uploads more
	// (the server signals it at the same level).
	keyPackageLow = 10
	// keyPackageLifetime is how long a KeyPackage stays valid.
	keyPackageLifetime = 90 * 24 * time.Hour
)

// kpRecord keeps a KeyPackage's private keys until a Welcome uses them.
type kpRecord struct {
	KeyPackage []byte `json:"key_package"`
	InitPriv   []byte `json:"init_priv"`
	EncPriv    []byte `json:"enc_priv"`
	LastResort bool   `json:"last_resort,omitempty"`
}

func kpKey(ref []byte) string { return "kp/" + hex.EncodeToString(ref) }

// newKeyPackage makes a KeyPackage with this device's credential and
// stores its private keys.
func (c *Client) newKeyPackage(lastResort bool) (*mls.KeyPackage, []byte, error) {
	kp, priv, err := mls.NewKeyPackage(c.credential(), c.prof.SigPriv, c.now(), keyPackageLifetime)
	if err != nil {
		return nil, nil, err
	}
	defer priv.Wipe()
	ref := kp.Ref()
	rec := kpRecord{KeyPackage: kp.Bytes(), InitPriv: priv.InitPriv, EncPriv: priv.EncryptionPriv, LastResort: lastResort}
	if err := c.v.put(kpKey(ref), &rec); err != nil {
		return nil, nil, err
	}
	msg := (&mls.MLSMessage{Version: mls.ProtocolVersionMLS10, WireFormat: mls.WireFormatKeyPackage, KeyPackage: kp}).Bytes()
	return kp, msg, nil
}

// refillKeyPackages tops up the device's KeyPackages on the server when
// they run low, and uploads a last-resort KeyPackage if it has none.
func (c *Client) refillKeyPackages(ctx context.Context) error {
	var stock struct {
		Stock int `json:"stock"`
	}
	if err := c.api.do(ctx, "GET", "/api/keypackages/stock", nil, &stock); err != nil {
		return err
	}
	return c.uploadKeyPackages(ctx, stock.Stock)
}

func (c *Client) uploadKeyPackages(ctx context.Context, stock int) error {
	if stock >= keyPackageLow && c.prof.LastResort != "" {
		return nil
	}
	var req struct {
		KeyPackages [][]byte `json:"key_packages"`
		LastResort  []byte   `json:"last_resort,omitempty"`
	}
	req.KeyPackages = [][]byte{}
	for n := stock; n < keyPackageBatch; n++ {
		_, msg, err := c.newKeyPackage(false)
		if err != nil {
			return err
		}
		req.KeyPackages = append(req.KeyPackages, msg)
	}
	lastResort := ""
	if c.prof.LastResort == "" {
		kp, msg, err := c.newKeyPackage(true)
		if err != nil {
			return err
		}
		req.LastResort, lastResort = msg, hex.EncodeToString(kp.Ref())
	}
	if err := c.api.do(ctx, "POST", "/api/keypackages", &req, nil); err != nil {
		return err
	}
	if lastResort != "" {
		c.prof.LastResort = lastResort
		return c.v.put("profile", &c.prof)
	}
	return nil
}

// keyPackageFor returns the KeyPackage and private keys this device made
// with reference ref.
func (c *Client) keyPackageFor(ref []byte) (*kpRecord, *mls.KeyPackage, *mls.KeyPackagePrivate, error) {
	var rec kpRecord
	if err := c.v.get(kpKey(ref), &rec); err != nil {
		return nil, nil, nil, err
	}
	kp, err := mls.DecodeKeyPackage(rec.KeyPackage)
	if err != nil {
		return nil, nil, nil, err
	}
	return &rec, kp, &mls.KeyPackagePrivate{InitPriv: rec.InitPriv, EncryptionPriv: rec.EncPriv, SignaturePriv: bytes.Clone(c.prof.SigPriv)}, nil
}

// claimed is a KeyPackage the server handed out for another device.
type claimed struct {
	Device string
	Email  string
	KP     *mls.KeyPackage
}

// claimKeyPackages claims one KeyPackage for each device of the people
// with these emails (and this account's other devices, if its own email
// is among them).
func (c *Client) claimKeyPackages(ctx context.Context, emails []string) ([]claimed, error) {
	var out wire.KeyPackageClaims
	if err := c.api.do(ctx, "POST", "/api/keypackages/claim", map[string][]string{"emails": emails}, &out); err != nil {
		return nil, err
	}
	var res []claimed
	for _, k := range out.KeyPackages {
		kp, err := decodeKeyPackage(k.KeyPackage)
		if err != nil {
			return nil, fault.Wrap(fault.Internal, "The server handed out a KeyPackage that is not valid.", err)
		}
		if k.Device == c.prof.DeviceID {
			continue
		}
		res = append(res, claimed{Device: k.Device, Email: k.Email, KP: kp})
	}
	return res, nil
}

// decodeKeyPackage accepts a KeyPackage framed as an MLSMessage or bare.
func decodeKeyPackage(b []byte) (*mls.KeyPackage, error) {
	if m, err := mls.DecodeMLSMessage(b); err == nil {
		if m.KeyPackage == nil {
			return nil, errors.New("not a key package")
		}
		return m.KeyPackage, nil
	}
	return mls.DecodeKeyPackage(b)
}
