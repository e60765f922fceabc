package why

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// WriteText writes the report for a terminal: the verdict first, then the evidence, then the
// timeline. Times are UTC.
func (r *Report) WriteText(w io.Writer) error {
	b := bufio.NewWriter(w)
	q := r.Question
	fmt.Fprintf(b, "Verdict: %s — %s\n", r.Verdict, r.Title)
	fmt.Fprintf(b, "\n%s\n", wrap(r.Summary, 100, ""))
	if len(r.Next) > 0 {
		fmt.Fprintf(b, "\nCheck next:\n")
		for _, n := range r.Next {
			fmt.Fprintf(b, "  - %s\n", wrap(n, 96, "    "))
		}
	}
	fmt.Fprintf(b, "\nConfidence: %s\n", r.Confidence)
	for _, n := range r.Notes {
		fmt.Fprintf(b, "  note: %s\n", wrap(n, 94, "        "))
	}
	if len(r.Earlier) > 0 {
		fmt.Fprintf(b, "Earlier:\n")
		for _, e := range r.Earlier {
			fmt.Fprintf(b, "  %s\n", e)
		}
	}

	what := fmt.Sprintf("%s → %s", q.Src, q.Dst)
	if q.Port > 0 {
		what += fmt.Sprintf(" port %d", q.Port)
	}
	if q.Proto != "" {
		what += " " + strings.ToLower(q.Proto)
	}
	fmt.Fprintf(b, "\nQuestion: %s%s\n", what, rangeText(q))
	if r.Records > 0 {
		fmt.Fprintf(b, "Found: %s, %s, %s to %s UTC\n", plural(int(r.Records), "record"), plural(r.Conversations, "connection"), stamp(r.First), stamp(r.Last))
	}
	r.writeGateway(b)

	if len(r.Evidence) > 0 {
		n := r.Phases[len(r.Phases)-1]
		fmt.Fprintf(b, "\nEvidence (latest phase: %s, %s, %s):\n", n.Verdict, plural(n.Conversations, "connection"), plural(int(n.Records), "record"))
		addr := map[string]string{}
		for _, i := range r.Interfaces {
			addr[i.ID] = i.Address
		}
		last := ""
		for _, g := range r.Evidence {
			if g.Interface != last {
				fmt.Fprintf(b, "  %s", g.Interface)
				if a := addr[g.Interface]; a != "" {
					fmt.Fprintf(b, " (%s)", a)
				}
				fmt.Fprintf(b, ", %s side\n", g.Side)
				last = g.Interface
			}
			dir := g.Direction
			if g.Inferred && dir != "unknown" {
				dir += "*"
			}
			fmt.Fprintf(b, "    %-8s %-7s %s", dir, g.Flow, plural(int(g.Records), "record"))
			if g.Accepted > 0 {
				fmt.Fprintf(b, ", %d ACCEPT", g.Accepted)
			}
			if g.Rejected > 0 {
				fmt.Fprintf(b, ", %d REJECT", g.Rejected)
			}
			if len(g.Flags) > 0 {
				fmt.Fprintf(b, ", flags %s", strings.Join(g.Flags, " "))
			}
			fmt.Fprintf(b, ", %s to %s\n", stamp(g.First), stamp(g.Last))
			for _, s := range g.Samples {
				fmt.Fprintf(b, "      %s  %s:%d → %s:%d %s %d pk %d B %s", stamp(s.Start), s.Src, s.SrcPort, s.Dst, s.DstPort,
					protoName(s.Protocol), s.Packets, s.Bytes, s.Action)
				if s.Flags != "" {
					fmt.Fprintf(b, " %s", s.Flags)
				}
				fmt.Fprintln(b)
			}
			if int64(len(g.Samples)) < g.Records {
				fmt.Fprintf(b, "      … %d older\n", g.Records-int64(len(g.Samples)))
			}
		}
		if anyInferred(r.Evidence) {
			fmt.Fprintf(b, "  (* direction inferred from the interface's own address: the logs have no flow-direction)\n")
		}
	}

	if len(r.Interfaces) > 0 {
		fmt.Fprintf(b, "\nInterfaces:\n")
		for _, i := range r.Interfaces {
			fmt.Fprintf(b, "  %-22s %-16s %-11s %s between, %d OK, %d NODATA, %d SKIPDATA\n", i.ID, orDash(i.Address), i.Side,
				plural(int(i.Records), "record"), i.OK, i.NoData, i.SkipData)
		}
	}

	if len(r.Timeline) > 0 {
		fmt.Fprintf(b, "\nTimeline (UTC, per hour):\n")
		fmt.Fprintf(b, "  %-16s %8s %7s %7s %9s  %s\n", "hour", "records", "accept", "reject", "skipdata", "connections")
		for _, h := range r.Timeline {
			var cs []string
			for _, v := range sortedVerdicts(h.Conversations) {
				cs = append(cs, fmt.Sprintf("%s %d", v, h.Conversations[v]))
			}
			fmt.Fprintf(b, "  %-16s %8d %7d %7d %9d  %s\n", h.Hour.UTC().Format("2006-01-02 15:04"), h.Records, h.Accepted, h.Rejected, h.SkipData, strings.Join(cs, ", "))
		}
	}
	if r.LastWorked != nil {
		fmt.Fprintf(b, "Last worked: %s UTC\n", stamp(*r.LastWorked))
	} else if r.Verdict != Healthy && r.Verdict != NoCoverage {
		fmt.Fprintf(b, "Last worked: never, in these records\n")
	}
	if r.FailingSince != nil {
		fmt.Fprintf(b, "Failing since: %s UTC (%s)\n", stamp(*r.FailingSince), r.Verdict)
	}
	if c := r.Coverage; c != nil {
		fmt.Fprintf(b, "\nCoverage:\n")
		for _, s := range c.Sides {
			fmt.Fprintf(b, "  %-11s %-18s %d records in range, %d in all", s.Side, s.Address, s.InRange, s.Total)
			if !s.First.IsZero() {
				fmt.Fprintf(b, " (%s to %s)", stamp(s.First), stamp(s.Last))
			}
			fmt.Fprintln(b)
		}
		for _, qe := range c.Quiet {
			fmt.Fprintf(b, "  quiet %-22s %s %s NODATA %d SKIPDATA %d\n", qe.ID, orDash(qe.VPC), orDash(qe.Subnet), qe.NoData, qe.SkipData)
		}
	}
	return b.Flush()
}

// WriteJSON writes the report as indented JSON (what --format json prints).
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("why: writing JSON: %w", err)
	}
	return nil
}

func anyInferred(gs []Group) bool {
	for _, g := range gs {
		if g.Inferred {
			return true
		}
	}
	return false
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// wrap folds text at width columns, indenting continuation lines.
func wrap(s string, width int, indent string) string {
	var out strings.Builder
	n := 0
	for i, word := range strings.Fields(s) {
		if i > 0 {
			if n+1+len([]rune(word)) > width {
				out.WriteString("\n" + indent)
				n = 0
			} else {
				out.WriteByte(' ')
				n++
			}
		}
		out.WriteString(word)
		n += len([]rune(word))
	}
	return out.String()
}
