package flowlog

import (
	"testing"
	"time"
)

func TestParseKey(t *testing.T) {
	day := time.Date(2024, 3, 7, 0, 0, 0, 0, time.UTC)
	name := "012345678901_vpcflowlogs_eu-west-1_fl-0abc_20240307T0805Z_deadbeef.log.gz"
	tests := []struct {
		key     string
		ok      bool
		prefix  string
		org     string
		account string
		region  string
		hour    int
		hive    bool
	}{
		{"AWSLogs/012345678901/vpcflowlogs/eu-west-1/2024/03/07/" + name, true, "", "", "012345678901", "eu-west-1", -1, false},
		{"logs/prod/AWSLogs/012345678901/vpcflowlogs/eu-west-1/2024/03/07/08/" + name, true, "logs/prod", "", "012345678901", "eu-west-1", 8, false},
		{"AWSLogs/aws-account-id=012345678901/aws-service=vpcflowlogs/aws-region=eu-west-1/year=2024/month=03/day=07/" + name, true, "", "", "012345678901", "eu-west-1", -1, true},
		{"p/AWSLogs/o-abc123/aws-account-id=012345678901/aws-service=vpcflowlogs/aws-region=eu-west-1/year=2024/month=03/day=07/hour=23/" + name, true, "p", "o-abc123", "012345678901", "eu-west-1", 23, true},
		{"/home/me/mirror/AWSLogs/o-x1/012345678901/vpcflowlogs/eu-west-1/2024/03/07/" + name, true, "/home/me/mirror", "o-x1", "012345678901", "eu-west-1", -1, false},
		{"AWSLogs/012345678901/cloudtrail/eu-west-1/2024/03/07/" + name, false, "", "", "", "", 0, false},
		{"AWSLogs/012345678901/vpcflowlogs/eu-west-1/2024/02/30/" + name, false, "", "", "", "", 0, false},
		{"AWSLogs/012345678901/vpcflowlogs/eu-west-1/2024/03/07/24/" + name, false, "", "", "", "", 0, false},
		{"AWSLogs/012345678901/vpcflowlogs/eu-west-1/2024/03/" + name, false, "", "", "", "", 0, false},
		{"random/file.log.gz", false, "", "", "", "", 0, false},
	}
	for _, tt := range tests {
		k, ok := ParseKey(tt.key)
		if ok != tt.ok {
			t.Errorf("ParseKey(%q) ok = %v", tt.key, ok)
			continue
		}
		if !ok {
			continue
		}
		if k.Prefix != tt.prefix || k.Org != tt.org || k.Account != tt.account || k.Region != tt.region ||
			k.Hour != tt.hour || k.Hive != tt.hive || !k.Date.Equal(day) || k.Name != name {
			t.Errorf("ParseKey(%q) = %+v", tt.key, k)
		}
		// Building the key back from its parts gives the same key.
		if back := ObjectKey(k.Prefix, k.Org, k.Account, k.Region, k.Date, k.Hour, k.Hive, k.Name); back != tt.key {
			t.Errorf("ObjectKey round trip = %q, want %q", back, tt.key)
		}
	}
}

func TestFileName(t *testing.T) {
	got := FileName("123456789012", "us-east-1", "fl-1234", time.Date(2024, 1, 2, 3, 5, 0, 0, time.UTC), "abcd", ".log.gz")
	want := "123456789012_vpcflowlogs_us-east-1_fl-1234_20240102T0305Z_abcd.log.gz"
	if got != want {
		t.Errorf("FileName = %q, want %q", got, want)
	}
}
