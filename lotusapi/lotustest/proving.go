// Proving state built from sector-number spans, so partitions of any size cost a few words.
package lotustest

import (
	"github.com/lotus-farcaster/lotus-farcaster/lotusapi"
)

// Window PoSt parameters of mainnet, as StateMinerProvingDeadline reports them.
const (
	wpostPeriodDeadlines   = 48
	wpostProvingPeriod     = 2880
	wpostChallengeWindow   = 60
	wpostChallengeLookback = 20
	faultDeclarationCutoff = 70
	partitionSectors       = 2349 // WindowPoStPartitionSectors of 32 GiB sectors
	sectorSize             = 34359738368
)

// provingDeadline is StateMinerProvingDeadline at epoch for a miner whose proving period
// started at periodStart (at most one period before epoch).
func provingDeadline(epoch, periodStart int64) lotusapi.DeadlineInfo {
	index := (epoch - periodStart) / wpostChallengeWindow
	open := periodStart + index*wpostChallengeWindow
	return lotusapi.DeadlineInfo{
		CurrentEpoch:           epoch,
		PeriodStart:            periodStart,
		Index:                  uint64(index),
		Open:                   open,
		Close:                  open + wpostChallengeWindow,
		Challenge:              open - wpostChallengeLookback,
		FaultCutoff:            open - faultDeclarationCutoff,
		WPoStPeriodDeadlines:   wpostPeriodDeadlines,
		WPoStProvingPeriod:     wpostProvingPeriod,
		WPoStChallengeWindow:   wpostChallengeWindow,
		WPoStChallengeLookback: wpostChallengeLookback,
		FaultDeclarationCutoff: faultDeclarationCutoff,
	}
}

// span is the sector numbers lo to hi-1.
type span struct{ lo, hi uint64 }

// spans is a set of sector numbers as ascending, disjoint spans.
type spans []span

// minus returns the numbers of s that are not in t.
func (s spans) minus(t spans) spans {
	var out spans
	j := 0
	for _, a := range s {
		// Spans of t that end before a cannot touch any later span of s either.
		for j < len(t) && t[j].hi <= a.lo {
			j++
		}
		lo := a.lo
		for k := j; k < len(t) && t[k].lo < a.hi; k++ {
			if t[k].lo > lo {
				out = append(out, span{lo, t[k].lo})
			}
			lo = max(lo, t[k].hi)
		}
		if lo < a.hi {
			out = append(out, span{lo, a.hi})
		}
	}
	return out
}

// and returns the numbers in both s and t.
func (s spans) and(t spans) spans { return s.minus(s.minus(t)) }

func (s spans) count() uint64 {
	var n uint64
	for _, sp := range s {
		n += sp.hi - sp.lo
	}
	return n
}

// numbers lists the sector numbers of s.
func (s spans) numbers() []uint64 {
	out := make([]uint64, 0, s.count())
	for _, sp := range s {
		for n := sp.lo; n < sp.hi; n++ {
			out = append(out, n)
		}
	}
	return out
}

// bitField returns s in Lotus's run-length form, joining spans that touch.
func (s spans) bitField() lotusapi.BitField {
	var runs []uint64
	var end uint64
	for _, sp := range s {
		if len(runs) > 0 && sp.lo == end {
			runs[len(runs)-1] += sp.hi - sp.lo
		} else {
			runs = append(runs, sp.lo-end, sp.hi-sp.lo)
		}
		end = sp.hi
	}
	bf, err := lotusapi.NewBitField(runs...)
	if err != nil {
		panic(err) // spans end below 2^64 by construction
	}
	return bf
}

// partitionSets describes a partition by sets of sector numbers; partition derives the live
// and active sets the way the miner actor does.
type partitionSets struct {
	all        spans // assigned to the partition, terminated ones included
	terminated spans
	faulty     spans // live sectors that missed a PoSt or were declared faulty
	recovering spans // faulty sectors declared recovered, proven again at the next window
	unproven   spans // live sectors not yet proven once
}

func (p partitionSets) partition() lotusapi.Partition {
	live := p.all.minus(p.terminated)
	return lotusapi.Partition{
		AllSectors:        p.all.bitField(),
		FaultySectors:     p.faulty.bitField(),
		RecoveringSectors: p.recovering.bitField(),
		LiveSectors:       live.bitField(),
		ActiveSectors:     live.minus(p.faulty).minus(p.unproven).bitField(),
	}
}

// sectorCount is StateMinerSectorCount: sums over every partition, as Lotus computes it.
func sectorCount(partitions [][]lotusapi.Partition) lotusapi.MinerSectors {
	var c lotusapi.MinerSectors
	for _, dl := range partitions {
		for _, p := range dl {
			c.Live += p.LiveSectors.Count()
			c.Active += p.ActiveSectors.Count()
			c.Faulty += p.FaultySectors.Count()
		}
	}
	return c
}
