package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

// benchConfig is a load test: N subscribers and P publishers in one
// conversation, M messages of size bytes.
type benchConfig struct {
	subscribers, publishers, messages, size, window int
	rate                                            float64
	server, data, dbURL, natsURL, keyFile           string
	pid, nodes                                      int
	timeout, settle                                 time.Duration
	// incident runs the major-incident mode instead: the subscribers are
	// alerted and answer the roll-call, inFlight answers at a time.
	incident bool
	inFlight int
	// sweep times a records sweep of messages messages instead.
	sweep bool
	// soaking runs a soak instead: devices devices with steady traffic
	// for a while, the nodes sampled (see benchSoak).
	soaking bool
	devices int
	soak    soakConfig
	// servers and pids are the nodes under load: the one of --server, or
	// those the bench started. Devices are spread over them in turn.
	servers []string
	pids    []int
}

// runBench is `switchboard bench`: it drives the real API and store on
// 127.0.0.1 and reports delivered messages per second, end-to-end latency
// and the server's memory.
func runBench(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var cfg benchConfig
	flags := newFlags("bench", stderr)
	flags.IntVar(&cfg.subscribers, "subscribers", 100, "subscriber devices (N), each on its own WebSocket")
	flags.IntVar(&cfg.publishers, "publishers", 1, "publisher devices (P)")
	flags.IntVar(&cfg.messages, "messages", 2000, "messages to send in all (M)")
	flags.IntVar(&cfg.size, "size", 200, "bytes of plaintext per message")
	flags.IntVar(&cfg.window, "window", 8, "unacknowledged sends per publisher (the server allows 64)")
	flags.Float64Var(&cfg.rate, "rate", 0, "messages per second from all publishers together (0: as fast as the window allows)")
	flags.StringVar(&cfg.server, "server", "", "URL of a running server on this machine (default: start one)")
	flags.StringVar(&cfg.data, "data", "", "the running server's data directory (with --server)")
	flags.IntVar(&cfg.pid, "pid", 0, "the running server's process ID, to report its memory (with --server)")
	flags.StringVar(&cfg.keyFile, "secrets-key-file", "", "with --server: its secrets key file, if not in its --data directory")
	flags.StringVar(&cfg.dbURL, "database-url", "", "PostgreSQL URL: provision the devices there (and start the nodes on it) instead of SQLite")
	flags.StringVar(&cfg.natsURL, "nats-url", "", "NATS URL linking the nodes the bench starts (with --nodes above 1)")
	flags.IntVar(&cfg.nodes, "nodes", 1, "server nodes to start, on --database-url and --nats-url; devices are spread over them")
	flags.DurationVar(&cfg.timeout, "timeout", 5*time.Minute, "give up after this long")
	flags.DurationVar(&cfg.settle, "settle", 2*time.Second, "time connected and idle before measuring memory and sending")
	flags.BoolVar(&cfg.incident, "incident", false, "declare a major incident to the subscribers, one device each, and have them answer the roll-call")
	flags.IntVar(&cfg.inFlight, "in-flight", 64, "roll-call answers in flight at once (with --incident)")
	flags.BoolVar(&cfg.sweep, "sweep", false, "store --messages messages, a tenth past their retention, and time a records sweep and appends during it (SQLite, or --database-url)")
	flags.BoolVar(&cfg.soaking, "soak", false, "connect --devices devices and send steadily for --duration, sampling the nodes' goroutines and memory; fail if they grow after the warm-up")
	flags.IntVar(&cfg.devices, "devices", 5000, "devices in all, publishers among them (with --soak)")
	flags.IntVar(&cfg.soak.group, "group", 500, "subscribers in each conversation, each with a publisher of its own (with --soak)")
	flags.DurationVar(&cfg.soak.duration, "duration", 10*time.Minute, "how long to send (with --soak)")
	flags.DurationVar(&cfg.soak.warmup, "warmup", 2*time.Minute, "time before the first sample the bounds are measured from (with --soak)")
	flags.DurationVar(&cfg.soak.every, "sample", 10*time.Second, "time between samples of the nodes (with --soak)")
	flags.Float64Var(&cfg.soak.goroutineGrowth, "goroutine-growth", 5, "per cent the nodes' goroutines may grow after the warm-up (with --soak)")
	flags.Float64Var(&cfg.soak.rssGrowth, "rss-growth", 20, "per cent the nodes' RSS may grow after the warm-up (with --soak)")
	if err := parseFlags(flags, args, getenv); err != nil {
		return err
	}
	if cfg.soaking {
		if cfg.rate <= 0 {
			cfg.rate = 2 // steady, not as fast as possible
		}
		if cfg.devices < 2 || cfg.devices > 20000 || cfg.soak.group < 1 || cfg.soak.group > 1000 ||
			(cfg.devices+cfg.soak.group)/(cfg.soak.group+1) > 100 || cfg.soak.duration <= 0 || cfg.soak.every <= 0 ||
			cfg.soak.warmup < 0 || cfg.rate*cfg.soak.duration.Seconds() > 1000000 {
			return fmt.Errorf("%w: with --soak, --devices 2-20000 in at most 100 conversations of --group 1-1000, --duration and --sample above 0, and at most 1000000 messages", errUsage)
		}
		cfg.timeout = max(cfg.timeout, cfg.soak.duration+15*time.Minute) // setting up thousands of devices takes minutes
	}
	if cfg.subscribers < 1 || cfg.subscribers > 20000 || cfg.publishers < 1 || cfg.publishers > 100 ||
		cfg.messages < 1 || cfg.messages > 1000000 || cfg.size < 1 || cfg.size > 200<<10 || cfg.window < 1 || cfg.inFlight < 1 {
		return fmt.Errorf("%w: --subscribers 1-20000, --publishers 1-100, --messages 1-1000000, --size 1-204800, --window and --in-flight at least 1", errUsage)
	}
	if cfg.server != "" && cfg.data == "" && cfg.dbURL == "" {
		return fmt.Errorf("%w: with --server, give its --data directory or its --database-url", errUsage)
	}
	if cfg.nodes < 1 || cfg.nodes > 16 || (cfg.nodes > 1 && (cfg.dbURL == "" || cfg.natsURL == "" || cfg.server != "")) {
		return fmt.Errorf("%w: --nodes 1-16; more than one node needs --database-url and --nats-url, and no --server", errUsage)
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.timeout)
	defer cancel()
	if cfg.sweep {
		return benchSweep(ctx, cfg, stdout)
	}
	if cfg.server != "" {
		cfg.servers, cfg.pids = []string{cfg.server}, []int{cfg.pid}
		if cfg.soaking {
			return benchSoak(ctx, cfg, stdout)
		}
		if cfg.incident {
			return benchIncident(ctx, cfg, stdout)
		}
		return bench(ctx, cfg, stdout)
	}
	dir, err := os.MkdirTemp("", "switchboard-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	stderr = &lockedWriter{w: stderr}                    // the nodes log to it at once
	cfg.keyFile = filepath.Join(dir, secretsKeyFileName) // one key for every node, as in production
	for i := range cfg.nodes {
		args := []string{"--data", dir, "--secrets-key-file", cfg.keyFile} // SQLite: the one node's database, where the bench provisions
		if cfg.dbURL != "" {
			args = []string{"--data", filepath.Join(dir, strconv.Itoa(i)), "--database-url", cfg.dbURL, "--secrets-key-file", cfg.keyFile}
		} else {
			cfg.data = dir
		}
		if cfg.natsURL != "" {
			args = append(args, "--nats-url", cfg.natsURL)
		}
		srv, err := startBenchServer(ctx, args, stderr)
		if err != nil {
			return err
		}
		defer srv.stop()
		cfg.servers, cfg.pids = append(cfg.servers, srv.base), append(cfg.pids, srv.pid)
	}
	if cfg.soaking {
		return benchSoak(ctx, cfg, stdout)
	}
	if cfg.incident {
		return benchIncident(ctx, cfg, stdout)
	}
	return bench(ctx, cfg, stdout)
}

func bench(ctx context.Context, cfg benchConfig, out io.Writer) error {
	client := &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	pace := "as fast as acknowledged"
	if cfg.rate > 0 {
		pace = fmt.Sprintf("at %.0f/s", cfg.rate)
	}
	fmt.Fprintf(out, "server %s, %d subscribers, %d publishers, %d messages of %d bytes sent %s (window %d), %d CPUs\n",
		strings.Join(cfg.servers, " and "), cfg.subscribers, cfg.publishers, cfg.messages, cfg.size, pace, cfg.window, runtime.NumCPU())
	start := time.Now()
	var pubs []*benchDevice
	tag := fmt.Sprintf("b%d", time.Now().UnixNano()%1e9)
	st, err := openStore(ctx, cfg.data, cfg.dbURL, cfg.keyFile)
	if err != nil {
		return err
	}
	subs, err := provision(ctx, st, tag+"s", cfg.subscribers, 100)
	if err == nil {
		pubs, err = provision(ctx, st, tag+"p", cfg.publishers, 1)
	}
	st.Close()
	if err != nil {
		return fmt.Errorf("provision devices: %w", err)
	}
	if err := register(ctx, client, cfg.servers[0], append(slices.Clone(subs), pubs...)); err != nil {
		return fmt.Errorf("register devices: %w", err)
	}
	emails := []string{}
	for _, d := range append(slices.Clone(subs), pubs[1:]...) {
		if !slices.Contains(emails, d.email) {
			emails = append(emails, d.email)
		}
	}
	conv, g, err := makeGroup(ctx, client, cfg.servers[0], pubs[0], emails)
	if err != nil {
		return fmt.Errorf("create the conversation: %w", err)
	}
	payloads := make([][]byte, cfg.messages)
	text := make([]byte, cfg.size)
	for i := range payloads {
		if payloads[i], err = g.Protect(text, nil); err != nil {
			return err
		}
	}
	fmt.Fprintf(out, "setup: %d devices registered, conversation created by one MLS commit, in %v\n",
		len(subs)+len(pubs), time.Since(start).Round(time.Millisecond))

	rssBefore := sumStatus(cfg.pids, "VmRSS")
	run, err := newLoad(ctx, cfg, conv, subs, pubs)
	if err != nil {
		return err
	}
	defer run.close()
	time.Sleep(cfg.settle) // let the server settle before measuring idle memory
	rssIdle := sumStatus(cfg.pids, "VmRSS")
	cpuServer, cpuBench := sumCPU(cfg.pids), procCPU(os.Getpid())
	res, err := run.send(ctx, payloads, cfg.window, cfg.rate)
	if err != nil {
		return err
	}
	report(out, cfg, res, cfg.messages*cfg.subscribers)
	if cfg.pids[0] > 0 {
		s, b := sumCPU(cfg.pids)-cpuServer, procCPU(os.Getpid())-cpuBench
		fmt.Fprintf(out, "CPU during the run: server %v (%.1f µs per delivery), load tool %v; load average %s\n",
			s.Round(time.Millisecond), float64(s.Microseconds())/float64(max(res.delivered, 1)), b.Round(time.Millisecond), loadAvg())
		fmt.Fprintf(out, "server memory (all nodes): RSS %.1f MiB before sockets, %.1f MiB with %d idle sockets (%.1f KiB per device), peak RSS %.1f MiB\n",
			float64(rssBefore)/1024, float64(rssIdle)/1024, len(subs)+len(pubs),
			float64(rssIdle-rssBefore)/float64(len(subs)+len(pubs)), float64(sumStatus(cfg.pids, "VmHWM"))/1024)
	}
	return checkStored(ctx, client, cfg.servers[0], pubs[0], conv, cfg.messages, out)
}

// checkStored confirms through the API, after the run, that every
// acknowledged message is in the conversation's stream.
func checkStored(ctx context.Context, c *http.Client, base string, d *benchDevice, conv string, want int, out io.Writer) error {
	n, after := 0, int64(0)
	for {
		var page struct {
			Messages []struct {
				Seq  int64  `json:"seq"`
				Kind string `json:"kind"`
			} `json:"messages"`
		}
		if err := d.api(ctx, c, base, "GET", fmt.Sprintf("/api/conversations/%s/messages?after=%d&limit=1000", conv, after), nil, &page); err != nil {
			return err
		}
		for _, m := range page.Messages {
			if m.Kind == "application" {
				n++
			}
			after = m.Seq
		}
		if len(page.Messages) < 1000 {
			break
		}
	}
	fmt.Fprintf(out, "stored: %d of %d application messages in the conversation's stream\n", n, want)
	if n != want {
		return fmt.Errorf("the stream holds %d of %d messages", n, want)
	}
	return nil
}

// sumStatus adds a /proc status field over the nodes' processes.
func sumStatus(pids []int, field string) int64 {
	var n int64
	for _, p := range pids {
		n += procStatus(p, field)
	}
	return n
}

// sumCPU adds the CPU time of the nodes' processes.
func sumCPU(pids []int) time.Duration {
	var d time.Duration
	for _, p := range pids {
		d += procCPU(p)
	}
	return d
}

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	return strings.Join(strings.Fields(string(b))[:3], " ")
}

