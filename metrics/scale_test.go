// Scale: the large scenario within its request and series budget, and benchmarks of a whole run.
package metrics

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"

	"github.com/lotus-farcaster/lotus-farcaster/lotusapi/lotustest"
)

// runCost is what one run against a scenario cost and produced.
type runCost struct {
	requests int // RPC requests, both APIs
	series   int
	bytes    int // size of the text exposition
}

// runLarge runs every collector once against a fake serving the large scenario p.
func runLarge(tb testing.TB, fake *lotustest.Server) runCost {
	fake.ResetRequests()
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	d, m := fake.DaemonEndpoint(), fake.MinerEndpoint()
	src := Connect(ctx, &d, &m, time.Now(), MinerSpec{})
	defer src.Close()
	run := Execute(ctx, src, All)
	reg := prometheus.NewRegistry()
	reg.MustRegister(run)
	families, err := reg.Gather()
	if err != nil {
		tb.Fatal(err)
	}
	var cost runCost
	var buf bytes.Buffer
	enc := expfmt.NewEncoder(&buf, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, f := range families {
		cost.series += len(f.Metric)
		if err := enc.Encode(f); err != nil {
			tb.Fatal(err)
		}
	}
	cost.bytes = buf.Len()
	for _, api := range []string{"daemon", "miner"} {
		for _, n := range fake.Requests(api) {
			cost.requests += n
		}
	}
	return cost
}

func startLarge(tb testing.TB, p lotustest.LargeParams) *lotustest.Server {
	fake := lotustest.Start(lotustest.Large(p).AtTime(time.Now()))
	tb.Cleanup(fake.Close)
	return fake
}

// The targets of the scale issue, as counts (time and memory are measured by bench/bench.sh).
func TestLargeScenarioWithinBudget(t *testing.T) {
	p := lotustest.LargeDefault()
	cost := runLarge(t, startLarge(t, p))
	if limit := 150 + p.Sealing; cost.requests > limit {
		t.Errorf("%d RPC requests, want at most %d (150 plus one per sealing sector)", cost.requests, limit)
	}
	if cost.series > 5000 {
		t.Errorf("%d series, want at most 5000", cost.series)
	}
}

// With default flags the series must not grow with the number of proving sectors.
func TestSeriesDoNotGrowWithSectors(t *testing.T) {
	p := lotustest.LargeDefault()
	p.Sectors = 10000
	few := runLarge(t, startLarge(t, p))
	p.Sectors = 100000
	many := runLarge(t, startLarge(t, p))
	if few.series != many.series || few.requests != many.requests {
		t.Errorf("10k sectors: %d series, %d requests; 100k sectors: %d series, %d requests; want the same",
			few.series, few.requests, many.series, many.requests)
	}
}

// BenchmarkLargeRun measures a whole run in-process, the fake's serving included; bench/bench.sh
// measures the exporter alone as a separate process.
func BenchmarkLargeRun(b *testing.B) {
	fake := startLarge(b, lotustest.LargeDefault())
	var cost runCost
	for b.Loop() {
		cost = runLarge(b, fake)
	}
	b.ReportMetric(float64(cost.requests), "rpc/op")
	b.ReportMetric(float64(cost.series), "series/op")
	b.ReportMetric(float64(cost.bytes), "outbytes/op")
}
