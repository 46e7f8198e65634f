// Every fault on every method: the file is complete, nothing is invented, one stderr line per cause.
package main

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/lotus-farcaster/lotus-farcaster/lotusapi"
	"github.com/lotus-farcaster/lotus-farcaster/lotusapi/lotustest"
	"github.com/lotus-farcaster/lotus-farcaster/textfile"
)

// servedMethods lists every method a run may call, by API.
func servedMethods() map[string][]string {
	names := func(v any) []string {
		var out []string
		t := reflect.TypeOf(v)
		for i := range t.NumField() {
			out = append(out, t.Field(i).Name)
		}
		return out
	}
	return map[string][]string{
		// Streamed calls are made by hand, outside the API structs.
		"daemon": append(append(names(lotusapi.CommonAPI{}), names(lotusapi.FullNodeAPI{})...), "StateMinerSectors"),
		// lotus-miner serves no Net* methods since v1.28.
		"miner": append(append([]string{"Version", "StartTime", "LogAlerts"}, names(lotusapi.MinerAPI{})...), "StorageList"),
	}
}

// runDependent are the series whose value depends on when the run happens, not on Lotus.
func runDependent(name string) bool {
	return strings.HasPrefix(name, "lotus_exporter_") || name == "lotus_up" ||
		name == "lotus_chain_expected_epoch" || name == "lotus_miner_sector_schedule_timestamp_seconds"
}

// seriesValues flattens a parsed file to "name{labels}" → value, volatile series left out.
func seriesValues(families map[string]*dto.MetricFamily) map[string]float64 {
	out := map[string]float64{}
	for name, f := range families {
		if runDependent(name) {
			continue
		}
		for _, m := range f.Metric {
			var labels []string
			for _, l := range m.Label {
				labels = append(labels, l.GetName()+"="+l.GetValue())
			}
			slices.Sort(labels)
			out[name+"{"+strings.Join(labels, ",")+"}"] = metricValue(m)
		}
	}
	return out
}

// faultRun runs the exporter into dir (holding a copy of state, if any) against fake.
func faultRun(t *testing.T, fake *lotustest.Server, dir string, state []byte) runResult {
	t.Helper()
	target := filepath.Join(dir, "lotus-f01234.prom")
	if state != nil {
		if err := os.WriteFile(textfile.StatePath(target), state, 0o644); err != nil {
			t.Fatal(err)
		}
		// An earlier run's file: with lotus-miner unreachable, it names the miner.
		if err := os.WriteFile(target, []byte("# earlier run\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var stdout, stderr bytes.Buffer
	code := run([]string{
		"--daemon-api", apiFlag(t, fake.DaemonURL, fake.DaemonToken),
		"--miner-api", apiFlag(t, fake.MinerURL, fake.MinerToken),
		"--textfile-dir", dir, "--timeout", "2s",
	}, &stdout, &stderr)
	return runResult{code, stdout.String(), stderr.String(), filepath.Join(dir, "lotus-f01234.prom")}
}

// Each fault kind on each method leaves a complete file, in which every value is the healthy
// run's (what could not be read is absent, never zero), and at most one stderr line.
func TestEveryFaultOnEveryMethod(t *testing.T) {
	if testing.Short() {
		t.Skip("fault matrix: run without -short")
	}
	var overran atomic.Int64
	exit = func(int) { overran.Add(1) }
	t.Cleanup(func() { exit = os.Exit })

	fake := lotustest.Start(lotustest.Small())
	t.Cleanup(fake.Close)
	// A healthy first run reads the hourly figures; later runs keep them, as in production.
	first := t.TempDir()
	if r := faultRun(t, fake, first, nil); r.code != exitOK {
		t.Fatalf("healthy run: exit %d\n%s", r.code, r.stderr)
	}
	state, err := os.ReadFile(textfile.StatePath(filepath.Join(first, "lotus-f01234.prom")))
	if err != nil {
		t.Fatal(err)
	}
	healthy := faultRun(t, fake, t.TempDir(), state)
	if healthy.code != exitOK || healthy.stderr != "" {
		t.Fatalf("healthy run with state: exit %d\n%s", healthy.code, healthy.stderr)
	}
	want := seriesValues(parseFile(t, healthy.file))

	kinds := map[string]lotustest.Fault{
		"error":   {Message: "blockstore: block not found"},
		"null":    {Kind: lotustest.FaultNull},
		"garbage": {Kind: lotustest.FaultMalformed},
		"500":     {Kind: lotustest.FaultHTTP500},
		"slow":    {Kind: lotustest.FaultDelay, Delay: 50 * time.Millisecond},
	}
	// A call that hangs costs its collector the run's deadline: one method per collector.
	hangs := []string{"daemon ChainHead", "daemon StateMinerInfo", "daemon StateMinerPartitions", "daemon MpoolPending",
		"daemon StateMarketBalance", "daemon StateReadState", "miner WorkerStats", "miner SectorsStatus", "miner StorageStat", "miner LogAlerts"}

	for api, methods := range servedMethods() {
		for _, method := range methods {
			for kind, fault := range kinds {
				if kind == "null" && lotusapi.NullableMethods[method] != "" {
					continue // null is an answer there
				}
				checkFault(t, fake, api, method, kind, fault, state, want)
			}
			if slices.Contains(hangs, api+" "+method) {
				checkFault(t, fake, api, method, "hang", lotustest.Fault{Kind: lotustest.FaultDelay, Delay: time.Hour}, state, want)
			}
		}
	}
	if n := overran.Load(); n > 0 {
		t.Errorf("%d runs overstayed --timeout", n)
	}
}

func checkFault(t *testing.T, fake *lotustest.Server, api, method, kind string, fault lotustest.Fault, state []byte, want map[string]float64) {
	t.Run(api+"/"+method+"/"+kind, func(t *testing.T) {
		fake.ClearFaults()
		fake.SetFault(api, method, fault)
		dir := t.TempDir()
		// The hourly calls fail only when they are made: without kept figures.
		if method == "StateMinerSectors" || method == "StorageList" {
			state = nil
		}
		r := faultRun(t, fake, dir, state)
		if r.code != exitOK && r.code != exitFailed {
			t.Fatalf("exit %d, want 0 or 1\n%s", r.code, r.stderr)
		}
		got := parseFile(t, r.file) // complete and valid, or this fails
		for k, v := range seriesValues(got) {
			if method == "StorageStat" && kind == "error" && strings.HasPrefix(k, "lotus_miner_storage_stat_error{") && v == 1 {
				continue // lotus-miner saying it cannot read a path is that path's value
			}
			if w, ok := want[k]; !ok {
				t.Errorf("%s = %v is not in the healthy run", k, v)
			} else if w != v {
				t.Errorf("%s = %v, healthy run %v: a fault changed a value instead of leaving it out", k, v, w)
			}
		}
		lines := strings.Count(r.stderr, "\n")
		if kind == "slow" && (r.code != exitOK || lines != 0) {
			t.Errorf("a slow but answering method: exit %d, stderr:\n%s", r.code, r.stderr)
		}
		if lines > 1 {
			t.Errorf("%d stderr lines for one cause:\n%s", lines, r.stderr)
		}
		if r.code == exitFailed && lines == 0 {
			t.Errorf("exit 1 without a word on stderr")
		}
		if strings.Contains(r.stderr, fake.DaemonToken) || strings.Contains(r.stderr, fake.MinerToken) {
			t.Errorf("token on stderr:\n%s", r.stderr)
		}
	})
}
