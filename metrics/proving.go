// WindowPoSt proving: the deadlines, their partitions and sector counts, from bitfields.
package metrics

import (
	"context"
	"fmt"
	"slices"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/lotus-farcaster/lotus-farcaster/lotusapi"
)

// Proving reports each of the miner's WindowPoSt deadlines. Sectors are counted from the
// partitions' bitfields, never listed, so the cost and the series do not grow with the
// number of sectors (unless --sector-details asks for one series per sector).
type Proving struct{}

var _ Collector = Proving{}

var (
	deadlineIndexDesc = prometheus.NewDesc("lotus_miner_proving_deadline_index",
		"Index of the WindowPoSt deadline open now.", nil, nil)
	periodStartDesc = prometheus.NewDesc("lotus_miner_proving_period_start_epoch",
		"Epoch the current proving period started.", nil, nil)
	deadlineOpenDesc = prometheus.NewDesc("lotus_miner_deadline_open_timestamp_seconds",
		"Unix time the deadline's challenge window opens next; while it is open, the time it opened (genesis time plus epoch times block delay).", []string{"deadline"}, nil)
	deadlinePartitionsDesc = prometheus.NewDesc("lotus_miner_deadline_partitions",
		"Partitions in the deadline.", []string{"deadline"}, nil)
	deadlineProvableDesc = prometheus.NewDesc("lotus_miner_deadline_partitions_provable",
		"Partitions of the deadline with a sector to prove (live and not faulty, or recovering); an all-faulty partition is never submitted.", []string{"deadline"}, nil)
	deadlineDailyFeeDesc = prometheus.NewDesc("lotus_miner_deadline_daily_fee_fil",
		"The deadline's FIP-0100 daily fee (StateMinerDeadlines DailyFee), in FIL.", []string{"deadline"}, nil)
	deadlineProvenDesc = prometheus.NewDesc("lotus_miner_deadline_partitions_proven",
		"Partitions proven in the deadline's current challenge window (the chain clears this when the window closes, so only the open deadline shows proofs).", []string{"deadline"}, nil)
	deadlineSectorsDesc = prometheus.NewDesc("lotus_miner_deadline_sectors",
		"Sectors in the deadline: all (including terminated), live, active, faulty, recovering.", []string{"deadline", "state"}, nil)
	onchainSectorsDesc = prometheus.NewDesc("lotus_miner_onchain_sectors",
		"The miner's sectors on chain (StateMinerSectorCount).", []string{"state"}, nil)
	provingSectorDesc = prometheus.NewDesc("lotus_miner_proving_sector_info",
		"One series per live sector with its deadline, partition and state (active, faulty, recovering, unproven); only with --sector-details.", []string{"sector", "deadline", "partition", "state"}, nil)
)

// Name implements Collector.
func (Proving) Name() string { return "proving" }

// Needs implements Collector.
func (Proving) Needs() Need { return NeedDaemon | NeedMinerID }

