// Miner ID addresses, as the exporter and its setup accept them.
package lotusapi

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// minerIDPattern is a miner actor's ID address, on mainnet (f0) or a testnet (t0); the ID
// is a uint64, so at most 20 digits (IsMinerID checks the range).
var minerIDPattern = regexp.MustCompile(`^[ft]0[0-9]{1,20}$`)

// IsMinerID says whether id is an ID address Lotus could answer for.
func IsMinerID(id string) bool {
	if !minerIDPattern.MatchString(id) {
		return false
	}
	_, err := strconv.ParseUint(id[2:], 10, 64)
	return err == nil
}

// MaxMiners bounds --miner: a farm's miners are read in one run, each with its own file.
const MaxMiners = 64

// ParseMiners reads --miner's comma-separated miner IDs, without duplicates.
func ParseMiners(spec string) ([]string, error) {
	if spec == "" {
		return nil, nil
	}
	var ids []string
	for _, id := range strings.Split(spec, ",") {
		id = strings.TrimSpace(id)
		if !IsMinerID(id) {
			return nil, fmt.Errorf("--miner: %q is not a miner ID like f01234", id)
		}
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	if len(ids) > MaxMiners {
		return nil, fmt.Errorf("--miner: %d miners, at most %d in one run", len(ids), MaxMiners)
	}
	return ids, nil
}
