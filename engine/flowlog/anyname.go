package flowlog

// IsKnownAnyName reports whether b is a field's header or column name of either log type,
// without allocating: the loader asks it of every record's first value to spot a header
// repeated mid-file.
func IsKnownAnyName(b []byte) bool {
	if _, ok := byName[string(b)]; ok {
		return true
	}
	_, ok := tgwByName[string(b)]
	return ok
}
