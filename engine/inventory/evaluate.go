package inventory

import (
	"context"
	"database/sql"
	"fmt"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Conversation is the 5-tuple Evaluate checks: Src opens a connection to Dst:Port.
type Conversation struct {
	Src, Dst netip.Addr
	Proto    int // IANA number: 6 TCP, 17 UDP, 1 ICMP
	Port     int // destination port (ICMP: type)
	// SrcPort is the client's port; 0 means any ephemeral port (1024-65535), which is what the
	// return traffic of a connection is addressed to.
	SrcPort int
	At      time.Time // the records' time: owners are resolved for it
}

// Check is one step of the path, in the order a packet meets them.
type Check struct {
	Step     string // e.g. "security group egress of the source"
	Allowed  bool
	Known    bool   // false when the inventory lacks what the step needs
	Resource string // sg-…, acl-…, rtb-…
	Rule     string // the deciding rule in words, or what is missing
}

// Evaluation is what the stored configuration says about a conversation.
type Evaluation struct {
	Checks []Check
	// Blocked names the first check that drops the conversation, nil when none does.
	Blocked *Check
	// Notes are caveats: an end not in the inventory, rules newer than the records, …
	Notes []string
}

// Evaluate checks a conversation against the security groups (stateful: egress of the source,
// ingress of the destination, referenced groups), network ACLs (stateless, ordered, at each
// subnet boundary, both directions including the return to the ephemeral port) and the source
// subnet's route table, as the snapshot in effect at c.At has them (the earliest for older
// records), for the ends as owned at c.At. db holds
// the inventory (Register). Ends the inventory does not know are skipped with a note.
func Evaluate(ctx context.Context, db Queryer, c Conversation) (Evaluation, error) {
	var ev Evaluation
	src, err := endAt(ctx, db, c.Src, c.At)
	if err != nil {
		return ev, err
	}
	dst, err := endAt(ctx, db, c.Dst, c.At)
	if err != nil {
		return ev, err
	}
	cfg, err := loadConfig(ctx, db, c.At)
	if err != nil {
		return ev, err
	}
	switch {
	case cfg.takenAt.IsZero():
	case cfg.takenAt.After(c.At):
		ev.Notes = append(ev.Notes, fmt.Sprintf("the rules are from the snapshot of %s, newer than the records (%s): they may have changed since",
			cfg.takenAt.UTC().Format(time.RFC3339), c.At.UTC().Format(time.RFC3339)))
	case c.At.Sub(cfg.takenAt) > staleAfter:
		ev.Notes = append(ev.Notes, fmt.Sprintf("the rules are from the snapshot of %s, %s before the records: they may have changed since (run 'flowq inventory sync')",
			cfg.takenAt.UTC().Format(time.RFC3339), c.At.Sub(cfg.takenAt).Round(time.Hour)))
	}
	ret := portRange{1024, 65535}
	if c.SrcPort > 0 {
		ret = portRange{c.SrcPort, c.SrcPort}
	}
	fwd := portRange{c.Port, c.Port}
	add := func(ch Check) {
		ev.Checks = append(ev.Checks, ch)
		if ch.Known && !ch.Allowed && ev.Blocked == nil {
			ev.Blocked = &ev.Checks[len(ev.Checks)-1]
		}
	}
	sameSubnet := src != nil && dst != nil && src.subnet == dst.subnet
	if src == nil {
		ev.Notes = append(ev.Notes, c.Src.String()+" is not in the inventory: its security groups, network ACL and routes are not checked")
	} else {
		add(cfg.sgCheck("security group egress of the source "+src.label(), src, "egress", c.Proto, fwd, c.Dst, dst))
		if !sameSubnet {
			add(cfg.aclCheck("network ACL outbound of the source subnet", src.subnet, true, c.Proto, fwd, c.Dst, "traffic to "+c.Dst.String()+":"+strconv.Itoa(c.Port)))
		}
		add(cfg.routeCheck(src.subnet, src.vpc, c.Dst))
	}
	if dst == nil {
		ev.Notes = append(ev.Notes, c.Dst.String()+" is not in the inventory: its security groups and network ACL are not checked")
	} else {
		if !sameSubnet {
			add(cfg.aclCheck("network ACL inbound of the destination subnet", dst.subnet, false, c.Proto, fwd, c.Src, "traffic from "+c.Src.String()+" to port "+strconv.Itoa(c.Port)))
		}
		add(cfg.sgCheck("security group ingress of the destination "+dst.label(), dst, "ingress", c.Proto, fwd, c.Src, src))
		if !sameSubnet && c.Proto != 1 {
			add(cfg.aclCheck("network ACL outbound of the destination subnet (replies)", dst.subnet, true, c.Proto, ret, c.Src,
				"the replies to "+c.Src.String()+":"+ret.String()))
		}
	}
	if src != nil && !sameSubnet && c.Proto != 1 {
		add(cfg.aclCheck("network ACL inbound of the source subnet (replies)", src.subnet, false, c.Proto, ret, c.Dst,
			"the replies to "+c.Src.String()+":"+ret.String()))
	}
	if ev.Blocked != nil && !c.Src.Unmap().IsPrivate() && !c.Src.Unmap().IsLoopback() && !shared100.Contains(c.Src.Unmap()) {
		// A public source stopped at the edge is usually the rules doing their job: don't
		// suggest opening the port to the internet.
		ev.Notes = append(ev.Notes, fmt.Sprintf("%s is a public address: the block is likely intended; open port %d only to the sources that need it", c.Src, c.Port))
	}
	return ev, nil
}

var shared100 = netip.MustParsePrefix("100.64.0.0/10")

// staleAfter is how much older than the records a snapshot may be before Evaluate warns.
const staleAfter = 24 * time.Hour

// Queryer is what Evaluate needs of a DuckDB connection.
type Queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// end is a conversation end the inventory knows at the time.
type end struct {
	addr                  netip.Addr
	iface, subnet, vpc    string
	name, account, region string
	groups                []string
	assumed               bool
}

func (e *end) label() string {
	s := e.addr.String()
	if e.name != "" {
		s += " (" + e.name + ")"
	}
	return s
}

func endAt(ctx context.Context, db Queryer, a netip.Addr, at time.Time) (*end, error) {
	rows, err := db.QueryContext(ctx, `SELECT interface_id, subnet_id, vpc_id, resource_name, account_id, region,
		coalesce(array_to_string(security_group_ids, ','), ''), assumed FROM ip_owner($1, $2) LIMIT 1`, a.String(), at)
	if err != nil {
		return nil, fmt.Errorf("owner of %s: %w", a, err)
	}
	defer rows.Close()
	if !rows.Next() {
		return nil, rows.Err()
	}
	e := &end{addr: a}
	var groups string
	if err := rows.Scan(&e.iface, &e.subnet, &e.vpc, &e.name, &e.account, &e.region, &groups, &e.assumed); err != nil {
		return nil, fmt.Errorf("owner of %s: %w", a, err)
	}
	if groups != "" {
		e.groups = strings.Split(groups, ",")
	}
	return e, rows.Err()
}

type portRange struct{ from, to int }

func (p portRange) String() string {
	if p.from == p.to {
		return strconv.Itoa(p.from)
	}
	return fmt.Sprintf("%d-%d", p.from, p.to)
}

type sgRule struct {
	group, groupName, direction, protocol, cidr, prefixList, refGroup string
	from, to                                                          sql.NullInt64
}

type aclEntry struct {
	acl, name  string
	number     int64
	egress     bool
	protocol   string
	action     string
	cidr       string
	from, to   sql.NullInt64
	subnetName string
}

type route struct {
	table, dest, targetType, target string
}

// config is the newest snapshot's rules.
type config struct {
	takenAt     time.Time
	sgRules     []sgRule
	aclBySubnet map[string][]aclEntry // entries of the ACL associated with the subnet, by number
	aclOf       map[string]string
	subnetNames map[string]string
	routeTable  map[string]string // subnet → route table (explicit association)
	mainTable   map[string]string // vpc → main route table
	routes      map[string][]route
}

// asOf reads table as the snapshot in effect at the records' time: per account and region, the
// newest snapshot at or before it whose call for table worked, else the earliest one.
func asOf(table string) string {
	return fmt.Sprintf(`(SELECT h.* FROM inventory_%[1]s_history h JOIN (
		SELECT account_id, region, coalesce(max(taken_at) FILTER (WHERE taken_at <= $1), min(taken_at)) AS taken_at
		FROM inventory_coverage WHERE table_name = '%[1]s' AND status = 'ok' GROUP BY ALL) p USING (account_id, region, taken_at))`, table)
}

func loadConfig(ctx context.Context, db Queryer, at time.Time) (*config, error) {
	cfg := &config{aclBySubnet: map[string][]aclEntry{}, aclOf: map[string]string{}, subnetNames: map[string]string{},
		routeTable: map[string]string{}, mainTable: map[string]string{}, routes: map[string][]route{}}
	scan := func(q string, each func(*sql.Rows) error) error {
		rows, err := db.QueryContext(ctx, q, at)
		if err != nil {
			return fmt.Errorf("inventory rules: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			if err := each(rows); err != nil {
				return fmt.Errorf("inventory rules: %w", err)
			}
		}
		return rows.Err()
	}
	var taken sql.NullTime
	if err := scan("SELECT max(taken_at) FROM "+asOf("security_group_rules")+" WHERE $1 IS NOT NULL", func(r *sql.Rows) error { return r.Scan(&taken) }); err != nil {
		return nil, err
	}
	cfg.takenAt = taken.Time
	if err := scan(`SELECT r.group_id, coalesce(g.group_name, ''), r.direction, r.protocol, r.cidr, r.prefix_list_id, r.referenced_group_id, r.from_port, r.to_port
		FROM `+asOf("security_group_rules")+` r LEFT JOIN `+asOf("security_groups")+` g USING (account_id, region, group_id)
		WHERE $1 IS NOT NULL`, func(r *sql.Rows) error {
		var s sgRule
		err := r.Scan(&s.group, &s.groupName, &s.direction, &s.protocol, &s.cidr, &s.prefixList, &s.refGroup, &s.from, &s.to)
		cfg.sgRules = append(cfg.sgRules, s)
		return err
	}); err != nil {
		return nil, err
	}
	if err := scan(`SELECT subnet_id, coalesce(nullif(name, ''), subnet_id) FROM `+asOf("subnets")+` s WHERE $1 IS NOT NULL`, func(r *sql.Rows) error {
		var id, name string
		err := r.Scan(&id, &name)
		cfg.subnetNames[id] = name
		return err
	}); err != nil {
		return nil, err
	}
	if err := scan(`SELECT unnest(a.subnet_ids) AS subnet_id, a.acl_id, a.name, e.rule_number, e.egress, e.protocol, e.rule_action, e.cidr, e.port_from, e.port_to
		FROM `+asOf("network_acls")+` a JOIN `+asOf("network_acl_entries")+` e USING (account_id, region, acl_id) WHERE $1 IS NOT NULL`, func(r *sql.Rows) error {
		var subnet string
		var e aclEntry
		err := r.Scan(&subnet, &e.acl, &e.name, &e.number, &e.egress, &e.protocol, &e.action, &e.cidr, &e.from, &e.to)
		cfg.aclBySubnet[subnet] = append(cfg.aclBySubnet[subnet], e)
		cfg.aclOf[subnet] = e.acl
		return err
	}); err != nil {
		return nil, err
	}
	for _, es := range cfg.aclBySubnet {
		sort.SliceStable(es, func(i, j int) bool { return es[i].number < es[j].number })
	}
	if err := scan(`SELECT route_table_id, vpc_id, main, coalesce(array_to_string(subnet_ids, ','), '') FROM `+asOf("route_tables")+` t WHERE $1 IS NOT NULL`, func(r *sql.Rows) error {
		var id, vpc, subnets string
		var main bool
		err := r.Scan(&id, &vpc, &main, &subnets)
		if main {
			cfg.mainTable[vpc] = id
		}
		for _, s := range strings.Split(subnets, ",") {
			if s != "" {
				cfg.routeTable[s] = id
			}
		}
		return err
	}); err != nil {
		return nil, err
	}
	if err := scan(`SELECT route_table_id, destination, target_type, target_id FROM `+asOf("routes")+` r WHERE $1 IS NOT NULL AND state IN ('active', '')`, func(r *sql.Rows) error {
		var rt route
		err := r.Scan(&rt.table, &rt.dest, &rt.targetType, &rt.target)
		cfg.routes[rt.table] = append(cfg.routes[rt.table], rt)
		return err
	}); err != nil {
		return nil, err
	}
	return cfg, nil
}

// protoName is the security-group spelling of an IANA protocol number.
func protoName(p int) string {
	switch p {
	case 6:
		return "tcp"
	case 17:
		return "udp"
	case 1:
		return "icmp"
	case 58:
		return "icmpv6"
	}
	return strconv.Itoa(p)
}

func protoMatches(rule string, p int) bool {
	return rule == "-1" || rule == "all" || rule == strconv.Itoa(p) || strings.EqualFold(rule, protoName(p))
}

// portsCover reports whether a rule's port range (NULL: all ports) holds every port of want.
func portsCover(from, to sql.NullInt64, want portRange) bool {
	if !from.Valid || !to.Valid || from.Int64 == -1 {
		return true
	}
	return from.Int64 <= int64(want.from) && int64(want.to) <= to.Int64
}

// portsOverlap reports whether a rule's port range touches want.
func portsOverlap(from, to sql.NullInt64, want portRange) bool {
	if !from.Valid || !to.Valid || from.Int64 == -1 {
		return true
	}
	return from.Int64 <= int64(want.to) && int64(want.from) <= to.Int64
}

func cidrHolds(cidr string, a netip.Addr) bool {
	p, err := netip.ParsePrefix(cidr)
	return err == nil && p.Contains(a.Unmap())
}

func ruleRange(from, to sql.NullInt64) string {
	if !from.Valid || !to.Valid || from.Int64 == -1 {
		return "all ports"
	}
	return portRange{int(from.Int64), int(to.Int64)}.String()
}

// sgCheck looks for a rule of e's groups in direction that allows proto/ports with peer (whose
// own groups count for referenced-group rules).
func (cfg *config) sgCheck(step string, e *end, direction string, proto int, ports portRange, peer netip.Addr, peerEnd *end) Check {
	ch := Check{Step: step, Known: len(e.groups) > 0, Resource: strings.Join(e.groups, ",")}
	if !ch.Known {
		ch.Rule = "no security groups known for " + e.label()
		return ch
	}
	mine := map[string]bool{}
	for _, g := range e.groups {
		mine[g] = true
	}
	peerGroups := map[string]bool{}
	if peerEnd != nil {
		for _, g := range peerEnd.groups {
			peerGroups[g] = true
		}
	}
	names := map[string]string{}
	unknownPL := ""
	for _, r := range cfg.sgRules {
		if !mine[r.group] {
			continue
		}
		names[r.group] = r.groupName
		if r.direction != direction || !protoMatches(r.protocol, proto) || !portsCover(r.from, r.to, ports) {
			continue
		}
		what := ""
		switch {
		case r.cidr != "" && cidrHolds(r.cidr, peer):
			what = r.cidr
		case r.refGroup != "" && peerGroups[r.refGroup]:
			what = "members of " + r.refGroup
		case r.prefixList != "":
			unknownPL = r.prefixList
		}
		if what != "" {
			ch.Allowed, ch.Resource = true, r.group
			ch.Rule = fmt.Sprintf("%s (%s) allows %s %s %s %s", r.group, r.groupName, protoName(proto), ruleRange(r.from, r.to), map[string]string{"egress": "to", "ingress": "from"}[direction], what)
			return ch
		}
	}
	var gs []string
	for _, g := range e.groups {
		if n := names[g]; n != "" {
			gs = append(gs, g+" ("+n+")")
		} else {
			gs = append(gs, g)
		}
	}
	dir := map[string]string{"egress": "to", "ingress": "from"}[direction]
	ch.Rule = fmt.Sprintf("no %s rule of %s allows %s %s %s %s", direction, strings.Join(gs, ", "), protoName(proto), ports, dir, peer)
	if peerEnd != nil && len(peerEnd.groups) > 0 {
		ch.Rule += " (" + strings.Join(peerEnd.groups, ",") + ")"
	}
	if unknownPL != "" {
		// Prefix list contents are not in the inventory: say so rather than guess.
		ch.Known = false
		ch.Rule += "; a rule names prefix list " + unknownPL + ", whose addresses flowq does not know"
	}
	return ch
}

// aclCheck evaluates the ACL of subnet for one direction: entries in number order, the first
// matching one decides; none matching is the default deny.
func (cfg *config) aclCheck(step, subnet string, egress bool, proto int, ports portRange, peer netip.Addr, what string) Check {
	entries := cfg.aclBySubnet[subnet]
	ch := Check{Step: step, Known: len(entries) > 0, Resource: cfg.aclOf[subnet]}
	sn := subnet
	if n := cfg.subnetNames[subnet]; n != "" && n != subnet {
		sn += " (" + n + ")"
	}
	if !ch.Known {
		ch.Rule = "no network ACL known for " + sn
		return ch
	}
	dir := map[bool]string{true: "outbound from", false: "inbound to"}[egress]
	for _, e := range entries {
		if e.egress != egress || !protoMatches(e.protocol, proto) || !cidrHolds(e.cidr, peer) {
			continue
		}
		if !portsOverlap(e.from, e.to, ports) {
			continue
		}
		verb := map[string]string{"allow": "allows", "deny": "denies"}[e.action]
		desc := fmt.Sprintf("%s entry %d %s %s %s %s subnet %s", e.acl, e.number, verb, aclProto(e.protocol), ruleRange(e.from, e.to), dir, sn)
		if e.action == "allow" {
			if !portsCover(e.from, e.to, ports) {
				// Part of the range is allowed; the rest falls to later entries. Report the
				// first entry that touches it, which is what decides most of those packets.
				desc += " (only part of " + ports.String() + ")"
			}
			ch.Allowed, ch.Rule = true, desc
			return ch
		}
		ch.Rule = desc + ": " + what + dropped(what)
		return ch
	}
	ch.Rule = fmt.Sprintf("%s has no entry allowing %s %s %s subnet %s (the default * entry denies): %s%s", cfg.aclOf[subnet], protoName(proto), ports, dir, sn, what, dropped(what))
	return ch
}

func dropped(what string) string {
	if strings.HasPrefix(what, "the replies") {
		return " are dropped"
	}
	return " is dropped"
}

func aclProto(p string) string {
	if p == "-1" {
		return "all traffic"
	}
	if n, err := strconv.Atoi(p); err == nil {
		return protoName(n)
	}
	return p
}

// routeCheck finds the source subnet's route to dst: longest matching destination.
func (cfg *config) routeCheck(subnet, vpc string, dst netip.Addr) Check {
	table := cfg.routeTable[subnet]
	if table == "" {
		table = cfg.mainTable[vpc]
	}
	ch := Check{Step: "route from the source subnet", Resource: table, Known: table != ""}
	if !ch.Known {
		ch.Rule = "no route table known for " + subnet
		return ch
	}
	best, bits := route{}, -1
	for _, r := range cfg.routes[table] {
		p, err := netip.ParsePrefix(r.dest)
		if err != nil || !p.Contains(dst.Unmap()) || p.Bits() <= bits {
			continue
		}
		best, bits = r, p.Bits()
	}
	if bits < 0 {
		ch.Rule = fmt.Sprintf("%s has no route to %s", table, dst)
		return ch
	}
	ch.Allowed = true
	ch.Rule = fmt.Sprintf("%s routes %s via %s %s", table, best.dest, best.targetType, best.target)
	return ch
}
