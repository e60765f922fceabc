package inventory

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"time"

	_ "github.com/duckdb/duckdb-go/v2" // registers the "duckdb" driver

	"github.com/flowq/flowq/engine/atomicfile"
)

// Layout under the data dir.
const (
	Subdir       = "inventory"
	manifestFile = "manifest.json"
	snapshotsDir = "snapshots"
	stagingDir   = "staging"
	dirPerm      = 0o700
	filePerm     = 0o600
)

// table is one Parquet file of a snapshot: its name and the rows of a snapshot it holds.
type table struct {
	name string
	row  reflect.Type
	rows func(*Snapshot) any
}

// tables lists every file of a snapshot; "calls" is the coverage (which Describe calls worked).
var tables = []table{
	{"interfaces", reflect.TypeFor[Interface](), func(s *Snapshot) any { return s.Interfaces }},
	{"addresses", reflect.TypeFor[Address](), func(s *Snapshot) any { return s.Addresses }},
	{"instances", reflect.TypeFor[Instance](), func(s *Snapshot) any { return s.Instances }},
	{"security_groups", reflect.TypeFor[SecurityGroup](), func(s *Snapshot) any { return s.SecurityGroups }},
	{"security_group_rules", reflect.TypeFor[SecurityGroupRule](), func(s *Snapshot) any { return s.SecurityGroupRules }},
	{"network_acls", reflect.TypeFor[NetworkACL](), func(s *Snapshot) any { return s.NetworkACLs }},
	{"network_acl_entries", reflect.TypeFor[NetworkACLEntry](), func(s *Snapshot) any { return s.NetworkACLEntries }},
	{"subnets", reflect.TypeFor[Subnet](), func(s *Snapshot) any { return s.Subnets }},
	{"vpcs", reflect.TypeFor[VPC](), func(s *Snapshot) any { return s.VPCs }},
	{"route_tables", reflect.TypeFor[RouteTable](), func(s *Snapshot) any { return s.RouteTables }},
	{"routes", reflect.TypeFor[Route](), func(s *Snapshot) any { return s.Routes }},
	{"nat_gateways", reflect.TypeFor[NATGateway](), func(s *Snapshot) any { return s.NATGateways }},
	{"vpc_endpoints", reflect.TypeFor[VPCEndpoint](), func(s *Snapshot) any { return s.VPCEndpoints }},
	{"gateways", reflect.TypeFor[Gateway](), func(s *Snapshot) any { return s.Gateways }},
	{"transit_gateway_attachments", reflect.TypeFor[TransitGatewayAttachment](), func(s *Snapshot) any { return s.TransitGatewayAttachments }},
	{"calls", reflect.TypeFor[Call](), func(s *Snapshot) any { return s.Calls }},
}

// TableNames lists the tables of a snapshot, in storage order.
func TableNames() []string {
	out := make([]string, len(tables))
	for i, t := range tables {
		out[i] = t.name
	}
	return out
}

// columns returns a row type's columns as DuckDB read_json column definitions.
func columns(t reflect.Type) ([]string, error) {
	var defs []string
	for i := range t.NumField() {
		f := t.Field(i)
		name := strings.Split(f.Tag.Get("json"), ",")[0]
		var typ string
		switch ft := f.Type; {
		case ft == reflect.TypeFor[Tags]():
			typ = "MAP(VARCHAR, VARCHAR)"
		case ft == reflect.TypeFor[*time.Time]():
			typ = "TIMESTAMPTZ"
		case ft.Kind() == reflect.String:
			typ = "VARCHAR"
		case ft.Kind() == reflect.Bool:
			typ = "BOOLEAN"
		case ft.Kind() == reflect.Int64, ft.Kind() == reflect.Pointer && ft.Elem().Kind() == reflect.Int64:
			typ = "BIGINT"
		case ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.String:
			typ = "VARCHAR[]"
		default:
			return nil, fmt.Errorf("%s.%s: no column type for %s", t.Name(), f.Name, ft)
		}
		defs = append(defs, sqlString(name)+": "+sqlString(typ))
	}
	return defs, nil
}

