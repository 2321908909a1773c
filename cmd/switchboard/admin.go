package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/audit"
	"github.com/switchboard-nhs/switchboard/internal/dpo"
	"github.com/switchboard-nhs/switchboard/internal/fault"
	"github.com/switchboard-nhs/switchboard/internal/httpd"
	"github.com/switchboard-nhs/switchboard/internal/identity"
	"github.com/switchboard-nhs/switchboard/internal/incident"
	"github.com/switchboard-nhs/switchboard/internal/messaging"
	"github.com/switchboard-nhs/switchboard/internal/pdf"
	"github.com/switchboard-nhs/switchboard/internal/records"
)

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

// adminCommands lists the console's commands, for usage messages.
const adminCommands = "org add, user add, user roles, user disable, user enable, user unlock, duty add, duty assign, calllist add, " +
	"retention set, retention show, hold add, hold release, hold list, sweep, breach add, breach list, dpia, audit verify, secrets rotate or migrate-to-postgres"

func runAdmin(ctx context.Context, now func() time.Time, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("admin", stderr)
	data := fs.String("data", "./switchboard-data", "data directory")
	dbURL := fs.String("database-url", "", databaseURLHelp)
	keyFile := addSecretsKeyFlag(fs)
	// Accepted so that serve and admin take one set of flags; the
	// console's changes reach running nodes through the database, and a
	// disabled user's devices are also announced over NATS when given.
	natsURL := fs.String("nats-url", "", "as for serve: user disable tells the nodes at once that the person's devices are revoked")
	if err := parseFlags(fs, args, getenv); err != nil {
		return err
	}
	rest := fs.Args()
	if len(rest) > 0 && rest[0] == "migrate-to-postgres" {
		return runMigrateToPostgres(ctx, rest[1:], *data, *dbURL, *keyFile, stdout, stderr)
	}
	if len(rest) == 2 && rest[0] == "secrets" && rest[1] == "rotate" {
		return runRotateSecrets(ctx, now, *data, *dbURL, *keyFile, stdout)
	}
	if len(rest) > 0 && rest[0] == "dpia" {
		rest = append([]string{"dpia", "pack"}, rest[1:]...) // one word at the console
	}
	words := 2 // most commands are a noun and a verb
	if len(rest) > 0 && rest[0] == "sweep" {
		words = 1
	}
	if len(rest) < words {
		return fmt.Errorf("%w: say what to administer: %s", errUsage, adminCommands)
	}
	cmd := strings.Join(rest[:words], " ")
	sub := newFlags("admin "+cmd, stderr)
	var do func(*identity.Service) error
	revokes := false          // the command revokes devices, so messaging must hear of it
	var inc *incident.Service // set for the duty and call-in list commands
	var rec *records.Service  // set for the retention, hold and sweep commands
	usesIncident := false
	var officer *dpo.Service // set for the breach commands
	var verifyFile *string   // audit verify --file
	switch cmd {
	case "breach add":
		org := sub.String("org", "", "the ODS code of the organisation")
		kind := sub.String("kind", dpo.KindBreach, "breach, near-miss or complaint")
		category := sub.String("category", "", "what it is about: "+strings.Join(dpo.Categories, ", "))
		summary := sub.String("summary", "", "what happened, without patient identifiers")
		affected := sub.Int("affected", 0, "how many people are affected, if known")
		reportable := sub.Bool("reportable", false, "reportable to the ICO: starts the 72-hour clock")
		aware := sub.String("aware-at", "", "when the organisation became aware of it (RFC 3339; default now)")
		asJSON := sub.Bool("json", false, "print the result as JSON")
		do = func(*identity.Service) error {
			at, err := parseFlagTime("--aware-at", *aware)
			if err != nil {
				return err
			}
			b, err := officer.ConsoleAddBreach(ctx, *org, dpo.NewBreach{Kind: *kind, Category: *category, Summary: *summary,
				Affected: *affected, Reportable: *reportable, AwareAt: at})
			if err != nil {
				return err
			}
			if *asJSON {
				return json.NewEncoder(stdout).Encode(breachJSON(b))
			}
			fmt.Fprintf(stdout, "Opened %s %s in the breach log.\n", b.Kind, b.ID)
			if b.Reportable {
				fmt.Fprintf(stdout, "The ICO must be told by %s.\n", b.Deadline().Format(time.RFC3339))
			}
			return nil
		}
	case "dpia pack":
		org := sub.String("org", "", "the ODS code of the organisation")
		out := sub.String("out", "", "the file to write: FILE.pdf, or FILE.html for the HTML")
		do = func(*identity.Service) error {
			if *out == "" {
				return fmt.Errorf("%w: give --out FILE.pdf", errUsage)
			}
			asHTML := strings.HasSuffix(strings.ToLower(*out), ".html")
			pack, err := officer.ConsoleDPIAPack(ctx, *org, map[bool]string{true: "html", false: "pdf"}[asHTML])
			if err != nil {
				return err
			}
			var b bytes.Buffer
			if asHTML {
				html, err := httpd.RenderPackHTML(pack)
				if err != nil {
					return err
				}
				b.Write(html)
			} else if err := pdf.Render(&b, pack); err != nil {
				return err
			}
			if err := os.WriteFile(*out, b.Bytes(), 0o600); err != nil {
				return fault.Wrap(fault.Invalid, "Cannot write "+*out+".", err)
			}
			fmt.Fprintf(stdout, "Wrote the DPIA pack for %s to %s (%d bytes).\n", pack.Org, *out, b.Len())
			return nil
		}
	case "breach list":
		org := sub.String("org", "", "the ODS code of the organisation")
		asJSON := sub.Bool("json", false, "print the log as JSON")
		do = func(*identity.Service) error {
			bs, err := officer.ConsoleBreaches(ctx, *org)
			if err != nil {
				return err
			}
			if *asJSON {
				out := []map[string]any{}
				for _, b := range bs {
					out = append(out, breachJSON(b))
				}
				return json.NewEncoder(stdout).Encode(map[string]any{"breaches": out})
			}
			for _, b := range bs {
				state := "open"
				if !b.Open() {
					state = "closed"
				}
				fmt.Fprintf(stdout, "%s  %s  %-10s %-24s %s\n", b.ID, b.OpenedAt.Format(time.RFC3339), b.Kind, b.Category, state)
			}
			return nil
		}
	case "duty add":
		org := sub.String("org", "", "the ODS code of the organisation")
		name := sub.String("name", "", "the duty role's name, such as \"Medical registrar on call\"")
		escTo := sub.String("escalate-to", "", "the duty role (name) or person (email) unacknowledged urgent messages escalate to")
		escAfter := sub.Duration("escalate-after", incident.DefaultEscalateAfter, "how long urgent messages wait for acknowledgement before escalating")
		mayDeclare := sub.Bool("may-declare", false, "its holder may declare a major incident")
		asJSON := sub.Bool("json", false, "print the result as JSON")
		usesIncident = true
		do = func(*identity.Service) error {
			r, err := inc.ConsoleAddDutyRole(ctx, *org, incident.NewRole{Name: *name, EscalateTo: *escTo, EscalateAfter: *escAfter, MayDeclare: *mayDeclare})
			if err != nil {
				return err
			}
			if *asJSON {
				return json.NewEncoder(stdout).Encode(map[string]any{"id": r.ID, "name": r.Name, "escalate_to": *escTo,
					"escalate_after_seconds": int(r.EscalateAfter / time.Second), "may_declare": r.MayDeclare})
			}
			fmt.Fprintf(stdout, "Added the duty role %s; urgent messages to it escalate after %s.\n", r.Name, r.EscalateAfter)
			return nil
		}
	case "duty assign":
		org := sub.String("org", "", "the ODS code of the organisation")
		name := sub.String("name", "", "the duty role's name")
		email := sub.String("email", "", "who holds it")
		from := sub.String("from", "", "when the shift starts (RFC 3339; default now)")
		until := sub.String("until", "", "when it ends (RFC 3339; default when the next shift starts)")
		asJSON := sub.Bool("json", false, "print the result as JSON")
		usesIncident = true
		do = func(*identity.Service) error {
			f, err := parseFlagTime("--from", *from)
			if err != nil {
				return err
			}
			u, err := parseFlagTime("--until", *until)
			if err != nil {
				return err
			}
			sh, err := inc.ConsoleAssign(ctx, *org, *name, *email, f, u)
			if err != nil {
				return err
			}
			end := ""
			if !sh.End.IsZero() {
				end = sh.End.Format(time.RFC3339)
			}
			if *asJSON {
				return json.NewEncoder(stdout).Encode(map[string]any{"id": sh.ID, "role": *name, "email": strings.ToLower(*email),
					"from": sh.Start.Format(time.RFC3339), "until": end})
			}
			if end == "" {
				end = "the next shift starts"
			}
			fmt.Fprintf(stdout, "%s holds %s from %s until %s.\n", strings.ToLower(*email), *name, sh.Start.Format(time.RFC3339), end)
			return nil
		}
	case "calllist add":
		org := sub.String("org", "", "the ODS code of the organisation")
		name := sub.String("name", "", "the call-in list's name, such as \"ED consultants\"")
		var emails stringList
		sub.Var(&emails, "email", "someone to put on the list (repeat, or give several after one --email)")
		asJSON := sub.Bool("json", false, "print the result as JSON")
		usesIncident = true
		do = func(*identity.Service) error {
			l, err := inc.ConsoleAddCallList(ctx, *org, *name, emails)
			if err != nil {
				return err
			}
			if *asJSON {
				return json.NewEncoder(stdout).Encode(map[string]any{"id": l.ID, "name": l.Name, "members": len(l.Members)})
			}
			fmt.Fprintf(stdout, "The call-in list %s has %d %s.\n", l.Name, len(l.Members), map[bool]string{true: "person", false: "people"}[len(l.Members) == 1])
			return nil
		}
	case "org add":
		ods := sub.String("ods", "", "the organisation's NHS ODS code")
		name := sub.String("name", "", "the organisation's name")
		do = func(ids *identity.Service) error {
			org, err := ids.CreateOrg(ctx, *ods, *name)
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "Added organisation %s (%s).\n", org.ODS, org.Name)
			return nil
		}
	case "user add":
		var roles stringList
		org := sub.String("org", "", "the ODS code of the user's organisation")
		email := sub.String("email", "", "the user's email address")
		name := sub.String("name", "", "the user's display name")
		reg := sub.String("registration", "", "professional registration (GMC, NMC or HCPC number)")
		team := sub.String("team", "", "the user's team, such as \"Ward 7\" (the directory searches it)")
		sub.Var(&roles, "role", "a role: clinician, admin or dpo (repeat for several)")
		pwStdin := sub.Bool("password-stdin", false, "read the password from standard input")
		asJSON := sub.Bool("json", false, "print the result as JSON")
		do = func(ids *identity.Service) error {
			if !*pwStdin {
				return fmt.Errorf("%w: give --password-stdin and the password on standard input", errUsage)
			}
			pw, err := readPassword(stdin)
			if err != nil {
				return err
			}
			u, key, err := ids.CreateUserWithPassword(ctx, identity.NewUser{OrgODS: *org, Email: *email, Name: *name,
				Registration: *reg, Team: *team, Roles: roles, Password: pw})
			if err != nil {
				return err
			}
			if *asJSON {
				return json.NewEncoder(stdout).Encode(map[string]any{"id": u.ID, "email": u.Email, "name": u.Name,
					"roles": u.Roles, "totp_uri": key.URI, "totp_secret": key.Secret})
			}
			fmt.Fprintf(stdout, "Added %s. Their authenticator app secret is %s (or scan %s).\n", u.Email, key.Secret, key.URI)
			return nil
		}
	case "user roles":
		var roles stringList
		email := sub.String("email", "", "the user's email address")
		sub.Var(&roles, "role", "a role: clinician, admin or dpo (repeat for several); the user gets exactly these")
		do = func(ids *identity.Service) error {
			u, err := ids.ConsoleSetRoles(ctx, *email, roles)
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "%s now has the roles %s.\n", u.Email, roleList(u.Roles))
			return nil
		}
	case "user disable", "user enable", "user unlock":
		email := sub.String("email", "", "the user's email address")
		verb := rest[1]
		revokes = verb == "disable"
		do = func(ids *identity.Service) error {
			change, done := ids.ConsoleDisable, "Disabled %s: they are signed out everywhere, their devices are revoked and they cannot sign in until enabled again.\n"
			switch verb {
			case "enable":
				change, done = ids.ConsoleEnable, "Enabled %s: they sign in again with their password and security code, on new devices.\n"
			case "unlock":
				change, done = ids.ConsoleUnlock, "Unlocked %s: they can sign in again now.\n"
			}
			u, err := change(ctx, *email)
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, done, u.Email)
			return nil
		}
	case "audit verify":
		file := sub.String("file", "", "re-check an exported range (JSON from the audit page) offline, without the database")
		verifyFile = file
		do = func(ids *identity.Service) error {
			n, err := ids.VerifyAudit(ctx)
			if err != nil {
				return fault.Wrap(fault.Conflict, "The audit log has been tampered with: "+err.Error()+".", err)
			}
			fmt.Fprintf(stdout, "The audit log is intact: %d entries verified.\n", n)
			return nil
		}
	default:
		d, ok := adminRecords(ctx, cmd, sub, &rec, stdout)
		if !ok {
			return fmt.Errorf("%w: unknown admin command %q; use %s", errUsage, cmd, adminCommands)
		}
		do, usesIncident = d, true
	}
	if err := parseFlags(sub, rest[words:], func(string) string { return "" }); err != nil {
		return err
	}
	if cmd == "calllist add" {
		// --email takes several addresses: a@x b@x, then perhaps more flags.
		for sub.NArg() > 0 && !strings.HasPrefix(sub.Arg(0), "-") {
			if err := sub.Set("email", sub.Arg(0)); err != nil {
				return err
			}
			if err := sub.Parse(sub.Args()[1:]); err != nil {
				return fmt.Errorf("%w: %v", errUsage, err)
			}
		}
	}
	if sub.NArg() > 0 && cmd != "hold release" {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, sub.Arg(0))
	}
	if verifyFile != nil && *verifyFile != "" {
		return verifyAuditExport(*verifyFile, stdout)
	}
	store, err := openStore(ctx, *data, *dbURL, *keyFile)
	if err != nil {
		return err
	}
	defer store.Close()
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	ids := identity.NewService(store, log, now)
	// The servers send the reminders; the console knows only its store.
	// Retention and holds are read from the store alone.
	officer = dpo.New(store, store, store, nil, deployment("", *dbURL, *natsURL, nil), log, now).WithRecords(records.New(store, store, nil, log, now))
	if revokes || usesIncident {
		sv, stop, err := consoleMessaging(ctx, store, ids, *natsURL, log, now)
		if err != nil {
			return err
		}
		defer stop()
		inc, rec = sv.inc, sv.rec
	}
	return do(ids)
}

