// Command flowq analyses AWS VPC Flow Logs locally: sync from S3, load into DuckDB, query.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/flowq/flowq/engine/iostreams"
)

func main() {
	os.Exit(run())
}

func run() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	io := iostreams.System()
	f := newFactory(io)
	root := newRootCmd(f)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintln(io.ErrOut, "flowq:", ee.err)
		}
		return ee.code
	}
	fmt.Fprintln(io.ErrOut, "flowq:", err)
	if ctx.Err() != nil {
		return exitInterrupted
	}
	return exitFailure
}
