// Rewards and luck: the blocks this miner won, counted from the chain across runs, and how many it should win.
package metrics

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"slices"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/lotus-farcaster/lotus-farcaster/lotusapi"
)

// Rewards reads every tipset since the previous run and counts the blocks this miner won
// in them. The counts live in the run's state, so they grow across runs; a lost state file
// starts them again at zero, which Prometheus takes as a counter reset.
type Rewards struct{}

var _ Collector = Rewards{}

var (
	blocksWonDesc = prometheus.NewDesc("lotus_miner_blocks_won_total",
		"Blocks of this miner seen on chain since the exporter started counting.", nil, nil)
	winCountDesc = prometheus.NewDesc("lotus_miner_win_count_total",
		"Sum of the ElectionProof.WinCount of those blocks (one block can carry more than one win).", nil, nil)
	blockRewardsDesc = prometheus.NewDesc("lotus_miner_block_rewards_fil_total",
		"Block rewards of those blocks: WinCount times the reward actor's ThisEpochReward divided by 5, without message tips, in FIL.", nil, nil)
	lastBlockWonDesc = prometheus.NewDesc("lotus_miner_last_block_won_timestamp_seconds",
		"Unix time of the newest block won by this miner that the exporter has seen.", nil, nil)
	countedSinceDesc = prometheus.NewDesc("lotus_miner_blocks_counted_since_timestamp_seconds",
		"Unix time of the epoch the exporter started counting blocks won at: the counters cover the chain since then, so no last block won means none since then.", nil, nil)
	expectedBlocksDesc = prometheus.NewDesc("lotus_miner_expected_blocks_per_day",
		"Blocks the miner should win a day at its share of the network's power: 2880 × (1 − e^(−5 × miner QA power ÷ network QA power)); 0 below the consensus minimum power.", nil, nil)
)

const (
	// rescanEpochs is how far back each run reads again, so a late block that joins a tipset
	// already read, or a short reorg, is seen. Blocks are counted once, by CID.
	rescanEpochs = 6
	// maxGap is the longest stretch of chain one run reads (a day of epochs). After a longer
	// pause the gap is skipped, and the run says so.
	maxGap = 2880
	// expectedLeaders is Filecoin's expected number of winners per epoch (the reward actor
	// pays WinCount × ThisEpochReward ÷ expectedLeaders per block).
	expectedLeaders = 5
	epochsPerDay    = 2880
)

// rewardsState is what Rewards keeps between runs.
type rewardsState struct {
	From     int64           `json:"from"`   // the epoch counting started at
	Height   int64           `json:"height"` // the highest epoch read
	Blocks   uint64          `json:"blocks"`
	WinCount uint64          `json:"win_count"`
	Rewards  lotusapi.BigInt `json:"rewards_attofil"`
	LastWon  uint64          `json:"last_won"` // Unix time of the newest block won, 0 for none
	// Recent are the blocks counted in the rescanned epochs, so none is counted twice.
	Recent []countedBlock `json:"recent"`
}

type countedBlock struct {
	CID    string `json:"cid"`
	Height int64  `json:"height"`
}

// Name implements Collector.
func (Rewards) Name() string { return "rewards" }

// Needs implements Collector.
func (Rewards) Needs() Need { return NeedDaemon | NeedMinerID }

// Update implements Collector.
func (Rewards) Update(ctx context.Context, src *Sources, ch chan<- prometheus.Metric) error {
	var prev rewardsState
	src.State.update(func(f *stateFile) {
		if f.Rewards != nil {
			prev = *f.Rewards
		}
	})
	next, skipped, countErr := countBlocks(ctx, src, prev)
	src.State.update(func(f *stateFile) { f.Rewards = &next })

	// Counters that stopped short of the head would lag it: they are left out this run, and
	// the next one counts on from where this one stopped.
	if countErr == nil {
		ch <- constMetric(blocksWonDesc, prometheus.CounterValue, float64(next.Blocks))
		ch <- constMetric(winCountDesc, prometheus.CounterValue, float64(next.WinCount))
		ch <- constMetric(blockRewardsDesc, prometheus.CounterValue, next.Rewards.FIL())
		if next.LastWon > 0 {
			ch <- constMetric(lastBlockWonDesc, prometheus.GaugeValue, float64(next.LastWon))
		}
	}
	genesis, genesisErr := src.Genesis()
	if genesisErr == nil {
		ch <- constMetric(countedSinceDesc, prometheus.GaugeValue, src.epochTime(genesis, next.From))
	}
	power, powerErr := src.Power()
	if powerErr == nil {
		ch <- constMetric(expectedBlocksDesc, prometheus.GaugeValue, expectedBlocksPerDay(power))
	}
	return joinErrs(skipped, countErr, genesisErr, powerErr)
}

