package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/switchboard-nhs/switchboard/internal/wire"
)

// incidentSockets is the open socket of every person's device in the
// incident bench.
type incidentSockets struct {
	subs   []*incidentSub
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

type incidentSub struct {
	c *websocket.Conn
	// alerts has each incident frame in the order it came; the reader's
	// error ends it.
	alerts chan incidentAlert
}

type incidentAlert struct {
	id  string
	at  time.Time
	err error
}

// connectIncident connects every device, 64 at a time, spread over the
// servers, and starts the readers.
func connectIncident(ctx context.Context, servers []string, devs []*benchDevice) (*incidentSockets, error) {
	rctx, cancel := context.WithCancel(ctx)
	s := &incidentSockets{subs: make([]*incidentSub, len(devs)), cancel: cancel}
	sem := make(chan struct{}, 64)
	errs := make(chan error, len(devs))
	var dial sync.WaitGroup
	for i, d := range devs {
		dial.Add(1)
		sem <- struct{}{}
		go func() {
			defer dial.Done()
			defer func() { <-sem }()
			c, err := dialFrom(ctx, servers[i%len(servers)], d, "", 0)
			if err != nil {
				errs <- err
				return
			}
			s.subs[i] = &incidentSub{c: c, alerts: make(chan incidentAlert, 16)}
		}()
	}
	dial.Wait()
	close(errs)
	if err := <-errs; err != nil {
		s.close()
		return nil, fmt.Errorf("connect devices: %w", err)
	}
	for _, sub := range s.subs {
		s.wg.Add(1)
		go func() { defer s.wg.Done(); sub.read(rctx) }()
	}
	return s, nil
}

var incidentType = []byte(`"type":"incident"`)

// read passes on the incident frames; other frames are not measured.
func (s *incidentSub) read(ctx context.Context) {
	for {
		_, b, err := s.c.Read(ctx)
		if err != nil {
			select {
			case s.alerts <- incidentAlert{err: err}:
			case <-ctx.Done():
			}
			return
		}
		now := time.Now()
		for line := range bytes.SplitSeq(b, []byte("\n")) {
			if !bytes.Contains(line, incidentType) {
				continue
			}
			var f struct {
				Type string `json:"type"`
				ID   string `json:"id"`
			}
			if json.Unmarshal(line, &f) != nil || f.Type != wire.FrameIncident {
				continue
			}
			select {
			case s.alerts <- incidentAlert{id: f.ID, at: now}:
			case <-ctx.Done():
				return
			}
		}
	}
}

func (s *incidentSockets) close() {
	s.cancel()
	s.wg.Wait()
	for _, sub := range s.subs {
		if sub != nil {
			sub.c.CloseNow()
		}
	}
}

// rollResult is the roll-call: every answer and the watcher's board.
type rollResult struct {
	sent    time.Duration   // from the first answer sent to the last acknowledged
	onBoard time.Duration   // from the first answer sent to the board showing all
	lat     []time.Duration // each answer's request, sorted
	polls   int             // board requests that came back with changes
	tallies []wire.Tally
}

// rollCall has every person answer, cfg.inFlight at a time, each through
// the node their socket is on, while the commander long-polls the board
// on the first node until it shows every answer.
func rollCall(ctx context.Context, c *http.Client, cfg benchConfig, set *incidentSetup, id string) (*rollResult, error) {
	boardPath := "/api/incidents/" + id + "/board"
	var b wire.Board
	if err := set.commander.api(ctx, c, cfg.servers[0], "GET", boardPath+"?after=0&wait=25", nil, &b); err != nil {
		return nil, fmt.Errorf("read the board: %w", err)
	}
	n := len(set.people)
	wctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	res := &rollResult{lat: make([]time.Duration, n)}
	watched := make(chan error, 1)
	start := time.Now()
	go func() {
		answered := map[string]bool{}
		for {
			for _, a := range b.Answers {
				answered[a.Person.ID] = a.State != "" && a.StoodDownAt == ""
			}
			if answeredCount(answered) == n {
				res.onBoard, res.tallies = time.Since(start), b.Tallies
				watched <- nil
				return
			}
			after := b.Version
			b = wire.Board{}
			if err := set.commander.api(wctx, c, cfg.servers[0], "GET", fmt.Sprintf("%s?after=%d&wait=25", boardPath, after), nil, &b); err != nil {
				watched <- fmt.Errorf("watch the board (%d of %d answered on it): %w", answeredCount(answered), n, err)
				return
			}
			if b.Version > after {
				res.polls++
			}
		}
	}()

	jobs := make(chan int)
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for range cfg.inFlight {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				body := wire.Respond{State: "available"}
				if i%4 == 3 {
					body = wire.Respond{State: "en-route", ETA: 5 + i%55}
				}
				t := time.Now()
				if err := set.people[i].api(wctx, c, cfg.servers[i%len(cfg.servers)], "POST", "/api/incidents/"+id+"/response", body, nil); err != nil {
					errs <- err
					continue
				}
				res.lat[i] = time.Since(t)
			}
		}()
	}
	for i := range n {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	res.sent = time.Since(start)
	close(errs)
	if err := <-errs; err != nil {
		return nil, fmt.Errorf("answer the roll-call: %w", err)
	}
	if err := <-watched; err != nil {
		return nil, err
	}
	slices.Sort(res.lat)
	return res, nil
}

func answeredCount(m map[string]bool) int {
	n := 0
	for _, v := range m {
		if v {
			n++
		}
	}
	return n
}
