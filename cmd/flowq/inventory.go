package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/flowq/flowq/engine/inventory"
	"github.com/flowq/flowq/engine/ipranges"
	"github.com/flowq/flowq/engine/timespec"
	"github.com/spf13/cobra"
)

func newInventoryCmd(f *factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "inventory",
		Short: "Snapshot the accounts' network inventory so addresses and interfaces get names",
		Long: `Keep a dated record of who owned each interface and address: instances (Name and tags),
security groups and their rules, network ACLs and their entries, subnets, VPCs, route tables,
NAT gateways, VPC endpoints, internet gateways and transit gateway attachments. Each
'inventory sync' adds a snapshot; an address is named after its owner at the time of a flow
record. AWS's published IP ranges name AWS service addresses (a dated copy ships with flowq).`,
		Args: cobra.NoArgs,
		// Runnable, so an unknown sub-command is a usage error (exit 2) rather than help.
		RunE: func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	cmd.AddCommand(newInventorySyncCmd(f, nil), newInventoryShowCmd(f, nil), newInventoryLookupCmd(f, nil), newInventoryCheckCmd(f, nil))
	return cmd
}

// inventorySyncOptions holds everything `flowq inventory sync` needs.
type inventorySyncOptions struct {
	f           *factory
	Profile     string
	Regions     []string // empty: the profile's region (or every region with AllRegions)
	AllRegions  bool
	EndpointURL string
	IPRangesURL string // "" for AWS's published URL
	NoIPRanges  bool
	Wait        bool
}

// regionName is the shape of an AWS region name (us-east-1, us-gov-west-1, eu-central-2).
var regionName = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)

