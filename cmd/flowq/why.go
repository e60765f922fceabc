package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/flowq/flowq/engine/savedquery"
	"github.com/flowq/flowq/engine/shell"
	"github.com/flowq/flowq/engine/store"
	"github.com/flowq/flowq/engine/why"
	"github.com/spf13/cobra"
)

// whyFlags are the options of `flowq why` and `.why`.
type whyFlags struct {
	proto, since, until, format string
}

// question builds the why.Question from SRC DST[:PORT] and the flags.
func (wf *whyFlags) question(src, dst string, now time.Time) (why.Question, error) {
	host, port, err := why.ParseTarget(dst)
	if err != nil {
		return why.Question{}, err
	}
	q := why.Question{Src: src, Dst: host, Port: port, Proto: strings.ToLower(wf.proto)}
	if wf.since != "" {
		if q.Since, err = savedquery.ParseTime(wf.since, now); err != nil {
			return q, fmt.Errorf("--since: %w", err)
		}
	}
	if wf.until != "" {
		if q.Until, err = savedquery.ParseTime(wf.until, now); err != nil {
			return q, fmt.Errorf("--until: %w", err)
		}
	}
	return q, nil
}

func runWhy(ctx context.Context, sess *store.Session, q why.Question, format string, w io.Writer) error {
	if err := sess.Refresh(ctx); err != nil {
		return err
	}
	rep, err := why.Analyze(ctx, sess.DB, q)
	if err != nil {
		return err
	}
	if format == "json" {
		return rep.WriteJSON(w)
	}
	return rep.WriteText(w)
}

func newWhyCmd(f *factory) *cobra.Command {
	var wf whyFlags
	cmd := &cobra.Command{
		Use:   "why SRC DST[:PORT]",
		Short: "Explain why a connection fails, from the flow logs alone",
		Long: `Gather every record between SRC and DST (addresses or CIDRs) in both directions, on every ENI,
and reason out why the connection fails: a security group or network ACL denying the request, a
stateless network ACL missing the return rule, a routing or path problem, nothing listening, a
healthy network (look at the application), or flow logs that don't cover it. Prints the verdict,
what to check next, the evidence records (tcp-flags decoded) and a per-hour timeline.`,
		Example: `  flowq why 10.0.1.15 10.0.2.20:5432
  flowq why 10.0.1.0/24 [2600:1f18::5]:443 --proto tcp --since 24h
  flowq why 10.0.1.15 10.0.2.20 --format json`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if wf.format != "text" && wf.format != "json" {
				return usageErr("--format: want text or json")
			}
			q, err := wf.question(args[0], args[1], time.Now().UTC())
			if err != nil {
				return usageErr("%v", err)
			}
			sess, err := f.openSession(ctx, false, "athena")
			if err != nil {
				return err
			}
			defer sess.Close()
			return runWhy(ctx, sess, q, wf.format, f.IO.Out)
		},
	}
	cmd.Flags().StringVar(&wf.proto, "proto", "", "protocol: tcp, udp or icmp (default any)")
	cmd.Flags().StringVar(&wf.since, "since", "", "only records starting at or after: 24h, 7d, 2024-05-01, RFC 3339 (default: all)")
	cmd.Flags().StringVar(&wf.until, "until", "", "only records starting before this time")
	cmd.Flags().StringVar(&wf.format, "format", "text", "text or json")
	return cmd
}

// whyShellCommand is the shell's .why: the same analysis as `flowq why`, on the shell's session
// (refreshed first, like every statement the shell runs).
func whyShellCommand(sess *store.Session) shell.Command {
	return shell.Command{
		Name:  ".why",
		Usage: "SRC DST[:PORT] [tcp|udp|icmp] [since=24h] [until=...]",
		Help:  "explain why a connection fails (see flowq why --help)",
		Args: func(env *shell.Env, prev []string) []shell.Candidate {
			if len(prev) == 2 {
				return []shell.Candidate{{Text: "tcp"}, {Text: "udp"}, {Text: "icmp"}, {Text: "since="}, {Text: "until="}}
			}
			return nil
		},
		Run: func(ctx context.Context, env *shell.Env, args []string) error {
			if len(args) < 2 {
				return fmt.Errorf("usage: .why SRC DST[:PORT] [tcp|udp|icmp] [since=24h] [until=...]")
			}
			var wf whyFlags
			for _, a := range args[2:] {
				switch {
				case strings.HasPrefix(a, "since="):
					wf.since = strings.TrimPrefix(a, "since=")
				case strings.HasPrefix(a, "until="):
					wf.until = strings.TrimPrefix(a, "until=")
				case a == "tcp" || a == "udp" || a == "icmp":
					wf.proto = a
				default:
					return fmt.Errorf(".why: unknown argument %q", a)
				}
			}
			q, err := wf.question(args[0], args[1], time.Now().UTC())
			if err != nil {
				return err
			}
			return runWhy(ctx, sess, q, "text", env.Out())
		},
	}
}