// report prints a run's throughput and latency; want is the deliveries
// expected.
func report(out io.Writer, cfg benchConfig, r *loadResult, want int) {
	pct := percentile
	secs := r.elapsed.Seconds()
	fmt.Fprintf(out, "sent %d messages in %v (%.0f/s acknowledged, each durable first)\n", cfg.messages, r.sendTime.Round(time.Millisecond),
		float64(cfg.messages)/r.sendTime.Seconds())
	fmt.Fprintf(out, "delivered %d of %d to subscribers in %v: %.0f deliveries/s (%d slow sockets dropped and resumed, %d sends repeated)\n",
		r.delivered, want, r.elapsed.Round(time.Millisecond), float64(r.delivered)/secs, r.resumes, r.resent)
	slices.Sort(r.latencies)
	slices.Sort(r.ackLatencies)
	for _, l := range []struct {
		name string
		lat  []time.Duration
	}{{"acknowledgement (durable) latency", r.ackLatencies}, {"end-to-end latency", r.latencies}} {
		fmt.Fprintf(out, "%s: p50 %v, p99 %v, max %v\n", l.name, pct(l.lat, 0.50).Round(10*time.Microsecond),
			pct(l.lat, 0.99).Round(10*time.Microsecond), pct(l.lat, 1).Round(10*time.Microsecond))
	}
}