func newInventorySyncCmd(f *factory, runF func(context.Context, *inventorySyncOptions) error) *cobra.Command {
	opts := &inventorySyncOptions{f: f}
	cmd := &cobra.Command{
		Use:   "sync",
		Short: "Take a snapshot of the network inventory with read-only EC2 Describe calls",
		Long: `Run read-only EC2 Describe calls (paginated, throttling retried) in each region and store the
result as a new snapshot under the data dir. Credentials come from the standard AWS chain
(environment, --profile / AWS_PROFILE, SSO, roles). A call the credentials may not make is
reported and skipped. AWS's IP ranges are refreshed too when reachable.

Exit status: 0 when the snapshot is stored (calls refused for lack of permission are reported
on stderr but do not fail it); 3 when some calls failed for other reasons; 1 when nothing
could be read.`,
		Example: `  flowq inventory sync --region eu-west-1 --region us-east-1
  flowq inventory sync --profile audit --all-regions
  flowq inventory sync --endpoint-url http://127.0.0.1:5000 --region us-east-1 --no-ip-ranges`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.AllRegions && len(opts.Regions) > 0 {
				return usageErr("use either --region or --all-regions")
			}
			for _, r := range opts.Regions {
				if !regionName.MatchString(r) {
					return usageErr("--region %q is not a region name like eu-west-1", r)
				}
			}
			for _, u := range []struct{ flag, v string }{{"--endpoint-url", opts.EndpointURL}, {"--ip-ranges-url", opts.IPRangesURL}} {
				if u.v == "" {
					continue
				}
				if p, err := url.Parse(u.v); err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
					return usageErr("%s %q is not an http(s) URL", u.flag, u.v)
				}
			}
			if opts.NoIPRanges && opts.IPRangesURL != "" {
				return usageErr("use either --no-ip-ranges or --ip-ranges-url")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runInventorySync(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Profile, "profile", "", "AWS shared config profile (default $AWS_PROFILE)")
	fl.StringArrayVar(&opts.Regions, "region", nil, "region to snapshot (repeatable; default the profile's region)")
	fl.BoolVar(&opts.AllRegions, "all-regions", false, "snapshot every region enabled for the account")
	fl.StringVar(&opts.EndpointURL, "endpoint-url", "", "EC2-compatible endpoint URL")
	fl.StringVar(&opts.IPRangesURL, "ip-ranges-url", "", "where to fetch AWS's ip-ranges.json (default AWS's published URL)")
	fl.BoolVar(&opts.NoIPRanges, "no-ip-ranges", false, "don't refresh AWS's IP ranges")
	fl.BoolVar(&opts.Wait, "wait", false, "wait for another flowq writer to finish instead of failing")
	return cmd
}

func runInventorySync(ctx context.Context, opts *inventorySyncOptions) error {
	f := opts.f
	st, err := f.StoreForWrite(ctx)
	if err != nil {
		return err
	}
	co := inventory.ClientOptions{Profile: opts.Profile, EndpointURL: opts.EndpointURL}
	if len(opts.Regions) > 0 {
		co.Region = opts.Regions[0]
	}
	if f.Debug {
		co.Debug = f.IO.ErrOut
	}
	clients, err := inventory.NewClients(ctx, co)
	if err != nil {
		return err
	}
	regions := opts.Regions
	if opts.AllRegions {
		if regions, err = clients.AllRegions(ctx); err != nil {
			return err
		}
	}
	snap, err := inventory.Collect(ctx, clients, regions, nil)
	if err != nil {
		return err
	}
	// The Describe calls can take minutes over many regions: the writer lock is only held to
	// store the result, so loads and syncs are not kept waiting meanwhile.
	lock, err := st.LockWriter(ctx, opts.Wait, "flowq inventory sync")
	if err != nil {
		return err
	}
	defer lock.Unlock()
	info, err := inventory.Write(ctx, st.Dir(), snap)
	if err != nil {
		return err
	}
	denied, failed := 0, 0
	for _, c := range snap.Failed() {
		fmt.Fprintf(f.IO.ErrOut, "  %s %s %s: %s: %s\n", c.AccountID, c.Region, c.Call, c.Status, c.Error)
		if c.Status == inventory.StatusDenied {
			denied++
		} else {
			failed++
		}
	}
	fmt.Fprintf(f.IO.ErrOut, "inventory: snapshot %s of %s in %s: %d interfaces, %d instances, %d security groups, %d subnets, %d VPCs; %d calls denied, %d failed\n",
		info.ID, strings.Join(info.Accounts, ","), strings.Join(info.Regions, ","), info.Rows["interfaces"], info.Rows["instances"],
		info.Rows["security_groups"], info.Rows["subnets"], info.Rows["vpcs"], denied, failed)
	if !opts.NoIPRanges {
		// Offline is normal: a failed refresh is reported and the copy in effect stays.
		res, err := ipranges.Refresh(ctx, nil, opts.IPRangesURL, st.Dir())
		switch {
		case err != nil && res.Ranges != nil:
			fmt.Fprintf(f.IO.ErrOut, "ip ranges: not refreshed, using %s (%s): %v\n", res.Ranges.Date(), res.Ranges.Source, err)
		case err != nil:
			fmt.Fprintf(f.IO.ErrOut, "ip ranges: %v\n", err)
		case res.Updated:
			fmt.Fprintf(f.IO.ErrOut, "ip ranges: updated to %s\n", res.Ranges.Date())
		default:
			fmt.Fprintf(f.IO.ErrOut, "ip ranges: %s is current\n", res.Ranges.Date())
		}
	}
	if failed > 0 {
		return &exitError{code: exitPartial}
	}
	return nil
}

// inventoryShowOptions holds everything `flowq inventory show` needs.
type inventoryShowOptions struct {
	f    *factory
	JSON bool
}

func newInventoryShowCmd(f *factory, runF func(context.Context, *inventoryShowOptions) error) *cobra.Command {
	opts := &inventoryShowOptions{f: f}
	cmd := &cobra.Command{
		Use:     "show",
		Aliases: []string{"list"},
		Short:   "List the inventory snapshots and the IP ranges' date",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runInventoryShow(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print JSON")
	return cmd
}

// inventoryStatus is what `inventory show` prints.
type inventoryStatus struct {
	IPRangesDate   string                   `json:"ip_ranges_date"`
	IPRangesSource string                   `json:"ip_ranges_source"`
	Snapshots      []inventory.SnapshotInfo `json:"snapshots"`
}

func runInventoryShow(ctx context.Context, opts *inventoryShowOptions) error {
	f := opts.f
	// The inventory needs no loaded flow logs, only the data dir's path.
	dir, err := f.dataDir()
	if err != nil {
		return err
	}
	man, err := inventory.ReadManifest(dir)
	if err != nil {
		return err
	}
	rng, err := ipranges.Load(dir)
	if err != nil {
		return err
	}
	s := inventoryStatus{IPRangesDate: rng.Date(), IPRangesSource: rng.Source, Snapshots: man.Snapshots}
	if s.Snapshots == nil {
		s.Snapshots = []inventory.SnapshotInfo{}
	}
	if opts.JSON {
		enc := json.NewEncoder(f.IO.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(s)
	}
	fmt.Fprintf(f.IO.Out, "ip ranges: %s (%s)\n", s.IPRangesDate, s.IPRangesSource)
	if len(s.Snapshots) == 0 {
		fmt.Fprintln(f.IO.Out, "no inventory snapshot: run 'flowq inventory sync'")
		return nil
	}
	tw := tabwriter.NewWriter(f.IO.Out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SNAPSHOT\tTAKEN\tACCOUNTS\tREGIONS\tINTERFACES\tINSTANCES\tSUBNETS\tNOT READ")
	for _, sn := range s.Snapshots {
		notRead := "-"
		if len(sn.Failed) > 0 {
			notRead = strings.Join(sn.Failed, "; ")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%d\t%s\n", sn.ID, sn.TakenAt.UTC().Format(time.RFC3339), strings.Join(sn.Accounts, ","),
			strings.Join(sn.Regions, ","), sn.Rows["interfaces"], sn.Rows["instances"], sn.Rows["subnets"], notRead)
	}
	return tw.Flush()
}

// inventoryLookupOptions holds everything `flowq inventory lookup` needs.
type inventoryLookupOptions struct {
	f    *factory
	Keys []string  // addresses (netip-valid) or interface ids (eni-...)
	At   time.Time // the time the owner is wanted for
	JSON bool
}

var eniID = regexp.MustCompile(`^eni-[0-9a-f]+$`)

func newInventoryLookupCmd(f *factory, runF func(context.Context, *inventoryLookupOptions) error) *cobra.Command {
	opts := &inventoryLookupOptions{f: f}
	var at string
	cmd := &cobra.Command{
		Use:   "lookup ADDRESS|ENI...",
		Short: "Name the owner of addresses or interfaces at a time (default now)",
		Example: `  flowq inventory lookup 10.0.1.10 eni-0abc1234
  flowq inventory lookup 10.0.1.10 --at "2024-05-01 10:00"
  flowq inventory lookup 52.216.10.5`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.At = f.Now()
			if at != "" {
				t, err := timespec.ParseInstant(at, opts.At)
				if err != nil {
					return usageErr("--at: %v", err)
				}
				opts.At = t.UTC()
			}
			for _, a := range args {
				if !eniID.MatchString(a) {
					if _, err := netip.ParseAddr(a); err != nil {
						return usageErr("%q is neither an address nor an interface id (eni-...)", a)
					}
				}
			}
			opts.Keys = args
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runInventoryLookup(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&at, "at", "", "time: 2024-05-01, 2024-05-01T13, '2024-05-01 10:00', RFC 3339, Unix seconds, or 36h (ago)")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print JSON lines")
	return cmd
}

// ownerAnswer is one line of `inventory lookup`.
type ownerAnswer struct {
	Key          string     `json:"key"`
	Kind         string     `json:"kind"` // the resource kind, aws_service, or unknown
	Name         string     `json:"name"`
	ResourceID   string     `json:"resource_id,omitempty"`
	InterfaceID  string     `json:"interface_id,omitempty"`
	AccountID    string     `json:"account_id,omitempty"`
	Region       string     `json:"region,omitempty"`
	ValidFrom    *time.Time `json:"valid_from,omitempty"`
	ValidTo      *time.Time `json:"valid_to,omitempty"`
	Assumed      bool       `json:"assumed"`
	AWSService   string     `json:"aws_service,omitempty"`
	Label        string     `json:"label_prefix,omitempty"` // the labels.csv network that named it
	AWSRangeDate string     `json:"aws_ranges_date,omitempty"`
}

func runInventoryLookup(ctx context.Context, opts *inventoryLookupOptions) error {
	f := opts.f
	// The inventory needs no loaded flow logs, only the data dir's path.
	dir, err := f.dataDir()
	if err != nil {
		return err
	}
	db, closeDB, err := inventory.Open(ctx, dir)
	if err != nil {
		return err
	}
	defer closeDB()
	rng, err := ipranges.Load(dir)
	if err != nil {
		return err
	}
	labels, err := ipranges.LoadLabels(dir, "")
	if err != nil {
		return err
	}
	var answers []ownerAnswer
	for _, k := range opts.Keys {
		q := "SELECT account_id, region, resource_kind, resource_name, resource_id, interface_id, valid_from, valid_to, assumed FROM ip_owner($1, $2)"
		if eniID.MatchString(k) {
			q = "SELECT account_id, region, resource_kind, resource_name, resource_id, interface_id, valid_from, valid_to, assumed FROM eni_owner($1, $2)"
		}
		rows, err := db.QueryContext(ctx, q, k, opts.At)
		if err != nil {
			return fmt.Errorf("lookup %s: %w", k, err)
		}
		found := false
		for rows.Next() {
			a := ownerAnswer{Key: k}
			if err := rows.Scan(&a.AccountID, &a.Region, &a.Kind, &a.Name, &a.ResourceID, &a.InterfaceID, &a.ValidFrom, &a.ValidTo, &a.Assumed); err != nil {
				rows.Close()
				return fmt.Errorf("lookup %s: %w", k, err)
			}
			answers, found = append(answers, a), true
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			return fmt.Errorf("lookup %s: %w", k, err)
		}
		if found {
			continue
		}
		a := ownerAnswer{Key: k, Kind: "unknown", Name: "-"}
		if addr, err := netip.ParseAddr(k); err == nil {
			m, aws := rng.Lookup(addr)
			switch {
			case aws:
				a.Kind, a.Name, a.AWSService, a.AWSRangeDate = "aws_service", m.Label(), m.Label(), rng.Date()
			case ipranges.IsPrivate(addr):
				a.Kind = "private_unknown"
			default:
				a.Kind = "internet"
			}
			if lb, ok := labels.Lookup(addr); ok {
				a.Name, a.Label = lb.Name, lb.Prefix.String()
			}
		}
		answers = append(answers, a)
	}
	if opts.JSON {
		enc := json.NewEncoder(f.IO.Out)
		for _, a := range answers {
			if err := enc.Encode(a); err != nil {
				return err
			}
		}
		return nil
	}
	tw := tabwriter.NewWriter(f.IO.Out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "KEY\tNAME\tKIND\tRESOURCE\tINTERFACE\tVALID FROM\tVALID TO\tASSUMED")
	ts := func(t *time.Time, open string) string {
		if t == nil {
			return open
		}
		return t.UTC().Format(time.RFC3339)
	}
	for _, a := range answers {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%v\n", a.Key, a.Name, a.Kind, invDash(a.ResourceID), invDash(a.InterfaceID),
			ts(a.ValidFrom, "-"), ts(a.ValidTo, "-"), a.Assumed)
	}
	return tw.Flush()
}

func invDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// inventoryCheckOptions holds everything `flowq inventory check` needs.
type inventoryCheckOptions struct {
	f    *factory
	Conv inventory.Conversation
	JSON bool
}

var protoNumbers = map[string]int{"tcp": 6, "udp": 17, "icmp": 1, "icmpv6": 58}

func newInventoryCheckCmd(f *factory, runF func(context.Context, *inventoryCheckOptions) error) *cobra.Command {
	opts := &inventoryCheckOptions{f: f}
	var proto, at string
	var srcPort int
	cmd := &cobra.Command{
		Use:   "check SRC DST:PORT",
		Short: "Check a conversation against the stored security groups, network ACLs and routes",
		Long: `Walk the path of a connection from SRC to DST:PORT through the rules of the newest inventory
snapshot, with both ends owned as at --at: security group egress, network ACL outbound, route,
network ACL inbound, security group ingress, and the replies through both ACLs. Each step names
the rule that decides it, or what is missing.`,
		Example: `  flowq inventory check 10.0.1.10 10.0.2.30:5432
  flowq inventory check 203.0.113.9 10.0.1.10:22 --at 2024-05-01T10:00
  flowq inventory check 10.0.1.10 [2600:1f18::5]:443 --src-port 36201`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			src, err := netip.ParseAddr(args[0])
			if err != nil {
				return usageErr("source %q is not an address", args[0])
			}
			ap, err := netip.ParseAddrPort(args[1])
			if err != nil || ap.Port() == 0 {
				return usageErr("destination %q is not ADDRESS:PORT (IPv6: [ADDRESS]:PORT)", args[1])
			}
			p, ok := protoNumbers[strings.ToLower(proto)]
			if !ok {
				n, err := strconv.Atoi(proto)
				if err != nil || n < 0 || n > 255 {
					return usageErr("--proto %q: want tcp, udp, icmp, icmpv6 or a protocol number", proto)
				}
				p = n
			}
			if srcPort < 0 || srcPort > 65535 {
				return usageErr("--src-port %d is not 0-65535", srcPort)
			}
			now := f.Now()
			opts.Conv = inventory.Conversation{Src: src, Dst: ap.Addr(), Proto: p, Port: int(ap.Port()), SrcPort: srcPort, At: now}
			if at != "" {
				t, err := timespec.ParseInstant(at, now)
				if err != nil {
					return usageErr("--at: %v", err)
				}
				opts.Conv.At = t.UTC()
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runInventoryCheck(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&proto, "proto", "tcp", "protocol: tcp, udp, icmp, icmpv6 or a number")
	fl.IntVar(&srcPort, "src-port", 0, "the client's port (default any ephemeral port, 1024-65535)")
	fl.StringVar(&at, "at", "", "time the ends are owned at (default now): a date, date and time, Unix seconds, or 36h ago")
	fl.BoolVar(&opts.JSON, "json", false, "print JSON")
	return cmd
}

func runInventoryCheck(ctx context.Context, opts *inventoryCheckOptions) error {
	f := opts.f
	// The inventory needs no loaded flow logs, only the data dir's path.
	dir, err := f.dataDir()
	if err != nil {
		return err
	}
	db, closeDB, err := inventory.Open(ctx, dir)
	if err != nil {
		return err
	}
	defer closeDB()
	ev, err := inventory.Evaluate(ctx, db, opts.Conv)
	if err != nil {
		return err
	}
	if opts.JSON {
		enc := json.NewEncoder(f.IO.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(ev)
	}
	switch {
	case len(ev.Checks) == 0:
		fmt.Fprintln(f.IO.Out, "verdict: unknown: neither end is in the inventory (run 'flowq inventory sync')")
	case ev.Blocked != nil:
		fmt.Fprintf(f.IO.Out, "verdict: blocked at the %s: %s\n", ev.Blocked.Step, ev.Blocked.Rule)
	default:
		fmt.Fprintln(f.IO.Out, "verdict: the stored rules allow it")
	}
	for _, ch := range ev.Checks {
		mark := "allow"
		switch {
		case !ch.Known:
			mark = "?"
		case !ch.Allowed:
			mark = "DROP"
		}
		fmt.Fprintf(f.IO.Out, "  %-5s  %s: %s\n", mark, ch.Step, ch.Rule)
	}
	for _, n := range ev.Notes {
		fmt.Fprintf(f.IO.Out, "  note: %s\n", n)
	}
	return nil
}
