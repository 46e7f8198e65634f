// Curio's database as a source of a run: connecting to it, and which collectors read it.
package metrics

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/lotus-farcaster/lotus-farcaster/curio"
)

// CurioMiner are the collectors of one miner that Curio's database serves: they go into the
// miner's file beside the daemon's collectors.
var CurioMiner = []Collector{CurioPipeline{}, CurioWdPost{}, CurioBlocks{}}

// CurioCluster are the collectors of the whole Curio cluster, written once a run into
// lotus-curio.prom, without a miner.
var CurioCluster = []Collector{CurioMachines{}, CurioTasks{}, CurioStorage{}, CurioAlerts{}, CurioMessages{}}

var errCurioDown = errors.New("Curio's database unavailable")

// ConnectCurio opens Curio's database of s for the run. When it cannot, Curio is nil and
// CurioErr says why; lotus_up{api="curio_db"} is written either way.
func (n *Node) ConnectCurio(ctx context.Context, s curio.Settings) {
	db, err := curio.Open(ctx, s)
	if err != nil {
		n.CurioErr = err
		return
	}
	n.Curio = db
}

// CurioUsed reports whether the run reads a Curio database, reached or not.
func (n *Node) CurioUsed() bool { return n.Curio != nil || n.CurioErr != nil }

// spID is the miner's sp_id in Curio's tables: its actor ID (f01234 → 1234).
func (s *Sources) spID() (int64, error) {
	if s.MinerID == "" {
		return 0, errNoMinerID
	}
	digits, ok := strings.CutPrefix(s.MinerID[1:], "0")
	id, err := strconv.ParseInt(digits, 10, 64)
	if !ok || err != nil || !strings.ContainsAny(s.MinerID[:1], "ft") {
		return 0, errors.New("miner ID " + s.MinerID + " is no ID address")
	}
	return id, nil
}

// joinDistinct joins errors, each message once: reads that fail for one cause (a table an
// older Curio lacks, a database that stopped answering) make one error.
func joinDistinct(errs ...error) error {
	var out []error
	seen := map[string]bool{}
	for _, err := range leaves(errors.Join(errs...)) {
		if !seen[err.Error()] {
			seen[err.Error()] = true
			out = append(out, err)
		}
	}
	return errors.Join(out...)
}
