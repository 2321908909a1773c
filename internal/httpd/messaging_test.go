package httpd

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/switchboard-nhs/switchboard/internal/messaging"
	"github.com/switchboard-nhs/switchboard/internal/mls"
	"github.com/switchboard-nhs/switchboard/internal/wire"
)

func TestConversationLifecycle(t *testing.T) {
	f := newMsgFixture(t, testLimits())
	ann := f.device("ann@example.nhs.uk")
	bob := f.device("bob@example.nhs.uk")
	bob2 := f.device("bob@example.nhs.uk")
	id := ann.create("bob@example.nhs.uk")
	bob.join()
	bob2.join()

	var list struct{ Conversations []conversationJSON }
	bob.do("GET", "/api/conversations", nil, &list)
	if len(list.Conversations) != 1 || len(list.Conversations[0].Members) != 3 || list.Conversations[0].Epoch != 1 {
		t.Fatalf("GET /api/conversations = %+v; want one conversation at epoch 1 with three devices", list)
	}
	leaves := []uint32{}
	for _, m := range list.Conversations[0].Members {
		leaves = append(leaves, m.Leaf)
	}
	if !cmp.Equal(leaves, []uint32{0, 1, 2}) {
		t.Errorf("leaves = %v; want [0 1 2]", leaves)
	}

	t.Run("messages both ways", func(t *testing.T) {
		if code, seq := ann.send(id, "a1", "hello from ann"); code != 200 || seq != 2 {
			t.Fatalf("send = %d, seq %d; want 200, seq 2", code, seq)
		}
		if code, _ := bob.send(id, "b1", "hello from bob"); code != 200 {
			t.Fatalf("send = %d", code)
		}
		got, _ := bob2.read(id, 0)
		if want := []string{"hello from ann", "hello from bob"}; !cmp.Equal(got, want) {
			t.Errorf("bob's second device read %q; want %q", got, want)
		}
		got, _ = ann.read(id, 0)
		if want := []string{"hello from bob"}; !cmp.Equal(got, want) {
			t.Errorf("ann read %q; want %q", got, want)
		}
	})

	t.Run("idempotent resend", func(t *testing.T) {
		_, first := ann.send(id, "same-id", "once")
		code, again := ann.send(id, "same-id", "once")
		if code != 200 || again != first {
			t.Errorf("resend = %d, seq %d; want 200, seq %d", code, again, first)
		}
		_, msgs := bob.read(id, first-1)
		n := 0
		for _, m := range msgs {
			if m.ClientID == "same-id" {
				n++
			}
		}
		if n != 1 {
			t.Errorf("stream holds %d entries with the resent client ID; want 1", n)
		}
	})

	t.Run("stale commit gets 409 with the epoch", func(t *testing.T) {
		bob.read(id, 0)
		// Bob commits first; Ann's commit for the same epoch must be refused.
		if code, _ := bob.commit(id, mls.CommitOptions{ForcePath: true}); code != 200 {
			t.Fatalf("bob's commit = %d", code)
		}
		code, res := ann.commit(id, mls.CommitOptions{ForcePath: true})
		if code != 409 || res["epoch"] != float64(2) || res["error"] == "" {
			t.Fatalf("stale commit = %d %v; want 409 with epoch 2", code, res)
		}
		// Ann fetches, merges and retries.
		ann.read(id, 0)
		if code, _ := ann.commit(id, mls.CommitOptions{ForcePath: true}); code != 200 {
			t.Fatalf("retried commit = %d", code)
		}
		code, res = ann.postStale(id)
		if code != 409 || res["epoch"] != float64(3) {
			t.Errorf("message for an old epoch = %d %v; want 409 with epoch 3", code, res)
		}
	})

	t.Run("receipts", func(t *testing.T) {
		var last struct{ Conversations []conversationJSON }
		bob.do("GET", "/api/conversations", nil, &last)
		seq := last.Conversations[0].LastSeq
		if code := bob.do("POST", "/api/conversations/"+id+"/cursor", map[string]any{"seq": seq}, nil); code != 200 {
			t.Fatalf("POST cursor = %d", code)
		}
		var rc struct {
			Cursors []struct {
				Device string
				Seq    int64
			}
		}
		ann.do("GET", "/api/conversations/"+id+"/receipts", nil, &rc)
		found := false
		for _, c := range rc.Cursors {
			if c.Device == bob.id {
				found = c.Seq == seq
			}
		}
		if !found {
			t.Errorf("receipts = %+v; want bob's device at %d", rc, seq)
		}
	})

	t.Run("a new member gets no history", func(t *testing.T) {
		cat := f.device("cat@example.nhs.uk")
		_, old := ann.send(id, "before-cat", "said before cat joined")
		ann.read(id, 0)
		if code, _ := ann.commit(id, mls.CommitOptions{Add: ann.claim("cat@example.nhs.uk"), RatchetTreeInWelcome: true}); code != 200 {
			t.Fatalf("add commit = %d", code)
		}
		cat.join()
		_, msgs := cat.read(id, 0)
		if len(msgs) != 0 {
			t.Errorf("new member read %d entries from before it joined; want none", len(msgs))
		}
		// At the ciphertext level: even given an earlier message (from
		// another member's copy), the new member's keys do not open it.
		var earlier struct{ Messages []wire.Message }
		bob2.do("GET", "/api/conversations/"+id+"/messages?after="+itoa(old-1)+"&limit=1", nil, &earlier)
		if len(earlier.Messages) != 1 {
			t.Fatalf("bob's device reads %d entries at seq %d; want ann's message", len(earlier.Messages), old)
		}
		if r, err := cat.groups[id].Process(earlier.Messages[0].Message); err == nil {
			t.Errorf("the new member opened a message from before it joined: %q", r.ApplicationData)
		}
		ann.send(id, "after-cat", "welcome cat")
		if got, _ := cat.read(id, 0); !cmp.Equal(got, []string{"welcome cat"}) {
			t.Errorf("new member read %q; want [welcome cat]", got)
		}
	})
}

