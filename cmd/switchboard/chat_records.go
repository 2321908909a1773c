package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/client"
	"github.com/switchboard-nhs/switchboard/internal/fault"
)

// chatFile files messages to the record: it prints the filing ID, then
// (without --json) the plain-text summary to paste into the record, and
// writes the FHIR Bundle to --fhir.
func chatFile(ctx context.Context, c *client.Client, a chatArgs, stdout io.Writer) error {
	f, err := c.File(ctx, a.pos[0], a.pos[1:], a.where)
	if err != nil {
		return err
	}
	if a.fhirOut != "" {
		if err := os.WriteFile(a.fhirOut, []byte(f.FHIR), 0o600); err != nil {
			return fault.Wrap(fault.Invalid, "The FHIR file cannot be written; check the --fhir path.", err)
		}
	}
	if a.asJSON {
		return json.NewEncoder(stdout).Encode(f)
	}
	fmt.Fprintln(stdout, f.ID)
	fmt.Fprintf(stdout, "\nDeleted everywhere after %s, unless a legal hold applies. Paste this into the record:\n\n%s",
		f.DueAt.Local().Format("2 Jan 2006 15:04"), f.Summary)
	return nil
}

// chatReceipt prints a filing's deletion receipt.
func chatReceipt(ctx context.Context, c *client.Client, id string, asJSON bool, stdout io.Writer) error {
	f, err := c.Receipt(ctx, id)
	if err != nil {
		return err
	}
	if asJSON {
		return json.NewEncoder(stdout).Encode(f)
	}
	switch {
	case f.DeletedAt != nil:
		fmt.Fprintf(stdout, "Deleted on the server %s.\n", f.DeletedAt.Local().Format("2 Jan 2006 15:04"))
	case f.Held:
		fmt.Fprintln(stdout, "Not deleted: a legal hold keeps these messages.")
	default:
		fmt.Fprintf(stdout, "To be deleted after %s.\n", f.DueAt.Local().Format("2 Jan 2006 15:04"))
	}
	for _, d := range f.Devices {
		state := "not yet synced"
		if d.ConfirmedAt != nil {
			state = "deleted " + d.ConfirmedAt.Local().Format(time.DateTime)
		}
		fmt.Fprintf(stdout, "  %s  %s  %s\n", d.Email, d.DeviceName, state)
	}
	return nil
}

// keptFor says a conversation's kind and how long its messages are kept.
func keptFor(r *client.Records) string {
	if r == nil {
		return ""
	}
	kept := "kept until the organisation sets a period"
	if r.MaxAgeSeconds > 0 {
		kept = "messages deleted after " + age(time.Duration(r.MaxAgeSeconds)*time.Second)
	} else if r.Set {
		kept = "messages kept"
	}
	if r.Held {
		kept += "; a legal hold applies"
	}
	return r.Kind + ", " + kept
}

// age writes a retention period in days where it is whole days.
func age(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%d days", d/(24*time.Hour))
	}
	return d.String()
}
