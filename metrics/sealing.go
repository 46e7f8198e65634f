// Sectors by state, and each sector of the sealing pipeline with its state, deals and age.
package metrics

import (
	"context"
	"fmt"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/lotus-farcaster/lotus-farcaster/lotusapi"
)

// Sealing reports sector counts by state and one set of series per sector that is still
// in the pipeline. Proving, available and removed sectors are only counted, so the series
// do not grow with the miner's size.
type Sealing struct{}

var _ Collector = Sealing{}

// settledStates are the states whose sectors are counted but not listed one by one.
var settledStates = map[string]bool{"Proving": true, "Available": true, "Removed": true}

// statusConcurrency bounds the SectorsStatus calls waiting at once (the client sends at
// most lotusapi.MaxPerMethod of them), so a deep pipeline does not hold thousands of goroutines.
const statusConcurrency = 16

var (
	sectorsDesc = prometheus.NewDesc("lotus_miner_sectors",
		"Sectors in each Lotus sealing state (SectorsSummary).", []string{"state"}, nil)
	sealingSectorDesc = prometheus.NewDesc("lotus_miner_sealing_sector_info",
		"1 for each sector in the sealing pipeline, with its state and number of deals.", []string{"sector", "state", "deals"}, nil)
	sealingCreatedDesc = prometheus.NewDesc("lotus_miner_sealing_sector_created_timestamp_seconds",
		"Unix time of the sector's first log entry.", []string{"sector"}, nil)
	sealingLastEventDesc = prometheus.NewDesc("lotus_miner_sealing_sector_last_event_timestamp_seconds",
		"Unix time of the sector's newest log entry: how long it has sat in its state.", []string{"sector"}, nil)
)

// Name implements Collector.
func (Sealing) Name() string { return "sealing" }

// Needs implements Collector.
func (Sealing) Needs() Need { return NeedLotusMiner }

// Update implements Collector.
func (Sealing) Update(ctx context.Context, src *Sources, ch chan<- prometheus.Metric) error {
	m := src.Miner
	summary, err := m.SectorsSummary(ctx)
	if err != nil {
		return err
	}
	if len(summary) > maxItems {
		return fmt.Errorf("SectorsSummary: %d states, more than %d", len(summary), maxItems)
	}
	var pipeline []string
	for state, n := range summary {
		ch <- constMetric(sectorsDesc, prometheus.GaugeValue, float64(n), state)
		if !settledStates[state] {
			pipeline = append(pipeline, state)
		}
	}
	if len(pipeline) == 0 {
		return nil
	}
	listed, err := m.SectorsListInStates(ctx, pipeline)
	if err != nil {
		return err
	}
	sectors := uniqSectors(listed) // Lotus may list a sector twice
	var tooMany error
	if len(sectors) > maxPipeline {
		tooMany = fmt.Errorf("SectorsListInStates: %d sectors in the pipeline, only the first %d read", len(sectors), maxPipeline)
		sectors = sectors[:maxPipeline]
	}

	statuses := make([]*sectorStatus, len(sectors))
	calls := make([]func() error, len(sectors))
	for i, n := range sectors {
		calls[i] = func() error {
			s, err := m.SectorsStatus(ctx, n, false)
			if err != nil {
				return fmt.Errorf("sector %d: %w", n, err)
			}
			first, last, logged := logSpan(s.Log)
			statuses[i] = &sectorStatus{state: s.State, deals: dealCount(s.Deals), first: first, last: last, logged: logged}
			return nil
		}
	}
	err = parallelLimit(statusConcurrency, calls...)
	for i, s := range statuses {
		if s == nil || settledStates[s.state] {
			continue // failed, or it left the pipeline between the two calls
		}
		sector := strconv.FormatUint(sectors[i], 10)
		ch <- constMetric(sealingSectorDesc, prometheus.GaugeValue, 1, sector, s.state, strconv.Itoa(s.deals))
		if s.logged {
			ch <- constMetric(sealingCreatedDesc, prometheus.GaugeValue, float64(s.first), sector)
			ch <- constMetric(sealingLastEventDesc, prometheus.GaugeValue, float64(s.last), sector)
		}
	}
	return joinErrs(tooMany, err)
}

// sectorStatus is what the collector keeps of a sector's SectorsStatus, whose log alone
// holds up to 8,000 entries: thousands of sectors are read before any is written.
type sectorStatus struct {
	state       string
	deals       int
	first, last uint64
	logged      bool
}

// maxPipeline bounds the sectors read one by one each run: a real pipeline holds hundreds,
// a few thousand at most.
const maxPipeline = 10_000

func uniqSectors(ns []uint64) []uint64 {
	seen := make(map[uint64]bool, len(ns))
	out := ns[:0:0]
	for _, n := range ns {
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	return out
}

// dealCount counts the sector's deals; Lotus puts a 0 for each piece without one.
func dealCount(deals []uint64) int {
	n := 0
	for _, d := range deals {
		if d != 0 {
			n++
		}
	}
	return n
}

// logSpan returns the oldest and newest log timestamps.
func logSpan(log []lotusapi.SectorLog) (first, last uint64, ok bool) {
	for i, e := range log {
		if i == 0 || e.Timestamp < first {
			first = e.Timestamp
		}
		if e.Timestamp > last {
			last = e.Timestamp
		}
	}
	return first, last, len(log) > 0
}
