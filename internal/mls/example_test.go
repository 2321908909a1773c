package mls_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/mls"
)

// Example shows the life of a two-member group as the messaging layer
// drives it: key packages, an Add commit with its Welcome, joining, and
// an application message.
func Example() {
	now := time.Now()
	cfg := mls.Config{
		Now:          func() time.Time { return now },
		PaddingBlock: 32,
		// The authentication service: accept only credentials the server
		// has bound to a registered device (here: any non-empty identity).
		ValidateCredential: func(c *mls.Credential, signatureKey []byte) error {
			if c.Type != mls.CredentialTypeBasic || len(c.Identity) == 0 {
				return errors.New("unregistered device")
			}
			return nil
		},
	}
	newDevice := func(name string) (*mls.KeyPackage, *mls.KeyPackagePrivate, error) {
		sigPriv, _, err := mls.GenerateSignatureKeyPair()
		if err != nil {
			return nil, nil, err
		}
		return mls.NewKeyPackage(mls.NewBasicCredential([]byte(name)), sigPriv, now, 30*24*time.Hour)
	}
	aliceKP, alicePriv, err := newDevice("alice/phone")
	if err != nil {
		fmt.Println(err)
		return
	}
	bobKP, bobPriv, err := newDevice("bob/laptop")
	if err != nil {
		fmt.Println(err)
		return
	}

	alice, err := mls.CreateGroup(cfg, []byte("ward-7-handover"), aliceKP, alicePriv)
	if err != nil {
		fmt.Println(err)
		return
	}
	out, err := alice.Commit(mls.CommitOptions{Add: []*mls.KeyPackage{bobKP}, RatchetTreeInWelcome: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	// ... the delivery service accepts out.Commit for epoch 0 ...
	if err := alice.MergePendingCommit(); err != nil {
		fmt.Println(err)
		return
	}

	welcome, err := mls.DecodeMLSMessage(out.Welcome)
	if err != nil {
		fmt.Println(err)
		return
	}
	bob, err := mls.JoinGroup(cfg, welcome.Welcome, bobKP, bobPriv, nil)
	if err != nil {
		fmt.Println(err)
		return
	}

	ct, err := alice.Protect([]byte("bed 4 needs review"), nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	r, err := bob.Process(ct)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("epoch %d, leaf %d says %q\n", bob.Epoch(), r.Sender.Index, r.ApplicationData)
	// Output: epoch 1, leaf 0 says "bed 4 needs review"
}
