package s3sync

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/flowq/flowq/engine/awsconf"
	"github.com/klauspost/compress/gzip"
)

// Download failures that change what happens next.
var (
	// ErrChanged means the object's ETag differs from the listing: it was replaced meanwhile.
	ErrChanged = errors.New("object changed since it was listed")
	// ErrCorrupt means the bytes received fail the format check (gzip CRC, Parquet magic).
	ErrCorrupt = errors.New("object content is corrupt")
	// ErrDamaged means the bytes received differ from the object's: their MD5 is not its
	// (single-part) ETag, or they fail the checksum S3 sent. Fetched again once, then reported.
	ErrDamaged = errors.New("object damaged in transfer")
	// ErrRetryBudget means the run's retries (Options.RetryBudget) were used up, so a failing
	// object was not tried again.
	ErrRetryBudget = errors.New("the sync's retry budget is used up")
)

type fetched struct {
	size    int64
	etag    string
	adopted bool // already in place (e.g. from an interrupted run or `aws s3 sync`), not downloaded
}

// fetch brings one object into place, retrying transfer failures with backoff and jitter.
// An object replaced between list and get is re-listed once and fetched again.
func (d *downloader) fetch(ctx context.Context, o Object) (fetched, error) {
	if ok, err := sameAsLocal(o); err == nil && ok && !d.opts.refetch {
		d.dbg.Printf("%s: already in place (MD5 matches the ETag), not fetched", o.Key)
		return fetched{size: o.Size, etag: o.ETag, adopted: true}, nil
	}
	relisted, damaged := false, false
	var last error
	for attempt := 0; attempt < d.opts.Attempts; attempt++ {
		if attempt > 0 && !errors.Is(last, ErrChanged) {
			// Every retry, of any object, spends the run's budget: a bucket that fails
			// everything costs one request per object plus the budget, not Attempts each.
			if d.budget.Add(-1) < 0 {
				return fetched{}, fmt.Errorf("s3://%s/%s: %w after %d attempts: %w", d.opts.Bucket, o.Key, ErrRetryBudget, attempt, last)
			}
			wait := backoff(d.opts.RetryBase, attempt)
			d.dbg.Printf("%s: attempt %d of %d failed (%v); next in %s", o.Key, attempt, d.opts.Attempts, last, wait.Round(time.Millisecond))
			if err := sleepCtx(ctx, wait); err != nil {
				return fetched{}, err
			}
		}
		err := d.get(ctx, o)
		if err == nil {
			return fetched{size: o.Size, etag: o.ETag}, nil
		}
		if ctx.Err() != nil {
			return fetched{}, ctx.Err()
		}
		last = err
		var src *sourceCorrupt
		switch {
		case stopsRun(err):
			return fetched{}, fmt.Errorf("%w: s3://%s/%s: %w", ErrStopped, d.opts.Bucket, o.Key, awsconf.Explain(err, "the object"))
		case errors.As(err, &src), permanent(err):
			return fetched{}, fmt.Errorf("s3://%s/%s: %w", d.opts.Bucket, o.Key, awsconf.Explain(err, "the object"))
		case errors.Is(err, ErrDamaged):
			if damaged {
				return fetched{}, fmt.Errorf("s3://%s/%s: fetched twice, damaged both times: %w", d.opts.Bucket, o.Key, err)
			}
			damaged = true
		case errors.Is(err, ErrChanged):
			if relisted {
				return fetched{}, fmt.Errorf("s3://%s/%s: %w twice; run the sync again", d.opts.Bucket, o.Key, err)
			}
			relisted = true
			d.dbg.Printf("%s: %v; re-listing it", o.Key, err)
			fresh, rerr := d.relist(ctx, o)
			if rerr != nil {
				return fetched{}, fmt.Errorf("s3://%s/%s: %w", d.opts.Bucket, o.Key, rerr)
			}
			o = fresh
		}
	}
	return fetched{}, fmt.Errorf("s3://%s/%s: failed after %d attempts: %w", d.opts.Bucket, o.Key, d.opts.Attempts, awsconf.Explain(last, "the object"))
}

