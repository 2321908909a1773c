package mls

// Transcript hashes (RFC 9420 §8.2).
//
// confirmed_transcript_hash_[n] = Hash(interim_transcript_hash_[n-1] ||
//     ConfirmedTranscriptHashInput_[n])
// interim_transcript_hash_[n] = Hash(confirmed_transcript_hash_[n] ||
//     InterimTranscriptHashInput_[n])

// confirmedTranscriptHash computes the new confirmed transcript hash from
// the previous interim hash and the encoded ConfirmedTranscriptHashInput
// (wire format, FramedContent and signature of the commit).
func confirmedTranscriptHash(interimBefore, confirmedInput []byte) []byte {
	buf := make([]byte, 0, len(interimBefore)+len(confirmedInput))
	buf = append(buf, interimBefore...)
	buf = append(buf, confirmedInput...)
	return Hash(buf)
}

// interimTranscriptHash computes the interim transcript hash from the
// confirmed hash and the commit's confirmation tag.
func interimTranscriptHash(confirmed, confirmationTag []byte) []byte {
	var e Encoder
	e.Raw(confirmed)
	e.Opaque(confirmationTag)
	return Hash(e.Bytes())
}

// confirmationTag computes the MAC over the confirmed transcript hash.
func confirmationTag(confirmationKey, confirmed []byte) []byte {
	return MAC(confirmationKey, confirmed)
}
