package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/audit"
	"github.com/switchboard-nhs/switchboard/internal/identity"
	"github.com/switchboard-nhs/switchboard/internal/records"
)

// adminRecords returns the console's records commands: retention set and
// show, hold add, release and list, and sweep. rec is set before the
// command runs.
func adminRecords(ctx context.Context, cmd string, sub *flag.FlagSet, rec **records.Service, stdout io.Writer) (func(*identity.Service) error, bool) {
	switch cmd {
	case "retention set":
		org := sub.String("org", "", "the ODS code of the organisation")
		kind := sub.String("kind", "", "the kind of conversation: clinical, team or incident")
		maxAge := sub.String("max-age", "", `how long messages of the kind are kept, such as "30d" or "12h", or "keep"`)
		reason := sub.String("reason", "", "why messages of the kind are kept without a limit (needed with keep)")
		grace := sub.String("filed-grace", "", `how long filed messages stay before deletion, such as "24h" or "0s"`)
		return func(*identity.Service) error {
			o, err := (*rec).ConsoleOrg(ctx, *org)
			if err != nil {
				return err
			}
			if (*kind == "") == (*grace == "") {
				return fmt.Errorf("%w: give --kind with --max-age, or --filed-grace", errUsage)
			}
			if *grace != "" {
				g, err := records.ParseGrace(*grace)
				if err != nil {
					return err
				}
				if err := (*rec).SetFiledGrace(ctx, o.ID, audit.ActorCLI, g); err != nil {
					return err
				}
				fmt.Fprintf(stdout, "Filed messages in %s are deleted %s after filing.\n", o.ODS, g)
				return nil
			}
			age, keep, err := records.ParseAge(*maxAge)
			if err != nil {
				return err
			}
			if err := (*rec).SetRule(ctx, o.ID, audit.ActorCLI, *kind, age, keep, *reason); err != nil {
				return err
			}
			if keep {
				fmt.Fprintf(stdout, "Messages of %s conversations in %s are kept: %s\n", *kind, o.ODS, *reason)
			} else {
				fmt.Fprintf(stdout, "Messages of %s conversations in %s are deleted after %s.\n", *kind, o.ODS, age)
			}
			return nil
		}, true
	case "retention show":
		org := sub.String("org", "", "the ODS code of the organisation")
		asJSON := sub.Bool("json", false, "print the rules as JSON")
		return func(*identity.Service) error {
			o, err := (*rec).ConsoleOrg(ctx, *org)
			if err != nil {
				return err
			}
			r, err := (*rec).Retention(ctx, o.ID)
			if err != nil {
				return err
			}
			if *asJSON {
				return json.NewEncoder(stdout).Encode(r)
			}
			tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "KIND\tKEPT FOR\tREASON")
			for _, rule := range r.Rules {
				kept := "not set (kept)"
				switch {
				case rule.Keep:
					kept = "kept"
				case rule.Set:
					kept = (time.Duration(rule.MaxAgeSeconds) * time.Second).String()
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\n", rule.Kind, kept, rule.Reason)
			}
			fmt.Fprintf(tw, "filed messages\t%s after filing\t\n", time.Duration(r.FiledGraceSeconds)*time.Second)
			return tw.Flush()
		}, true
	case "hold add":
		org := sub.String("org", "", "the ODS code of the organisation")
		conv := sub.String("conversation", "", "hold one conversation (its ID)")
		email := sub.String("email", "", "hold every conversation of one person")
		from := sub.String("from", "", "hold a period from this date (YYYY-MM-DD), with --to")
		to := sub.String("to", "", "hold a period up to this date (inclusive)")
		caseRef := sub.String("case", "", "the case reference: the FOI, SAR, complaint, litigation or inquiry")
		return func(*identity.Service) error {
			o, err := (*rec).ConsoleOrg(ctx, *org)
			if err != nil {
				return err
			}
			h, err := (*rec).PlaceHold(ctx, o, audit.ActorCLI, records.HoldInput{Conversation: *conv, Email: *email, From: *from, To: *to, Case: *caseRef})
			if err != nil {
				return err
			}
			fmt.Fprintln(stdout, h.ID)
			return nil
		}, true
	case "hold release":
		return func(*identity.Service) error {
			if sub.NArg() != 1 {
				return fmt.Errorf("%w: give the ID of the hold to release: hold release HOLD_ID", errUsage)
			}
			h, err := (*rec).ReleaseHold(ctx, "", audit.ActorCLI, sub.Arg(0))
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "Released hold %s (%s): the next sweep deletes what it kept and is due.\n", h.ID, h.Case)
			return nil
		}, true
	case "hold list":
		org := sub.String("org", "", "the ODS code of the organisation")
		asJSON := sub.Bool("json", false, "print the holds as JSON")
		return func(*identity.Service) error {
			o, err := (*rec).ConsoleOrg(ctx, *org)
			if err != nil {
				return err
			}
			hs, err := (*rec).Holds(ctx, o.ID)
			if err != nil {
				return err
			}
			if *asJSON {
				return json.NewEncoder(stdout).Encode(map[string]any{"holds": hs})
			}
			tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tCASE\tON\tPLACED\tRELEASED")
			for _, h := range hs {
				on := h.Conversation
				switch {
				case h.Email != "":
					on = h.Email
				case h.From != nil:
					on = h.From.Format(time.DateOnly) + " to " + h.To.AddDate(0, 0, -1).Format(time.DateOnly)
				}
				released := ""
				if h.ReleasedAt != nil {
					released = h.ReleasedAt.Format(time.DateOnly)
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", h.ID, h.Case, on, h.PlacedAt.Format(time.DateOnly), released)
			}
			return tw.Flush()
		}, true
	case "sweep":
		return func(*identity.Service) error {
			sw, err := (*rec).Sweep(ctx)
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "Deleted %d filed messages and %d past their retention, in %s.\n", sw.Filed, sw.Retained, sw.Took.Round(time.Millisecond))
			return nil
		}, true
	}
	return nil, false
}
