// Command flowgen writes a generated set of VPC Flow Log deliveries and its truth.json: the
// test, demo and benchmark data of flowq (see engine/flowgen).
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"time"

	"github.com/flowq/flowq/engine/flowgen"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := run(ctx, os.Args[1:], os.Stdout)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "flowgen:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("flowgen", flag.ContinueOnError)
	out := fs.String("out", "", "output folder (required); objects go under it by S3 key, truth.json beside them")
	preset := fs.String("preset", "small", "small | demo | bench | sync")
	records := fs.Int("records", 0, "approximate record count (sync: object count); 0 keeps the preset's")
	seed := fs.Int64("seed", 0, "random seed; 0 keeps the preset's")
	prefix := fs.String("prefix", "", "bucket prefix before AWSLogs/")
	org := fs.String("org", "", "organisation segment after AWSLogs/ (o-xxxx)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" {
		fs.Usage()
		return fmt.Errorf("--out is required")
	}
	var cfg flowgen.Config
	switch *preset {
	case "small":
		cfg = flowgen.Small()
	case "demo":
		cfg = flowgen.Demo()
	case "bench":
		n := *records
		if n == 0 {
			n = 10_000_000
		}
		cfg = flowgen.Bench(n)
	case "sync":
		n := *records
		if n == 0 {
			n = 20_000
		}
		cfg = flowgen.SyncBench(n)
	default:
		return fmt.Errorf("unknown preset %q", *preset)
	}
	if *records > 0 && *preset != "sync" {
		cfg.Records = *records
	}
	if *seed != 0 {
		cfg.Seed = *seed
	}
	if *prefix != "" {
		cfg.Prefix = *prefix
	}
	if *org != "" {
		cfg.Org = *org
	}
	began := time.Now()
	t, err := flowgen.Generate(ctx, cfg, flowgen.DirSink(*out))
	if err != nil {
		return err
	}
	path := filepath.Join(*out, "truth.json")
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := t.WriteJSON(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	var size int64
	for _, st := range t.Files {
		size += int64(st.Size)
	}
	fmt.Fprintf(stdout, "wrote %d records in %d objects (%.1f MB) to %s in %s; truth in %s\n",
		t.Records, t.Objects, float64(size)/1e6, *out, time.Since(began).Round(time.Millisecond), path)
	return nil
}
