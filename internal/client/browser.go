package client

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/switchboard-nhs/switchboard/internal/fault"
)

// errWrongPIN is the browser's wording of a wrong passphrase.
var errWrongPIN = fault.New(fault.Forbidden, "The PIN is not right. Check it and try again.")

// Attach opens the device's store in a browser that has already signed in
// through the web pages: the session cookie authenticates every request
// (opts.HTTPClient adds the CSRF token). With no store yet, or a store
// left by another account or device, it starts a new one under the PIN in
// opts.Passphrase; it then registers the device's MLS credential and tops
// up its KeyPackages, as Login does.
func Attach(ctx context.Context, opts Options, server string) (*Client, error) {
	c, err := newClient(opts)
	if err != nil {
		return nil, err
	}
	c.api.base = strings.TrimRight(server, "/")
	unlock, err := c.b.Lock(ctx)
	if err != nil {
		return nil, err
	}
	defer unlock()
	var me meResp
	if err := c.api.do(ctx, "GET", "/api/me", nil, &me); err != nil {
		return nil, err
	}
	var old *profile
	if _, err := c.b.Get(headerKey); err == nil {
		if c.v, err = openVault(c.b, opts.Passphrase); err != nil {
			if errors.Is(err, errWrongPassphrase) {
				return nil, errWrongPIN
			}
			return nil, err
		}
		var p profile
		switch err := c.v.get("profile", &p); {
		case err == nil && p.UserID == me.User.ID && p.DeviceID == me.DeviceID:
			old = &p
		case err == nil || errors.Is(err, ErrNotFound):
			// Another account or device used this browser; its store is
			// of no use here.
			if err := c.b.Erase(); err != nil {
				return nil, fmt.Errorf("erase another account's store: %w", err)
			}
			c.v = nil
		default:
			return nil, fmt.Errorf("read profile: %w", err)
		}
	}
	if c.v == nil {
		kdf := opts.KDF
		if kdf == (KDF{}) {
			kdf = DefaultKDF()
		}
		if c.v, err = createVault(c.b, opts.Passphrase, kdf); err != nil {
			return nil, err
		}
	}
	if old != nil && old.Identity != nil && old.ServiceKey != nil {
		c.prof = *old
		c.prof.Email, c.prof.Org = me.User.Email, me.User.Org.ODS
	} else {
		c.prof = profile{Server: c.api.base, UserID: me.User.ID, Email: me.User.Email, Org: me.User.Org.ODS, DeviceID: me.DeviceID}
		if err := c.registerCredential(ctx, nil); err != nil {
			return nil, err
		}
	}
	if err := c.v.put("profile", &c.prof); err != nil {
		return nil, err
	}
	if err := c.refillKeyPackages(ctx); err != nil {
		return nil, err
	}
	return c, nil
}

// VerifyPIN reports whether pin opens the store in b, without touching
// the server. It returns nil for the right PIN.
func VerifyPIN(b Backend, pin []byte) error {
	_, err := openVault(b, pin)
	if errors.Is(err, errWrongPassphrase) {
		return errWrongPIN
	}
	return err
}

// Erase removes the device's store: the person signed out.
func (c *Client) Erase(ctx context.Context) error {
	unlock, err := c.lock(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	return c.b.Erase()
}
