package mls

// epochSecrets are the secrets of one epoch derived by the key schedule
// (RFC 9420 §8). The joiner, welcome and epoch secrets are intermediate and
// are zeroed once the others are derived, except where a caller still
// needs them (the joiner secret when building a Welcome).
type epochSecrets struct {
	joiner         []byte
	welcome        []byte
	senderData     []byte
	encryption     []byte
	exporter       []byte
	external       []byte
	confirmation   []byte
	membership     []byte
	resumption     []byte
	authentication []byte
	init           []byte
}

// joinerSecret computes joiner_secret from the previous epoch's init secret,
// the commit secret and the new GroupContext.
func joinerSecret(initSecret, commitSecret, groupContext []byte) ([]byte, error) {
	prk := Extract(initSecret, commitSecret)
	defer zero(prk)
	return ExpandWithLabel(prk, "joiner", groupContext, HashLen)
}

// welcomeKeyNonce derives the key and nonce that encrypt a Welcome's
// GroupInfo from joiner_secret and psk_secret.
func welcomeKeyNonce(joiner, psk []byte) (keyNonce, error) {
	member := Extract(joiner, psk)
	defer zero(member)
	ws, err := DeriveSecret(member, "welcome")
	if err != nil {
		return keyNonce{}, err
	}
	defer zero(ws)
	key, err := ExpandWithLabel(ws, "key", nil, AEADKeyLen)
	if err != nil {
		return keyNonce{}, err
	}
	nonce, err := ExpandWithLabel(ws, "nonce", nil, AEADNonceLen)
	if err != nil {
		return keyNonce{}, err
	}
	return keyNonce{key: key, nonce: nonce}, nil
}

// deriveEpochSecrets runs the key schedule from joiner_secret, psk_secret
// and the encoded GroupContext of the new epoch.
func deriveEpochSecrets(joiner, psk, groupContext []byte) (*epochSecrets, error) {
	member := Extract(joiner, psk)
	defer zero(member)
	s := &epochSecrets{joiner: append([]byte(nil), joiner...)}
	var err error
	if s.welcome, err = DeriveSecret(member, "welcome"); err != nil {
		return nil, err
	}
	epoch, err := ExpandWithLabel(member, "epoch", groupContext, HashLen)
	if err != nil {
		return nil, err
	}
	defer zero(epoch)
	for _, d := range []struct {
		dst   *[]byte
		label string
	}{
		{&s.senderData, "sender data"},
		{&s.encryption, "encryption"},
		{&s.exporter, "exporter"},
		{&s.external, "external"},
		{&s.confirmation, "confirm"},
		{&s.membership, "membership"},
		{&s.resumption, "resumption"},
		{&s.authentication, "authentication"},
		{&s.init, "init"},
	} {
		if *d.dst, err = DeriveSecret(epoch, d.label); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// wipe zeroes every secret held.
func (s *epochSecrets) wipe() {
	for _, b := range [][]byte{s.joiner, s.welcome, s.senderData, s.encryption,
		s.exporter, s.external, s.confirmation, s.membership, s.resumption,
		s.authentication, s.init} {
		zero(b)
	}
}

// exportSecret implements MLS-Exporter(label, context, length)
// (RFC 9420 §8.5).
func exportSecret(exporterSecret []byte, label string, context []byte, length int) ([]byte, error) {
	derived, err := DeriveSecret(exporterSecret, label)
	if err != nil {
		return nil, err
	}
	defer zero(derived)
	return ExpandWithLabel(derived, "exported", Hash(context), length)
}

// externalPublicKey returns the HPKE public key derived from the epoch's
// external secret (RFC 9420 §8.3).
func externalPublicKey(externalSecret []byte) ([]byte, error) {
	priv, pub, err := DeriveKeyPair(externalSecret)
	zero(priv)
	return pub, err
}
