package s3sync

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ErrUnsafeKey marks an S3 key refused because it could not be stored safely under the mirror.
var ErrUnsafeKey = errors.New("unsafe S3 key")

// Limits on key shape; S3 allows 1024-byte keys and common file systems 255-byte names.
const (
	maxKeyBytes     = 1024
	maxSegmentBytes = 255
)

// Names the sync keeps for itself in the mirror; keys that could collide with them are refused.
const (
	reservedPrefix = ".flowq-"     // state journal and lock files at the mirror root
	tmpMarker      = ".flowq-tmp-" // temp downloads: ".NAME.flowq-tmp-RAND"
)

// LocalPath maps an S3 key to a path under mirrorDir, refusing any key that is not a plain
// relative path: an S3 key is attacker-controlled text and is never trusted as a path.
func LocalPath(mirrorDir, key string) (string, error) {
	if err := CheckKey(key); err != nil {
		return "", err
	}
	root, err := filepath.Abs(mirrorDir)
	if err != nil {
		return "", fmt.Errorf("mirror dir %q: %w", mirrorDir, err)
	}
	p := filepath.Join(root, filepath.FromSlash(key))
	rel, err := filepath.Rel(root, p)
	if err != nil || rel == "." || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) || filepath.IsAbs(rel) {
		return "", fmt.Errorf("%w %q: resolves outside the mirror", ErrUnsafeKey, key)
	}
	return p, nil
}

// CheckKey reports why a key cannot be used as a relative path, or nil when it can.
func CheckKey(key string) error {
	bad := func(why string) error { return fmt.Errorf("%w %q: %s", ErrUnsafeKey, key, why) }
	switch {
	case key == "":
		return bad("empty key")
	case len(key) > maxKeyBytes:
		return bad(fmt.Sprintf("longer than %d bytes", maxKeyBytes))
	case !utf8.ValidString(key):
		return bad("not valid UTF-8")
	case strings.HasPrefix(key, "/"):
		return bad("absolute path")
	case strings.Contains(key, `\`):
		return bad("contains a backslash")
	case len(key) >= 2 && key[1] == ':' && isASCIILetter(key[0]):
		return bad("looks like a drive path")
	case strings.HasSuffix(key, "/"):
		return bad("folder marker, not an object")
	}
	for i, seg := range strings.Split(key, "/") {
		switch {
		case seg == "":
			return bad("empty path segment")
		case seg == "." || seg == "..":
			return bad("dot segment")
		case len(seg) > maxSegmentBytes:
			return bad(fmt.Sprintf("segment longer than %d bytes", maxSegmentBytes))
		case strings.Contains(seg, tmpMarker) || (i == 0 && strings.HasPrefix(seg, reservedPrefix)):
			return bad("collides with flowq's own file names")
		}
		for _, r := range seg {
			if why := badRune(r); why != "" {
				return bad(fmt.Sprintf("%s %U", why, r))
			}
		}
		if strings.Trim(seg, ". ") == "" {
			return bad("segment of only dots and spaces")
		}
	}
	return nil
}

// badRune refuses control characters and the unicode look-alikes that normalise to "." or "/"
// or hide text (fullwidth forms, dot leaders, bidi and zero-width controls, combining marks);
// without a normaliser at hand, any non-ASCII rune must be a plain letter or digit.
func badRune(r rune) string {
	switch {
	case r < 0x20 || r == 0x7f:
		return "control character"
	case r < 0x80:
		return ""
	case r == utf8.RuneError:
		return "invalid UTF-8"
	case r >= 0x2000 && r <= 0x206f, r >= 0xfe50 && r <= 0xfe6f, r >= 0xff00 && r <= 0xffef,
		r == 0xfeff, r == 0x2215, r == 0x29f8, r == 0x29f9:
		return "look-alike or invisible character"
	case unicode.IsLetter(r) || unicode.IsDigit(r):
		return ""
	default:
		return "character that is not a plain letter or digit"
	}
}

func isASCIILetter(b byte) bool { return (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') }

// KeyOf maps a path under mirrorDir back to the S3 key mirrored there (LocalPath's inverse),
// so a caller whose load of a mirrored file failed can Refetch it. ok is false for paths
// outside the mirror and for names the sync keeps for itself.
func KeyOf(mirrorDir, path string) (key string, ok bool) {
	root, err := filepath.Abs(mirrorDir)
	if err != nil {
		return "", false
	}
	p, err := filepath.Abs(path)
	if err != nil {
		return "", false
	}
	rel, err := filepath.Rel(root, p)
	if err != nil || rel == "." || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", false
	}
	key = filepath.ToSlash(rel)
	if CheckKey(key) != nil {
		return "", false
	}
	return key, true
}
