package wire

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"testing"
	"time"
)

func testKey(t testing.TB) ed25519.PrivateKey {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return priv
}

// TestDeletionSignature: a device accepts a deletion entry only as the
// service signed it, for the conversation it arrived in.
func TestDeletionSignature(t *testing.T) {
	key, other := testKey(t), testKey(t)
	pub := []byte(key.Public().(ed25519.PublicKey))
	d := &Deletion{Org: "RXX", Conversation: "c1", Ranges: [][2]uint64{{3, 5}, {9, 9}}, Filing: "f1", At: time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)}
	data, err := SignDeletion(key, d)
	if err != nil {
		t.Fatal(err)
	}
	got, err := OpenDeletion(data, pub, "c1")
	if err != nil || got.Filing != "f1" || !got.Covers(4) || !got.Covers(9) || got.Covers(6) || got.Covers(2) {
		t.Fatalf("OpenDeletion = %+v, %v", got, err)
	}
	if _, err := OpenDeletion(data, pub, "c2"); err == nil {
		t.Error("a deletion entry for another conversation was accepted")
	}
	forged, _ := SignDeletion(other, d)
	if _, err := OpenDeletion(forged, pub, "c1"); err == nil {
		t.Error("a deletion entry signed by another key was accepted")
	}
	var sd SignedDeletion
	json.Unmarshal(data, &sd)
	sd.Deletion = []byte(`{"org":"RXX","conversation":"c1","ranges":[[1,100]]}`)
	tampered, _ := json.Marshal(sd)
	if _, err := OpenDeletion(tampered, pub, "c1"); err == nil {
		t.Error("a deletion entry whose ranges were changed was accepted")
	}
}

// FuzzOpenDeletion: whatever arrives as a deletion entry, opening it
// never panics, and only the service's signature opens it.
func FuzzOpenDeletion(f *testing.F) {
	key := testKey(f)
	pub := []byte(key.Public().(ed25519.PublicKey))
	good, _ := SignDeletion(key, &Deletion{Conversation: "c1", Ranges: [][2]uint64{{1, 2}}})
	f.Add(good)
	f.Add([]byte(`{"deletion":"e30=","signature":""}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := OpenDeletion(data, pub, "c1")
		if err == nil && d.Conversation != "c1" {
			t.Fatalf("opened a deletion entry for %q", d.Conversation)
		}
	})
}
