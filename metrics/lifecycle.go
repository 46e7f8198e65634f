// Sector lifecycle: what expires when, the power and pledge that go with it, and what live sectors hold.
package metrics

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/lotus-farcaster/lotus-farcaster/lotusapi"
)

// Lifecycle reads every sector of the miner from StateMinerSectors. That answer grows with
// the miner (420 MB of JSON at a million sectors), so it is read at most once an hour,
// streamed, and its figures are kept in the state and written unchanged in between, with
// the time they were read.
type Lifecycle struct{}

var _ Collector = Lifecycle{}

var (
	expiringSectorsDesc = prometheus.NewDesc("lotus_miner_expiring_sectors",
		"Live sectors whose expiration epoch is within that many days of the head (cumulative).", []string{"within_days"}, nil)
	expiringPowerDesc = prometheus.NewDesc("lotus_miner_expiring_qa_power_bytes",
		"Quality-adjusted power of the live sectors expiring within that many days.", []string{"within_days"}, nil)
	expiringPledgeDesc = prometheus.NewDesc("lotus_miner_expiring_initial_pledge_fil",
		"Initial pledge of the live sectors expiring within that many days, in FIL.", []string{"within_days"}, nil)
	sectorsByContentDesc = prometheus.NewDesc("lotus_miner_live_sectors_by_content",
		"Live sectors without deals (cc), with deals but no verified deal weight (deals), with verified deal weight (verified).", []string{"content"}, nil)
	scheduleTimestampDesc = prometheus.NewDesc("lotus_miner_sector_schedule_timestamp_seconds",
		"Unix time the figures of the sector lifecycle were read from the chain (at most hourly).", nil, nil)
)

// expiryDays are the horizons of the expiration buckets.
var expiryDays = [...]int64{7, 30, 90, 180, 365}

const (
	// scheduleEvery is how often StateMinerSectors is read.
	scheduleEvery = time.Hour
	// scheduleRetry is the pause after a refresh that failed or did not finish in time: a
	// slow daemon is not asked for the whole sector list every minute.
	scheduleRetry = 10 * time.Minute
	// scheduleStale is the age past which kept figures make the collector fail.
	scheduleStale = 3 * time.Hour
	// writeMargin is the time kept before the run's deadline (at most a quarter of what is
	// left) to write the kept figures when a refresh does not finish.
	writeMargin = 1500 * time.Millisecond
)

// sectorSchedule is the figures of one read of StateMinerSectors, kept between runs.
type sectorSchedule struct {
	Read      time.Time                   `json:"read"`
	Height    int64                       `json:"height"`
	Buckets   [len(expiryDays)]expiryStat `json:"buckets"`
	CC        uint64                      `json:"cc"`
	Deals     uint64                      `json:"deals"`
	Verified  uint64                      `json:"verified"`
	NextTry   time.Time                   `json:"next_try"` // after a failed refresh
	LastError string                      `json:"last_error,omitempty"`
}

// expiryStat is what expires within one horizon.
type expiryStat struct {
	Sectors uint64          `json:"sectors"`
	QAPower lotusapi.BigInt `json:"qa_power"`
	Pledge  lotusapi.BigInt `json:"pledge_attofil"`
}

// Name implements Collector.
func (Lifecycle) Name() string { return "lifecycle" }

// Needs implements Collector.
func (Lifecycle) Needs() Need { return NeedDaemon | NeedMinerID }

// Update implements Collector.
func (Lifecycle) Update(ctx context.Context, src *Sources, ch chan<- prometheus.Metric) error {
	var kept *sectorSchedule
	src.State.update(func(f *stateFile) { kept = f.Schedule })

	due := kept == nil || src.Now.Sub(kept.Read) >= scheduleEvery || src.Now.Before(kept.Read)
	if due && (kept == nil || !src.Now.Before(kept.NextTry)) {
		fresh, err := readSchedule(ctx, src)
		switch {
		case err == nil:
			kept = fresh
		case kept != nil:
			retry := *kept
			retry.NextTry, retry.LastError = src.Now.Add(scheduleRetry), err.Error()
			kept = &retry
		default:
			src.State.update(func(f *stateFile) {
				f.Schedule = &sectorSchedule{NextTry: src.Now.Add(scheduleRetry), LastError: err.Error()}
			})
			return err
		}
		src.State.update(func(f *stateFile) { f.Schedule = kept })
	}
	if kept.Read.IsZero() {
		return fmt.Errorf("no sector schedule read yet; the last try failed: %s", kept.LastError)
	}

	for i, days := range expiryDays {
		b, label := kept.Buckets[i], strconv.FormatInt(days, 10)
		ch <- constMetric(expiringSectorsDesc, prometheus.GaugeValue, float64(b.Sectors), label)
		ch <- constMetric(expiringPowerDesc, prometheus.GaugeValue, b.QAPower.Float64(), label)
		ch <- constMetric(expiringPledgeDesc, prometheus.GaugeValue, b.Pledge.FIL(), label)
	}
	ch <- constMetric(sectorsByContentDesc, prometheus.GaugeValue, float64(kept.CC), "cc")
	ch <- constMetric(sectorsByContentDesc, prometheus.GaugeValue, float64(kept.Deals), "deals")
	ch <- constMetric(sectorsByContentDesc, prometheus.GaugeValue, float64(kept.Verified), "verified")
	ch <- constMetric(scheduleTimestampDesc, prometheus.GaugeValue, float64(kept.Read.Unix()))
	if age := src.Now.Sub(kept.Read); age > scheduleStale {
		return fmt.Errorf("sector schedule is %s old; the last refresh failed: %s", age.Round(time.Minute), kept.LastError)
	}
	return nil
}

