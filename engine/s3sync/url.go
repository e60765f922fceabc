package s3sync

import (
	"fmt"
	"strings"
)

// ParseS3URL splits "s3://BUCKET[/PREFIX]" into the bucket and a folder prefix ("" or ending in "/").
func ParseS3URL(s string) (bucket, prefix string, err error) {
	rest, ok := strings.CutPrefix(s, "s3://")
	if !ok {
		return "", "", fmt.Errorf("%q: want s3://BUCKET[/PREFIX]", s)
	}
	bucket, prefix, _ = strings.Cut(rest, "/")
	if !validBucket(bucket) {
		return "", "", fmt.Errorf("%q: %q is not a bucket name", s, bucket)
	}
	return bucket, NormalizePrefix(prefix), nil
}

// validBucket accepts S3's bucket name characters (3–63 of a-z, 0-9, '.', '-', '_' for
// legacy names), enough to keep a typo or a URL with credentials from going further.
func validBucket(b string) bool {
	if len(b) < 3 || len(b) > 63 {
		return false
	}
	for _, r := range b {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '.' || r == '-' || r == '_' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}

// String is the one-line summary for a terminal or a log.
func (r Result) String() string {
	return fmt.Sprintf("listed %d, downloaded %d, skipped %d, failed %d, refused %d, %.1f MB in %.1f s",
		r.Listed, r.Downloaded, r.Skipped, r.Failed, r.Refused, float64(r.Bytes)/1e6, r.Duration.Seconds())
}
