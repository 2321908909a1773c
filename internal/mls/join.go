package mls

import (
	"bytes"
	"fmt"
)

func welcomeErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidWelcome, fmt.Sprintf(format, args...))
}

// JoinGroup joins a group from a Welcome addressed to the KeyPackage kp
// whose private keys are priv (RFC 9420 §12.4.3.1). tree is the group's
// ratchet tree if it was sent beside the Welcome; nil means the GroupInfo
// must carry it in a ratchet_tree extension. The private keys are copied;
// the caller should delete priv and the KeyPackage afterwards.
func JoinGroup(cfg Config, welcome *Welcome, kp *KeyPackage, priv *KeyPackagePrivate, tree *RatchetTree) (*Group, error) {
	if welcome.CipherSuite != CipherSuiteMLS128X25519 || kp.CipherSuite != welcome.CipherSuite {
		return nil, welcomeErr("cipher suite %d", welcome.CipherSuite)
	}
	g := &Group{
		cfg:        cfg,
		sigPriv:    bytes.Clone(priv.SignaturePriv),
		resumption: make(map[uint64][]byte),
		updateKeys: make(map[string][]byte),
	}
	gs, gi, psk, err := openWelcome(welcome, kp, priv.InitPriv, g.resolvePSKs)
	if err != nil {
		return nil, err
	}
	defer gs.wipe()
	defer zero(psk)
	gc := gi.GroupContext
	if gc.Version != ProtocolVersionMLS10 || gc.CipherSuite != welcome.CipherSuite {
		return nil, welcomeErr("group context version or suite mismatch")
	}

	if tree == nil {
		b, ok := gi.Extensions.Find(ExtensionRatchetTree)
		if !ok {
			return nil, welcomeErr("no ratchet tree")
		}
		if tree, err = DecodeRatchetTree(b); err != nil {
			return nil, welcomeErr("ratchet tree: %v", err)
		}
	} else {
		tree = tree.Clone()
	}
	g.ctx = gc
	// Lifetimes are not checked in a received tree: a member who never
	// updates keeps its KeyPackage leaf, and RFC 9420 §7.3 only recommends
	// the check there. KeyPackages being added are checked.
	check := TreeCheck{GroupID: gc.GroupID, Credential: cfg.credential()}
	if err := checkKnownExtensions(gc.Extensions); err != nil {
		return nil, welcomeErr("%v", err)
	}
	if rc, ok := requiredCapabilities(gc.Extensions); ok {
		check.Required = rc
	}
	if err := tree.Validate(check); err != nil {
		return nil, welcomeErr("%v", err)
	}
	if !bytes.Equal(tree.TreeHash(), gc.TreeHash) {
		return nil, welcomeErr("tree hash mismatch")
	}
	signer := tree.Leaf(leafIndex(gi.Signer))
	if signer == nil {
		return nil, welcomeErr("signer leaf %d is blank", gi.Signer)
	}
	if err := gi.verify(signer.SignatureKey); err != nil {
		return nil, welcomeErr("%v", err)
	}
	own, ok := findLeaf(tree, &kp.LeafNode)
	if !ok {
		return nil, welcomeErr("own leaf not in the tree")
	}
	g.own = own
	if g.keys, err = NewTreePrivateKeys(own, priv.EncryptionPriv); err != nil {
		return nil, err
	}
	g.tree = tree
	if gs.PathSecret != nil {
		if err := g.keys.ImportPathSecret(tree, leafIndex(gi.Signer), gs.PathSecret); err != nil {
			g.keys.Wipe()
			return nil, welcomeErr("%v", err)
		}
	}
	gcBytes := gc.Bytes()
	if g.secrets, err = deriveEpochSecrets(gs.JoinerSecret, psk, gcBytes); err != nil {
		g.keys.Wipe()
		return nil, err
	}
	if !verifyMAC(g.secrets.confirmation, gc.ConfirmedTranscriptHash, gi.ConfirmationTag) {
		g.Close()
		return nil, welcomeErr("confirmation tag mismatch")
	}
	g.confTag = bytes.Clone(gi.ConfirmationTag)
	g.interim = interimTranscriptHash(gc.ConfirmedTranscriptHash, gi.ConfirmationTag)
	g.startEpoch()
	return g, nil
}

// openWelcome finds the GroupSecrets addressed to kp in a Welcome,
// decrypts them with the init private key, and decrypts the GroupInfo.
// It returns the secrets, the GroupInfo and the PSK secret; the GroupInfo
// signature and confirmation tag are not checked here.
func openWelcome(w *Welcome, kp *KeyPackage, initPriv []byte,
	resolvePSKs func([]PreSharedKeyID) ([]pskInput, error),
) (*GroupSecrets, *GroupInfo, []byte, error) {
	ref := kp.Ref()
	var egs *EncryptedGroupSecrets
	for i := range w.Secrets {
		if bytes.Equal(w.Secrets[i].NewMember, ref) {
			egs = &w.Secrets[i]
			break
		}
	}
	if egs == nil {
		return nil, nil, nil, welcomeErr("not addressed to this key package")
	}
	gsBytes, err := DecryptWithLabel(initPriv, "Welcome", w.EncryptedGroupInfo,
		egs.EncryptedGroupSecrets.KEMOutput, egs.EncryptedGroupSecrets.Ciphertext)
	if err != nil {
		return nil, nil, nil, welcomeErr("group secrets: %v", err)
	}
	defer zero(gsBytes)
	gs := new(GroupSecrets)
	if err := decodeAll(gsBytes, gs.Decode); err != nil {
		return nil, nil, nil, welcomeErr("group secrets: %v", err)
	}
	psks, err := resolvePSKs(gs.PSKs)
	if err != nil {
		gs.wipe()
		return nil, nil, nil, welcomeErr("%v", err)
	}
	psk, err := pskSecret(psks)
	if err != nil {
		gs.wipe()
		return nil, nil, nil, err
	}
	wkn, err := welcomeKeyNonce(gs.JoinerSecret, psk)
	if err != nil {
		gs.wipe()
		zero(psk)
		return nil, nil, nil, err
	}
	defer wkn.wipe()
	giBytes, err := aeadOpen(wkn.key, wkn.nonce, nil, w.EncryptedGroupInfo)
	if err != nil {
		gs.wipe()
		zero(psk)
		return nil, nil, nil, welcomeErr("group info: %v", err)
	}
	gi := new(GroupInfo)
	if err := decodeAll(giBytes, gi.Decode); err != nil {
		gs.wipe()
		zero(psk)
		return nil, nil, nil, welcomeErr("group info: %v", err)
	}
	return gs, gi, psk, nil
}

// findLeaf returns the index of the leaf equal to want.
func findLeaf(tree *RatchetTree, want *LeafNode) (leafIndex, bool) {
	enc := want.Bytes()
	for _, i := range tree.Members() {
		if bytes.Equal(tree.Leaf(i).Bytes(), enc) {
			return i, true
		}
	}
	return 0, false
}
