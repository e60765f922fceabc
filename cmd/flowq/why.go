package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/flowq/flowq/engine/shell"
	"github.com/flowq/flowq/engine/store"
	"github.com/flowq/flowq/engine/timespec"
	"github.com/flowq/flowq/engine/why"
	"github.com/spf13/cobra"
)

// whyFlags are the options of the shell's .why, as typed.
type whyFlags struct {
	proto, since, until string
}

// question builds the why.Question from SRC DST[:PORT] and the flags; the range is timespec's
// half-open [since, until), as for every command.
func (wf *whyFlags) question(src, dst string, now time.Time) (why.Question, error) {
	host, port, err := why.ParseTarget(dst)
	if err != nil {
		return why.Question{}, err
	}
	r, err := timespec.Spec{Since: wf.since, Until: wf.until}.Parse(now)
	if err != nil {
		return why.Question{}, err
	}
	return why.Question{Src: src, Dst: host, Port: port, Proto: strings.ToLower(wf.proto), Since: r.From, Until: r.To}, nil
}

// whyOptions holds everything `flowq why` needs.
type whyOptions struct {
	f      *factory
	q      why.Question // SRC, DST[:PORT], --proto and the range, parsed
	format string       // text or json
}

// newWhyCmd only parses; runF (tests) or runWhy does the work.
func newWhyCmd(f *factory, runF func(context.Context, *whyOptions) error) *cobra.Command {
	opts := &whyOptions{f: f}
	var proto string
	var tf timeFlags
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
			if opts.format != "text" && opts.format != "json" {
				return usageErr("--format: want text or json")
			}
			host, port, err := why.ParseTarget(args[1])
			if err != nil {
				return usageErr("%v", err)
			}
			r, err := tf.parse(f)
			if err != nil {
				return err
			}
			opts.q = why.Question{Src: args[0], Dst: host, Port: port, Proto: strings.ToLower(proto), Since: r.From, Until: r.To}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runWhy(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&proto, "proto", "", "protocol: tcp, udp or icmp (default any)")
	tf.register(cmd, false)
	cmd.Flags().StringVar(&opts.format, "format", "text", "text or json")
	return cmd
}

func runWhy(ctx context.Context, opts *whyOptions) error {
	sess, err := opts.f.openSession(ctx, false, "athena")
	if err != nil {
		return err
	}
	defer sess.Close()
	return writeWhy(ctx, sess, opts.q, opts.format, opts.f.IO.Out)
}

// writeWhy is the analysis both `flowq why` and `.why` print, on a refreshed session.
func writeWhy(ctx context.Context, sess *store.Session, q why.Question, format string, w io.Writer) error {
	if err := sess.Refresh(ctx); err != nil {
		return err
	}
	rep, err := why.AnalyzeWithGateway(ctx, sess.DB, q)
	if err != nil {
		return err
	}
	if format == "json" {
		return rep.WriteJSON(w)
	}
	return rep.WriteText(w)
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
			return writeWhy(ctx, sess, q, "text", env.Out())
		},
	}
}
