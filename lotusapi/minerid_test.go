// What a miner ID is.
package lotusapi

import "testing"

// An actor ID is a uint64: twenty digits fit, up to its largest value.
func TestIsMinerID(t *testing.T) {
	for id, want := range map[string]bool{
		"f01234": true, "t00": true, "f018446744073709551615": true,
		"f018446744073709551616": false, "f0": false, "f1abc": false, "f01234 ": false, "f0123456789012345678901": false,
	} {
		if got := IsMinerID(id); got != want {
			t.Errorf("IsMinerID(%q) = %v, want %v", id, got, want)
		}
	}
}
