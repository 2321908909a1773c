package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

// soakConfig is `bench --soak`: devices connected for a long run of
// steady traffic, the nodes' goroutines and memory sampled throughout.
type soakConfig struct {
	duration, warmup, every time.Duration
	// group is the most subscribers in one conversation.
	group int
	// goroutineGrowth and rssGrowth are how far, in per cent, the nodes'
	// goroutines and resident memory may grow past the first sample after
	// the warm-up before the soak fails.
	goroutineGrowth, rssGrowth float64
}

// soakSample is the nodes' state at one moment of a soak, summed over
// the nodes.
type soakSample struct {
	at         time.Duration // since the traffic started
	goroutines int64
	rss        int64 // bytes
	perNode    []string
}

// benchSoak connects every device and has the publishers, one in each
// conversation of --group devices, send at a steady rate for the soak's
// duration, sampling the nodes every interval. It fails if, after the
// warm-up, their goroutines or memory grow past the bounds, or if any
// send is refused or any delivery missing.
func benchSoak(ctx context.Context, cfg benchConfig, out io.Writer) error {
	sc := cfg.soak
	convs := (cfg.devices + sc.group) / (sc.group + 1) // each of up to group subscribers and its publisher
	cfg.publishers, cfg.subscribers = convs, cfg.devices-convs
	cfg.messages = int(math.Ceil(cfg.rate*sc.duration.Seconds()/float64(convs))) * convs
	fmt.Fprintf(out, "soak: server %s, %d devices in %d conversations, each with one publisher, for %v at %.1f messages/s (%d messages of %d bytes, %d deliveries), %d CPUs\n",
		strings.Join(cfg.servers, " and "), cfg.devices, convs, sc.duration, cfg.rate, cfg.messages, cfg.size,
		cfg.messages/convs*cfg.subscribers, runtime.NumCPU())
	fmt.Fprintf(out, "bounds: after a warm-up of %v, goroutines may grow %.0f%% (or %d) and RSS %.0f%% past the first sample\n",
		sc.warmup, sc.goroutineGrowth, soakGoroutineSlack, sc.rssGrowth)
	set, err := setUpSoak(ctx, cfg, convs, out)
	if err != nil {
		return err
	}
	run, err := newLoadIn(ctx, cfg, set.subConv, set.convs, set.subs, set.pubs, cfg.messages/convs)
	if err != nil {
		return err
	}
	defer run.close()
	fmt.Fprintf(out, "%d sockets connected\n", cfg.devices)

	start := time.Now()
	sctx, stopSampling := context.WithCancel(ctx)
	samples := make(chan []soakSample, 1)
	go func() { samples <- sampleNodes(sctx, set.client, cfg.servers, start, sc.every, out) }()
	res, err := run.send(ctx, set.payloads, cfg.window, cfg.rate)
	stopSampling()
	taken := <-samples
	if err != nil {
		return err
	}
	want := cfg.messages / convs * cfg.subscribers
	report(out, cfg, res, want)
	var problems []string
	if res.delivered != want {
		problems = append(problems, fmt.Sprintf("%d of %d deliveries missing", want-res.delivered, want))
	}
	problems = append(problems, soakGrowth(out, taken, sc)...)
	for k, conv := range set.convs {
		if err := checkStored(ctx, set.client, cfg.servers[0], set.pubs[k], conv, cfg.messages/convs, io.Discard); err != nil {
			problems = append(problems, err.Error())
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("the soak failed: %s", strings.Join(problems, "; "))
	}
	fmt.Fprintf(out, "soak passed: every message stored and delivered once to every device, goroutines and memory within their bounds\n")
	return nil
}

// soakSetup is the devices and conversations of a soak.
type soakSetup struct {
	client   *http.Client
	subs     []*benchDevice
	subConv  []string // by subscriber
	pubs     []*benchDevice
	convs    []string // by publisher
	payloads [][]byte // message i in conversation i mod convs
}

// setUpSoak provisions and registers the devices, has each publisher
// create its conversation with its share of the subscribers, and
// encrypts the messages, each in its conversation's group.
func setUpSoak(ctx context.Context, cfg benchConfig, convs int, out io.Writer) (*soakSetup, error) {
	start := time.Now()
	set := &soakSetup{client: &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}}
	tag := fmt.Sprintf("s%d", time.Now().UnixNano()%1e9)
	st, err := openStore(ctx, cfg.data, cfg.dbURL, cfg.keyFile)
	if err != nil {
		return nil, err
	}
	var groups [][]*benchDevice
	for k := range convs {
		n := cfg.subscribers*(k+1)/convs - cfg.subscribers*k/convs
		g, err := provision(ctx, st, fmt.Sprintf("%sg%ds", tag, k), n, 100)
		if err != nil {
			st.Close()
			return nil, fmt.Errorf("provision devices: %w", err)
		}
		groups = append(groups, g)
		set.subs = append(set.subs, g...)
	}
	set.pubs, err = provision(ctx, st, tag+"p", convs, 1)
	st.Close()
	if err != nil {
		return nil, fmt.Errorf("provision devices: %w", err)
	}
	if err := register(ctx, set.client, cfg.servers[0], append(slices.Clone(set.subs), set.pubs...)); err != nil {
		return nil, fmt.Errorf("register devices: %w", err)
	}
	set.payloads = make([][]byte, cfg.messages)
	text := make([]byte, cfg.size)
	for k, members := range groups {
		var emails []string
		for _, d := range members {
			if !slices.Contains(emails, d.email) {
				emails = append(emails, d.email)
			}
		}
		conv, g, err := makeGroup(ctx, set.client, cfg.servers[0], set.pubs[k], emails)
		if err != nil {
			return nil, fmt.Errorf("create a conversation: %w", err)
		}
		set.convs = append(set.convs, conv)
		for range members {
			set.subConv = append(set.subConv, conv)
		}
		for i := k; i < len(set.payloads); i += convs {
			if set.payloads[i], err = g.Protect(text, nil); err != nil {
				return nil, err
			}
		}
	}
	fmt.Fprintf(out, "setup: %d devices registered, %d conversations created by one MLS commit each, in %v\n",
		len(set.subs)+len(set.pubs), convs, time.Since(start).Round(time.Millisecond))
	return set, nil
}

