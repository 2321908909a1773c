package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/client"
	"github.com/switchboard-nhs/switchboard/internal/fault"
	"github.com/switchboard-nhs/switchboard/internal/pid"
)

// maxStdinText bounds a message read from standard input.
const maxStdinText = 64 << 10

func runChat(ctx context.Context, now func() time.Time, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("chat", stderr)
	profile := fs.String("profile", "", "the directory of this device's profile")
	if err := parseFlags(fs, args, getenv); err != nil {
		return err
	}
	rest := fs.Args()
	if len(rest) == 0 {
		return fmt.Errorf("%w: say what to do: create, send, read, list, add, remove, admin, leave, bleep, ack, urgent, handover, file, receipt or watch", errUsage)
	}
	sub := newFlags("chat "+rest[0], stderr)
	var (
		name     = sub.String("name", "", "the conversation's name")
		asJSON   = sub.Bool("json", false, "print JSON lines")
		allowPID = sub.Bool("allow-pid", false, "send even if the message looks like patient-identifiable data")
		urgent   = sub.Bool("urgent", false, "bleep: the holder must acknowledge it, or it escalates")
		kind     = sub.String("kind", "clinical", "create: the conversation's kind (clinical, team or incident), which sets how long it is kept")
		where    = sub.String("where", "", `file: where the messages were filed, such as "EMIS, consultation 4 Dec 2026"`)
		fhirOut  = sub.String("fhir", "", "file: write the FHIR R4 Bundle of the filed messages to this file")
		members  stringList
	)
	sub.Var(&members, "member", "a member's email (repeat for several)")
	pos, err := parseInterspersed(sub, rest[1:])
	if err != nil {
		return err
	}
	a := chatArgs{cmd: rest[0], pos: pos, name: *name, members: members, asJSON: *asJSON, allowPID: *allowPID, urgent: *urgent,
		kind: *kind, where: *where, fhirOut: *fhirOut}
	do, err := chatAction(ctx, a, stdin, stdout, stderr)
	if err != nil {
		return err
	}
	c, err := openProfile(ctx, *profile, getenv, now)
	if err != nil {
		return err
	}
	err = do(c)
	if fault.Is(err, fault.Unauthenticated) {
		return fault.Wrap(fault.Unauthenticated, "This device's session has ended; sign in again with switchboard login.", err)
	}
	return err
}

// chatArgs is a parsed chat command line.
type chatArgs struct {
	cmd              string
	pos              []string
	name             string
	members          []string
	asJSON, allowPID bool
	urgent           bool
	kind             string
	where, fhirOut   string
}

