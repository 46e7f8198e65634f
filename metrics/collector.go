// The collector spine: run every collector concurrently under one deadline and report on each.
package metrics

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/lotus-farcaster/lotus-farcaster/lotusapi"
)

// Collector reads one area of Lotus and sends const metrics to ch. An error means the
// area is incomplete; metrics sent before it are kept.
type Collector interface {
	Name() string
	// Needs says what the collector cannot start without: Execute checks it, for all.
	Needs() Need
	Update(ctx context.Context, src *Sources, ch chan<- prometheus.Metric) error
}

// Need is what a collector cannot start without, as bits.
type Need int

const (
	// NeedDaemon is a daemon that answered.
	NeedDaemon Need = 1 << iota
	// NeedMinerID is the miner's ID: without one, there is no miner to ask about.
	NeedMinerID
	// NeedLotusMiner is a lotus-miner that answered. A run that reads its miners from the
	// daemon alone (--miner) has none, and does not run or report such collectors.
	NeedLotusMiner
	// NeedCurioDB is Curio's database, connected. Where no Curio is used, such collectors
	// are not run or reported.
	NeedCurioDB
)

// missing returns why src lacks what needs asks for, as one of the errors IsConsequence knows.
func (s *Sources) missing(needs Need) error {
	switch {
	case needs&NeedDaemon != 0 && s.Daemon == nil:
		return errDaemonDown
	case needs&NeedMinerID != 0 && s.MinerID == "":
		return errNoMinerID
	case needs&NeedLotusMiner != 0 && s.Miner == nil:
		return errMinerDown
	case needs&NeedCurioDB != 0 && s.Curio == nil:
		return errCurioDown
	}
	return nil
}

// All is every collector, in the order they are documented. Adding a collector is one
// file and one line here.
var All = []Collector{
	Chain{},
	Finality{},
	Net{},
	Mpool{},
	Alerts{},
	Miner{},
	Money{},
	Proving{},
	Sealing{},
	Jobs{},
	Workers{},
	Storage{},
	Rewards{},
	Lifecycle{},
	Market{},
}

// Outcome is how one collector fared.
type Outcome struct {
	Name     string
	Err      error
	Duration time.Duration
}

// Run is one run's result. It is a prometheus.Collector that replays the collected
// metrics and adds the exporter's own health metrics.
type Run struct {
	Started  time.Time
	Duration time.Duration
	Outcomes []Outcome
	src      *Sources
	metrics  []prometheus.Metric
}

// Execute runs the collectors concurrently: for a run and for --check alike. One that lacks
// what it needs fails at once with the reason, which the run says once for all; in
// daemon-only mode those that need lotus-miner are not run at all, nor those that need
// Curio's database where no Curio is used. A collector still running
// when ctx ends is reported as failed with ctx's error, keeping what it read before; the
// others are unaffected.
func Execute(ctx context.Context, src *Sources, collectors []Collector) *Run {
	collectors = slices.DeleteFunc(slices.Clone(collectors), func(c Collector) bool {
		return src.DaemonOnly && c.Needs()&NeedLotusMiner != 0 || !src.CurioUsed() && c.Needs()&NeedCurioDB != 0
	})
	ctx = lotusapi.CountRequests(ctx, &src.Requests)
	run := &Run{Started: src.Now, src: src, Outcomes: make([]Outcome, len(collectors))}
	results := make([][]prometheus.Metric, len(collectors))
	var wg sync.WaitGroup
	for i, c := range collectors {
		wg.Go(func() {
			start := time.Now()
			err := src.missing(c.Needs())
			if err == nil {
				results[i], err = runOne(ctx, c, src)
			}
			run.Outcomes[i] = Outcome{Name: c.Name(), Err: summarize(err), Duration: time.Since(start)}
		})
	}
	wg.Wait()
	for _, ms := range results {
		run.metrics = append(run.metrics, ms...)
	}
	run.Duration = time.Since(src.Now)
	return run
}

