package messaging

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	"github.com/switchboard-nhs/switchboard/internal/fault"
	"github.com/switchboard-nhs/switchboard/internal/identity"
	"github.com/switchboard-nhs/switchboard/internal/mls"
)

// LowStock is the stock below which a device is told to upload more.
const LowStock = 10

const maxUpload = 100 // KeyPackages in one upload

// UploadKeyPackages validates and stores the calling device's KeyPackages
// (MLSMessages) and returns its stock.
func (s *Service) UploadKeyPackages(ctx context.Context, p *identity.Principal, kps [][]byte, lastResort []byte) (int, error) {
	if len(kps) > maxUpload {
		return 0, fault.Invalidf(fmt.Sprintf("Upload at most %d KeyPackages at a time.", maxUpload))
	}
	cred, err := s.store.Credential(ctx, p.Device.ID)
	if fault.Is(err, fault.NotFound) {
		return 0, fault.New(fault.Conflict, "Register this device's signature key (PUT /api/mls/credential) before uploading KeyPackages.")
	}
	if err != nil {
		return 0, fmt.Errorf("upload key packages: %w", err)
	}
	var out []*KeyPackage
	for i, b := range kps {
		kp, err := s.checkKeyPackage(cred, b)
		if err != nil {
			return 0, fault.Wrap(fault.Invalid, fmt.Sprintf("KeyPackage %d is not valid: %s.", i, err), err)
		}
		out = append(out, kp)
	}
	var lr *KeyPackage
	if lastResort != nil {
		if lr, err = s.checkKeyPackage(cred, lastResort); err != nil {
			return 0, fault.Wrap(fault.Invalid, fmt.Sprintf("The last-resort KeyPackage is not valid: %s.", err), err)
		}
		lr.LastResort = true
	}
	n, err := s.store.AddKeyPackages(ctx, p.Device.ID, out, lr)
	if err != nil {
		return 0, err
	}
	// A device that can be added now joins its person's conversations.
	s.DeviceReady(ctx, p.User.ID)
	return n, nil
}

// checkKeyPackage validates one KeyPackage against the device's credential:
// suite 1, signatures, lifetime, and the credential the service issued.
func (s *Service) checkKeyPackage(cred *Credential, b []byte) (*KeyPackage, error) {
	if len(b) > 16<<10 {
		return nil, fmt.Errorf("it is larger than 16 KiB")
	}
	kp, err := mls.InspectKeyPackage(b)
	if err != nil {
		return nil, fmt.Errorf("it cannot be decoded")
	}
	now := s.now().Unix()
	check := mls.LeafNodeCheck{Now: uint64(max(now, 0)), Credential: func(c *mls.Credential, key []byte) error {
		if c.Type != mls.CredentialTypeBasic || !bytes.Equal(c.Identity, cred.Identity) || !bytes.Equal(key, cred.SignatureKey) {
			return fmt.Errorf("not this device's current credential")
		}
		return nil
	}}
	if err := kp.Validate(check); err != nil {
		msg := err.Error()
		msg = strings.TrimPrefix(msg, mls.ErrInvalidKeyPackage.Error()+": ")
		return nil, fmt.Errorf("%s", msg)
	}
	return &KeyPackage{Ref: kp.Ref(), Device: cred.Device, Data: b, CreatedAt: s.now()}, nil
}

// ClaimedKeyPackage is one KeyPackage handed out by Claim.
type ClaimedKeyPackage struct {
	Device     string
	Email      string
	KeyPackage []byte
}

// Claim hands out one KeyPackage for each active device of each user named
// by email (the caller's own other devices included, the calling device
// excluded).
func (s *Service) Claim(ctx context.Context, p *identity.Principal, emails []string) ([]ClaimedKeyPackage, error) {
	if len(emails) == 0 || len(emails) > 100 {
		return nil, fault.Invalidf("Name between 1 and 100 email addresses.")
	}
	var out []ClaimedKeyPackage
	for _, e := range emails {
		e = strings.ToLower(strings.TrimSpace(e))
		u, err := s.ids.UserByEmail(ctx, e)
		if err != nil || u.OrgID != p.Org.ID {
			return nil, fault.Invalidf(fmt.Sprintf("There is no one with the email address %s in your organisation.", e))
		}
		devices, err := s.ids.ListDevices(ctx, u.ID)
		if err != nil {
			return nil, fmt.Errorf("claim: %w", err)
		}
		for _, d := range devices {
			if d.Revoked() || d.ID == p.Device.ID {
				continue
			}
			data, stock, err := s.store.ClaimKeyPackage(ctx, d.ID, s.now())
			if fault.Is(err, fault.NotFound) {
				continue // a device that never uploaded cannot be added
			}
			if err != nil {
				return nil, fmt.Errorf("claim: %w", err)
			}
			out = append(out, ClaimedKeyPackage{Device: d.ID, Email: u.Email, KeyPackage: data})
			if stock < LowStock {
				s.notify(ctx, d.ID, stockFrame(stock))
			}
		}
	}
	return out, nil
}

// Stock returns the calling device's stock of unclaimed KeyPackages.
func (s *Service) Stock(ctx context.Context, p *identity.Principal) (int, error) {
	return s.store.KeyPackageStock(ctx, p.Device.ID)
}

// notify publishes a notice for one device; failure only delays it.
func (s *Service) notify(ctx context.Context, device string, frame []byte) {
	if err := s.bus.Publish(ctx, Event{Device: device, Notice: frame}); err != nil {
		s.log.Warn("publish notice", "device", device, "err", err)
	}
}