// sampleNodes reads every node's /metrics each interval until ctx ends,
// printing each sample, and returns them.
func sampleNodes(ctx context.Context, c *http.Client, servers []string, start time.Time, every time.Duration, out io.Writer) []soakSample {
	var taken []soakSample
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return taken
		case <-tick.C:
		}
		s := soakSample{at: time.Since(start)}
		for _, base := range servers {
			g, rss, err := nodeMetrics(ctx, c, base)
			if err != nil {
				if ctx.Err() != nil {
					return taken
				}
				fmt.Fprintf(out, "sample at %v: %v\n", s.at.Round(100*time.Millisecond), err)
				s.goroutines = -1
				break
			}
			s.goroutines += g
			s.rss += rss
			s.perNode = append(s.perNode, fmt.Sprintf("%d/%.1f MiB", g, float64(rss)/(1<<20)))
		}
		if s.goroutines < 0 {
			continue
		}
		fmt.Fprintf(out, "sample at %v: %d goroutines, RSS %.1f MiB (by node: %s)\n",
			s.at.Round(100*time.Millisecond), s.goroutines, float64(s.rss)/(1<<20), strings.Join(s.perNode, ", "))
		taken = append(taken, s)
	}
}

// nodeMetrics reads a node's goroutines and resident memory from its
// /metrics, which it serves to loopback.
func nodeMetrics(ctx context.Context, c *http.Client, base string) (goroutines, rss int64, err error) {
	req, err := http.NewRequestWithContext(ctx, "GET", base+"/metrics", nil)
	if err != nil {
		return 0, 0, err
	}
	res, err := c.Do(req)
	if err != nil {
		return 0, 0, fmt.Errorf("read %s/metrics: %w", base, err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return 0, 0, fmt.Errorf("read %s/metrics: %s", base, res.Status)
	}
	goroutines, rss = -1, -1
	lines := bufio.NewScanner(res.Body)
	for lines.Scan() {
		name, value, ok := strings.Cut(lines.Text(), " ")
		if !ok || (name != "go_goroutines" && name != "process_resident_memory_bytes") {
			continue
		}
		v, err := strconv.ParseFloat(value, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("%s/metrics: %s is %q", base, name, value)
		}
		if name == "go_goroutines" {
			goroutines = int64(v)
		} else {
			rss = int64(v)
		}
	}
	if goroutines < 0 || rss < 0 {
		return 0, 0, fmt.Errorf("%s/metrics lacks go_goroutines or process_resident_memory_bytes", base)
	}
	return goroutines, rss, lines.Err()
}

// soakGoroutineSlack is how many goroutines more than the first sample
// after the warm-up are never counted as growth, whatever the bound.
const soakGoroutineSlack = 50

// soakGrowth compares the samples after the warm-up with the first of
// them and describes each bound exceeded.
func soakGrowth(out io.Writer, taken []soakSample, sc soakConfig) []string {
	var after []soakSample
	for _, s := range taken {
		if s.at >= sc.warmup {
			after = append(after, s)
		}
	}
	if len(after) < 2 {
		return []string{fmt.Sprintf("%d samples after the warm-up of %v; want at least 2 (run longer than the warm-up)", len(after), sc.warmup)}
	}
	base := after[0]
	peak := base
	for _, s := range after[1:] {
		peak.goroutines = max(peak.goroutines, s.goroutines)
		peak.rss = max(peak.rss, s.rss)
	}
	gGrowth := 100 * float64(peak.goroutines-base.goroutines) / float64(base.goroutines)
	rGrowth := 100 * float64(peak.rss-base.rss) / float64(base.rss)
	fmt.Fprintf(out, "after the warm-up (%d samples from %v): goroutines %d, at most %d (%+.1f%%, bound %.0f%%); RSS %.1f MiB, at most %.1f MiB (%+.1f%%, bound %.0f%%)\n",
		len(after), base.at.Round(100*time.Millisecond), base.goroutines, peak.goroutines, gGrowth, sc.goroutineGrowth,
		float64(base.rss)/(1<<20), float64(peak.rss)/(1<<20), rGrowth, sc.rssGrowth)
	var problems []string
	// A few dozen goroutines come and go with the requests in flight:
	// a bound of a few per cent of a small count would catch those.
	if gGrowth > sc.goroutineGrowth && peak.goroutines-base.goroutines > soakGoroutineSlack {
		problems = append(problems, fmt.Sprintf("goroutines grew %.1f%% after the warm-up", gGrowth))
	}
	if rGrowth > sc.rssGrowth {
		problems = append(problems, fmt.Sprintf("RSS grew %.1f%% after the warm-up", rGrowth))
	}
	return problems
}
