package flowlog

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Key is what an S3 key (or a mirror path that keeps the key layout) says about a delivery.
type Key struct {
	Prefix  string // bucket prefix before "AWSLogs/", without trailing slash
	Org     string // AWS Organizations id segment ("o-abc123"), if any
	Account string
	Region  string
	Date    time.Time // UTC midnight of the partition day
	Hour    int       // partition hour, or -1 for daily partitions
	Hive    bool      // Hive-compatible "name=value" segments
	Name    string    // file name (last segment)
}

// ParseKey recognises the four AWS key layouts (default or Hive-compatible, daily or hourly),
// with or without an organisation segment. It accepts "/"-separated keys or paths whose tail
// has that shape; ok is false when the key does not follow any layout.
func ParseKey(key string) (k Key, ok bool) {
	segs := strings.Split(key, "/")
	at := -1
	for i := len(segs) - 1; i >= 0; i-- {
		if segs[i] == "AWSLogs" {
			at = i
			break
		}
	}
	if at < 0 {
		return Key{}, false
	}
	k.Prefix = strings.Join(segs[:at], "/")
	rest := segs[at+1:]
	if len(rest) > 0 && strings.HasPrefix(rest[0], "o-") {
		k.Org = rest[0]
		rest = rest[1:]
	}
	// account, service, region, year, month, day, [hour], file
	if len(rest) < 7 {
		return Key{}, false
	}
	k.Hive = strings.HasPrefix(rest[0], "aws-account-id=")
	names := []string{"aws-account-id", "aws-service", "aws-region", "year", "month", "day", "hour"}
	vals := make([]string, 0, 7)
	for i, s := range rest[:len(rest)-1] {
		if i >= len(names) {
			return Key{}, false
		}
		if k.Hive {
			v, found := strings.CutPrefix(s, names[i]+"=")
			if !found {
				return Key{}, false
			}
			s = v
		}
		vals = append(vals, s)
	}
	if len(vals) < 6 || vals[1] != "vpcflowlogs" || vals[0] == "" || vals[2] == "" {
		return Key{}, false
	}
	k.Account, k.Region = vals[0], vals[2]
	y, e1 := strconv.Atoi(vals[3])
	m, e2 := strconv.Atoi(vals[4])
	d, e3 := strconv.Atoi(vals[5])
	if e1 != nil || e2 != nil || e3 != nil || m < 1 || m > 12 || d < 1 || d > 31 || len(vals[3]) != 4 {
		return Key{}, false
	}
	k.Date = time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if k.Date.Day() != d {
		return Key{}, false
	}
	k.Hour = -1
	if len(vals) == 7 {
		h, err := strconv.Atoi(vals[6])
		if err != nil || h < 0 || h > 23 {
			return Key{}, false
		}
		k.Hour = h
	}
	k.Name = rest[len(rest)-1]
	if k.Name == "" {
		return Key{}, false
	}
	return k, true
}

// Base returns "PREFIX/AWSLogs/[ORG/]" for the key's prefix and organisation.
func Base(prefix, org string) string {
	b := "AWSLogs/"
	if prefix != "" {
		b = strings.TrimSuffix(prefix, "/") + "/" + b
	}
	if org != "" {
		b += org + "/"
	}
	return b
}

// AccountSegment returns the account folder name in a layout ("123" or "aws-account-id=123").
func AccountSegment(account string, hive bool) string {
	if hive {
		return "aws-account-id=" + account
	}
	return account
}

// RegionPrefix returns the folder under which one account's flow logs for one region live,
// relative to Base: "ACCOUNT/vpcflowlogs/REGION/" or its Hive form, ending in "/".
func RegionPrefix(account, region string, hive bool) string {
	if hive {
		return fmt.Sprintf("aws-account-id=%s/aws-service=vpcflowlogs/aws-region=%s/", account, region)
	}
	return fmt.Sprintf("%s/vpcflowlogs/%s/", account, region)
}

// DayPrefix returns the day folder below RegionPrefix: "yyyy/mm/dd/" or
// "year=yyyy/month=mm/day=dd/".
func DayPrefix(day time.Time, hive bool) string {
	if hive {
		return fmt.Sprintf("year=%04d/month=%02d/day=%02d/", day.Year(), int(day.Month()), day.Day())
	}
	return fmt.Sprintf("%04d/%02d/%02d/", day.Year(), int(day.Month()), day.Day())
}

// HourPrefix returns the hour folder below DayPrefix: "HH/" or "hour=HH/".
func HourPrefix(hour int, hive bool) string {
	if hive {
		return fmt.Sprintf("hour=%02d/", hour)
	}
	return fmt.Sprintf("%02d/", hour)
}

// ObjectKey builds the full key of a delivery file in a layout; hour < 0 means daily partitions.
func ObjectKey(prefix, org, account, region string, day time.Time, hour int, hive bool, name string) string {
	k := Base(prefix, org) + RegionPrefix(account, region, hive) + DayPrefix(day, hive)
	if hour >= 0 {
		k += HourPrefix(hour, hive)
	}
	return k + name
}

// FileName builds the AWS delivery file name:
// {account}_vpcflowlogs_{region}_{flow-log-id}_{YYYYMMDDTHHmmZ}_{hash}.log.gz
func FileName(account, region, flowLogID string, stamp time.Time, hash, ext string) string {
	return fmt.Sprintf("%s_vpcflowlogs_%s_%s_%s_%s%s", account, region, flowLogID,
		stamp.UTC().Format("20060102T1504Z"), hash, ext)
}
