package main

import (
	"reflect"
	"testing"
	"time"

	"github.com/flowq/flowq/engine/compat"
	"github.com/flowq/flowq/engine/flowlog"
)

func TestAthenaDDLFlags(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want athenaDDLOptions // f is not compared
		err  string
	}{
		{"store layout", []string{"ddl", "--location", "s3://b/flowq"},
			athenaDDLOptions{ddl: compat.DDLOptions{Location: "s3://b/flowq", Layout: compat.StoreLayout}}, ""},
		{"projection from a day", []string{"ddl", "--location", "s3://b/flowq", "--projection", "--from", "2024-05-01"},
			athenaDDLOptions{ddl: compat.DDLOptions{Location: "s3://b/flowq", Layout: compat.StoreLayout, Projection: true,
				From: time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)}}, ""},
		{"raw", []string{"ddl", "--raw", "--location", "s3://logs", "--account", "123456789012", "--region", "eu-west-1", "--org", "o-abc", "--hive"},
			athenaDDLOptions{raw: true, ddl: compat.DDLOptions{Location: "s3://logs", Layout: compat.RawLayout,
				Account: "123456789012", Region: "eu-west-1", Org: "o-abc", Hive: true}}, ""},
		{"transit gateway", []string{"ddl", "--log-type", "transit-gateway", "--location", "s3://b/flowq"},
			athenaDDLOptions{ddl: compat.DDLOptions{Location: "s3://b/flowq", Layout: compat.StoreLayout, LogType: flowlog.TransitGateway}}, ""},
		{"tgw raw", []string{"ddl", "--log-type", "tgw", "--raw"},
			athenaDDLOptions{raw: true, ddl: compat.DDLOptions{Layout: compat.RawLayout, LogType: flowlog.TransitGateway}}, ""},
		{"bad log type", []string{"ddl", "--log-type", "eni"}, athenaDDLOptions{}, "--log-type: want vpc or transit-gateway"},
		{"bad from", []string{"ddl", "--from", "May 1"}, athenaDDLOptions{}, "--from: want YYYY-MM-DD"},
		{"argument", []string{"ddl", "extra"}, athenaDDLOptions{}, "unknown command"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseCmd(t, newAthenaCmd, tc.args...)
			if tc.err != "" {
				checkUsage(t, err, tc.err)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got.f = nil
			if !reflect.DeepEqual(*got, tc.want) {
				t.Errorf("got %+v, want %+v", *got, tc.want)
			}
		})
	}
}