// relist reads one key's current size and ETag from a listing (no HEAD permission needed).
func (d *downloader) relist(ctx context.Context, o Object) (Object, error) {
	out, err := d.api.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(d.opts.Bucket), Prefix: aws.String(o.Key), MaxKeys: aws.Int32(1)})
	if err != nil {
		return o, fmt.Errorf("re-list after change: %w", err)
	}
	if len(out.Contents) == 0 || aws.ToString(out.Contents[0].Key) != o.Key {
		return o, fmt.Errorf("object deleted since it was listed")
	}
	o.Size = aws.ToInt64(out.Contents[0].Size)
	o.ETag = trimETag(aws.ToString(out.Contents[0].ETag))
	return o, nil
}

// sourceCorrupt is a format failure on bytes whose MD5 equals the ETag: S3 holds exactly
// these bytes, so retrying cannot help.
type sourceCorrupt struct{ err error }

func (e *sourceCorrupt) Error() string {
	return fmt.Sprintf("%v (the object in S3 itself is damaged: its MD5 matches the ETag)", e.err)
}
func (e *sourceCorrupt) Unwrap() error { return e.err }

// get performs one GET: stream to a temp file beside the target, fsync, verify, rename.
func (d *downloader) get(ctx context.Context, o Object) error {
	actx, cancel := context.WithTimeout(ctx, d.opts.AttemptTimeout)
	defer cancel()
	// ChecksumMode asks S3 for the object's checksum, which the SDK then checks while the
	// body is read. The SDK's own retries are off here: fetch retries, counting each request
	// against Attempts and the run's budget, so one failing object cannot take 50 requests.
	out, err := d.api.GetObject(actx, &s3.GetObjectInput{Bucket: aws.String(d.opts.Bucket), Key: aws.String(o.Key),
		ChecksumMode: types.ChecksumModeEnabled}, func(so *s3.Options) { so.RetryMaxAttempts = 1 })
	if err != nil {
		return err
	}
	defer out.Body.Close()
	etag := trimETag(aws.ToString(out.ETag))
	if etag != o.ETag && etag != "" {
		return fmt.Errorf("%w (listed ETag %s, got %s)", ErrChanged, o.ETag, etag)
	}
	if cl := aws.ToInt64(out.ContentLength); out.ContentLength != nil && cl != o.Size {
		return fmt.Errorf("Content-Length %d, listed size %d", cl, o.Size)
	}
	dir := filepath.Dir(o.Path)
	if err := d.ensureDir(dir); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, tempPattern(filepath.Base(o.Path)))
	if err != nil {
		return fmt.Errorf("create temp file in %s: %w", dir, err)
	}
	tmp := f.Name()
	placed := false
	defer func() {
		if !placed {
			f.Close()
			os.Remove(tmp)
		}
	}()
	var w io.Writer = f
	if d.opts.wrapFile != nil {
		w = d.opts.wrapFile(f)
	}
	h := md5.New()
	n, err := io.Copy(io.MultiWriter(w, h), out.Body)
	if err != nil {
		if isChecksumMismatch(err) {
			return fmt.Errorf("%w: %w", ErrDamaged, err)
		}
		return fmt.Errorf("copy body to %s after %d of %d bytes: %w", tmp, n, o.Size, err)
	}
	if n != o.Size {
		return fmt.Errorf("body has %d bytes, listed size %d", n, o.Size)
	}
	// A single-part object's ETag is the MD5 of its bytes: check it whether or not S3 sent a
	// checksum header (many objects have none). Multipart ETags ("…-N") are not MD5s; for
	// those only the SDK's checksum (when the object has one) and the format check apply.
	sum := hex.EncodeToString(h.Sum(nil))
	if isMD5(o.ETag) && sum != o.ETag {
		return fmt.Errorf("%w: MD5 of the %d bytes received is %s, the ETag %s", ErrDamaged, n, sum, o.ETag)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("fsync %s: %w", tmp, err)
	}
	if err := verifyFormat(f, n); err != nil {
		// The bytes match the ETag: S3 itself holds the damage and no retry can help.
		if isMD5(o.ETag) && sum == o.ETag {
			return &sourceCorrupt{err}
		}
		return err
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, o.Path); err != nil {
		return fmt.Errorf("rename into place %s: %w", o.Path, err)
	}
	placed = true
	return nil
}

