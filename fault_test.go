// Every fault on every method: the file is complete, nothing is invented, one stderr line per cause.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/lotus-farcaster/lotus-farcaster/lotusapi"
	"github.com/lotus-farcaster/lotus-farcaster/lotusapi/lotustest"
	"github.com/lotus-farcaster/lotus-farcaster/metrics"
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
		"daemon": append(slices.Concat(names(lotusapi.CommonAPI{}), names(lotusapi.FullNodeAPI{}), names(lotusapi.FullNodeV2API{})), "StateMinerSectors", "MpoolPending"),
		// lotus-miner serves no Net* methods since v1.28.
		"miner": append(append([]string{"Version", "StartTime", "LogAlerts"}, names(lotusapi.MinerAPI{})...), "StorageList"),
	}
}

// runDependent are the series whose value depends on when the run happens, not on Lotus.
func runDependent(name string) bool {
	switch name {
	case "lotus_exporter_collector_duration_seconds", "lotus_exporter_run_duration_seconds", "lotus_exporter_run_timestamp_seconds",
		"lotus_exporter_rpc_requests", "lotus_exporter_build_info", "lotus_chain_expected_epoch", "lotus_miner_sector_schedule_timestamp_seconds":
		return true
	}
	return false
}

// seriesValues flattens a parsed file to "name{labels}" → value, volatile series and the
// miner_id label left out.
func seriesValues(families map[string]*dto.MetricFamily) map[string]float64 {
	out := map[string]float64{}
	for name, f := range families {
		if runDependent(name) {
			continue
		}
		for _, m := range f.Metric {
			var labels []string
			for _, l := range m.Label {
				if l.GetName() != "miner_id" {
					labels = append(labels, l.GetName()+"="+l.GetValue())
				}
			}
			slices.Sort(labels)
			out[name+"{"+strings.Join(labels, ",")+"}"] = metricValue(m)
		}
	}
	return out
}

// raceEnabled is set under the race detector (race_test.go): short deadlines get longer, and
// the calls that hang, which only cost their deadline, are left to the plain run.
var raceEnabled bool

// matrixTimeout is the --timeout of the fault matrix's runs. Under the race detector, the
// fake's answer of Small's 55,000 sectors alone takes several seconds.
func matrixTimeout(method string) string {
	switch {
	case raceEnabled && method == "StateMinerSectors":
		return "60s"
	case raceEnabled:
		return "8s"
	case method == "StateMinerSectors":
		return "5s" // a slow answer of 55,000 sectors must still fit
	}
	return "2s"
}

// faultRun runs the exporter into dir (holding a copy of state, if any) against fake. A short
// --timeout keeps the hanging calls quick.
func faultRun(t *testing.T, fake *lotustest.Server, dir string, state []byte, timeout string) runResult {
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
		"--textfile-dir", dir, "--timeout", timeout,
	}, &stdout, &stderr)
	return runResult{code, stdout.String(), stderr.String(), filepath.Join(dir, "lotus-f01234.prom")}
}

// Collectors by the API they cannot do without.
var (
	daemonSide = []string{"chain", "finality", "net", "mpool", "alerts", "miner", "money", "proving", "rewards", "lifecycle", "market"}
	minerSide  = []string{"alerts", "sealing", "jobs", "workers", "storage"}
)