// consoleMessaging runs the delivery service for the length of one console
// command, so that devices the command revokes are removed from their
// conversations as they would be from the admin page: the server's removal
// proposals are stored for the members to commit, and the devices' push
// subscriptions deleted. Over NATS the nodes also tell the devices at once
// to erase themselves; without it they find out at their next request.
func consoleMessaging(ctx context.Context, st store, ids *identity.Service, natsURL string, log *slog.Logger, now func() time.Time) (services, func(), error) {
	bus, closeBus, err := openBus(natsURL, "console", log)
	if err != nil {
		return services{}, nil, err
	}
	mctx, cancel := context.WithCancel(ctx)
	flags := messagingFlags{sendRate: messaging.DefaultLimits.SendRate, sendBurst: messaging.DefaultLimits.SendBurst}
	sv, wait, err := startMessaging(mctx, st, ids, bus, log, now, flags, "", false) // the servers sweep the rota
	if err != nil {
		cancel()
		closeBus()
		return services{}, nil, err
	}
	return sv, func() {
		cancel()
		wait()
		closeBus()
	}, nil
}

// parseFlagTime reads an optional RFC 3339 time flag.
func parseFlagTime(flag, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, fmt.Errorf("%w: give %s as a date and time such as 2026-12-04T08:00:00Z", errUsage, flag)
	}
	return t, nil
}