// SnapshotInfo is one manifest entry.
type SnapshotInfo struct {
	ID       string           `json:"id"`
	TakenAt  time.Time        `json:"taken_at"`
	Accounts []string         `json:"accounts"`
	Regions  []string         `json:"regions"`
	Rows     map[string]int64 `json:"rows"`   // per table
	Failed   []string         `json:"failed"` // "REGION CALL: status" of calls that did not succeed
}

// Manifest lists the committed snapshots, oldest first. A snapshot folder it does not name does
// not exist for readers.
type Manifest struct {
	Version   int            `json:"version"`
	Snapshots []SnapshotInfo `json:"snapshots"`
}

// ReadManifest reads DATA_DIR/inventory/manifest.json; a missing file is an empty manifest.
func ReadManifest(dataDir string) (*Manifest, error) {
	path := filepath.Join(dataDir, Subdir, manifestFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return &Manifest{Version: 1}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("inventory manifest %s: %w", path, err)
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("inventory manifest %s: %w", path, err)
	}
	if m.Version != 1 {
		return nil, fmt.Errorf("inventory manifest %s: version %d, this flowq reads version 1", path, m.Version)
	}
	return &m, nil
}

// File is the path of one table of a committed snapshot.
func File(dataDir, snapshotID, table string) string {
	return filepath.Join(dataDir, Subdir, snapshotsDir, snapshotID, table+".parquet")
}

// Write stores a snapshot: every table as Parquet, written in a staging folder, renamed into
// place and then named in the manifest. The caller holds the data dir's writer lock.
func Write(ctx context.Context, dataDir string, snap *Snapshot) (SnapshotInfo, error) {
	root := filepath.Join(dataDir, Subdir)
	man, err := ReadManifest(dataDir)
	if err != nil {
		return SnapshotInfo{}, err
	}
	if err := cleanup(root, man); err != nil {
		return SnapshotInfo{}, err
	}
	info := SnapshotInfo{TakenAt: snap.TakenAt.UTC(), Rows: map[string]int64{}}
	info.ID = uniqueID(man, info.TakenAt)
	accounts, regions := map[string]bool{}, map[string]bool{}
	for _, c := range snap.Calls {
		accounts[c.AccountID], regions[c.Region] = true, true
		if c.Status != StatusOK {
			info.Failed = append(info.Failed, fmt.Sprintf("%s %s %s: %s", c.AccountID, c.Region, c.Call, c.Status))
		}
	}
	info.Accounts, info.Regions = sortedKeys(accounts), sortedKeys(regions)

	stage := filepath.Join(root, stagingDir, info.ID)
	if err := os.MkdirAll(stage, dirPerm); err != nil {
		return info, fmt.Errorf("inventory staging %s: %w", stage, err)
	}
	db, err := openDB(ctx, filepath.Join(root, stagingDir))
	if err != nil {
		return info, err
	}
	defer db.Close()
	for _, t := range tables {
		n, err := writeTable(ctx, db, stage, t, snap, info)
		if err != nil {
			os.RemoveAll(stage)
			return info, err
		}
		info.Rows[t.name] = n
	}
	final := filepath.Join(root, snapshotsDir, info.ID)
	if err := os.MkdirAll(filepath.Dir(final), dirPerm); err != nil {
		return info, fmt.Errorf("inventory %s: %w", final, err)
	}
	if err := atomicfile.SyncDir(stage); err != nil {
		return info, err
	}
	if err := os.Rename(stage, final); err != nil {
		os.RemoveAll(stage)
		return info, fmt.Errorf("inventory publish %s: %w", final, err)
	}
	if err := atomicfile.SyncDir(filepath.Dir(final)); err != nil {
		return info, err
	}
	man.Snapshots = append(man.Snapshots, info)
	b, err := json.MarshalIndent(man, "", "  ")
	if err != nil {
		return info, err
	}
	if err := atomicfile.WriteFile(filepath.Join(root, manifestFile), append(b, '\n'), filePerm, "."+manifestFile+".tmp-*"); err != nil {
		return info, err
	}
	return info, nil
}