// needs says, written out by hand, what a failure of each method a run calls must show:
// the collectors that report it (lotus_exporter_collector_success 0), or the API whose
// connection fails with it (lotus_up 0, and every collector that needs the API at 0). The
// runs keep a healthy run's state: the hourly calls (StateMinerSectors, StorageList) are
// made only when their figures are dropped.
var needs = map[string][]string{
	"daemon Version":                      {apiDown},
	"daemon StartTime":                    {"chain"},
	"daemon LogAlerts":                    {"alerts"},
	"daemon NetPeers":                     {"net"},
	"daemon NetAutoNatStatus":             {"net"},
	"daemon NetBandwidthStats":            {"net"},
	"daemon NetBandwidthStatsByProtocol":  {"net"},
	"daemon ChainHead":                    {apiDown},
	"daemon ChainGetGenesis":              {"chain", "proving", "rewards"},
	"daemon ChainGetTipSetByHeight":       {"rewards"},
	"daemon StateNetworkName":             {"chain"},
	"daemon StateNetworkVersion":          {"chain"},
	"daemon SyncState":                    {"chain"},
	"daemon MpoolPending":                 {"mpool"},
	"daemon StateMinerInfo":               {"mpool", "miner", "money", "market"},
	"daemon StateMinerPower":              {"miner", "rewards"},
	"daemon MinerGetBaseInfo":             {"miner"},
	"daemon StateMinerAvailableBalance":   {"money"},
	"daemon StateReadState":               {"money", "rewards"},
	"daemon StateGetActor":                {"money"},
	"daemon StateAccountKey":              {"mpool", "miner"},
	"daemon StateMarketBalance":           {"market"},
	"daemon StateVerifiedClientStatus":    {"market"},
	"daemon WalletList":                   {"money", "market"},
	"daemon WalletDefaultAddress":         {"money", "market"},
	"daemon StateMinerProvingDeadline":    {"proving"},
	"daemon StateMinerDeadlines":          {"proving"},
	"daemon StateMinerPartitions":         {"proving"},
	"daemon StateMinerSectorCount":        {"proving"},
	"daemon StateMinerSectors":            {"lifecycle"},
	"daemon F3IsRunning":                  {"finality"},
	"daemon F3GetLatestCertificate":       {"finality"},
	"daemon F3ListParticipants":           {"finality"},
	"daemon ChainGetTipSetFinalityStatus": {"finality"},
	"miner Version":                       {apiDown},
	"miner StartTime":                     {"miner"},
	"miner LogAlerts":                     {"alerts"},
	"miner ActorAddress":                  {apiDown},
	"miner SectorsSummary":                {"sealing"},
	"miner SectorsListInStates":           {"sealing"},
	"miner SectorsStatus":                 {"sealing"},
	"miner WorkerStats":                   {"jobs", "workers"},
	"miner WorkerJobs":                    {"jobs"},
	"miner SealingSchedDiag":              {"jobs"},
	"miner StorageList":                   {"storage"},
	"miner StorageLocal":                  {"storage"},
	"miner StorageInfo":                   {"storage"},
	"miner StorageStat":                   {"storage"},
}

// apiDown in needs marks a method whose failure makes its API unusable.
const apiDown = "(its API is down)"

// expected turns needs into the collectors that must fail and the API that must be down.
func expected(api, method string) (failing []string, down string) {
	need := needs[api+" "+method]
	switch {
	case !slices.Equal(need, []string{apiDown}):
		return need, ""
	case api == "daemon":
		return daemonSide, api
	}
	return minerSide, api
}

// Each fault kind on each method: a failure shows (exit 1, exactly the collectors that need
// the method at 0, or the API down, one stderr line) and changes no value (what could not
// be read is absent, never zero); a slow answer within the deadline changes nothing.
func TestEveryFaultOnEveryMethod(t *testing.T) {
	if testing.Short() {
		t.Skip("fault matrix: run without -short")
	}
	var overran atomic.Int64
	exit = func(int) { overran.Add(1) }
	t.Cleanup(func() { exit = os.Exit })

	fake := lotustest.Start(lotustest.Small())
	t.Cleanup(fake.Close)
	// Counting blocks since 100 epochs before Small's head, and read up to 3 before it: the
	// run reads the tipsets from 4999865 on and counts the block at 4999871 (its reward read
	// in the reward actor's state) and the head's.
	state := withRewards(t, healthyState(t, fake), `{"from":4999773,"height":4999870,"rewards_attofil":"0","recent":[]}`)
	healthy := faultRun(t, fake, t.TempDir(), state, matrixTimeout(""))
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
	hangs := []string{"daemon ChainHead", "daemon StateMinerInfo", "daemon StateMinerPartitions", "daemon MpoolPending", "daemon F3IsRunning",
		"daemon StateMarketBalance", "daemon StateReadState", "miner WorkerStats", "miner SectorsStatus", "miner StorageStat", "miner LogAlerts"}

	for api, methods := range servedMethods() {
		for _, method := range methods {
			if _, ok := needs[api+" "+method]; !ok {
				t.Errorf("%s %s: a run calls it, and the table does not say what needs it", api, method)
				continue
			}
			for kind, fault := range kinds {
				// Null is an answer of these; of StateMinerPartitions too, but not for
				// every deadline of a miner whose chain counts sectors.
				if kind == "null" && lotusapi.NullableMethods[method] != "" && method != "StateMinerPartitions" {
					continue
				}
				checkFault(t, fake, api, method, kind, fault, state, want)
			}
			if slices.Contains(hangs, api+" "+method) && !raceEnabled {
				checkFault(t, fake, api, method, "hang", lotustest.Fault{Kind: lotustest.FaultDelay, Delay: time.Hour}, state, want)
			}
		}
	}
	if n := overran.Load(); n > 0 {
		t.Errorf("%d runs overstayed --timeout", n)
	}
}

