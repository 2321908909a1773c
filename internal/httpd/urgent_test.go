package httpd

import (
	"testing"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/incident"
	"github.com/switchboard-nhs/switchboard/internal/messaging"
	"github.com/switchboard-nhs/switchboard/internal/wire"
)

// TestUrgentRenotifies: an urgent message pushes its recipient at once and
// again every 2 minutes (the clock moved, the sweep run by hand) until
// acknowledged; every push is the same fixed sentence.
func TestUrgentRenotifies(t *testing.T) {
	f := newMsgFixture(t, testLimits())
	ann := f.device("ann@example.nhs.uk")
	bob := f.device("bob@example.nhs.uk")
	id := ann.create("bob@example.nhs.uk")
	bob.join()
	inbox := newPushInbox(t)
	ua, auth := subscribePush(t, bob, inbox.srv.URL+"/push/bob")
	// payloads reads pushes until one says want, failing on any other
	// than the two fixed sentences.
	await := func(want string) {
		t.Helper()
		deadline := time.After(10 * time.Second)
		for {
			select {
			case body := <-inbox.bodies:
				pt, err := decryptPush(body, ua, auth)
				if err != nil {
					t.Fatal(err)
				}
				if string(pt) != messaging.PushPayload && string(pt) != messaging.PushUrgent {
					t.Fatalf("push payload %q; want only a fixed sentence", pt)
				}
				if string(pt) == want {
					return
				}
			case <-deadline:
				t.Fatalf("no %s push", want)
			}
		}
	}
	const secret = "Bed 4: NHS 943 476 5919 deteriorating"
	ann.send(id, "u1", secret)
	var u wire.Urgent
	if code := ann.do("POST", "/api/conversations/"+id+"/urgent", wire.MarkUrgent{Message: "u1"}, &u); code != 200 || !u.Open {
		t.Fatalf("mark urgent = %d %+v", code, u)
	}
	await(messaging.PushUrgent)
	if code := bob.do("POST", "/api/conversations/"+id+"/urgent", wire.MarkUrgent{Message: "u1"}, nil); code != 400 {
		t.Errorf("marking a message one did not send urgent = %d; want 400", code)
	}

	f.clk.add(incident.RenotifyEvery + time.Second)
	f.inc.Sweep(t.Context())
	await(messaging.PushUrgent)

	// bob's device receives it: ann's socket hears, and her view of it
	// says he has it.
	c := ann.dial(nil)
	until(t, c, "ready")
	var list wire.UrgentList
	ann.do("GET", "/api/conversations/"+id+"/urgent", nil, &list)
	if code := bob.do("POST", "/api/conversations/"+id+"/cursor", map[string]int64{"seq": int64(list.Urgent[0].Seq)}, nil); code >= 300 {
		t.Fatalf("cursor = %d", code)
	}
	if f := until(t, c, "urgent"); f["id"] != "u1" || f["conversation"] != id {
		t.Errorf("urgent frame %v; want u1 in %s", f, id)
	}
	ann.do("GET", "/api/conversations/"+id+"/urgent", nil, &list)
	if r := list.Urgent[0].Recipients; len(r) != 1 || !r[0].Delivered || r[0].Acknowledged != "" {
		t.Errorf("recipients %+v; want bob delivered, not acknowledged", r)
	}

	if code := bob.do("POST", "/api/conversations/"+id+"/urgent/u1/ack", nil, &u); code != 200 || u.Open {
		t.Fatalf("acknowledge = %d %+v; want it closed", code, u)
	}
	if code := bob.do("POST", "/api/conversations/"+id+"/urgent/zz/ack", nil, nil); code != 404 {
		t.Errorf("acknowledging an unknown message = %d; want 404", code)
	}
	var pending wire.UrgentList
	if code := bob.do("GET", "/api/urgent", nil, &pending); code != 200 || len(pending.Urgent) != 0 {
		t.Errorf("GET /api/urgent = %d %+v; want nothing left", code, pending)
	}
	f.clk.add(incident.RenotifyEvery + time.Second)
	f.inc.Sweep(t.Context())
	due, err := f.store.DueUrgent(t.Context(), f.clk.now(), f.clk.now())
	if err != nil || len(due) != 0 {
		t.Errorf("due after acknowledgement: %v, %v; want none", due, err)
	}
}
