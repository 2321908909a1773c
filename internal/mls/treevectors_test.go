package mls

import (
	"encoding/hex"
	"encoding/json"
)

// hexBytes is a byte string carried as hex in the vector files.
type hexBytes []byte

// UnmarshalJSON decodes a hex string.
func (h *hexBytes) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	d, err := hex.DecodeString(s)
	if err != nil {
		return err
	}
	*h = d
	return nil
}