// healthyState is the state a healthy first run keeps: the hourly figures are read then, and
// later runs keep them, as in production.
func healthyState(t *testing.T, fake *lotustest.Server) []byte {
	t.Helper()
	first := t.TempDir()
	if r := faultRun(t, fake, first, nil, "60s"); r.code != exitOK {
		t.Fatalf("healthy run: exit %d\n%s", r.code, r.stderr)
	}
	state, err := os.ReadFile(textfile.StatePath(filepath.Join(first, "lotus-f01234.prom")))
	if err != nil {
		t.Fatal(err)
	}
	return state
}

// withRewards replaces the rewards part of a state file.
func withRewards(t *testing.T, state []byte, rewards string) []byte {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(state, &m); err != nil {
		t.Fatal(err)
	}
	m["rewards"] = json.RawMessage(rewards)
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// withoutKey drops one collector's part of a state file.
func withoutKey(t *testing.T, state []byte, key string) []byte {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(state, &m); err != nil {
		t.Fatal(err)
	}
	delete(m, key)
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func checkFault(t *testing.T, fake *lotustest.Server, api, method, kind string, fault lotustest.Fault, state []byte, want map[string]float64) {
	t.Run(api+"/"+method+"/"+kind, func(t *testing.T) {
		fake.ClearFaults()
		fake.SetFault(api, method, fault)
		dir := t.TempDir()
		// The hourly calls fail only when they are made: without their kept figures.
		switch method {
		case "StateMinerSectors":
			state = withoutKey(t, state, "schedule")
		case "StorageList":
			state = withoutKey(t, state, "storage_paths")
		}
		r := faultRun(t, fake, dir, state, matrixTimeout(method))
		values := seriesValues(parseFile(t, r.file)) // complete and valid, or this fails

		failing, down := expected(api, method)
		pathFact := method == "StorageStat" && kind == "error"
		switch {
		case kind == "slow":
			failing, down = nil, ""
		case pathFact:
			// lotus-miner saying it cannot read a path is a fact about the path.
			failing = nil
		}
		for k, v := range values {
			switch {
			case strings.HasPrefix(k, "lotus_exporter_collector_success{"), strings.HasPrefix(k, "lotus_up{"):
				continue // checked below
			case pathFact && strings.HasPrefix(k, "lotus_miner_storage_stat_error{"):
				if v != 1 {
					t.Errorf("%s = %v, want 1", k, v)
				}
			case !hasKey(want, k):
				t.Errorf("%s = %v is not in the healthy run", k, v)
			case want[k] != v:
				t.Errorf("%s = %v, healthy run %v: a fault changed a value instead of leaving it out", k, v, want[k])
			}
		}
		for _, c := range metrics.All {
			key := "lotus_exporter_collector_success{collector=" + c.Name() + "}"
			if w := boolValue(!slices.Contains(failing, c.Name())); values[key] != w {
				t.Errorf("%s = %v, want %v", key, values[key], w)
			}
		}
		for _, a := range []string{"daemon", "miner"} {
			if key := "lotus_up{api=" + a + "}"; values[key] != boolValue(down != a) {
				t.Errorf("%s = %v, want %v", key, values[key], boolValue(down != a))
			}
		}

		lines := strings.Count(r.stderr, "\n")
		switch {
		case failing == nil && (r.code != exitOK || lines != 0):
			t.Errorf("nothing to say: exit %d, stderr:\n%s", r.code, r.stderr)
		case failing != nil && (r.code != exitFailed || lines != 1):
			t.Errorf("exit %d, %d stderr lines; want exit 1 and one line:\n%s", r.code, lines, r.stderr)
		}
		if strings.Contains(r.stderr, fake.DaemonToken) || strings.Contains(r.stderr, fake.MinerToken) {
			t.Errorf("token on stderr:\n%s", r.stderr)
		}
	})
}

func hasKey(m map[string]float64, k string) bool { _, ok := m[k]; return ok }

func boolValue(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// Hostile answers: a huge string, a huge number, deep nesting, negative counts, a flood of
// items. None can make the file, the memory or the run time explode: the file stays small
// and valid, every label value bounded.
func TestHostileAnswers(t *testing.T) {
	var overran atomic.Int64
	exit = func(int) { overran.Add(1) }
	t.Cleanup(func() { exit = os.Exit })

	worker := func(host string) string {
		return `{"Info":{"Hostname":` + strconv.Quote(host) + `,"IgnoreResources":false,"Resources":{"MemPhysical":1,"MemUsed":1,"MemSwap":0,"MemSwapUsed":0,"CPUs":8,"GPUs":[]}},"Tasks":[],"Enabled":true,"MemUsedMin":0,"MemUsedMax":0,"GpuUsed":0,"CpuUse":0,"TaskCounts":{}}`
	}
	var many strings.Builder
	many.WriteString("{")
	for i := range 50000 {
		if i > 0 {
			many.WriteString(",")
		}
		fmt.Fprintf(&many, `"%08x-0000-4000-8000-000000000000":%s`, i, worker(fmt.Sprintf("w%d", i)))
	}
	many.WriteString("}")

	fake := lotustest.Start(lotustest.Small())
	t.Cleanup(fake.Close)
	state := healthyState(t, fake)
	for _, tc := range []struct {
		name, api, method, result string
	}{
		{"60 MB hostname", "miner", "WorkerStats", `{"0b9c4e7a-52d1-4f3e-9a86-1c2d3e4f5a6b":` + worker(strings.Repeat("sealer", 10<<20)) + `}`},
		{"answer over the bound", "daemon", "NetPeers", `[` + strings.Repeat(`{"ID":"12D3KooW","Addrs":[]},`, 3<<20) + `{"ID":"x","Addrs":[]}]`},
		{"deep nesting", "miner", "SectorsSummary", strings.Repeat("[", 200000) + strings.Repeat("]", 200000)},
		{"400-digit amount", "daemon", "StateMinerAvailableBalance", `"` + strings.Repeat("9", 400) + `"`},
		{"negative counts", "miner", "SectorsSummary", `{"PreCommit1":-5,"Proving":-9223372036854775808}`},
		{"number beyond uint64", "miner", "WorkerStats", `{"w":{"Info":{"Hostname":"h","Resources":{"CPUs":1e300}}}}`},
		{"50,000 workers", "miner", "WorkerStats", many.String()},
		{"a million protocols", "daemon", "NetBandwidthStatsByProtocol", `{` + strings.Repeat(`"/p":{"TotalIn":1,"TotalOut":1,"RateIn":0,"RateOut":0},`, 1) + manyProtocols(200000) + `}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake.ClearFaults()
			fake.SetFault(tc.api, tc.method, lotustest.Fault{Kind: lotustest.FaultResult, Result: json.RawMessage(tc.result)})
			r := faultRun(t, fake, t.TempDir(), state, "10s")
			if r.code != exitOK && r.code != exitFailed {
				t.Fatalf("exit %d\n%s", r.code, r.stderr)
			}
			fi, err := os.Stat(r.file)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Size() > 2<<20 {
				t.Errorf("file of %d bytes", fi.Size())
			}
			for _, f := range parseFile(t, r.file) {
				for _, m := range f.Metric {
					for _, l := range m.Label {
						if len(l.GetValue()) > 256 {
							t.Errorf("%s: label %s of %d bytes", f.GetName(), l.GetName(), len(l.GetValue()))
						}
					}
				}
			}
			if lines := strings.Count(r.stderr, "\n"); lines > 1 || len(r.stderr) > 2000 {
				t.Errorf("stderr of %d lines, %d bytes:\n%.2000s", lines, len(r.stderr), r.stderr)
			}
		})
	}
	if n := overran.Load(); n > 0 {
		t.Errorf("%d runs overstayed --timeout", n)
	}
}

// manyProtocols is n entries of NetBandwidthStatsByProtocol's map.
func manyProtocols(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, `"/p/%d":{"TotalIn":%d,"TotalOut":1,"RateIn":0,"RateOut":0},`, i, i)
	}
	return strings.TrimSuffix(b.String(), ",")
}
