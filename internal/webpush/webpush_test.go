package webpush

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestRefusesInternalAddresses: the client's dialer refuses every
// non-public address, whatever name led to it, before connecting.
func TestRefusesInternalAddresses(t *testing.T) {
	s := New("", "", "mailto:ops@example.nhs.uk", false)
	for _, host := range []string{"127.0.0.1", "10.1.2.3", "[::1]", "169.254.169.254", "100.64.0.9", "[fd00:ec2::254]", "[64:ff9b::a00:1]", "localhost"} {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		req, _ := http.NewRequestWithContext(ctx, "POST", "https://"+host+"/push", nil)
		_, err := s.client.Do(req)
		cancel()
		if err == nil || !strings.Contains(err.Error(), "is not public") {
			t.Errorf("push to %s = %v; want it refused as not public", host, err)
		}
	}
	loop := New("", "", "mailto:ops@example.nhs.uk", true)
	req, _ := http.NewRequest("POST", "http://127.0.0.1:1/push", nil)
	if _, err := loop.client.Do(req); err == nil || strings.Contains(err.Error(), "is not public") {
		t.Errorf("push to 127.0.0.1 with loopback allowed = %v; want a connection error, not a refusal", err)
	}
}