func roleList(rs []identity.Role) string {
	s := make([]string, len(rs))
	for i, r := range rs {
		s[i] = string(r)
	}
	return strings.Join(s, ", ")
}

func readPassword(r io.Reader) (string, error) {
	line, err := bufio.NewReader(io.LimitReader(r, 4096)).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", fmt.Errorf("read password: %w", err)
	}
	pw := strings.TrimRight(line, "\r\n")
	if pw == "" {
		return "", fault.Invalidf("No password was given on standard input.")
	}
	return pw, nil
}

// breachJSON is an entry of the breach log as the console prints it.
func breachJSON(b *dpo.Breach) map[string]any {
	out := map[string]any{"id": b.ID, "kind": b.Kind, "category": b.Category, "summary": b.Summary, "affected": b.Affected,
		"actions": b.Actions, "reportable": b.Reportable, "aware_at": b.AwareAt.Format(time.RFC3339), "opened_at": b.OpenedAt.Format(time.RFC3339),
		"open": b.Open(), "clocked": b.Clocked(), "reminded_hours": b.RemindedH}
	if b.Reportable {
		out["deadline"] = b.Deadline().Format(time.RFC3339)
	}
	if !b.ReportedAt.IsZero() {
		out["reported_at"] = b.ReportedAt.Format(time.RFC3339)
	}
	if !b.ClosedAt.IsZero() {
		out["closed_at"] = b.ClosedAt.Format(time.RFC3339)
	}
	if b.DeviceID != "" {
		out["device"] = b.DeviceID
	}
	return out
}

// verifyAuditExport re-checks an audit export offline.
func verifyAuditExport(path string, stdout io.Writer) error {
	f, err := os.Open(path)
	if err != nil {
		return fault.Wrap(fault.Invalid, "Cannot open "+path+".", err)
	}
	defer f.Close()
	res, err := audit.VerifyExport(f)
	if err != nil {
		return fault.Wrap(fault.Conflict, "The audit export does not verify: "+err.Error()+".", err)
	}
	fmt.Fprintf(stdout, "The audit export is intact: entries %d to %d follow each other; %d of them re-checked in full, %d by their hashes.\n",
		res.First, res.Last, res.Entries, res.Links)
	return nil
}