// writeTable writes one table's rows as newline-delimited JSON and has DuckDB turn it into
// Parquet with the declared column types, plus the snapshot's id and time on every row.
func writeTable(ctx context.Context, db *sql.DB, stage string, t table, snap *Snapshot, info SnapshotInfo) (int64, error) {
	cols, err := columns(t.row)
	if err != nil {
		return 0, err
	}
	jsonPath := filepath.Join(stage, t.name+".ndjson")
	f, err := os.OpenFile(jsonPath, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, filePerm)
	if err != nil {
		return 0, fmt.Errorf("inventory %s: %w", jsonPath, err)
	}
	w := bufio.NewWriter(f)
	enc := json.NewEncoder(w)
	rows := reflect.ValueOf(t.rows(snap))
	for i := range rows.Len() {
		if err := enc.Encode(rows.Index(i).Interface()); err != nil {
			f.Close()
			return 0, fmt.Errorf("inventory %s row %d: %w", jsonPath, i+1, err)
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return 0, fmt.Errorf("inventory %s: %w", jsonPath, err)
	}
	if err := f.Close(); err != nil {
		return 0, fmt.Errorf("inventory %s: %w", jsonPath, err)
	}
	dst := filepath.Join(stage, t.name+".parquet")
	q := fmt.Sprintf(`COPY (SELECT %s AS snapshot_id, %s::TIMESTAMPTZ AS taken_at, *
		FROM read_json(%s, format='newline_delimited', columns={%s}))
		TO %s (FORMAT parquet, COMPRESSION zstd)`,
		sqlString(info.ID), sqlString(info.TakenAt.Format(time.RFC3339)), sqlString(jsonPath), strings.Join(cols, ", "), sqlString(dst))
	if _, err := db.ExecContext(ctx, q); err != nil {
		return 0, fmt.Errorf("inventory %s: writing Parquet: %w", dst, err)
	}
	if err := os.Remove(jsonPath); err != nil {
		return 0, err
	}
	if err := os.Chmod(dst, filePerm); err != nil {
		return 0, err
	}
	// DuckDB does not fsync what COPY writes.
	if err := atomicfile.SyncFile(dst); err != nil {
		return 0, err
	}
	return int64(rows.Len()), nil
}

// cleanup removes what a crashed Write left: the staging folder and snapshot folders the
// manifest does not name.
func cleanup(root string, man *Manifest) error {
	if err := os.RemoveAll(filepath.Join(root, stagingDir)); err != nil {
		return fmt.Errorf("inventory cleanup: %w", err)
	}
	known := map[string]bool{}
	for _, s := range man.Snapshots {
		known[s.ID] = true
	}
	entries, err := os.ReadDir(filepath.Join(root, snapshotsDir))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("inventory cleanup: %w", err)
	}
	for _, e := range entries {
		if !known[e.Name()] {
			if err := os.RemoveAll(filepath.Join(root, snapshotsDir, e.Name())); err != nil {
				return fmt.Errorf("inventory cleanup: %w", err)
			}
		}
	}
	return nil
}

// uniqueID names a snapshot after its time, with a suffix when two share a second.
func uniqueID(man *Manifest, t time.Time) string {
	base := t.UTC().Format("20060102T150405Z")
	id := base
	for n := 2; ; n++ {
		clash := false
		for _, s := range man.Snapshots {
			clash = clash || s.ID == id
		}
		if !clash {
			return id
		}
		id = fmt.Sprintf("%s-%d", base, n)
	}
}

// openDB opens an in-memory DuckDB in UTC that spills under tempDir and never downloads extensions.
func openDB(ctx context.Context, tempDir string) (*sql.DB, error) {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return nil, fmt.Errorf("opening DuckDB: %w", err)
	}
	db.SetMaxOpenConns(1)
	for _, q := range []string{
		"SET TimeZone='UTC'",
		"SET memory_limit='256MB'",
		"SET autoinstall_known_extensions=false",
		"SET temp_directory=" + sqlString(tempDir),
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			db.Close()
			return nil, fmt.Errorf("DuckDB %s: %w", q, err)
		}
	}
	return db, nil
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func sqlString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
