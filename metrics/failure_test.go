// Each collector says when it could not read what it needs: the table is written by hand.
package metrics

import (
	"strings"
	"testing"

	"github.com/lotus-farcaster/lotus-farcaster/lotusapi/lotustest"
)

// A method each collector cannot do without, failing with a message only that fault sends:
// the collector must report it. (The fault matrix in the root package tries every method.)
func TestEachCollectorReportsItsFailure(t *testing.T) {
	needs := map[string]struct{ api, method string }{
		"chain":     {"daemon", "StateNetworkName"},
		"finality":  {"daemon", "F3IsRunning"},
		"net":       {"daemon", "NetBandwidthStats"},
		"mpool":     {"daemon", "MpoolPending"},
		"alerts":    {"miner", "LogAlerts"},
		"miner":     {"daemon", "MinerGetBaseInfo"},
		"money":     {"daemon", "StateMinerAvailableBalance"},
		"proving":   {"daemon", "StateMinerDeadlines"},
		"sealing":   {"miner", "SectorsSummary"},
		"jobs":      {"miner", "WorkerJobs"},
		"workers":   {"miner", "WorkerStats"},
		"storage":   {"miner", "StorageLocal"},
		"rewards":   {"daemon", "StateReadState"},
		"lifecycle": {"daemon", "StateMinerSectors"},
		"market":    {"daemon", "StateMarketBalance"},
	}
	for _, c := range All {
		need, ok := needs[c.Name()]
		if !ok {
			t.Errorf("collector %s: no method in the table", c.Name())
			continue
		}
		t.Run(c.Name(), func(t *testing.T) {
			f := newFixture(t, nil, func(s *lotustest.Server) {
				s.SetFault(need.api, need.method, lotustest.Fault{Message: "injected for " + c.Name()})
			})
			_, err := values(t, f, c)
			if err == nil || !strings.Contains(err.Error(), need.method+": injected for "+c.Name()) {
				t.Errorf("with %s %s failing: error %v, want that failure", need.api, need.method, err)
			}
		})
	}
}
