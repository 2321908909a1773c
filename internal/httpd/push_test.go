package httpd

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/fault"
	"github.com/switchboard-nhs/switchboard/internal/messaging"
	"github.com/switchboard-nhs/switchboard/internal/mls"
)

// pushInbox is a push service: it keeps what it is sent.
type pushInbox struct {
	srv    *httptest.Server
	bodies chan []byte
}

func newPushInbox(t *testing.T) *pushInbox {
	in := &pushInbox{bodies: make(chan []byte, 16)}
	in.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.Header.Get("Authorization"), "vapid ") || r.Header.Get("Content-Encoding") != "aes128gcm" {
			http.Error(w, "bad push", 400)
			return
		}
		b, _ := io.ReadAll(r.Body)
		in.bodies <- b
		w.WriteHeader(http.StatusCreated)
	}))
	t.Cleanup(in.srv.Close)
	return in
}

// subscribePush subscribes d's pushes at endpoint with fresh keys, and
// returns the private key and auth secret that open them.
func subscribePush(t *testing.T, d *tdev, endpoint string) (*ecdh.PrivateKey, []byte) {
	t.Helper()
	ua, _ := ecdh.P256().GenerateKey(rand.Reader)
	auth := make([]byte, 16)
	rand.Read(auth)
	enc := base64.RawURLEncoding
	sub := map[string]any{"endpoint": endpoint,
		"keys": map[string]string{"p256dh": enc.EncodeToString(ua.PublicKey().Bytes()), "auth": enc.EncodeToString(auth)}}
	if code := d.do("POST", "/api/push/subscriptions", sub, nil); code != 201 {
		t.Fatalf("subscribe = %d", code)
	}
	return ua, auth
}

// decryptPush opens an RFC 8291 aes128gcm push body with the
// subscription's private key and auth secret.
func decryptPush(body []byte, ua *ecdh.PrivateKey, auth []byte) ([]byte, error) {
	if len(body) < 21 {
		return nil, fmt.Errorf("short body")
	}
	salt, idlen := body[:16], int(body[20])
	_ = binary.BigEndian.Uint32(body[16:20])
	asPub, err := ecdh.P256().NewPublicKey(body[21 : 21+idlen])
	if err != nil {
		return nil, err
	}
	secret, err := ua.ECDH(asPub)
	if err != nil {
		return nil, err
	}
	info := append(append([]byte("WebPush: info\x00"), ua.PublicKey().Bytes()...), asPub.Bytes()...)
	ikm, err := hkdf.Key(sha256.New, secret, auth, string(info), 32)
	if err != nil {
		return nil, err
	}
	cek, _ := hkdf.Key(sha256.New, ikm, salt, "Content-Encoding: aes128gcm\x00", 16)
	nonce, _ := hkdf.Key(sha256.New, ikm, salt, "Content-Encoding: nonce\x00", 12)
	block, _ := aes.NewCipher(cek)
	gcm, _ := cipher.NewGCM(block)
	pt, err := gcm.Open(nil, nonce, body[21+idlen:], nil)
	if err != nil {
		return nil, err
	}
	pt = bytes.TrimRight(pt, "\x00")
	if len(pt) == 0 || pt[len(pt)-1] != 2 {
		return nil, fmt.Errorf("no padding delimiter")
	}
	return pt[:len(pt)-1], nil
}

func TestPushIsContentFree(t *testing.T) {
	f := newMsgFixture(t, testLimits())
	ann := f.device("ann@example.nhs.uk")
	bob := f.device("bob@example.nhs.uk")
	id := ann.create("bob@example.nhs.uk")
	bob.join()
	inbox := newPushInbox(t)
	ua, auth := subscribePush(t, bob, inbox.srv.URL+"/push/bob")
	enc := base64.RawURLEncoding
	const secret = "Bed 4: NHS 943 476 5919 needs review"
	ann.send(id, "p1", secret)
	select {
	case body := <-inbox.bodies:
		pt, err := decryptPush(body, ua, auth)
		if err != nil {
			t.Fatalf("decrypt push: %v", err)
		}
		if string(pt) != messaging.PushPayload {
			t.Errorf("push payload = %q; want %q", pt, messaging.PushPayload)
		}
		if len(body) < 4096 {
			t.Errorf("push body is %d bytes; want it padded to a full record so its size says nothing", len(body))
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no push arrived within 10 s for a device without a socket")
	}

	t.Run("a subscription the push service has dropped is forgotten", func(t *testing.T) {
		gone := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusGone) }))
		defer gone.Close()
		cat := f.device("cat@example.nhs.uk")
		sub := map[string]any{"endpoint": gone.URL + "/push/cat",
			"keys": map[string]string{"p256dh": enc.EncodeToString(ua.PublicKey().Bytes()), "auth": enc.EncodeToString(auth)}}
		if code := cat.do("POST", "/api/push/subscriptions", sub, nil); code != 201 {
			t.Fatalf("subscribe = %d", code)
		}
		ann.read(id, 0)
		if code, _ := ann.commit(id, mls.CommitOptions{Add: ann.claim("cat@example.nhs.uk"), RatchetTreeInWelcome: true}); code != 200 {
			t.Fatalf("add cat = %d", code)
		}
		ann.send(id, "p2", "to cat")
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			if _, err := f.store.PushSubscription(context.Background(), cat.id); fault.Is(err, fault.NotFound) {
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Error("a subscription answered 410 Gone was kept")
	})

	t.Run("endpoints must be https push services", func(t *testing.T) {
		for _, ep := range []string{"http://push.example.com/x", "https://10.0.0.1/x", "https://localhost/x",
			"https://169.254.169.254/latest", "https://[::1]/x", "ftp://push.example.com/", "http://127.0.0.2/x"} {
			s := map[string]any{"endpoint": ep, "keys": map[string]string{"p256dh": "x", "auth": "y"}}
			var out map[string]string
			if code := bob.do("POST", "/api/push/subscriptions", s, &out); code != 400 || out["error"] == "" {
				t.Errorf("subscribe %s = %d %v; want 400 with a sentence", ep, code, out)
			}
		}
	})
}

