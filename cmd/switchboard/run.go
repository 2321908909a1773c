package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/fault"
)

const usage = `Switchboard: secure messaging and video consultations for NHS teams.

Usage:
  switchboard serve [--addr HOST:PORT] [--data DIR | --database-url URL [--nats-url URL]] [--public-url URL]
  switchboard admin [--data DIR | --database-url URL] org add --ods CODE --name NAME
  switchboard admin [--data DIR | --database-url URL] user add --org CODE --email EMAIL --name NAME --role ROLE [--role ROLE]... --password-stdin [--json]
  switchboard admin [--data DIR | --database-url URL] audit verify
  switchboard admin migrate-to-postgres --data DIR --database-url URL
  switchboard login --server URL --email EMAIL --password-stdin --totp CODE --profile DIR
  switchboard logout --profile DIR
  switchboard chat --profile DIR create --name NAME --member EMAIL [--member EMAIL]...
  switchboard chat --profile DIR send CONVERSATION TEXT [--allow-pid]   (TEXT - reads standard input)
  switchboard chat --profile DIR read CONVERSATION [--json]
  switchboard chat --profile DIR list [--json]
  switchboard chat --profile DIR add CONVERSATION EMAIL
  switchboard chat --profile DIR remove CONVERSATION EMAIL
  switchboard chat --profile DIR watch
  switchboard chat --profile DIR bleep "DUTY ROLE" TEXT [--urgent]
  switchboard chat --profile DIR ack CONVERSATION MESSAGE_ID
  switchboard chat --profile DIR handover "DUTY ROLE" EMAIL [NOTE]
  switchboard incident --profile DIR declare --methane-file FILE --lists NAME,... [--exercise] [--standby]
  switchboard incident --profile DIR respond INCIDENT available|en-route|unavailable [--eta MINUTES]
  switchboard incident --profile DIR board INCIDENT [--json]
  switchboard incident --profile DIR standdown INCIDENT --lists NAME,...
  switchboard incident --profile DIR close INCIDENT
  switchboard incident --profile DIR log INCIDENT --out FILE.json
  switchboard admin [--data DIR | --database-url URL] duty add --org CODE --name NAME [--escalate-to NAME] [--escalate-after 10m] [--may-declare]
  switchboard admin [--data DIR | --database-url URL] duty assign --org CODE --name NAME --email EMAIL [--from RFC3339] [--until RFC3339]
  switchboard admin [--data DIR | --database-url URL] calllist add --org CODE --name NAME --email EMAIL...
  switchboard bench [--subscribers N] [--publishers P] [--messages M] [--size BYTES] [--rate PER_SECOND] [--server URL --data DIR]
  switchboard bench --incident [--subscribers N] [--in-flight ANSWERS] [--database-url URL --nats-url URL --nodes NODES]
  switchboard version

Every flag can also be set in the environment as SWITCHBOARD_<FLAG>, such as
SWITCHBOARD_DATA, SWITCHBOARD_DATABASE_URL or SWITCHBOARD_PUBLIC_URL. login and
chat keep the device's profile encrypted under the passphrase in
SWITCHBOARD_PASSPHRASE.
`

// errUsage marks an error in the command line itself.
var errUsage = errors.New("usage")

// run is the whole program, with its environment passed in, so that tests
// can run it as the binary would be run.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	return runAt(ctx, time.Now, args, getenv, stdin, stdout, stderr)
}

// runAt is run on the clock now, which the server and the console commands
// use for everything they time: TOTP steps, sessions, lockouts, the
// messaging hub and consultations. Only tests pass a clock other than
// time.Now, one they move forward instead of waiting for it.
func runAt(ctx context.Context, now func() time.Time, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("%w: name a command", errUsage)
	}
	switch args[0] {
	case "serve":
		return runServe(ctx, now, args[1:], getenv, stdout, stderr)
	case "admin":
		return runAdmin(ctx, now, args[1:], getenv, stdin, stdout, stderr)
	case "login":
		return runLogin(ctx, args[1:], getenv, stdin, stdout, stderr)
	case "logout":
		return runLogout(ctx, args[1:], getenv, stdout, stderr)
	case "chat":
		return runChat(ctx, now, args[1:], getenv, stdin, stdout, stderr)
	case "incident":
		return runIncident(ctx, args[1:], getenv, stdout, stderr)
	case "bench":
		return runBench(ctx, args[1:], getenv, stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "switchboard", version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("%w: unknown command %q", errUsage, args[0])
}

const version = "0.1.0"

// newFlags returns a flag set that reports errors instead of exiting, and
// fills every flag left unset from SWITCHBOARD_<FLAG> after parsing.
func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

func parseFlags(fs *flag.FlagSet, args []string, getenv func(string) string) error {
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if set[f.Name] || err != nil {
			return
		}
		env := "SWITCHBOARD_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v := getenv(env); v != "" {
			if e := f.Value.Set(v); e != nil {
				err = fmt.Errorf("%w: %s: %v", errUsage, env, e)
			}
		}
	})
	return err
}

// userMessage is the one sentence a person at the console sees.
func userMessage(err error) string {
	if errors.Is(err, errUsage) {
		return strings.TrimPrefix(err.Error(), "usage: ")
	}
	var fe *fault.Error
	if errors.As(err, &fe) {
		return fe.Msg
	}
	return err.Error()
}

// exitCode is 2 for a mistake in the command line, 1 for anything else.
func exitCode(err error) int {
	if errors.Is(err, errUsage) {
		return 2
	}
	return 1
}