// postStale sends a message made in an epoch the conversation has left.
func (d *tdev) postStale(id string) (int, map[string]any) {
	g := d.groups[id]
	ct, _ := g.Protect([]byte("late"), nil)
	m, _ := mls.DecodeMLSMessage(ct)
	m.PrivateMessage.Epoch--
	var res map[string]any
	code := d.do("POST", "/api/conversations/"+id+"/messages", map[string]any{"client_id": "stale", "message": m.Bytes()}, &res)
	return code, res
}

func TestOneCommitPerEpochUnderConcurrency(t *testing.T) {
	f := newMsgFixture(t, testLimits())
	ann := f.device("ann@example.nhs.uk")
	bob := f.device("bob@example.nhs.uk")
	id := ann.create("bob@example.nhs.uk")
	bob.join()
	// Eight commits for epoch 1, made up front, posted at once.
	var bodies []map[string]any
	for i := 0; i < 8; i++ {
		d := ann
		if i%2 == 1 {
			d = bob
		}
		out, err := d.groups[id].Commit(mls.CommitOptions{ForcePath: true})
		if err != nil {
			t.Fatal(err)
		}
		d.groups[id].DiscardPendingCommit()
		bodies = append(bodies, map[string]any{"epoch": 1, "commit": out.Commit, "dev": d})
	}
	codes := make([]int, len(bodies))
	var wg sync.WaitGroup
	for i, b := range bodies {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d := b["dev"].(*tdev)
			codes[i] = d.do("POST", "/api/conversations/"+id+"/commits", map[string]any{"epoch": 1, "commit": b["commit"]}, nil)
		}()
	}
	wg.Wait()
	slices.Sort(codes)
	if want := []int{200, 409, 409, 409, 409, 409, 409, 409}; !cmp.Equal(codes, want) {
		t.Errorf("statuses of 8 concurrent commits for one epoch = %v; want %v", codes, want)
	}
}