// countBlocks reads the tipsets after prev.Height up to the head (and the last
// rescanEpochs before it) and adds this miner's blocks to the counts. When a read fails,
// the counts stop before it, err says why, and the next run starts there. skipped says which
// epochs a pause longer than a day left uncounted.
func countBlocks(ctx context.Context, src *Sources, prev rewardsState) (next rewardsState, skipped, err error) {
	head := src.Head.Height
	next = prev
	next.Recent = slices.Clone(prev.Recent)
	lo := head // the first run starts counting at the head
	switch {
	case prev.Height == 0:
		next.From = head
	case head-prev.Height > maxGap:
		// Only the newest day is read: one run must stay short whatever the pause was.
		lo = head - maxGap + 1
		skipped = fmt.Errorf("%d epochs since the last run, more than %d: the newest %d were read, blocks won in the %d epochs before them (%d to %d) are not counted",
			head-prev.Height, maxGap, maxGap, lo-1-prev.Height, prev.Height+1, lo-1)
	default:
		lo = max(prev.From, min(prev.Height, head)+1-rescanEpochs)
	}

	heights := make([]int64, 0, head-lo+1)
	for h := lo; h <= head; h++ {
		heights = append(heights, h)
	}
	tipsets := make([]*lotusapi.TipSet, len(heights))
	errs := make([]error, len(heights))
	calls := make([]func() error, len(heights))
	for i, h := range heights {
		calls[i] = func() error {
			if h == head {
				tipsets[i] = src.Head
				return nil
			}
			tipsets[i], errs[i] = src.Daemon.ChainGetTipSetByHeight(ctx, h, src.Head.Key())
			return nil
		}
	}
	_ = parallel(calls...) // errors are kept per height in errs

	counted := make(map[string]bool, len(next.Recent))
	for _, b := range next.Recent {
		counted[b.CID] = true
	}
	for i, h := range heights {
		if errs[i] != nil {
			return next, skipped, fmt.Errorf("tipset at epoch %d: %w", h, errs[i])
		}
		ts := tipsets[i]
		// A null round answers with the tipset below it, which is read at its own height.
		if ts.Height == h {
			if err := countTipSet(ctx, src, ts, &next, counted); err != nil {
				return next, skipped, fmt.Errorf("tipset at epoch %d: %w", h, err)
			}
		}
		next.Height = h
	}
	// Only the rescanned epochs need their blocks remembered.
	next.Recent = slices.DeleteFunc(next.Recent, func(b countedBlock) bool { return b.Height <= head-rescanEpochs })
	return next, skipped, nil
}

// countTipSet adds the blocks of ts won by the miner and not counted yet.
func countTipSet(ctx context.Context, src *Sources, ts *lotusapi.TipSet, st *rewardsState, counted map[string]bool) error {
	var reward *big.Int
	for i, b := range ts.Blocks {
		if b.Miner != src.MinerID || i >= len(ts.Cids) || counted[ts.Cids[i].Root] || b.ElectionProof == nil {
			continue
		}
		wins := b.ElectionProof.WinCount
		if wins <= 0 || wins > expectedLeaders*100 {
			return fmt.Errorf("block %s: WinCount %d", ts.Cids[i].Root, wins)
		}
		if reward == nil {
			r, err := thisEpochReward(ctx, src, ts)
			if err != nil {
				return err
			}
			reward = r
		}
		// The reward actor's AwardBlockReward: ThisEpochReward × WinCount ÷ 5, in whole attoFIL.
		paid := new(big.Int).Mul(reward, big.NewInt(wins))
		paid.Quo(paid, big.NewInt(expectedLeaders))
		total := st.Rewards.Int()
		st.Rewards = lotusapi.BigIntOf(total.Add(total, paid))
		st.Blocks++
		st.WinCount += uint64(wins)
		st.LastWon = max(st.LastWon, b.Timestamp)
		st.Recent = append(st.Recent, countedBlock{CID: ts.Cids[i].Root, Height: ts.Height})
		counted[ts.Cids[i].Root] = true
	}
	return nil
}

// thisEpochReward reads the reward actor's ThisEpochReward in the state the blocks of ts are
// paid from: the state at ts's parent, which Lotus's StateReadState at ts returns.
func thisEpochReward(ctx context.Context, src *Sources, ts *lotusapi.TipSet) (*big.Int, error) {
	actor, err := src.Daemon.StateReadState(ctx, lotusapi.RewardActor, ts.Key())
	if err != nil {
		return nil, err
	}
	var state lotusapi.RewardState
	if err := json.Unmarshal(actor.State, &state); err != nil {
		return nil, fmt.Errorf("reward actor state: %w", err)
	}
	return state.ThisEpochReward.Int(), nil
}

// expectedBlocksPerDay is lotus-miner info's projection (cli/miner/info.go): the chance to
// win at least once in an epoch, 1 − e^(−5q/Q), times the epochs in a day.
func expectedBlocksPerDay(p *lotusapi.MinerPower) float64 {
	total := p.TotalPower.QualityAdjPower.Int()
	if !p.HasMinPower || total.Sign() <= 0 {
		return 0
	}
	ratio, _ := new(big.Rat).SetFrac(new(big.Int).Mul(p.MinerPower.QualityAdjPower.Int(), big.NewInt(expectedLeaders)), total).Float64()
	return -math.Expm1(-ratio) * epochsPerDay
}