// Update implements Collector.
func (Proving) Update(ctx context.Context, src *Sources, ch chan<- prometheus.Metric) error {
	var (
		ps         *provingState
		genesis    *lotusapi.TipSet
		genesisErr error
	)
	err := parallel(
		func() (err error) { ps, err = src.proving(); return err },
		func() error { genesis, genesisErr = src.Genesis(); return nil },
	)
	if err != nil {
		return err
	}
	info, deadlines, partitions := ps.info, ps.deadlines, ps.partitions
	if ps.countErr == nil {
		ch <- constMetric(onchainSectorsDesc, prometheus.GaugeValue, float64(ps.count.Live), "live")
		ch <- constMetric(onchainSectorsDesc, prometheus.GaugeValue, float64(ps.count.Active), "active")
		ch <- constMetric(onchainSectorsDesc, prometheus.GaugeValue, float64(ps.count.Faulty), "faulty")
	}
	ch <- constMetric(deadlineIndexDesc, prometheus.GaugeValue, float64(info.Index))
	ch <- constMetric(periodStartDesc, prometheus.GaugeValue, float64(info.PeriodStart))

	for i, dl := range deadlines {
		label := strconv.Itoa(i)
		if genesis != nil {
			ch <- constMetric(deadlineOpenDesc, prometheus.GaugeValue, src.epochTime(genesis, nextOpen(info, uint64(i))), label)
		}
		ch <- constMetric(deadlineProvenDesc, prometheus.GaugeValue, float64(dl.PostSubmissions.Count()), label)
		ch <- constMetric(deadlineDailyFeeDesc, prometheus.GaugeValue, dl.DailyFee.FIL(), label)
		if ps.partErrs[i] != nil || ps.contradiction != nil {
			continue // leave this deadline's counts out rather than report zeros
		}
		ch <- constMetric(deadlinePartitionsDesc, prometheus.GaugeValue, float64(len(partitions[i])), label)
		var all, live, active, faulty, recovering, provable uint64
		for _, p := range partitions[i] {
			all += p.AllSectors.Count()
			live += p.LiveSectors.Count()
			active += p.ActiveSectors.Count()
			faulty += p.FaultySectors.Count()
			recovering += p.RecoveringSectors.Count()
			// What WindowPoSt proves: live minus faulty, plus recovering (faulty ⊆ live).
			if p.LiveSectors.Count()-min(p.FaultySectors.Count(), p.LiveSectors.Count())+p.RecoveringSectors.Count() > 0 {
				provable++
			}
		}
		ch <- constMetric(deadlineProvableDesc, prometheus.GaugeValue, float64(provable), label)
		for state, n := range map[string]uint64{"all": all, "live": live, "active": active, "faulty": faulty, "recovering": recovering} {
			ch <- constMetric(deadlineSectorsDesc, prometheus.GaugeValue, float64(n), label, state)
		}
		if src.Options.SectorDetails {
			sectorDetails(ch, label, partitions[i])
		}
	}
	return joinErrs(append([]error{ps.countErr, ps.contradiction, genesisErr}, ps.partErrs...)...)
}

// provingState is the miner's deadlines and their partitions at the head, read once per run
// for the collectors that need them. partErrs[i] is set when deadline i's partitions could
// not be read: that deadline alone loses its series. contradiction is set when the
// partitions do not hold the sectors the chain counts (a node answering null for every
// deadline, say): then no partition can be believed.
type provingState struct {
	info          *lotusapi.DeadlineInfo
	deadlines     []lotusapi.Deadline
	partitions    [][]lotusapi.Partition
	partErrs      []error
	count         lotusapi.MinerSectors
	countErr      error
	contradiction error
}

func (s *Sources) readProving(ctx context.Context) (*provingState, error) {
	if err := s.missing(NeedDaemon | NeedMinerID); err != nil {
		return nil, err
	}
	d, id, tsk := s.Daemon, s.MinerID, s.Head.Key()
	ps := &provingState{}
	err := parallel(
		func() (err error) { ps.info, err = d.StateMinerProvingDeadline(ctx, id, tsk); return err },
		func() (err error) { ps.deadlines, err = d.StateMinerDeadlines(ctx, id, tsk); return err },
	)
	if err == nil {
		err = plausibleDeadlines(ps.info, ps.deadlines)
	}
	if err != nil {
		return nil, err
	}
	ps.partitions = make([][]lotusapi.Partition, len(ps.deadlines))
	ps.partErrs = make([]error, len(ps.deadlines))
	calls := make([]func() error, len(ps.deadlines))
	for i := range ps.deadlines {
		calls[i] = func() error {
			parts, err := d.StateMinerPartitions(ctx, id, uint64(i), tsk)
			if err == nil && len(parts) > maxItems {
				err = fmt.Errorf("%d partitions, more than %d", len(parts), maxItems)
			}
			if err != nil {
				ps.partErrs[i] = fmt.Errorf("deadline %d: %w", i, err)
				return nil // the state lives through the run: keep nothing of a refused answer
			}
			ps.partitions[i] = parts
			return nil
		}
	}
	calls = append(calls, func() error {
		ps.count, ps.countErr = d.StateMinerSectorCount(ctx, id, tsk)
		return nil
	})
	_ = parallel(calls...) // each deadline keeps its own error
	ps.contradiction = ps.checkCounts()
	return ps, nil
}