func TestLimits(t *testing.T) {
	l := testLimits()
	l.SendRate, l.SendBurst = 1, 3
	f := newMsgFixture(t, l)
	ann := f.device("ann@example.nhs.uk")
	id := ann.create()
	big := make([]byte, 300<<10)
	for _, tc := range []struct {
		name string
		body map[string]any
		want int
	}{
		{"too large", map[string]any{"client_id": "x", "message": big}, 400},
		{"client id too long", map[string]any{"client_id": fmt.Sprintf("%065d", 0), "message": []byte{0, 1}}, 400},
		{"not a PrivateMessage", map[string]any{"client_id": "y", "message": []byte("plain text")}, 400},
	} {
		var res map[string]string
		if code := ann.do("POST", "/api/conversations/"+id+"/messages", tc.body, &res); code != tc.want || res["error"] == "" {
			t.Errorf("%s: POST messages = %d %v; want %d with a sentence", tc.name, code, res, tc.want)
		}
	}
	codes := []int{}
	for i := 0; i < 5; i++ {
		code, _ := ann.send(id, fmt.Sprint("r", i), "x")
		codes = append(codes, code)
	}
	if codes[len(codes)-1] != 429 {
		t.Errorf("statuses of 5 quick sends with a burst of 3 = %v; want the last to be 429", codes)
	}
	var out map[string]string
	if code := ann.do("POST", "/api/conversations/"+"00000000000000000000000000000000"+"/messages",
		map[string]any{"client_id": "z", "message": []byte{0}}, &out); code != 400 && code != 404 {
		t.Errorf("send to an unknown conversation = %d; want 4xx", code)
	}
	if code := ann.do("POST", "/api/conversations", map[string]string{"id": "NOT-HEX"}, &out); code != 400 {
		t.Errorf("create with a bad ID = %d; want 400", code)
	}
}

func TestNonMembersSeeNothing(t *testing.T) {
	f := newMsgFixture(t, testLimits())
	ann := f.device("ann@example.nhs.uk")
	eve := f.device("eve@example.nhs.uk")
	id := ann.create()
	ann.send(id, "a", "secret")
	var out map[string]any
	for _, r := range []struct{ method, path string }{
		{"GET", "/api/conversations/" + id + "/messages"},
		{"GET", "/api/conversations/" + id + "/receipts"},
		{"POST", "/api/conversations/" + id + "/cursor"},
	} {
		var body any
		if r.method == "POST" {
			body = map[string]any{"seq": 1}
		}
		if code := eve.do(r.method, r.path, body, &out); code != 404 {
			t.Errorf("%s %s by a non-member = %d; want 404", r.method, r.path, code)
		}
	}
	_ = messaging.KindApplication
}

