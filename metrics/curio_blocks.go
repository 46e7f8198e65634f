// Blocks Curio mined for one miner, and which of them the chain does not hold: counters kept across runs.
package metrics

import (
	"context"
	"fmt"
	"slices"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/lotus-farcaster/lotus-farcaster/curio"
	"github.com/lotus-farcaster/lotus-farcaster/lotusapi"
)

// CurioBlocks counts the blocks Curio mined (mining_tasks) once they are curio.CheckDepth
// epochs below the head, and asks the daemon whether its chain holds each at its epoch. The
// counts live in the miner's state, so they grow across runs.
type CurioBlocks struct{}

var _ Collector = CurioBlocks{}

var (
	curioBlocksMinedDesc = prometheus.NewDesc("lotus_curio_blocks_mined_total",
		"Blocks Curio mined for the miner since counting began, counted once 5 epochs below the head.", nil, nil)
	curioBlocksOrphanedDesc = prometheus.NewDesc("lotus_curio_blocks_orphaned_total",
		"Of the blocks Curio mined, those the chain does not hold at their epoch (checked against the daemon).", nil, nil)
)

// Name implements Collector.
func (CurioBlocks) Name() string { return "curio_blocks" }

// Needs implements Collector.
func (CurioBlocks) Needs() Need { return NeedCurioDB | NeedMinerID | NeedDaemon }

// Update implements Collector.
func (CurioBlocks) Update(ctx context.Context, src *Sources, ch chan<- prometheus.Metric) error {
	sp, err := src.spID()
	if err != nil {
		return err
	}
	var prev curio.Blocks
	src.State.update(func(f *stateFile) {
		if f.CurioBlocks != nil {
			prev = *f.CurioBlocks
		}
	})
	next, readErr := src.Curio.MinedBlocks(ctx, sp, src.Head.Height, prev)
	var checkErrs []error
	for _, b := range slices.Clone(next.Unchecked) {
		on, err := onChain(ctx, src, b)
		if err != nil {
			checkErrs = append(checkErrs, fmt.Errorf("checking block %s at epoch %d: %w", b.CID, b.Epoch, err))
			continue
		}
		next.Checked(b, on)
	}
	src.State.update(func(f *stateFile) { f.CurioBlocks = &next })

	// A counter that stopped short of where it should be is left out this run, as rewards
	// does; the next run counts on from the state.
	caughtUp := next.Epoch >= src.Head.Height-curio.CheckDepth
	if caughtUp {
		ch <- constMetric(curioBlocksMinedDesc, prometheus.CounterValue, float64(next.Mined))
	}
	if caughtUp && len(next.Unchecked) == 0 {
		ch <- constMetric(curioBlocksOrphanedDesc, prometheus.CounterValue, float64(next.Orphaned))
	}
	return joinDistinct(append(checkErrs, readErr)...)
}

// onChain says whether the daemon's chain holds b in its tipset at b's epoch (at a null
// round the node answers the tipset below, which cannot hold it either).
func onChain(ctx context.Context, src *Sources, b curio.MinedBlock) (bool, error) {
	ts, err := src.Daemon.ChainGetTipSetByHeight(ctx, b.Epoch, src.Head.Key())
	if err != nil {
		return false, err
	}
	return slices.ContainsFunc(ts.Cids, func(c lotusapi.Cid) bool { return c.Root == b.CID }), nil
}
