package cwsync

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"strings"
	"time"
)

// LogGroupARN is what a log group ARN (arn:PARTITION:logs:REGION:ACCOUNT:log-group:NAME[:*])
// says.
type LogGroupARN struct {
	Partition, Region, Account, Name string
}

// ParseLogGroupARN parses a log group ARN as DescribeLogGroups returns it (with or without
// the trailing ":*").
func ParseLogGroupARN(arn string) (LogGroupARN, bool) {
	parts := strings.SplitN(arn, ":", 7)
	if len(parts) != 7 || parts[0] != "arn" || parts[2] != "logs" || parts[5] != "log-group" {
		return LogGroupARN{}, false
	}
	name := strings.TrimSuffix(parts[6], ":*")
	if name == "" || parts[3] == "" || parts[4] == "" {
		return LogGroupARN{}, false
	}
	return LogGroupARN{Partition: parts[1], Region: parts[3], Account: parts[4], Name: name}, true
}

// maxSegment keeps escaped names well below the 255-byte file name limit.
const maxSegment = 180

// EscapeName turns a log group or stream name into one path segment: letters, digits, '-',
// '_' and '.' stay, anything else (notably '/') becomes %XX, and a leading '.' is escaped so
// the segment is never hidden from the loader. Over-long names are cut and given a hash
// suffix so distinct names stay distinct.
func EscapeName(name string) string {
	var b strings.Builder
	for i := 0; i < len(name); i++ {
		c := name[i]
		keep := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' && i > 0
		if keep {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	s := b.String()
	if s == "" {
		return "%00"
	}
	if len(s) > maxSegment {
		sum := sha256.Sum256([]byte(name))
		s = s[:maxSegment-17] + "~" + hex.EncodeToString(sum[:8])
	}
	return s
}

// mirrorRoot is the folder under MirrorDir that holds CloudWatch deliveries; S3 mirrors keep
// their own AWSLogs/... layout beside it.
const mirrorRoot = "cloudwatch"

// GroupDir is where one log group's files live:
// MIRROR/cloudwatch/REGION/ACCOUNT/ESCAPED-GROUP.
func GroupDir(mirror, region, account, group string) string {
	if account == "" {
		account = "unknown-account"
	}
	if region == "" {
		region = "unknown-region"
	}
	return filepath.Join(mirror, mirrorRoot, EscapeName(region), EscapeName(account), EscapeName(group))
}

// hourDir is a stream's folder for one UTC hour: ESCAPED-STREAM/yyyy/mm/dd/HH.
func hourDir(groupDir, stream string, hour time.Time) string {
	return filepath.Join(groupDir, EscapeName(stream), hour.Format("2006"), hour.Format("01"), hour.Format("02"), hour.Format("15"))
}

// fileName names a delivery by its stream, its first event's time and a digest of its event
// keys, so two runs never produce the same name for different events.
func fileName(stream string, first time.Time, digest string) string {
	return fmt.Sprintf("%s_%s_%s.log", EscapeName(stream), first.UTC().Format("20060102T150405Z"), digest)
}
