package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/audit"
	"github.com/switchboard-nhs/switchboard/internal/identity"
	"github.com/switchboard-nhs/switchboard/internal/incident"
	"github.com/switchboard-nhs/switchboard/internal/token"
	"github.com/switchboard-nhs/switchboard/internal/wire"
)

// incidentSetup is what the incident bench provisions: a commander who is
// an admin, and the people of two call-in lists, one device each.
type incidentSetup struct {
	commander *benchDevice
	people    []*benchDevice
	lists     []string // the call-in lists' names
	overlap   int      // people on both lists
}

// benchIncident is `switchboard bench --incident`: a commander declares a
// major incident to call-in lists of every subscriber, each on its own
// WebSocket, and then they all answer the roll-call while the commander
// watches the board. It reports the time until every device had the
// alert and until the board showed every answer.
func benchIncident(ctx context.Context, cfg benchConfig, out io.Writer) error {
	client := &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: max(64, cfg.inFlight+1)}}
	fmt.Fprintf(out, "server %s, major incident alerting %d devices (one person each), roll-call answers %d in flight, %d CPUs\n",
		strings.Join(cfg.servers, " and "), cfg.subscribers, cfg.inFlight, runtime.NumCPU())
	start := time.Now()
	st, err := openStore(ctx, cfg.data, cfg.dbURL, cfg.keyFile)
	if err != nil {
		return err
	}
	set, err := provisionIncident(ctx, st, fmt.Sprintf("i%d", time.Now().UnixNano()%1e9), cfg.subscribers)
	st.Close()
	if err != nil {
		return fmt.Errorf("provision devices: %w", err)
	}
	// Only the commander needs a credential: the server makes the
	// incident's conversation for the declaring device.
	if err := register(ctx, client, cfg.servers[0], []*benchDevice{set.commander}); err != nil {
		return fmt.Errorf("register the commander: %w", err)
	}
	fmt.Fprintf(out, "setup: %d people on call-in lists %q (%d on both) and a commander provisioned in %v\n",
		len(set.people), set.lists, set.overlap, time.Since(start).Round(time.Millisecond))

	rssBefore := sumStatus(cfg.pids, "VmRSS")
	start = time.Now()
	socks, err := connectIncident(ctx, cfg.servers, set.people)
	if err != nil {
		return err
	}
	defer socks.close()
	fmt.Fprintf(out, "connected %d sockets in %v\n", len(set.people), time.Since(start).Round(time.Millisecond))
	time.Sleep(cfg.settle) // let the server settle before measuring idle memory
	rssIdle := sumStatus(cfg.pids, "VmRSS")

	cpu0, bench0 := sumCPU(cfg.pids), procCPU(os.Getpid())
	alert, err := declareIncident(ctx, client, cfg.servers[0], set, socks)
	if err != nil {
		return err
	}
	cpu1 := sumCPU(cfg.pids)
	roll, err := rollCall(ctx, client, cfg, set, alert.id)
	if err != nil {
		return err
	}
	cpu2, bench2 := sumCPU(cfg.pids), procCPU(os.Getpid())
	reportIncident(out, set, alert, roll)
	if cfg.pids[0] > 0 {
		fmt.Fprintf(out, "CPU: server %v during the alert, %v during the roll-call (%.0f µs per answer), load tool %v; load average %s\n",
			(cpu1 - cpu0).Round(time.Millisecond), (cpu2 - cpu1).Round(time.Millisecond),
			float64((cpu2-cpu1).Microseconds())/float64(len(set.people)), (bench2 - bench0).Round(time.Millisecond), loadAvg())
		fmt.Fprintf(out, "server memory (all nodes): RSS %.1f MiB before sockets, %.1f MiB with %d idle sockets, %.1f MiB after the roll-call, peak RSS %.1f MiB\n",
			float64(rssBefore)/1024, float64(rssIdle)/1024, len(set.people), float64(sumStatus(cfg.pids, "VmRSS"))/1024,
			float64(sumStatus(cfg.pids, "VmHWM"))/1024)
	}
	return nil
}

