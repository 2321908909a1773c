package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/client"
	"github.com/switchboard-nhs/switchboard/internal/client/filestore"
	"github.com/switchboard-nhs/switchboard/internal/fault"
)

// passphraseEnv names the variable holding the profile's passphrase.
const passphraseEnv = "SWITCHBOARD_PASSPHRASE"

func runLogin(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("login", stderr)
	server := fs.String("server", "", "the server's address, such as https://switchboard.example.nhs.uk")
	email := fs.String("email", "", "your email address")
	pwStdin := fs.Bool("password-stdin", false, "read the password from standard input")
	code := fs.String("totp", "", "the code from your authenticator app")
	profile := fs.String("profile", "", "the directory that keeps this device's encrypted profile")
	if err := parseFlags(fs, args, getenv); err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	case *server == "" || *email == "" || *code == "" || *profile == "":
		return fmt.Errorf("%w: give --server, --email, --totp and --profile", errUsage)
	case !*pwStdin:
		return fmt.Errorf("%w: give --password-stdin and the password on standard input", errUsage)
	}
	pass, err := passphrase(getenv)
	if err != nil {
		return err
	}
	pw, err := readPassword(stdin)
	if err != nil {
		return err
	}
	dir, err := filestore.Open(*profile)
	if err != nil {
		return fault.Wrap(fault.Invalid, "The profile directory "+*profile+" cannot be created.", err)
	}
	host, _ := os.Hostname()
	name := "Command line"
	if host != "" {
		name = "Command line on " + host
	}
	c, err := client.Login(ctx, client.Options{Backend: dir, Passphrase: pass},
		client.LoginInput{Server: *server, Email: *email, Password: pw, Code: *code, DeviceName: name})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Signed in as %s; this device is %s.\n", c.Email(), c.DeviceID())
	return nil
}

// passphrase returns the profile passphrase from the environment.
func passphrase(getenv func(string) string) ([]byte, error) {
	p := getenv(passphraseEnv)
	if strings.TrimSpace(p) == "" {
		return nil, fault.Invalidf("Set " + passphraseEnv + " to the passphrase that protects this device's profile.")
	}
	return []byte(p), nil
}

// openProfile unlocks the profile in dir.
// openProfile opens the device profile in dir, on the clock now (which
// sets what the records rules delete).
func openProfile(ctx context.Context, dir string, getenv func(string) string, now func() time.Time) (*client.Client, error) {
	if dir == "" {
		return nil, fmt.Errorf("%w: give --profile DIR", errUsage)
	}
	pass, err := passphrase(getenv)
	if err != nil {
		return nil, err
	}
	if !filestore.Exists(dir) {
		return nil, fault.New(fault.NotFound, "There is no profile in "+dir+"; sign in first with switchboard login.")
	}
	d, err := filestore.Open(dir)
	if err != nil {
		return nil, err
	}
	return client.Open(ctx, client.Options{Backend: d, Passphrase: pass, Now: now})
}

// runLogout signs the profile's device out for good and erases the
// profile: the device leaves its conversations, and a later login is a new
// device that joins them again.
func runLogout(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("logout", stderr)
	profile := fs.String("profile", "", "the directory that keeps this device's encrypted profile")
	if err := parseFlags(fs, args, getenv); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	c, err := openProfile(ctx, *profile, getenv, time.Now)
	if err != nil {
		return err
	}
	if err := c.SignOut(ctx); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "Signed out; this device's profile is erased and it leaves its conversations.")
	return nil
}
