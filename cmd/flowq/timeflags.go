package main

import (
	"github.com/flowq/flowq/engine/timespec"
	"github.com/spf13/cobra"
)

// timeFlags are the time-range flags; every command reads them into one half-open
// timespec.Range [from, to) with timespec's grammar.
type timeFlags struct {
	spec timespec.Spec
}

// register adds --since and --until; withDays adds --from and --to (sync's first and last day
// or hour, both included).
func (t *timeFlags) register(cmd *cobra.Command, withDays bool) {
	fl := cmd.Flags()
	fl.StringVar(&t.spec.Since, "since", "", "start of the time range, included: 7d, 36h, 2024-05-01, 2024-05-01T13, RFC 3339 (default: all)")
	fl.StringVar(&t.spec.Until, "until", "", "end of the time range, left out (same forms as --since; default: no end)")
	if withDays {
		fl.StringVar(&t.spec.From, "from", "", "first day or hour: 2024-05-01 or 2024-05-01T13 (like --since)")
		fl.StringVar(&t.spec.To, "to", "", "last day or hour, included: 2024-05-07 or 2024-05-07T13")
	}
}

// parse reads the flags against the factory's clock; a bad value is a usage error.
func (t *timeFlags) parse(f *factory) (timespec.Range, error) {
	r, err := t.spec.Parse(f.Now())
	if err != nil {
		return r, usageErr("%v", err)
	}
	return r, nil
}
