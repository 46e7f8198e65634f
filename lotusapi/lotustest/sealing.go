// Sealing pipeline state as lotus-miner keeps it: sector event logs, state counts, list order.
package lotustest

import (
	"slices"
	"strconv"
	"strings"

	"github.com/lotus-farcaster/lotus-farcaster/lotusapi"
)

// sectorEvent is one FSM event of a sector's history.
type sectorEvent struct {
	name  string // Go type name in Lotus's sealing package
	after uint64 // seconds since the previous event
	deal  bool   // only sectors with deals go through it
}

// sealingEvents is the history of a deal sector from its start to Proving, with the time
// each step takes on a typical 32 GiB sealer. CC sectors start with SectorStartCC instead
// and skip the add-piece steps.
var sealingEvents = []sectorEvent{
	{"SectorStart", 0, false},
	{"SectorAddPiece", 2, true},
	{"SectorPieceAdded", 611, true},
	{"SectorStartPacking", 1804, true},
	{"SectorPacked", 37, false},
	{"SectorTicket", 3, false},
	{"SectorPreCommit1", 11873, false},
	{"SectorPreCommit2", 1247, false},
	{"SectorPreCommitBatch", 5, false},
	{"SectorPreCommitBatchSent", 3611, false},
	{"SectorPreCommitLanded", 187, false},
	{"SectorSeedReady", 4529, false},
	{"SectorCommitted", 2213, false},
	{"SectorSubmitCommitAggregate", 3, false},
	{"SectorCommitAggregateSent", 2417, false},
	{"SectorProving", 311, false},
	{"SectorFinalized", 401, false},
}

// stateHistories gives for each FSM state the sealing events that lead to it (a prefix of
// sealingEvents) and the events after them.
var stateHistories = map[string]struct {
	through int // index in sealingEvents of the last sealing event
	then    []sectorEvent
}{
	"PreCommit1":            {5, nil},
	"PreCommit2":            {6, nil},
	"PreCommitting":         {7, nil},
	"SubmitPreCommitBatch":  {8, nil},
	"PreCommitBatchWait":    {9, nil},
	"WaitSeed":              {10, nil},
	"Committing":            {11, nil},
	"SubmitCommit":          {12, nil},
	"SubmitCommitAggregate": {13, nil},
	"CommitAggregateWait":   {14, nil},
	"FinalizeSector":        {15, nil},
	"Proving":               {16, nil},
	"SealPreCommit1Failed": {5, []sectorEvent{
		{"SectorSealPreCommit1Failed", 1873, false}, {"SectorRetrySealPreCommit1", 60, false}, {"SectorSealPreCommit1Failed", 1811, false},
	}},
	"Available": {16, []sectorEvent{{"SectorMarkForUpdate", 3912837, false}}},
	"Removed": {16, []sectorEvent{
		{"SectorTerminate", 15811292, false}, {"SectorTerminating", 41, false}, {"SectorTerminated", 1753, false},
		{"SectorRemove", 27011, false}, {"SectorRemoved", 3, false},
	}},
}

// sectorInfo is SectorsStatus of sector n in state whose last event happened at last (unix
// seconds). deals are the deal IDs of its pieces, 0 for a piece without a deal; lastErr the
// error that put it in an error state.
func sectorInfo(n uint64, state string, deals []uint64, last uint64, lastErr string) lotusapi.SectorInfo {
	h, ok := stateHistories[state]
	if !ok {
		panic("lotustest: no history for sector state " + state)
	}
	hasDeals := slices.ContainsFunc(deals, func(d uint64) bool { return d != 0 })
	var events []sectorEvent
	for i, e := range sealingEvents[:h.through+1] {
		switch {
		case e.deal && !hasDeals:
			continue
		case i == 0 && !hasDeals:
			e.name = "SectorStartCC"
		}
		events = append(events, e)
	}
	events = append(events, h.then...)

	// Timestamps count back from the last event.
	log := make([]lotusapi.SectorLog, len(events))
	t := last
	for i := len(events) - 1; i >= 0; i-- {
		log[i] = lotusapi.SectorLog{
			Kind:      "event;sealing." + events[i].name,
			Timestamp: t,
			// Lotus logs the event as JSON; the events here have no exported fields.
			Message: `{"User":{}}`,
		}
		if strings.HasSuffix(events[i].name, "Failed") {
			log[i].Trace = lastErr + "\n    github.com/filecoin-project/lotus/storage/pipeline.(*Sealing).handlePreCommit1\n        /build/lotus/storage/pipeline/states_sealing.go:447"
		}
		t -= events[i].after
	}
	return lotusapi.SectorInfo{SectorID: n, State: state, Deals: deals, LastErr: lastErr, Log: log}
}

// datastoreOrder sorts sector numbers as lotus-miner lists them: by their datastore keys,
// decimal strings, so 10 comes before 9.
func datastoreOrder(numbers []uint64) {
	slices.SortStableFunc(numbers, func(a, b uint64) int {
		return strings.Compare(strconv.FormatUint(a, 10), strconv.FormatUint(b, 10))
	})
}

// sectorsSummary is SectorsSummary: the sectors in sectors by their state, and every other
// live sector as Proving (faulty sectors stay Proving on the miner side).
func sectorsSummary(sectors map[uint64]lotusapi.SectorInfo, partitions [][]lotusapi.Partition) map[string]int {
	summary := map[string]int{}
	for _, info := range sectors {
		summary[info.State]++
	}
	for _, dl := range partitions {
		for _, p := range dl {
			p.LiveSectors.ForEach(func(n uint64) bool {
				if _, ok := sectors[n]; !ok {
					summary["Proving"]++
				}
				return true
			})
		}
	}
	return summary
}