// defaultGrace is how long a collector may take to return once the deadline has passed
// (Options.Grace, when unset): its calls fail at once then, and what it read before is
// worth keeping.
const defaultGrace = time.Second

// Bounds on what one collector may write, whatever Lotus answers: with default flags a
// miner's series do not grow with its sectors, so more than maxSeries means a hostile or
// broken answer. --sector-details writes one series per sector and lifts the bound.
const (
	maxSeries              = 100_000
	maxSeriesSectorDetails = 50_000_000
)

// runOne runs c in its own goroutine so that a collector ignoring ctx cannot hold the
// run more than Options.Grace past its deadline.
func runOne(ctx context.Context, c Collector, src *Sources) ([]prometheus.Metric, error) {
	type result struct {
		metrics []prometheus.Metric
		err     error
	}
	grace := src.Options.Grace
	if grace <= 0 {
		grace = defaultGrace
	}
	limit := maxSeries
	if src.Options.SectorDetails {
		limit = maxSeriesSectorDetails
	}
	done := make(chan result, 1)
	go func() {
		ch := make(chan prometheus.Metric)
		var ms []prometheus.Metric
		dropped := 0
		drained := make(chan struct{})
		go func() {
			for m := range ch {
				if len(ms) == limit {
					dropped++
					continue
				}
				ms = append(ms, m)
			}
			close(drained)
		}()
		err := update(ctx, c, src, ch)
		close(ch)
		<-drained
		if dropped > 0 {
			err = errors.Join(err, fmt.Errorf("%d series beyond the bound of %d left out: Lotus's answer is not plausible", dropped, limit))
		}
		done <- result{ms, err}
	}()
	select {
	case r := <-done:
		return r.metrics, r.err
	case <-ctx.Done():
	}
	select {
	case r := <-done:
		if r.err == nil {
			r.err = ctx.Err()
		}
		return r.metrics, r.err
	case <-time.After(grace):
		return nil, ctx.Err()
	}
}

// update calls c.Update and turns a panic, a bug meeting data Lotus was not expected to
// send, into that collector's error, so the others' metrics are still written.
func update(ctx context.Context, c Collector, src *Sources, ch chan<- prometheus.Metric) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("collector panicked: %v", r)
		}
	}()
	return c.Update(ctx, src, ch)
}

// Failed lists the outcomes with an error.
func (r *Run) Failed() []Outcome {
	var out []Outcome
	for _, o := range r.Outcomes {
		if o.Err != nil {
			out = append(out, o)
		}
	}
	return out
}

var (
	upDesc = prometheus.NewDesc("lotus_up",
		"1 when the Lotus API, or Curio's database, answered and accepted the credentials this run.", []string{"api"}, nil)
	collectorSuccessDesc = prometheus.NewDesc("lotus_exporter_collector_success",
		"1 when the collector finished without error.", []string{"collector"}, nil)
	collectorDurationDesc = prometheus.NewDesc("lotus_exporter_collector_duration_seconds",
		"Wall time spent in the collector.", []string{"collector"}, nil)
	runDurationDesc = prometheus.NewDesc("lotus_exporter_run_duration_seconds",
		"Wall time of the whole run, from start to the last collector.", nil, nil)
	runTimestampDesc = prometheus.NewDesc("lotus_exporter_run_timestamp_seconds",
		"Unix time the run started.", nil, nil)
	rpcRequestsDesc = prometheus.NewDesc("lotus_exporter_rpc_requests",
		"JSON-RPC requests made this run, for this miner; the first miner's file also counts those made for every miner.", []string{"api"}, nil)
)

// Describe sends nothing: the run is an unchecked collector, its metrics vary with what Lotus answers.
func (r *Run) Describe(chan<- *prometheus.Desc) {}