// provisionIncident creates the commander (an admin), n people with one
// device each, and two call-in lists that share a few of them.
func provisionIncident(ctx context.Context, st store, tag string, n int) (*incidentSetup, error) {
	cmdr, err := provision(ctx, st, tag+"c", 1, 1)
	if err != nil {
		return nil, err
	}
	people, err := provision(ctx, st, tag+"s", n, 1)
	if err != nil {
		return nil, err
	}
	org, err := st.OrgByODS(ctx, "BENCH1")
	if err != nil {
		return nil, err
	}
	now := time.Now()
	from, to := []identity.Role{identity.RoleClinician}, []identity.Role{identity.RoleClinician, identity.RoleAdmin}
	ev := audit.Event{At: now, OrgID: org.ID, Actor: audit.ActorCLI, Action: "user.roles", Target: cmdr[0].user,
		Detail: map[string]string{"from": "clinician", "to": "clinician,admin"}}
	if err := st.SetRoles(ctx, cmdr[0].user, from, to, ev); err != nil {
		return nil, err
	}
	set := &incidentSetup{commander: cmdr[0], people: people}
	// List A is the first half and a twentieth more; list B the second half.
	endA := min(n, (n+1)/2+n/20)
	set.overlap = endA - n/2
	for i, members := range [][]*benchDevice{people[:endA], people[n/2:]} {
		l := &incident.CallList{ID: token.ID(), OrgID: org.ID, Name: fmt.Sprintf("Bench %c %s", 'A'+i, tag), CreatedAt: now}
		ev := audit.Event{At: now, OrgID: org.ID, Actor: audit.ActorCLI, Action: "calllist.create", Target: l.ID}
		if err := st.CreateCallList(ctx, l, ev); err != nil {
			return nil, err
		}
		users := make([]string, len(members))
		for j, d := range members {
			users[j] = d.user
		}
		ev = audit.Event{At: now, OrgID: org.ID, Actor: audit.ActorCLI, Action: "calllist.add", Target: l.ID,
			Detail: map[string]string{"people": fmt.Sprint(len(users))}}
		if err := st.AddCallListMembers(ctx, l.ID, users, ev); err != nil {
			return nil, err
		}
		set.lists = append(set.lists, l.Name)
	}
	return set, nil
}

// alertResult is the declaration and when each device had its alert.
type alertResult struct {
	id       string
	answered time.Duration   // the declaration's HTTP answer
	lat      []time.Duration // from sending the declaration to each device's frame, sorted
}

// declareIncident has the commander declare a major incident exercise to
// the call-in lists and waits until every device has had the incident's
// frame.
func declareIncident(ctx context.Context, c *http.Client, base string, set *incidentSetup, socks *incidentSockets) (*alertResult, error) {
	gid := make([]byte, 16)
	rand.Read(gid)
	body := wire.Declare{Conversation: hex.EncodeToString(gid), Kind: "major", Exercise: true, Lists: set.lists}
	var in wire.Incident
	sent := time.Now()
	if err := set.commander.api(ctx, c, base, "POST", "/api/incidents", body, &in); err != nil {
		return nil, fmt.Errorf("declare: %w", err)
	}
	res := &alertResult{id: in.ID, answered: time.Since(sent)}
	if len(in.Alerted) != len(set.people) {
		return nil, fmt.Errorf("the declaration alerted %d people; want %d", len(in.Alerted), len(set.people))
	}
	deadline := time.NewTimer(60 * time.Second)
	defer deadline.Stop()
	for _, s := range socks.subs {
	wait:
		for {
			select {
			case a := <-s.alerts:
				if a.err != nil {
					return nil, fmt.Errorf("a socket closed before its alert came (%d of %d had it): %w", len(res.lat), len(set.people), a.err)
				}
				if a.id == in.ID {
					res.lat = append(res.lat, a.at.Sub(sent))
					break wait
				}
			case <-deadline.C:
				return nil, fmt.Errorf("%d of %d devices had the alert 60 s after the declaration", len(res.lat), len(set.people))
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
	}
	slices.Sort(res.lat)
	return res, nil
}

func reportIncident(out io.Writer, set *incidentSetup, a *alertResult, r *rollResult) {
	pct := percentile
	n := len(set.people)
	fmt.Fprintf(out, "alert: the declaration to %d people was answered in %v; every device had the incident frame %v after it was sent (p50 %v, p99 %v)\n",
		n, a.answered.Round(100*time.Microsecond), pct(a.lat, 1), pct(a.lat, 0.5), pct(a.lat, 0.99))
	fmt.Fprintf(out, "roll-call: %d answers acknowledged in %v (%.0f answers/s; each p50 %v, p99 %v)\n",
		n, r.sent.Round(time.Millisecond), float64(n)/r.sent.Seconds(), pct(r.lat, 0.5), pct(r.lat, 0.99))
	fmt.Fprintf(out, "roll-call: the commander's board showed all %d answered %v after the first answer was sent (%.0f answers/s, %d long polls)\n",
		n, r.onBoard.Round(time.Millisecond), float64(n)/r.onBoard.Seconds(), r.polls)
	var lists []string
	for _, t := range r.tallies {
		if t.By == "list" {
			lists = append(lists, fmt.Sprintf("%s: %d alerted, %d available, %d en route, %d unavailable, %d no answer",
				t.Name, t.Alerted, t.Available, t.EnRoute, t.Unavailable, t.NoAnswer))
		}
	}
	fmt.Fprintf(out, "board tallies: %s\n", strings.Join(lists, "; "))
}