// checkCounts compares the sectors of the partitions with StateMinerSectorCount, which Lotus
// sums over the same partitions at the same tipset (node/impl/full/state.go): any difference
// means an answer is wrong. Without every answer there is nothing to compare.
func (ps *provingState) checkCounts() error {
	if ps.countErr != nil || slices.ContainsFunc(ps.partErrs, func(err error) bool { return err != nil }) {
		return nil
	}
	var live, active, faulty uint64
	for _, parts := range ps.partitions {
		for _, p := range parts {
			live += p.LiveSectors.Count()
			active += p.ActiveSectors.Count()
			faulty += p.FaultySectors.Count()
		}
	}
	if live != ps.count.Live || active != ps.count.Active || faulty != ps.count.Faulty {
		return fmt.Errorf("the partitions hold %d live, %d active, %d faulty sectors, but StateMinerSectorCount counts %d, %d, %d: partition counts left out",
			live, active, faulty, ps.count.Live, ps.count.Active, ps.count.Faulty)
	}
	return nil
}

// plausibleDeadlines refuses a proving state no miner actor can have, before it sizes
// anything: mainnet has 48 deadlines of 60 epochs in a 2880-epoch period.
func plausibleDeadlines(info *lotusapi.DeadlineInfo, deadlines []lotusapi.Deadline) error {
	switch {
	case len(deadlines) == 0 || len(deadlines) > maxDeadlines:
		return fmt.Errorf("StateMinerDeadlines: %d deadlines", len(deadlines))
	case info.WPoStChallengeWindow <= 0 || info.WPoStProvingPeriod <= 0 || info.Index >= uint64(len(deadlines)):
		return fmt.Errorf("StateMinerProvingDeadline: deadline %d of %d, window %d, period %d",
			info.Index, len(deadlines), info.WPoStChallengeWindow, info.WPoStProvingPeriod)
	}
	return nil
}

// maxDeadlines bounds the deadlines read; every Filecoin network so far has 48.
const maxDeadlines = 1000

// nextOpen is the epoch deadline i's challenge window opens: in the current proving period,
// or in the next one if it has already passed.
func nextOpen(info *lotusapi.DeadlineInfo, i uint64) int64 {
	open := info.PeriodStart + int64(i)*info.WPoStChallengeWindow
	if i < info.Index {
		open += info.WPoStProvingPeriod
	}
	return open
}

// sectorDetails emits one series per live sector of a deadline. Recovering sectors are
// also faulty; the more specific state wins.
func sectorDetails(ch chan<- prometheus.Metric, deadline string, partitions []lotusapi.Partition) {
	for pi, p := range partitions {
		partition := strconv.Itoa(pi)
		state := make(map[uint64]string)
		p.ActiveSectors.ForEach(func(n uint64) bool { state[n] = "active"; return true })
		p.FaultySectors.ForEach(func(n uint64) bool { state[n] = "faulty"; return true })
		p.RecoveringSectors.ForEach(func(n uint64) bool { state[n] = "recovering"; return true })
		p.LiveSectors.ForEach(func(n uint64) bool {
			s := state[n]
			if s == "" {
				s = "unproven" // live, not faulty, not yet proven active
			}
			ch <- constMetric(provingSectorDesc, prometheus.GaugeValue, 1, strconv.FormatUint(n, 10), deadline, partition, s)
			return true
		})
	}
}
