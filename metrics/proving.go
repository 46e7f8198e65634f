// WindowPoSt proving: the deadlines, their partitions and sector counts, from bitfields.
package metrics

import (
	"context"
	"errors"
	"fmt"
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
	deadlineOpensInDesc = prometheus.NewDesc("lotus_miner_deadline_opens_in_seconds",
		"Seconds until the deadline's challenge window opens next; zero or negative while it is open.", []string{"deadline"}, nil)
	deadlinePartitionsDesc = prometheus.NewDesc("lotus_miner_deadline_partitions",
		"Partitions in the deadline.", []string{"deadline"}, nil)
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

// Update implements Collector.
func (Proving) Update(ctx context.Context, src *Sources, ch chan<- prometheus.Metric) error {
	if err := src.needDaemon(true); err != nil {
		return err
	}
	d, id, tsk := src.Daemon, src.MinerID, src.Head.Key()
	var (
		info      *lotusapi.DeadlineInfo
		deadlines []lotusapi.Deadline
		count     lotusapi.MinerSectors
	)
	err := parallel(
		func() (err error) {
			info, err = d.StateMinerProvingDeadline(ctx, id, tsk)
			return wrap("StateMinerProvingDeadline", err)
		},
		func() (err error) {
			deadlines, err = d.StateMinerDeadlines(ctx, id, tsk)
			return wrap("StateMinerDeadlines", err)
		},
		func() (err error) {
			count, err = d.StateMinerSectorCount(ctx, id, tsk)
			return wrap("StateMinerSectorCount", err)
		},
	)
	if err == nil && info == nil {
		err = errors.New("StateMinerProvingDeadline answered null")
	}
	if err != nil {
		return err
	}
	ch <- prometheus.MustNewConstMetric(onchainSectorsDesc, prometheus.GaugeValue, float64(count.Live), "live")
	ch <- prometheus.MustNewConstMetric(onchainSectorsDesc, prometheus.GaugeValue, float64(count.Active), "active")
	ch <- prometheus.MustNewConstMetric(onchainSectorsDesc, prometheus.GaugeValue, float64(count.Faulty), "faulty")
	ch <- prometheus.MustNewConstMetric(deadlineIndexDesc, prometheus.GaugeValue, float64(info.Index))
	ch <- prometheus.MustNewConstMetric(periodStartDesc, prometheus.GaugeValue, float64(info.PeriodStart))

	partitions := make([][]lotusapi.Partition, len(deadlines))
	failed := make([]bool, len(deadlines))
	calls := make([]func() error, len(deadlines))
	for i := range deadlines {
		calls[i] = func() (err error) {
			partitions[i], err = d.StateMinerPartitions(ctx, id, uint64(i), tsk)
			failed[i] = err != nil
			return wrap(fmt.Sprintf("StateMinerPartitions deadline %d", i), err)
		}
	}
	err = parallel(calls...)

	blockDelay := int64(src.DaemonVersion.BlockDelay)
	if blockDelay == 0 {
		blockDelay = 30
	}
	for i, dl := range deadlines {
		label := strconv.Itoa(i)
		// In chain time, from the epoch the run reads: the same on a synced node as the wall
		// clock, and still right on a node that lags.
		opensIn := (nextOpen(info, uint64(i)) - info.CurrentEpoch) * blockDelay
		ch <- prometheus.MustNewConstMetric(deadlineOpensInDesc, prometheus.GaugeValue, float64(opensIn), label)
		ch <- prometheus.MustNewConstMetric(deadlineProvenDesc, prometheus.GaugeValue, float64(dl.PostSubmissions.Count()), label)
		if failed[i] {
			continue // leave this deadline's counts out rather than report zeros
		}
		ch <- prometheus.MustNewConstMetric(deadlinePartitionsDesc, prometheus.GaugeValue, float64(len(partitions[i])), label)
		var all, live, active, faulty, recovering uint64
		for _, p := range partitions[i] {
			all += p.AllSectors.Count()
			live += p.LiveSectors.Count()
			active += p.ActiveSectors.Count()
			faulty += p.FaultySectors.Count()
			recovering += p.RecoveringSectors.Count()
		}
		for state, n := range map[string]uint64{"all": all, "live": live, "active": active, "faulty": faulty, "recovering": recovering} {
			ch <- prometheus.MustNewConstMetric(deadlineSectorsDesc, prometheus.GaugeValue, float64(n), label, state)
		}
		if src.Options.SectorDetails {
			sectorDetails(ch, label, partitions[i])
		}
	}
	return err
}

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
			ch <- prometheus.MustNewConstMetric(provingSectorDesc, prometheus.GaugeValue, 1, strconv.FormatUint(n, 10), deadline, partition, s)
			return true
		})
	}
}