// TestLeaveAndAdmins: only admins add and remove other people; a member
// who leaves can no longer send, the server proposes the removal of each
// of their devices, and when the last admin leaves the longest-standing
// member becomes one.
func TestLeaveAndAdmins(t *testing.T) {
	f := newMsgFixture(t, testLimits())
	ann := f.device("ann@example.nhs.uk")
	bob := f.device("bob@example.nhs.uk")
	cat := f.device("cat@example.nhs.uk")
	dan := f.device("dan@example.nhs.uk")
	id := ann.create("bob@example.nhs.uk", "cat@example.nhs.uk")
	bob.join()
	cat.join()

	get := func(d *tdev) (int, conversationJSON) {
		var c conversationJSON
		code := d.do("GET", "/api/conversations/"+id, nil, &c)
		return code, c
	}
	if code, c := get(bob); code != 200 || !cmp.Equal(c.Admins, []string{"ann@example.nhs.uk"}) {
		t.Fatalf("GET conversation = %d, admins %v; want 200, [ann]", code, c.Admins)
	}
	if code, _ := get(dan); code != 404 {
		t.Errorf("GET conversation by a non-member = %d; want 404", code)
	}

	t.Run("a non-admin cannot remove or add others", func(t *testing.T) {
		bob.read(id, 0)
		_, c := get(bob)
		var catLeaf uint32
		for _, m := range c.Members {
			if m.Email == "cat@example.nhs.uk" {
				catLeaf = m.Leaf
			}
		}
		if code, res := bob.commit(id, mls.CommitOptions{Remove: []uint32{catLeaf}}); code != 403 || res["error"] == "" {
			t.Errorf("non-admin remove = %d %v; want 403 with a reason", code, res)
		}
		if code, _ := bob.commit(id, mls.CommitOptions{Add: bob.claim("dan@example.nhs.uk")}); code != 403 {
			t.Errorf("non-admin add = %d; want 403", code)
		}
		if code := bob.do("POST", "/api/conversations/"+id+"/admins", map[string]string{"email": "bob@example.nhs.uk"}, nil); code != 403 {
			t.Errorf("non-admin making themself admin = %d; want 403", code)
		}
		// Refreshing their own keys needs no admin.
		if code, _ := bob.commit(id, mls.CommitOptions{ForcePath: true}); code != 200 {
			t.Errorf("non-admin update commit = %d; want 200", code)
		}
	})

	t.Run("an admin makes another", func(t *testing.T) {
		ann.read(id, 0)
		if code := ann.do("POST", "/api/conversations/"+id+"/admins", map[string]string{"email": "cat@example.nhs.uk"}, nil); code != 200 {
			t.Fatalf("make admin = %d", code)
		}
		if code := ann.do("POST", "/api/conversations/"+id+"/admins", map[string]string{"email": "dan@example.nhs.uk"}, nil); code != 404 {
			t.Errorf("make a non-member admin = %d; want 404", code)
		}
		_, c := get(ann)
		if !cmp.Equal(c.Admins, []string{"ann@example.nhs.uk", "cat@example.nhs.uk"}) {
			t.Errorf("admins = %v; want [ann cat]", c.Admins)
		}
	})

	t.Run("leaving", func(t *testing.T) {
		var out map[string]bool
		if code := cat.do("POST", "/api/conversations/"+id+"/leave", nil, &out); code != 200 || !out["left"] {
			t.Fatalf("leave = %d %v", code, out)
		}
		if code := cat.do("POST", "/api/conversations/"+id+"/leave", nil, nil); code != 200 {
			t.Errorf("leaving twice = %d; want 200", code)
		}
		if code, _ := cat.send(id, "c1", "still here?"); code != 403 {
			t.Errorf("send after leaving = %d; want 403", code)
		}
		_, c := get(ann)
		for _, m := range c.Members {
			if m.Email == "cat@example.nhs.uk" && !m.Leaving {
				t.Errorf("cat's device is not marked leaving: %+v", m)
			}
		}
		// Bob, not an admin, commits the server's proposal.
		_, msgs := bob.read(id, 0)
		if len(msgs) == 0 || msgs[len(msgs)-1].Kind != wire.KindProposal || msgs[len(msgs)-1].Device != "" {
			t.Fatalf("stream ends %+v; want the server's remove proposal", msgs[len(msgs)-1])
		}
		if code, res := bob.commit(id, mls.CommitOptions{}); code != 200 {
			t.Fatalf("commit of the leave = %d %v", code, res)
		}
		_, c = get(bob)
		if len(c.Members) != 2 || !cmp.Equal(c.Admins, []string{"ann@example.nhs.uk"}) {
			t.Errorf("after the leave: %d members, admins %v; want 2, [ann]", len(c.Members), c.Admins)
		}
		if code, _ := get(cat); code != 404 {
			t.Errorf("GET conversation by the member who left = %d; want 404", code)
		}
		// At the ciphertext level: cat's device kept its group state, yet
		// cannot open what is sent after the commit that removed it.
		_, after := bob.send(id, "b-after-cat", "after cat left")
		var later struct{ Messages []wire.Message }
		bob.do("GET", "/api/conversations/"+id+"/messages?after="+itoa(after-1), nil, &later)
		if len(later.Messages) != 1 {
			t.Fatalf("bob reads %d entries at seq %d; want his message", len(later.Messages), after)
		}
		if r, err := cat.groups[id].Process(later.Messages[0].Message); err == nil {
			t.Errorf("the removed device's group state opened a later message: %q", r.ApplicationData)
		}
	})

	t.Run("the last admin leaving hands over", func(t *testing.T) {
		if code := ann.do("POST", "/api/conversations/"+id+"/leave", nil, nil); code != 200 {
			t.Fatalf("leave = %d", code)
		}
		if _, c := get(bob); !slices.Contains(c.Admins, "bob@example.nhs.uk") {
			t.Errorf("admins = %v; want bob promoted", c.Admins)
		}
		bob.read(id, 0)
		if code, res := bob.commit(id, mls.CommitOptions{Add: bob.claim("dan@example.nhs.uk"), RatchetTreeInWelcome: true}); code != 200 {
			t.Fatalf("new admin commits the leave and adds dan = %d %v", code, res)
		}
		_, c := get(bob)
		emails := []string{}
		for _, m := range c.Members {
			emails = append(emails, m.Email)
		}
		slices.Sort(emails)
		if !cmp.Equal(emails, []string{"bob@example.nhs.uk", "dan@example.nhs.uk"}) || !cmp.Equal(c.Admins, []string{"bob@example.nhs.uk"}) {
			t.Errorf("members %v, admins %v; want [bob dan], [bob]", emails, c.Admins)
		}
	})
}

