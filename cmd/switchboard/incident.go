package main

import (
	"context"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/client"
	"github.com/switchboard-nhs/switchboard/internal/fault"
	"github.com/switchboard-nhs/switchboard/internal/wire"
)

const incidentCommands = "declare, respond, board, standdown, close, list or log"

// runIncident runs `switchboard incident`: major incidents from a device's
// profile.
func runIncident(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("incident", stderr)
	profile := fs.String("profile", "", "the directory of this device's profile")
	if err := parseFlags(fs, args, getenv); err != nil {
		return err
	}
	rest := fs.Args()
	if len(rest) == 0 {
		return fmt.Errorf("%w: say what to do: %s", errUsage, incidentCommands)
	}
	sub := newFlags("incident "+rest[0], stderr)
	var (
		methaneFile = sub.String("methane-file", "", "declare: the file holding the METHANE report")
		exercise    = sub.Bool("exercise", false, "declare: an exercise, marked EXERCISE everywhere")
		standby     = sub.Bool("standby", false, "declare: a major incident standby rather than declared")
		lists       = sub.String("lists", "", "declare, standdown: call-in list names, comma-separated")
		eta         = sub.String("eta", "", "respond en-route: minutes until you arrive")
		asJSON      = sub.Bool("json", false, "print JSON")
		out         = sub.String("out", "", "log: the JSON file to write (a printable .html is written beside it)")
	)
	pos, err := parseInterspersed(sub, rest[1:])
	if err != nil {
		return err
	}
	need := func(n int, what string) error {
		if len(pos) != n {
			return fmt.Errorf("%w: incident %s takes %s", errUsage, rest[0], what)
		}
		return nil
	}
	var do func(c *client.Client) error
	switch rest[0] {
	case "declare":
		if err := need(0, "--methane-file FILE --lists NAME,... [--exercise] [--standby]"); err != nil {
			return err
		}
		if *methaneFile == "" || *lists == "" {
			return fmt.Errorf("%w: incident declare needs --methane-file FILE and --lists NAME[,NAME]", errUsage)
		}
		b, err := readLimited(*methaneFile, 64<<10)
		if err != nil {
			return err
		}
		kind := "major"
		if *standby {
			kind = "standby"
		}
		do = func(c *client.Client) error {
			in, err := c.Declare(ctx, kind, *exercise, splitList(*lists), string(b))
			if err != nil {
				return err
			}
			if *asJSON {
				return json.NewEncoder(stdout).Encode(in)
			}
			fmt.Fprintln(stdout, in.ID)
			return nil
		}
	case "respond":
		if len(pos) != 2 {
			return fmt.Errorf("%w: incident respond takes INCIDENT available|en-route|unavailable [--eta MINUTES]", errUsage)
		}
		minutes := 0
		if *eta != "" {
			if minutes, err = strconv.Atoi(*eta); err != nil {
				return fault.Invalidf(fmt.Sprintf("Give --eta as a whole number of minutes, such as 15, not %q.", *eta))
			}
		}
		do = func(c *client.Client) error {
			if err := c.Respond(ctx, pos[0], pos[1], minutes); err != nil {
				return err
			}
			fmt.Fprintln(stdout, "Answered.")
			return nil
		}
	case "board":
		if err := need(1, "INCIDENT [--json]"); err != nil {
			return err
		}
		do = func(c *client.Client) error {
			b, err := c.Board(ctx, pos[0], 0, 0)
			if err != nil {
				return err
			}
			if *asJSON {
				return json.NewEncoder(stdout).Encode(b)
			}
			printBoard(stdout, b)
			return nil
		}
	case "standdown":
		if err := need(1, "INCIDENT --lists NAME,..."); err != nil {
			return err
		}
		do = func(c *client.Client) error {
			if err := c.StandDown(ctx, pos[0], splitList(*lists)); err != nil {
				return err
			}
			fmt.Fprintln(stdout, "Stood down.")
			return nil
		}
	case "close":
		if err := need(1, "INCIDENT"); err != nil {
			return err
		}
		do = func(c *client.Client) error {
			if err := c.CloseIncident(ctx, pos[0]); err != nil {
				return err
			}
			fmt.Fprintln(stdout, "Closed: everyone is stood down.")
			return nil
		}
	case "list":
		if err := need(0, "no arguments"); err != nil {
			return err
		}
		do = func(c *client.Client) error {
			ins, err := c.Incidents(ctx)
			if err != nil {
				return err
			}
			if *asJSON {
				return json.NewEncoder(stdout).Encode(ins)
			}
			for _, in := range ins {
				fmt.Fprintf(stdout, "%s  %s  commander %s\n", in.ID, in.Name, in.Commander.Email)
			}
			return nil
		}
	case "log":
		if err := need(1, "INCIDENT --out FILE.json"); err != nil {
			return err
		}
		if *out == "" {
			return fmt.Errorf("%w: incident log needs --out FILE.json", errUsage)
		}
		do = func(c *client.Client) error {
			l, err := c.ExportIncidentLog(ctx, pos[0])
			if err != nil {
				return err
			}
			return writeIncidentLog(*out, l, stdout)
		}
	default:
		return fmt.Errorf("%w: unknown incident command %q; use %s", errUsage, rest[0], incidentCommands)
	}
	c, err := openProfile(ctx, *profile, getenv, time.Now)
	if err != nil {
		return err
	}
	err = do(c)
	if fault.Is(err, fault.Unauthenticated) {
		return fault.Wrap(fault.Unauthenticated, "This device's session has ended; sign in again with switchboard login.", err)
	}
	return err
}

func splitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// readLimited reads a file of at most max bytes.
func readLimited(name string, max int64) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, fault.Wrap(fault.Invalid, "Cannot read "+name+"; check the path.", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, fault.Wrap(fault.Invalid, "Cannot read "+name+".", err)
	}
	if int64(len(b)) > max {
		return nil, fault.Invalidf(fmt.Sprintf("%s is too long: keep it under %d KiB.", name, max>>10))
	}
	return b, nil
}

func printBoard(w io.Writer, b *wire.Board) {
	fmt.Fprintf(w, "%s (commander %s)\n", b.Incident.Name, b.Incident.Commander.Email)
	for _, t := range b.Tallies {
		fmt.Fprintf(w, "  %s %s: %d alerted, %d answered (%d available, %d on their way, %d unavailable), %d not answered, %d stood down",
			t.By, t.Name, t.Alerted, t.Answered, t.Available, t.EnRoute, t.Unavailable, t.NoAnswer, t.StoodDown)
		if t.FirstAnswer != nil {
			fmt.Fprintf(w, "; first answer after %.0f s, median %.0f s, 90th percentile %.0f s", *t.FirstAnswer, *t.Median, *t.P90)
		}
		fmt.Fprintln(w)
	}
	for _, a := range b.Answers {
		state := a.State
		switch {
		case a.StoodDownAt != "":
			state = "stood down"
		case state == "":
			state = "no answer"
		case state == "en-route":
			state = fmt.Sprintf("on the way, ETA %d min", a.ETA)
		}
		fmt.Fprintf(w, "  %-30s %s\n", a.Person.Email, state)
	}
}

var logPage = template.Must(template.New("log").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Server.Incident.Name}}: incident log</title>
<style>body{font-family:Arial,sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #999;padding:4px 8px;text-align:left}</style>
</head><body>
<h1>{{.Server.Incident.Name}}: incident log</h1>
<p>Declared {{.Server.Incident.DeclaredAt}}; commander {{.Server.Incident.Commander.Name}} ({{.Server.Incident.Commander.Email}}){{if .Server.Incident.ClosedAt}}; closed {{.Server.Incident.ClosedAt}}{{end}}.</p>
<h2>Timeline</h2>
<table><tr><th>Time</th><th>Event</th><th>Who</th><th>Detail</th></tr>
{{range .Server.Timeline}}<tr><td>{{.At}}</td><td>{{.Event}}</td><td>{{if .Actor}}{{.Actor.Name}}{{end}}</td><td>{{.Detail}}</td></tr>
{{end}}</table>
<h2>Roll-call</h2>
<table><tr><th>By</th><th>Name</th><th>Alerted</th><th>Answered</th><th>Available</th><th>On the way</th><th>Unavailable</th><th>No answer</th><th>Stood down</th>
<th>First answer (s)</th><th>Median (s)</th><th>90th percentile (s)</th></tr>
{{range .Server.Board.Tallies}}<tr><td>{{.By}}</td><td>{{.Name}}</td><td>{{.Alerted}}</td><td>{{.Answered}}</td><td>{{.Available}}</td><td>{{.EnRoute}}</td><td>{{.Unavailable}}</td><td>{{.NoAnswer}}</td><td>{{.StoodDown}}</td>
<td>{{with .FirstAnswer}}{{printf "%.0f" .}}{{end}}</td><td>{{with .Median}}{{printf "%.0f" .}}{{end}}</td><td>{{with .P90}}{{printf "%.0f" .}}{{end}}</td></tr>
{{end}}</table>
<table><tr><th>Person</th><th>Lists</th><th>Answer</th><th>ETA (min)</th><th>Answered</th></tr>
{{range .Server.Board.Answers}}<tr><td>{{.Person.Name}} ({{.Person.Email}})</td><td>{{range .Lists}}{{.}} {{end}}</td><td>{{.State}}</td><td>{{if .ETA}}{{.ETA}}{{end}}</td><td>{{.AnsweredAt}}</td></tr>
{{end}}</table>
<h2>Messages</h2>
<table><tr><th>Time</th><th>From</th><th>Message</th></tr>
{{range .Messages}}<tr><td>{{.SentAt}}</td><td>{{.Sender}}</td><td style="white-space:pre-wrap">{{.Text}}</td></tr>
{{end}}</table>
</body></html>
`))

// writeIncidentLog writes the log as JSON and as a printable HTML page
// beside it; both hold decrypted messages, so only their owner may read
// them.
func writeIncidentLog(name string, l *client.IncidentLog, stdout io.Writer) error {
	b, err := json.MarshalIndent(l, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(name, b, 0o600); err != nil {
		return fault.Wrap(fault.Invalid, "Cannot write "+name+"; check the path.", err)
	}
	page := strings.TrimSuffix(name, ".json") + ".html"
	f, err := os.OpenFile(page, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return fault.Wrap(fault.Invalid, "Cannot write "+page+"; check the path.", err)
	}
	if err := logPage.Execute(f, l); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Wrote %s and %s.\n", name, page)
	return nil
}
