// The whole output for the small scenario: golden file, promlint, and the metric catalogue.
package main

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"

	"github.com/lotus-farcaster/lotus-farcaster/lotusapi/lotustest"
	"github.com/lotus-farcaster/lotus-farcaster/metrics"
)

var update = flag.Bool("update", false, "rewrite testdata/small.prom from the current output")

// smallRun runs every collector against the small scenario at a fixed wall-clock time.
func smallRun(t *testing.T, opts metrics.Options) []*dto.MetricFamily {
	t.Helper()
	sc := lotustest.Small()
	fake := lotustest.Start(sc)
	defer fake.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	d, m := fake.DaemonEndpoint(), fake.MinerEndpoint()
	src := metrics.Connect(ctx, &d, &m, time.Unix(int64(sc.Head.Blocks[0].Timestamp)+45, 0), metrics.MinerSpec{Options: opts})
	defer src.Close()
	run := metrics.Execute(ctx, src, metrics.All)
	for _, o := range run.Failed() {
		t.Errorf("collector %s failed: %v", o.Name, o.Err)
	}
	families, err := gather(run, src.MinerID)
	if err != nil {
		t.Fatal(err)
	}
	return families
}

// volatile matches the values that change from run to run: timings and the build.
var volatile = regexp.MustCompile(`^(lotus_exporter_(collector_duration_seconds|run_duration_seconds|run_timestamp_seconds)\{.*\}) .*$|^lotus_exporter_build_info\{.*$`)

func TestGoldenSmallScenario(t *testing.T) {
	var buf bytes.Buffer
	if err := encode(&buf, smallRun(t, metrics.Options{}), false); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	for line := range strings.Lines(buf.String()) {
		out.WriteString(volatile.ReplaceAllString(strings.TrimSuffix(line, "\n"), "$1 (varies)") + "\n")
	}
	const golden = "testdata/small.prom"
	if *update {
		if err := os.WriteFile(golden, []byte(out.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if out.String() != string(want) {
		t.Errorf("output differs from %s (go test -run Golden -update rewrites it):\n%s", golden, lineDiff(string(want), out.String()))
	}
	// What node_exporter's textfile collector will parse.
	parseExposition(t, &buf)
}

// lineDiff lists lines only in want (-) or only in got (+).
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	for _, l := range w {
		if !slices.Contains(g, l) {
			b.WriteString("- " + l + "\n")
		}
	}
	for _, l := range g {
		if !slices.Contains(w, l) {
			b.WriteString("+ " + l + "\n")
		}
	}
	return b.String()
}

func TestPromlintClean(t *testing.T) {
	families := smallRun(t, metrics.Options{SectorDetails: true})
	curioFamilies, _ := curioRun(t)
	families = append(families, curioFamilies...)
	// promlint checks names, types, units and help; the per-sector family's 55,000 series
	// would only slow it down.
	for _, f := range families {
		f.Metric = f.Metric[:min(len(f.Metric), 100)]
	}
	problems, err := testutil.GatherAndLint(prometheus.GathererFunc(func() ([]*dto.MetricFamily, error) {
		return families, nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("promlint: %s: %s", p.Metric, p.Text)
	}
}

// TestCatalogueMatchesCode checks docs/metrics.md against what the code emits: the same
// names, types and labels (miner_id, on every series, is documented once above the tables).
// The Curio collectors' names are checked where PostgreSQL is installed (always in CI).
func TestCatalogueMatchesCode(t *testing.T) {
	doc, err := os.Open("docs/metrics.md")
	if err != nil {
		t.Fatal(err)
	}
	defer doc.Close()
	documented := map[string]string{}
	scanner := bufio.NewScanner(doc)
	for scanner.Scan() {
		cells := strings.Split(scanner.Text(), "|")
		if len(cells) < 5 || !strings.HasPrefix(strings.TrimSpace(cells[1]), "lotus_") {
			continue
		}
		name := strings.TrimSpace(cells[1])
		documented[name] = strings.TrimSpace(cells[2]) + " | " + sortedLabels(strings.Split(cells[3], ","))
	}

	families := smallRun(t, metrics.Options{SectorDetails: true})
	curioFamilies, curioRan := curioRun(t)
	emitted := map[string]string{}
	labels := map[string]map[string]bool{} // by family: one family may come from both runs
	for _, f := range append(families, curioFamilies...) {
		if labels[f.GetName()] == nil {
			labels[f.GetName()] = map[string]bool{}
		}
		for _, m := range f.Metric {
			for _, l := range m.Label {
				if l.GetName() != "miner_id" {
					labels[f.GetName()][l.GetName()] = true
				}
			}
		}
		var names []string
		for l := range labels[f.GetName()] {
			names = append(names, l)
		}
		emitted[f.GetName()] = strings.ToLower(f.GetType().String()) + " | " + sortedLabels(names)
	}
	for name, want := range documented {
		if !curioRan && strings.HasPrefix(name, "lotus_curio_") {
			continue
		}
		if got, ok := emitted[name]; !ok {
			t.Errorf("%s is documented but not emitted", name)
		} else if got != want {
			t.Errorf("%s: documented as %q, emitted as %q", name, want, got)
		}
	}
	for name := range emitted {
		if _, ok := documented[name]; !ok {
			t.Errorf("%s is emitted but not in docs/metrics.md", name)
		}
	}
}

func sortedLabels(labels []string) string {
	var out []string
	for _, l := range labels {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	slices.Sort(out)
	return strings.Join(out, ",")
}

// Lotus and Curio serve their own lotus_* and curio_* metrics on /debug/metrics; a Prometheus
// scraping them and us must never see one name from two sources.
// testdata/lotus-builtin-metric-names.txt is Lotus v1.36's list,
// testdata/curio-builtin-metric-names.txt Curio's at commit e0294b0f (a histogram also has
// _bucket, _sum and _count).
func TestNoCollisionWithLotusOwnMetrics(t *testing.T) {
	theirs := map[string]string{}
	for _, list := range []struct{ file, whose string }{
		{"testdata/lotus-builtin-metric-names.txt", "Lotus"},
		{"testdata/curio-builtin-metric-names.txt", "Curio"},
	} {
		data, err := os.ReadFile(list.file)
		if err != nil {
			t.Fatal(err)
		}
		for line := range strings.Lines(string(data)) {
			name, _, _ := strings.Cut(strings.TrimSpace(line), " ")
			for _, suffix := range []string{"", "_bucket", "_sum", "_count", "_total"} {
				theirs[name+suffix] = list.whose
			}
		}
	}
	curioFamilies, _ := curioRun(t)
	for _, f := range append(smallRun(t, metrics.Options{SectorDetails: true}), curioFamilies...) {
		if whose := theirs[f.GetName()]; whose != "" {
			t.Errorf("%s is also a metric of %s itself", f.GetName(), whose)
		}
	}
}