// chatAction checks a chat command's arguments and returns what it does
// with the unlocked profile.
func chatAction(ctx context.Context, a chatArgs, stdin io.Reader, stdout, stderr io.Writer) (func(*client.Client) error, error) {
	need := func(n int, what string) error {
		if len(a.pos) != n {
			return fmt.Errorf("%w: chat %s takes %s", errUsage, a.cmd, what)
		}
		return nil
	}
	switch a.cmd {
	case "create":
		if err := need(0, "--name NAME and --member EMAIL"); err != nil {
			return nil, err
		}
		return func(c *client.Client) error {
			id, err := c.CreateConversation(ctx, a.name, a.members, a.kind)
			if err == nil {
				fmt.Fprintln(stdout, id)
			}
			return err
		}, nil
	case "send":
		if err := need(2, "CONVERSATION TEXT (TEXT - reads standard input)"); err != nil {
			return nil, err
		}
		text, err := sendableText(a.pos[1], stdin, a.allowPID)
		if err != nil {
			return nil, err
		}
		return func(c *client.Client) error {
			id, err := c.Send(ctx, a.pos[0], text)
			if err == nil {
				fmt.Fprintln(stdout, id)
			}
			return err
		}, nil
	case "read":
		if err := need(1, "CONVERSATION"); err != nil {
			return nil, err
		}
		return func(c *client.Client) error { return chatRead(ctx, c, a.pos[0], a.asJSON, stdout, stderr) }, nil
	case "list":
		if err := need(0, "no arguments"); err != nil {
			return nil, err
		}
		return func(c *client.Client) error { return chatList(ctx, c, a.asJSON, stdout) }, nil
	case "add", "remove":
		if err := need(2, "CONVERSATION EMAIL"); err != nil {
			return nil, err
		}
		return func(c *client.Client) error {
			if a.cmd == "add" {
				if err := c.Add(ctx, a.pos[0], a.pos[1]); err != nil {
					return err
				}
				fmt.Fprintf(stdout, "Added %s.\n", a.pos[1])
				return nil
			}
			if err := c.Remove(ctx, a.pos[0], a.pos[1]); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "Removed %s.\n", a.pos[1])
			return nil
		}, nil
	case "admin":
		if err := need(2, "CONVERSATION EMAIL"); err != nil {
			return nil, err
		}
		return func(c *client.Client) error {
			if err := c.MakeAdmin(ctx, a.pos[0], a.pos[1]); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "%s is now an admin of the conversation.\n", a.pos[1])
			return nil
		}, nil
	case "leave":
		if err := need(1, "CONVERSATION"); err != nil {
			return nil, err
		}
		return func(c *client.Client) error {
			if err := c.Leave(ctx, a.pos[0]); err != nil {
				return err
			}
			fmt.Fprintln(stdout, "You have left the conversation; what you read before stays on this device.")
			return nil
		}, nil
	case "bleep":
		if err := need(2, `"DUTY ROLE" TEXT [--urgent] (TEXT - reads standard input)`); err != nil {
			return nil, err
		}
		text, err := sendableText(a.pos[1], stdin, a.allowPID)
		if err != nil {
			return nil, err
		}
		return func(c *client.Client) error {
			conv, msg, err := c.Bleep(ctx, a.pos[0], text, a.urgent)
			if err != nil {
				return err
			}
			if a.asJSON {
				return json.NewEncoder(stdout).Encode(map[string]string{"conversation": conv, "message": msg})
			}
			fmt.Fprintln(stdout, conv, msg)
			return nil
		}, nil
	case "ack":
		if err := need(2, "CONVERSATION MESSAGE_ID"); err != nil {
			return nil, err
		}
		return func(c *client.Client) error {
			if err := c.Acknowledge(ctx, a.pos[0], a.pos[1]); err != nil {
				return err
			}
			fmt.Fprintln(stdout, "Acknowledged.")
			return nil
		}, nil
	case "handover":
		if len(a.pos) != 2 && len(a.pos) != 3 {
			return nil, fmt.Errorf("%w: chat handover takes \"DUTY ROLE\" EMAIL [NOTE] (NOTE - reads standard input)", errUsage)
		}
		note := ""
		if len(a.pos) == 3 {
			var err error
			if note, err = sendableText(a.pos[2], stdin, a.allowPID); err != nil {
				return nil, err
			}
		}
		return func(c *client.Client) error {
			id, err := c.Handover(ctx, a.pos[0], a.pos[1], note)
			if err != nil {
				return err
			}
			if id != "" {
				fmt.Fprintf(stdout, "Handed over to %s; the note is in conversation %s.\n", a.pos[1], id)
			} else {
				fmt.Fprintf(stdout, "Handed over to %s.\n", a.pos[1])
			}
			return nil
		}, nil
	case "urgent":
		if err := need(1, "CONVERSATION"); err != nil {
			return nil, err
		}
		return func(c *client.Client) error {
			us, err := c.Urgent(ctx, a.pos[0])
			if err != nil {
				return err
			}
			return json.NewEncoder(stdout).Encode(us)
		}, nil
	case "file":
		if len(a.pos) < 2 || a.where == "" {
			return nil, fmt.Errorf("%w: chat file takes CONVERSATION MESSAGE_ID [MESSAGE_ID...] --where TEXT [--fhir FILE]", errUsage)
		}
		return func(c *client.Client) error { return chatFile(ctx, c, a, stdout) }, nil
	case "receipt":
		if err := need(1, "FILING_ID"); err != nil {
			return nil, err
		}
		return func(c *client.Client) error { return chatReceipt(ctx, c, a.pos[0], a.asJSON, stdout) }, nil
	case "watch":
		if err := need(0, "no arguments"); err != nil {
			return nil, err
		}
		return func(c *client.Client) error { return chatWatch(ctx, c, stdout) }, nil
	default:
		return nil, fmt.Errorf("%w: unknown chat command %q; use create, send, read, list, add, remove, admin, leave, bleep, ack, urgent, handover, file, receipt or watch", errUsage, a.cmd)
	}
}