// TestLongPoll: a poll answers at once when the device is behind, waits
// while it is up to date and answers as soon as a message is stored or a
// Welcome arrives, and otherwise after its wait.
func TestLongPoll(t *testing.T) {
	f := newMsgFixture(t, testLimits())
	ann := f.device("ann@example.nhs.uk")
	bob := f.device("bob@example.nhs.uk")
	cat := f.device("cat@example.nhs.uk")
	id := ann.create("bob@example.nhs.uk")
	bob.join()
	var conv conversationJSON
	bob.do("GET", "/api/conversations/"+id, nil, &conv)
	last := conv.LastSeq

	type result struct {
		Changed  []string
		Welcomes bool
	}
	poll := func(d *tdev, cursors map[string]int64, wait int) (int, result, time.Duration) {
		var r result
		start := time.Now()
		code := d.do("POST", "/api/poll", map[string]any{"cursors": cursors, "wait_seconds": wait}, &r)
		return code, r, time.Since(start)
	}
	if code, r, took := poll(bob, map[string]int64{id: 0}, 5); code != 200 || !cmp.Equal(r.Changed, []string{id}) || took > time.Second {
		t.Errorf("poll from behind = %d %+v after %v; want %s at once", code, r, took, id)
	}
	if code, r, took := poll(bob, map[string]int64{id: last}, 1); code != 200 || len(r.Changed) != 0 || r.Welcomes || took < 900*time.Millisecond {
		t.Errorf("poll when up to date = %d %+v after %v; want nothing after the 1 s wait", code, r, took)
	}

	done := make(chan result, 1)
	go func() {
		_, r, _ := poll(bob, map[string]int64{id: last}, 20)
		done <- r
	}()
	f.waitConnected(bob)
	start := time.Now()
	ann.send(id, "lp1", "while bob polls")
	select {
	case r := <-done:
		if !cmp.Equal(r.Changed, []string{id}) {
			t.Errorf("poll woken by a message = %+v; want %s", r, id)
		}
		t.Logf("a stored message ended the waiting poll after %v", time.Since(start))
	case <-time.After(10 * time.Second):
		t.Fatal("the poll did not answer when a message was stored")
	}

	go func() {
		_, r, _ := poll(cat, map[string]int64{}, 20)
		done <- r
	}()
	f.waitConnected(cat)
	ann.read(id, 0)
	if code, _ := ann.commit(id, mls.CommitOptions{Add: ann.claim("cat@example.nhs.uk"), RatchetTreeInWelcome: true}); code != 200 {
		t.Fatalf("add cat = %d", code)
	}
	select {
	case r := <-done:
		if !r.Welcomes {
			t.Errorf("poll woken by a Welcome = %+v; want welcomes", r)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the poll did not answer when a Welcome arrived")
	}

	if code, r, _ := poll(bob, map[string]int64{"00000000000000000000000000000000": 3, id: 1 << 40}, 1); code != 200 || !cmp.Equal(r.Changed, []string{"00000000000000000000000000000000"}) {
		t.Errorf("poll naming a conversation bob is not in = %d %+v; want it reported changed", code, r)
	}
	for _, wait := range []int{-1, 56} {
		if code, _, _ := poll(bob, nil, wait); code != 400 {
			t.Errorf("poll with wait_seconds %d = %d; want 400", wait, code)
		}
	}
}