// Collect replays the collected metrics and adds lotus_up and the exporter's health.
func (r *Run) Collect(ch chan<- prometheus.Metric) {
	for _, m := range r.metrics {
		ch <- m
	}
	ch <- prometheus.MustNewConstMetric(upDesc, prometheus.GaugeValue, boolValue(r.src.Daemon != nil), "daemon")
	if !r.src.DaemonOnly {
		ch <- prometheus.MustNewConstMetric(upDesc, prometheus.GaugeValue, boolValue(r.src.Miner != nil), "miner")
	}
	if r.src.Curio != nil || r.src.CurioErr != nil {
		ch <- prometheus.MustNewConstMetric(upDesc, prometheus.GaugeValue, boolValue(r.src.Curio != nil), "curio_db")
	}
	for _, o := range r.Outcomes {
		ch <- prometheus.MustNewConstMetric(collectorSuccessDesc, prometheus.GaugeValue, boolValue(o.Err == nil), o.Name)
		ch <- prometheus.MustNewConstMetric(collectorDurationDesc, prometheus.GaugeValue, o.Duration.Seconds(), o.Name)
	}
	ch <- prometheus.MustNewConstMetric(runDurationDesc, prometheus.GaugeValue, r.Duration.Seconds())
	ch <- prometheus.MustNewConstMetric(runTimestampDesc, prometheus.GaugeValue, float64(r.Started.UnixNano())/1e9)
	daemon, miner := r.src.Requests.Daemon.Load(), r.src.Requests.Miner.Load()
	if r.src.SaysShared {
		daemon += r.src.SharedRequests.Daemon.Load()
		miner += r.src.SharedRequests.Miner.Load()
	}
	ch <- prometheus.MustNewConstMetric(rpcRequestsDesc, prometheus.GaugeValue, float64(daemon), "daemon")
	ch <- prometheus.MustNewConstMetric(rpcRequestsDesc, prometheus.GaugeValue, float64(miner), "miner")
}

func boolValue(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// parallelLimit runs fns with at most limit at a time and joins their errors.
func parallelLimit(limit int, fns ...func() error) error {
	errs := make([]error, len(fns))
	slots := make(chan struct{}, limit)
	var wg sync.WaitGroup
	for i, fn := range fns {
		slots <- struct{}{}
		wg.Go(func() {
			defer func() { <-slots }()
			errs[i] = fn()
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// joinErrs is errors.Join, named for reading: several independent parts each may fail.
func joinErrs(errs ...error) error { return errors.Join(errs...) }

// summarize keeps a collector's error to one line: its first failure and how many there
// were, so a hundred failing sectors make one stderr line, not a hundred.
func summarize(err error) error {
	errs := leaves(err)
	switch len(errs) {
	case 0:
		return nil
	case 1:
		return errs[0]
	}
	return fmt.Errorf("%w (and %d more failures)", errs[0], len(errs)-1)
}

// leaves flattens joined errors, in order.
func leaves(err error) []error {
	if err == nil {
		return nil
	}
	joined, ok := err.(interface{ Unwrap() []error })
	if !ok {
		return []error{err}
	}
	var out []error
	for _, e := range joined.Unwrap() {
		out = append(out, leaves(e)...)
	}
	return out
}

// maxLabelValue bounds a label value in bytes. Lotus's own values (hostnames, paths, URLs,
// IDs) are far shorter; a longer one is cut, with a hash of the whole so that two values
// cut to the same prefix stay two series.
const maxLabelValue = 256

// maxItems bounds the items of one list answer (workers, storage paths, alerts, ...) the
// exporter turns into series; real miners have dozens.
const maxItems = 10_000

// constMetric is prometheus.MustNewConstMetric with every label value made valid UTF-8 and
// cut to maxLabelValue, so no answer can make the file grow without bound or the
// exposition invalid.
func constMetric(desc *prometheus.Desc, vt prometheus.ValueType, v float64, labels ...string) prometheus.Metric {
	for i, l := range labels {
		labels[i] = labelValue(l)
	}
	return prometheus.MustNewConstMetric(desc, vt, v, labels...)
}

func labelValue(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) <= maxLabelValue {
		return s
	}
	sum := sha256.Sum256([]byte(s))
	return cut(s, maxLabelValue-11) + "~" + hex.EncodeToString(sum[:5])
}

// cut shortens s to at most n bytes without splitting a UTF-8 character.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}