// ensureDir creates a folder and checks, once per folder, that symlinks do not lead it out
// of the mirror.
func (d *downloader) ensureDir(dir string) error {
	if _, ok := d.dirs.Load(dir); ok {
		return nil
	}
	if err := d.gate.mkdir(d.mirror, dir); err != nil {
		return fmt.Errorf("create folder %s: %w", dir, err)
	}
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return fmt.Errorf("resolve folder %s: %w", dir, err)
	}
	root, err := d.root()
	if err != nil {
		return fmt.Errorf("resolve mirror %s: %w", d.mirror, err)
	}
	if rel, err := filepath.Rel(root, real); err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return fmt.Errorf("%w: folder %s leads outside the mirror (symlink)", ErrUnsafeKey, dir)
	}
	d.dirs.Store(dir, true)
	return nil
}

// tempPattern names temp files ".NAME.flowq-tmp-RAND", short enough for a 255-byte name.
func tempPattern(name string) string {
	if len(name) > 200 {
		name = name[:200]
	}
	return "." + name + tmpMarker + "*"
}

// verifyFormat checks what can be checked without parsing records: a gzip stream must
// decompress to its end with good CRCs; a Parquet file must carry its magic at both ends.
func verifyFormat(f *os.File, size int64) error {
	head := make([]byte, 4)
	if _, err := f.ReadAt(head, 0); err != nil && size >= 4 {
		return fmt.Errorf("re-read %s: %w", f.Name(), err)
	}
	switch {
	case size >= 2 && head[0] == 0x1f && head[1] == 0x8b:
		zr, err := gzip.NewReader(io.NewSectionReader(f, 0, size))
		if err != nil {
			return fmt.Errorf("%w: gzip: %w", ErrCorrupt, err)
		}
		if _, err := io.Copy(io.Discard, zr); err != nil {
			return fmt.Errorf("%w: gzip: %w", ErrCorrupt, err)
		}
	case size >= 4 && bytes.Equal(head, []byte("PAR1")):
		tail := make([]byte, 4)
		if _, err := f.ReadAt(tail, size-4); err != nil || size < 12 || !bytes.Equal(tail, []byte("PAR1")) {
			return fmt.Errorf("%w: Parquet file without its closing PAR1 magic", ErrCorrupt)
		}
	}
	return nil
}

// sameAsLocal reports whether the file already at the object's path has its exact bytes,
// judged by size and, for single-part uploads, MD5 = ETag.
func sameAsLocal(o Object) (bool, error) {
	if !isMD5(o.ETag) || !fileHasSize(o.Path, o.Size) {
		return false, nil
	}
	sum, err := fileMD5(o.Path)
	return err == nil && sum == o.ETag, err
}

// isChecksumMismatch recognises the SDK's checksum validation failure, which it reports as
// text only.
func isChecksumMismatch(err error) bool {
	return strings.Contains(err.Error(), "checksum did not match")
}

func fileMD5(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := md5.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("read %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func isMD5(etag string) bool {
	if len(etag) != 32 {
		return false
	}
	_, err := hex.DecodeString(etag)
	return err == nil
}

// backoff is exponential with full jitter, capped at 10 s.
func backoff(base time.Duration, attempt int) time.Duration {
	d := base << min(attempt-1, 10)
	d = min(d, 10*time.Second)
	return time.Duration(rand.Int64N(int64(d)) + 1)
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
