package flowlog

import "testing"

func TestIsKnownAnyName(t *testing.T) {
	for name, want := range map[string]bool{
		"srcaddr": true, "interface-id": true, "tgw-id": true, "packets_lost_no_route": true, "resource-type": true,
		"2": false, "": false, "eni-0123": false, "Srcaddr": false, "tgw-0123456789abcdef0": false,
	} {
		if got := IsKnownAnyName([]byte(name)); got != want {
			t.Errorf("IsKnownAnyName(%q) = %v, want %v", name, got, want)
		}
	}
}