func TestAttachmentsMembersOnly(t *testing.T) {
	l := testLimits()
	l.MaxAttachment = 1 << 20
	f := newMsgFixture(t, l)
	ann := f.device("ann@example.nhs.uk")
	bob := f.device("bob@example.nhs.uk")
	eve := f.device("eve@example.nhs.uk")
	id := ann.create("bob@example.nhs.uk")
	bob.join()
	blob := make([]byte, 5000)
	rand.Read(blob)
	put := func(d *tdev, body []byte) (int, string) {
		req, _ := http.NewRequest("POST", f.ts.URL+"/api/conversations/"+id+"/attachments", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/octet-stream")
		req.Header.Set("Authorization", "Bearer "+d.token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	get := func(d *tdev, aid string) (int, []byte) {
		req, _ := http.NewRequest("GET", f.ts.URL+"/api/attachments/"+aid, nil)
		req.Header.Set("Authorization", "Bearer "+d.token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, b
	}
	code, body := put(ann, blob)
	if code != 201 {
		t.Fatalf("upload = %d %s", code, body)
	}
	aid := body[strings.Index(body, `"id":"`)+6 : strings.LastIndex(body, `"`)]
	if code, b := get(bob, aid); code != 200 || !bytes.Equal(b, blob) {
		t.Errorf("member download = %d (%d bytes); want 200 and the blob", code, len(b))
	}
	if code, _ := get(eve, aid); code != 404 {
		t.Errorf("non-member download = %d; want 404", code)
	}
	if code, _ := put(eve, blob); code != 404 {
		t.Errorf("non-member upload = %d; want 404", code)
	}
	if code, body := put(ann, make([]byte, 2<<20)); code != 400 || !strings.Contains(body, "MiB") {
		t.Errorf("oversized upload = %d %s; want 400 naming the limit", code, body)
	}

	t.Run("quotas", func(t *testing.T) {
		admin := f.device("admin@example.nhs.uk", "admin", "clinician")
		var pol map[string]any
		if code := bob.do("PUT", "/api/admin/policy", map[string]int{"attachment_quota_mib": 1}, nil); code != 403 {
			t.Errorf("a clinician setting quotas = %d; want 403", code)
		}
		if code := admin.do("PUT", "/api/admin/policy", map[string]int{"attachment_quota_mib": -3}, &pol); code != 400 {
			t.Errorf("a negative quota = %d %v; want 400", code, pol)
		}
		if code := admin.do("PUT", "/api/admin/policy", map[string]int{"attachment_quota_mib": 1, "org_attachment_quota_mib": 1}, &pol); code != 200 ||
			pol["attachment_quota_mib"] != float64(1) || pol["org_attachment_quota_mib"] != float64(1) {
			t.Fatalf("set quotas = %d %v", code, pol)
		}
		half := make([]byte, 600<<10)
		if code, body := put(bob, half); code != 201 {
			t.Fatalf("upload within bob's quota = %d %s", code, body)
		}
		if code, body := put(bob, half); code != 409 || !strings.Contains(body, "You have used your 1 MiB") {
			t.Errorf("upload past bob's quota = %d %s; want 409 saying so", code, body)
		}
		if code, body := put(ann, half); code != 409 || !strings.Contains(body, "Your organisation has used its 1 MiB") {
			t.Errorf("upload past the organisation's quota = %d %s; want 409 saying so", code, body)
		}
	})
}

// TestNoPlaintextAtRest sends unique strings through real MLS clients and
// scans every file in the data directory (database, WAL) for them.
func TestNoPlaintextAtRest(t *testing.T) {
	f := newMsgFixture(t, testLimits())
	ann := f.device("ann@example.nhs.uk")
	bob := f.device("bob@example.nhs.uk")
	id := ann.create("bob@example.nhs.uk")
	bob.join()
	var secrets []string
	for i := 0; i < 20; i++ {
		s := fmt.Sprintf("canary-%x-%d", time.Now().UnixNano(), i)
		secrets = append(secrets, s)
		if code, _ := ann.send(id, fmt.Sprint("c", i), s); code != 200 {
			t.Fatalf("send = %d", code)
		}
	}
	got, _ := bob.read(id, 0)
	if len(got) != len(secrets) {
		t.Fatalf("bob decrypted %d of %d messages", len(got), len(secrets))
	}
	found := 0
	filepath.Walk(f.dir, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return nil
		}
		b, _ := os.ReadFile(path)
		for _, s := range secrets {
			if bytes.Contains(b, []byte(s)) {
				t.Errorf("%s holds the plaintext %q", filepath.Base(path), s)
				found++
			}
		}
		return nil
	})
	if found == 0 {
		t.Logf("scanned %s: no plaintext", f.dir)
	}
}
