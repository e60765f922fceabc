package flowlog

// IsKnownAnyName reports whether b is a field's header or column name of either log type,
// without allocating: the loader asks it of every record's first value to spot a header
// repeated mid-file.
func IsKnownAnyName(b []byte) bool {
	// Every field name starts with a lower-case letter; records mostly start with a digit.
	if len(b) == 0 || b[0] < 'a' || b[0] > 'z' {
		return false
	}
	if _, ok := byName[string(b)]; ok {
		return true
	}
	_, ok := tgwByName[string(b)]
	return ok
}