// readSchedule streams StateMinerSectors at the head and sums it up. It stops in time for
// the run to write the kept figures if the daemon is too slow.
func readSchedule(ctx context.Context, src *Sources) (*sectorSchedule, error) {
	info, err := src.MinerInfo()
	if err != nil {
		return nil, err
	}
	terminated, err := terminatedSectors(src)
	if err != nil {
		return nil, err
	}
	if deadline, ok := ctx.Deadline(); ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, deadline.Add(-min(writeMargin, time.Until(deadline)/4)))
		defer cancel()
	}
	head := src.Head.Height
	var edges [len(expiryDays)]int64
	for i, days := range expiryDays {
		edges[i] = head + days*epochsPerDay
	}
	var sums [len(expiryDays)]struct {
		sectors       uint64
		power, pledge big.Int
	}
	s := &sectorSchedule{Read: src.Now, Height: head}
	qa := newQAPower(info.SectorSize)
	err = src.Daemon.StateMinerSectors(ctx, src.MinerID, src.Head.Key(), func(sector *lotusapi.SectorOnChainInfo) error {
		if _, gone := slices.BinarySearch(terminated, sector.SectorNumber); gone || sector.Expiration <= head {
			return nil // expired or terminated, not yet cleaned up: not live
		}
		switch {
		case sector.VerifiedDealWeight.Sign() > 0:
			s.Verified++
		case sector.DealWeight.Sign() > 0:
			s.Deals++
		default:
			s.CC++
		}
		for i, edge := range edges {
			if sector.Expiration <= edge {
				// Counted in the first horizon it falls in; the sums are made cumulative below.
				sums[i].sectors++
				sums[i].power.Add(&sums[i].power, qa.of(sector))
				sums[i].pledge.Add(&sums[i].pledge, sector.InitialPledge.Value())
				break
			}
		}
		return nil
	})
	if errors.Is(err, context.DeadlineExceeded) || lotusapi.KindOf(err) == lotusapi.KindTimeout {
		return nil, errors.New("StateMinerSectors did not finish before the run's deadline")
	}
	if err != nil {
		return nil, err
	}
	var sectors uint64
	var power, pledge big.Int
	for i := range sums {
		sectors += sums[i].sectors
		power.Add(&power, &sums[i].power)
		pledge.Add(&pledge, &sums[i].pledge)
		s.Buckets[i] = expiryStat{Sectors: sectors, QAPower: lotusapi.BigIntOf(&power), Pledge: lotusapi.BigIntOf(&pledge)}
	}
	return s, nil
}

// terminatedSectors are the sectors StateMinerSectors still lists though they are no longer
// live: builtin-actors deletes a terminated sector's info only when its partition is
// compacted. They are what the partitions hold beyond their live sectors, sorted.
func terminatedSectors(src *Sources) ([]uint64, error) {
	ps, err := src.proving()
	if err != nil {
		return nil, err
	}
	if ps.contradiction != nil {
		return nil, ps.contradiction
	}
	var out []uint64
	for i, parts := range ps.partitions {
		if ps.partErrs[i] != nil {
			return nil, ps.partErrs[i]
		}
		for _, p := range parts {
			p.AllSectors.Minus(p.LiveSectors).ForEach(func(n uint64) bool {
				out = append(out, n)
				return len(out) <= maxTerminated
			})
		}
	}
	if len(out) > maxTerminated {
		return nil, fmt.Errorf("more than %d terminated sectors not yet compacted", maxTerminated)
	}
	slices.Sort(out)
	return out, nil
}

// maxTerminated bounds the terminated sectors held during a refresh (8 bytes each).
const maxTerminated = 2_000_000

// qaPower computes a sector's quality-adjusted power as builtin-actors' qa_power_for_sector
// does (miner/src/policy.rs): duration = Expiration − PowerBaseEpoch; quality is the
// space-time weighted average of the multipliers (base and deals 10, verified deals 100)
// divided by 10, in fixed point with 20 fractional bits. Deal weight cancels out (its
// multiplier equals the base's), so a sector without verified deals has its raw size.
type qaPower struct {
	size                          big.Int
	sst, weighted, quality, power big.Int // scratch, reused for every sector
}

func newQAPower(sectorSize uint64) *qaPower {
	q := &qaPower{}
	q.size.SetUint64(sectorSize)
	return q
}

// of returns the sector's QA power; the result is valid until the next call.
func (q *qaPower) of(s *lotusapi.SectorOnChainInfo) *big.Int {
	duration := s.Expiration - s.PowerBaseEpoch
	if s.VerifiedDealWeight.Sign() == 0 || duration <= 0 {
		return q.power.Set(&q.size)
	}
	q.sst.Mul(&q.size, big.NewInt(duration))
	// (sst − deal − verified)×10 + deal×10 + verified×100 = sst×10 + verified×90
	q.weighted.Mul(s.VerifiedDealWeight.Value(), big.NewInt(90))
	q.power.Mul(&q.sst, big.NewInt(10))
	q.weighted.Add(&q.weighted, &q.power)
	q.weighted.Lsh(&q.weighted, 20)
	q.quality.Quo(&q.weighted, &q.sst)
	q.quality.Quo(&q.quality, big.NewInt(10))
	q.power.Mul(&q.size, &q.quality)
	return q.power.Rsh(&q.power, 20)
}