// parseInterspersed parses flags that may come before, between or after
// the positional arguments, and returns the positional ones.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, fmt.Errorf("%w: %v", errUsage, err)
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" || (len(pos) > 0 && pos[len(pos)-1] == "--") {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// sendableText is messageText checked for patient-identifiable data.
func sendableText(arg string, stdin io.Reader, allowPID bool) (string, error) {
	text, err := messageText(arg, stdin)
	if err != nil {
		return "", err
	}
	return text, checkPID(text, allowPID)
}

// messageText returns the text argument, or standard input for "-".
func messageText(arg string, stdin io.Reader) (string, error) {
	if arg != "-" {
		return arg, nil
	}
	b, err := io.ReadAll(io.LimitReader(stdin, maxStdinText+1))
	if err != nil {
		return "", fmt.Errorf("read message: %w", err)
	}
	if len(b) > maxStdinText {
		return "", fault.Invalidf("The message is too long: keep it under 64 KiB.")
	}
	return strings.TrimRight(string(b), "\r\n"), nil
}

// checkPID refuses text that looks like patient-identifiable data unless
// the sender has said to send it anyway.
func checkPID(text string, allow bool) error {
	if allow {
		return nil
	}
	kinds := pid.Kinds(pid.Find(text, time.Now()))
	if len(kinds) == 0 {
		return nil
	}
	names := make([]string, len(kinds))
	for i, k := range kinds {
		names[i] = string(k)
	}
	return fault.Invalidf("The message looks like it contains patient-identifiable data (" + strings.Join(names, ", ") +
		"); take it out, or add --allow-pid to send it anyway.")
}

func chatRead(ctx context.Context, c *client.Client, id string, asJSON bool, stdout, stderr io.Writer) error {
	msgs, err := c.Messages(ctx, id)
	if err != nil {
		return err
	}
	if c.Removed(id) {
		fmt.Fprintln(stderr, "This device was removed from the conversation; it shows only what it read before.")
	}
	enc := json.NewEncoder(stdout)
	for _, m := range msgs {
		if asJSON {
			if err := enc.Encode(m); err != nil {
				return err
			}
			continue
		}
		fmt.Fprintf(stdout, "%s  %s: %s\n", m.SentAt.Local().Format("2006-01-02 15:04"), m.Sender, m.Text)
	}
	return nil
}

func chatList(ctx context.Context, c *client.Client, asJSON bool, stdout io.Writer) error {
	convs, err := c.Conversations(ctx)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(stdout)
	for _, cv := range convs {
		if asJSON {
			if err := enc.Encode(cv); err != nil {
				return err
			}
			continue
		}
		var emails []string
		for _, m := range cv.Members {
			if !contains(emails, m.Email) {
				emails = append(emails, m.Email)
			}
		}
		state := strings.Join(emails, ", ")
		if cv.Removed {
			state = "removed"
		}
		fmt.Fprintf(stdout, "%s  %s  (%s)  %s\n", cv.ID, cv.Name, state, keptFor(cv.Records))
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// chatWatch prints each new message as a JSON line until interrupted.
func chatWatch(ctx context.Context, c *client.Client, stdout io.Writer) error {
	enc := json.NewEncoder(stdout)
	var werr error
	err := c.Watch(ctx, func(m client.Message) {
		if werr == nil {
			werr = enc.Encode(m)
		}
	})
	if errors.Is(err, context.Canceled) {
		err = nil
	}
	if err == nil {
		err = werr
	}
	return err
}
