// Command switchboard is Switchboard: the server (`switchboard serve`), the
// operator's console (`switchboard admin`) and, later, the clients.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "switchboard:", userMessage(err))
		os.Exit(exitCode(err))
	}
}
