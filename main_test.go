// The command: flags, exit codes, faults, the lock, --check and --demo, run in-process against the fake Lotus.
package main

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/lotus-farcaster/lotus-farcaster/lotusapi/lotustest"
	"github.com/lotus-farcaster/lotus-farcaster/metrics"
	"github.com/lotus-farcaster/lotus-farcaster/textfile"
)

func TestParseFlags(t *testing.T) {
	for _, tc := range []struct {
		args                []string
		wantErr             string
		collectors, cluster string
	}{
		{args: nil, collectors: "chain,finality,net,mpool,alerts,miner,money,proving,sealing,jobs,workers,storage,rewards,lifecycle,market,curio_pipeline,curio_wdpost,curio_blocks",
			cluster: "curio_machines,curio_tasks,curio_storage,curio_alerts,curio_messages"},
		{args: []string{"--collectors", "chain,curio_tasks"}, collectors: "chain", cluster: "curio_tasks"},
		{args: []string{"--collectors", "chain,money"}, collectors: "chain,money"},
		{args: []string{"--collectors", "-net,-alerts,-jobs,-curio_wdpost,-curio_alerts"}, collectors: "chain,finality,mpool,miner,money,proving,sealing,workers,storage,rewards,lifecycle,market,curio_pipeline,curio_blocks",
			cluster: "curio_machines,curio_tasks,curio_storage,curio_messages"},
		{args: []string{"--miner", "f01234,t0"}, wantErr: `"t0" is not a miner ID`},
		{args: []string{"--miner", "f1abc"}, wantErr: `"f1abc" is not a miner ID`},
		{args: []string{"--miner", "f01234", "--miner-api", "x"}, wantErr: "excludes --miner-api"},
		{args: []string{"--expect-miner", "f0x"}, wantErr: `--expect-miner: "f0x" is not a miner ID`},
		{args: []string{"--expect-miner", "f01234", "--miner", "f01234"}, wantErr: "--expect-miner names lotus-miner's miner; it excludes --miner and --demo"},
		{args: []string{"--miner", "f01234,f05678", "--output", "x.prom"}, wantErr: "--output names one file"},
		{args: []string{"--collectors", "chain,-net"}, wantErr: "mix of names and -names"},
		{args: []string{"--collectors", "sealin"}, wantErr: `--collectors: unknown collector "sealin"; did you mean sealing?`},
		{args: []string{"--collectors", "xyz"}, wantErr: `--collectors: unknown collector "xyz" (known: chain,finality,`},
		{args: []string{"--timeout", "5"}, wantErr: `--timeout "5": a duration needs its unit, like 5s, 40s or 1m`},
		{args: []string{"--timeout", "soon"}, wantErr: `--timeout "soon": not a duration like 40s or 1m`},
		{args: []string{"--timeout"}, wantErr: `--timeout needs a value`},
		{args: []string{"--check=maybe"}, wantErr: `--check "maybe": give true or false`},
		{args: []string{"--timout", "5s"}, wantErr: "unknown flag --timout; did you mean --timeout?"},
		{args: []string{"--textfile", "/x"}, wantErr: "unknown flag --textfile; did you mean --textfile-dir?"},
		{args: []string{"-minr", "f01"}, wantErr: "unknown flag --minr; did you mean --miner?"},
		{args: []string{"--miner", "f018446744073709551616"}, wantErr: `"f018446744073709551616" is not a miner ID`},
		{args: []string{"--timeout", "0s"}, wantErr: "--timeout must be positive"},
		{args: []string{"--log.level", "loud"}, wantErr: "--log.level"},
		{args: []string{"--output", "x.prom", "--textfile-dir", "/tmp"}, wantErr: "exclude each other"},
		{args: []string{"extra"}, wantErr: `unexpected argument "extra"`},
		{args: []string{"--no-such-flag"}, wantErr: "unknown flag --no-such-flag"},
	} {
		c, err := parseFlags(tc.args)
		switch {
		case tc.wantErr != "":
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%v: error %v, want %q", tc.args, err, tc.wantErr)
			}
		case err != nil:
			t.Errorf("%v: %v", tc.args, err)
		case strings.Join(collectorNames(c.collectors), ",") != tc.collectors:
			t.Errorf("%v: collectors %v, want %s", tc.args, collectorNames(c.collectors), tc.collectors)
		case strings.Join(collectorNames(c.clusterCollectors), ",") != tc.cluster:
			t.Errorf("%v: cluster collectors %v, want %s", tc.args, collectorNames(c.clusterCollectors), tc.cluster)
		}
	}
}

// apiFlag turns a fake server URL into Lotus's TOKEN:MULTIADDR form.
func apiFlag(t testing.TB, rawURL, token string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	host, port, _ := net.SplitHostPort(u.Host)
	return token + ":/ip4/" + host + "/tcp/" + port + "/http"
}

// runResult is one in-process run of the command.
type runResult struct {
	code           int
	stdout, stderr string
	file           string // path of the written file
}

// runWith runs the command against fake into a file of its own, with the state an earlier
// run of the small scenario kept (so the hourly figures are not read again: tests with a
// short --timeout time out on what they mean to, even under -race).
func runWith(t *testing.T, fake *lotustest.Server, extra ...string) runResult {
	t.Helper()
	out := filepath.Join(t.TempDir(), "lotus.prom")
	if err := os.WriteFile(textfile.StatePath(out), keptState(t), 0o644); err != nil {
		t.Fatal(err)
	}
	args := append([]string{
		"--daemon-api", apiFlag(t, fake.DaemonURL, fake.DaemonToken),
		"--miner-api", apiFlag(t, fake.MinerURL, fake.MinerToken),
		"--output", out,
	}, extra...)
	var stdout, stderr bytes.Buffer
	code := run(args, &stdout, &stderr)
	return runResult{code, stdout.String(), stderr.String(), out}
}

// keptState is what a healthy run of the small scenario keeps, made once per test binary.
func keptState(t *testing.T) []byte {
	t.Helper()
	smallState.once.Do(func() {
		fake := lotustest.Start(lotustest.Small())
		defer fake.Close()
		// A folder of its own: the exporter refuses to write in a shared one such as /tmp.
		dir, err := os.MkdirTemp("", "lotus-farcaster-state-")
		if err != nil {
			smallState.err = err
			return
		}
		defer os.RemoveAll(dir)
		out := filepath.Join(dir, "lotus.prom")
		if code := run([]string{
			"--daemon-api", apiFlag(t, fake.DaemonURL, fake.DaemonToken),
			"--miner-api", apiFlag(t, fake.MinerURL, fake.MinerToken),
			"--output", out, "--timeout", "60s",
		}, &bytes.Buffer{}, &bytes.Buffer{}); code != exitOK {
			smallState.err = fmt.Errorf("healthy run: exit %d", code)
			return
		}
		smallState.data, smallState.err = os.ReadFile(textfile.StatePath(out))
	})
	if smallState.err != nil {
		t.Fatal(smallState.err)
	}
	return smallState.data
}

var smallState struct {
	once sync.Once
	data []byte
	err  error
}

func TestRunHealthy(t *testing.T) {
	fake := lotustest.Start(lotustest.Small())
	defer fake.Close()
	r := runWith(t, fake)
	if r.code != exitOK || r.stderr != "" || r.stdout != "" {
		t.Fatalf("exit %d, stdout %q, stderr %q; want 0 and silence", r.code, r.stdout, r.stderr)
	}
	got := parseFile(t, r.file)
	wantValue(t, got, "lotus_up", map[string]string{"api": "daemon", "miner_id": "f01234"}, 1)
	wantValue(t, got, "lotus_exporter_rpc_requests", map[string]string{"api": "miner"}, float64(total(fake.Requests("miner"))))
	wantValue(t, got, "lotus_exporter_rpc_requests", map[string]string{"api": "daemon"}, float64(total(fake.Requests("daemon"))))
}

func total(byMethod map[string]int) int {
	n := 0
	for _, c := range byMethod {
		n += c
	}
	return n
}

// A failing or slow method costs only its own collector; the file is complete either way.
func TestRunFaults(t *testing.T) {
	for _, tc := range []struct {
		name, api, method string
		fault             lotustest.Fault
		failed            []string // the collectors that must fail
		daemonUp          float64
	}{
		{"rpc error", "daemon", "StateMinerPower", lotustest.Fault{Kind: lotustest.FaultRPCError, Message: "power table unavailable"}, []string{"miner", "rewards"}, 1},
		{"slow method", "daemon", "SyncState", lotustest.Fault{Kind: lotustest.FaultDelay, Delay: time.Hour}, []string{"chain"}, 1},
		{"malformed body", "daemon", "MpoolPending", lotustest.Fault{Kind: lotustest.FaultMalformed}, []string{"mpool"}, 1},
		{"http 500", "miner", "LogAlerts", lotustest.Fault{Kind: lotustest.FaultHTTP500}, []string{"alerts"}, 1},
		{"wallet 401", "daemon", "WalletList", lotustest.Fault{Kind: lotustest.FaultUnauthorized}, []string{"money", "market"}, 1},
		{"daemon rejects token", "daemon", "Version", lotustest.Fault{Kind: lotustest.FaultUnauthorized}, []string{"chain"}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake := lotustest.Start(lotustest.Small())
			defer fake.Close()
			fake.SetFault(tc.api, tc.method, tc.fault)
			start := time.Now()
			r := runWith(t, fake, "--timeout", "3s")
			// Generous bound: this checks the run does not wait out an hour-long call.
			if elapsed := time.Since(start); elapsed > 30*time.Second {
				t.Errorf("run took %s with --timeout 3s", elapsed)
			}
			if r.code != exitFailed {
				t.Errorf("exit %d, want %d; stderr:\n%s", r.code, exitFailed, r.stderr)
			}
			if strings.Contains(r.stderr, fake.DaemonToken) || strings.Contains(r.stderr, fake.MinerToken) {
				t.Errorf("token on stderr:\n%s", r.stderr)
			}
			got := parseFile(t, r.file)
			wantValue(t, got, "lotus_up", map[string]string{"api": "daemon"}, tc.daemonUp)
			wantValue(t, got, "lotus_up", map[string]string{"api": "miner"}, 1)
			for _, name := range tc.failed {
				wantValue(t, got, "lotus_exporter_collector_success", map[string]string{"collector": name}, 0)
			}
			if lines := strings.Count(r.stderr, "\n"); lines != 1 {
				t.Errorf("%d stderr lines for one cause:\n%s", lines, r.stderr)
			}
			if tc.daemonUp == 0 {
				// Every collector needs the daemon; what the miner alone answers is still there.
				wantValue(t, got, "lotus_alert_active", map[string]string{"api": "miner", "subsystem": "precommit-batch"}, 1)
				return
			}
			for _, c := range metrics.All {
				if !slices.Contains(tc.failed, c.Name()) {
					wantValue(t, got, "lotus_exporter_collector_success", map[string]string{"collector": c.Name()}, 1)
				}
			}
			wantValue(t, got, "lotus_chain_head_epoch", nil, 4999873)
		})
	}
}

func TestOverlappingRunRefused(t *testing.T) {
	fake := lotustest.Start(lotustest.Small())
	defer fake.Close()
	dir := t.TempDir()
	unlock, err := textfile.Lock(filepath.Join(dir, "lotus-f01234.prom"))
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	var stderr bytes.Buffer
	code := run([]string{
		"--daemon-api", apiFlag(t, fake.DaemonURL, fake.DaemonToken),
		"--miner-api", apiFlag(t, fake.MinerURL, fake.MinerToken),
		"--textfile-dir", dir,
	}, &bytes.Buffer{}, &stderr)
	if code != exitNotWritten || !strings.Contains(stderr.String(), "still writing") {
		t.Errorf("exit %d, stderr %q; want %d and a message about the other run", code, stderr.String(), exitNotWritten)
	}
	if _, err := os.Stat(filepath.Join(dir, "lotus-f01234.prom")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a refused run wrote the file (stat: %v)", err)
	}
}

// With lotus-miner down its ID is unknown; the only file of ours in the folder is rewritten
// under that miner's ID, so its alerts fire, and the daemon-side miner metrics stay.
func TestMinerDownRewritesItsFile(t *testing.T) {
	fake := lotustest.Start(lotustest.Small())
	defer fake.Close()
	dir := t.TempDir()
	target := filepath.Join(dir, "lotus-f01234.prom")
	if err := os.WriteFile(target, []byte("# earlier run\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	code := run([]string{
		"--daemon-api", apiFlag(t, fake.DaemonURL, fake.DaemonToken),
		"--miner-api", fake.MinerToken + ":/ip4/127.0.0.1/tcp/1/http", // nothing listens on port 1
		"--textfile-dir", dir,
	}, &bytes.Buffer{}, &stderr)
	if code != exitFailed {
		t.Errorf("exit %d, want %d", code, exitFailed)
	}
	if lines := strings.Split(strings.TrimSpace(stderr.String()), "\n"); len(lines) != 1 || !strings.Contains(lines[0], "miner API unreachable") {
		t.Errorf("want one stderr line about the miner, got:\n%s", stderr.String())
	}
	got := parseFile(t, target)
	wantValue(t, got, "lotus_up", map[string]string{"api": "miner", "miner_id": "f01234"}, 0)
	wantValue(t, got, "lotus_exporter_collector_success", map[string]string{"collector": "money"}, 1)
	wantValue(t, got, "lotus_miner_power_bytes", map[string]string{"kind": "raw", "miner_id": "f01234"}, 1891366158204928)
}

// Two miners' files in one folder and one lotus-miner down: only the job that knows its miner
// (install.sh passes --expect-miner) can say which file is its own.
func TestExpectMiner(t *testing.T) {
	fake := lotustest.Start(lotustest.Small())
	defer fake.Close()
	dir := t.TempDir()
	for _, id := range []string{"f01234", "f05678"} {
		if err := os.WriteFile(filepath.Join(dir, "lotus-"+id+".prom"), []byte("# earlier run\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	daemon := apiFlag(t, fake.DaemonURL, fake.DaemonToken)
	down := fake.MinerToken + ":/ip4/127.0.0.1/tcp/1/http" // nothing listens on port 1
	var stderr bytes.Buffer
	if code := run([]string{"--daemon-api", daemon, "--miner-api", down, "--textfile-dir", dir}, &bytes.Buffer{}, &stderr); code != exitNotWritten ||
		!strings.Contains(stderr.String(), "2 lotus-*.prom files in "+dir+" to choose from; pass --expect-miner ID (install.sh does)") {
		t.Errorf("without --expect-miner: exit %d, stderr:\n%s", code, stderr.String())
	}

	stderr.Reset()
	code := run([]string{"--daemon-api", daemon, "--miner-api", down, "--textfile-dir", dir, "--expect-miner", "f01234"}, &bytes.Buffer{}, &stderr)
	if lines := strings.Split(strings.TrimSpace(stderr.String()), "\n"); code != exitFailed || len(lines) != 1 || !strings.Contains(lines[0], "miner API unreachable") {
		t.Errorf("exit %d, stderr:\n%s\nwant %d and one line about the miner", code, stderr.String(), exitFailed)
	}
	got := parseFile(t, filepath.Join(dir, "lotus-f01234.prom"))
	wantValue(t, got, "lotus_up", map[string]string{"api": "miner", "miner_id": "f01234"}, 0)
	wantValue(t, got, "lotus_miner_power_bytes", map[string]string{"kind": "raw", "miner_id": "f01234"}, 1891366158204928)
	if b, _ := os.ReadFile(filepath.Join(dir, "lotus-f05678.prom")); string(b) != "# earlier run\n" {
		t.Errorf("the other miner's file changed:\n%s", b)
	}

	// The repo now serves another miner: neither file is written.
	stderr.Reset()
	code = run([]string{"--daemon-api", daemon, "--miner-api", apiFlag(t, fake.MinerURL, fake.MinerToken), "--textfile-dir", dir, "--expect-miner", "f05678"}, &bytes.Buffer{}, &stderr)
	if lines := strings.Split(strings.TrimSpace(stderr.String()), "\n"); code != exitNotWritten || len(lines) != 1 ||
		!strings.Contains(lines[0], "lotus-miner serves f01234, not f05678 (--expect-miner); if the repo changed, re-run install.sh") {
		t.Errorf("another miner: exit %d, stderr:\n%s", code, stderr.String())
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "lotus-f05678.prom")); string(b) != "# earlier run\n" {
		t.Errorf("the expected miner's file was written by a lotus-miner serving another:\n%s", b)
	}
}

func TestCheck(t *testing.T) {
	fake := lotustest.Start(lotustest.Small())
	defer fake.Close()
	dir := t.TempDir()
	args := []string{
		"--daemon-api", apiFlag(t, fake.DaemonURL, fake.DaemonToken),
		"--miner-api", apiFlag(t, fake.MinerURL, fake.MinerToken),
		"--textfile-dir", dir, "--check",
	}
	var stdout, stderr bytes.Buffer
	if code := run(args, &stdout, &stderr); code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, stdout.String(), stderr.String())
	}
	out := stdout.String()
	for _, want := range []string{
		"found via:  --daemon-api flag", fake.DaemonURL, "1.36.2+mainnet+git.0f1d2e3 (API 2.3.0)",
		"found via:  --miner-api flag", fake.MinerURL, "miner f01234:", "    storage    ok", "    lifecycle  ok",
		filepath.Join(dir, "lotus-f01234.prom"), "chosen by:  --textfile-dir", "verdict: OK",
		"  note:       the token in --daemon-api is visible to every local user (ps); set FULLNODE_API_INFO in the lotus user's crontab",
		"  note:       the token in --miner-api is visible to every local user (ps); set MINER_API_INFO in the lotus user's crontab",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("--check output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, fake.DaemonToken) || strings.Contains(out, fake.MinerToken) {
		t.Errorf("--check printed a token:\n%s", out)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("--check left files behind: %v", entries)
	}

	fake.CloseDaemon()
	stdout.Reset()
	if code := run(args, &stdout, &stderr); code != exitFailed || !strings.Contains(stdout.String(), "verdict: PROBLEM") {
		t.Errorf("daemon down: exit %d, want %d with a PROBLEM verdict:\n%s", code, exitFailed, stdout.String())
	}
}

func TestDiscoveryErrorIsUsageExit(t *testing.T) {
	var stderr bytes.Buffer
	code := run([]string{"--daemon-api", "/ip4/1.2.3/tcp/1234/http", "--miner-api", "/ip4/127.0.0.1/tcp/1/http",
		"--output", filepath.Join(t.TempDir(), "x.prom")}, &bytes.Buffer{}, &stderr)
	if code != exitUsage || !strings.Contains(stderr.String(), "daemon API not usable") {
		t.Errorf("exit %d, stderr %q; want %d and the discovery error", code, stderr.String(), exitUsage)
	}
}

// The demo, as a first-time user runs it in a checkout: it says where it wrote, and leaves
// nothing but that file.
func TestDemo(t *testing.T) {
	t.Chdir(t.TempDir())
	var stdout, stderr bytes.Buffer
	if code := run([]string{"--demo"}, &stdout, &stderr); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if !strings.HasPrefix(stdout.String(), "wrote lotus-f01234.prom: demo data") {
		t.Errorf("stdout %q does not say where the demo wrote", stdout.String())
	}
	entries, _ := os.ReadDir(".")
	if len(entries) != 1 || entries[0].Name() != "lotus-f01234.prom" {
		t.Errorf("the demo left %v, want only lotus-f01234.prom", entries)
	}
	data, err := os.ReadFile("lotus-f01234.prom")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(data), "# DEMO DATA") {
		t.Errorf("demo output not marked as demo data:\n%.200s", data)
	}
	got := parseFile(t, "lotus-f01234.prom")
	// The demo's head follows the wall clock, so the chain looks synced.
	head := got["lotus_chain_head_epoch"].Metric[0].Gauge.GetValue()
	expected := got["lotus_chain_expected_epoch"].Metric[0].Gauge.GetValue()
	if expected-head > 1 || expected < head {
		t.Errorf("demo head %v, expected epoch %v: want them within one epoch", head, expected)
	}
	for _, c := range metrics.All {
		wantValue(t, got, "lotus_exporter_collector_success", map[string]string{"collector": c.Name()}, 1)
	}
}

func TestCheckDemoNamesItsFolder(t *testing.T) {
	t.Chdir(t.TempDir())
	var stdout bytes.Buffer
	run([]string{"--demo", "--check"}, &stdout, &bytes.Buffer{})
	if !strings.Contains(stdout.String(), "chosen by:  --demo writes to the current folder") || strings.Contains(stdout.String(), "--textfile-dir") {
		t.Errorf("--check --demo output:\n%s", stdout.String())
	}
}

// --help goes to stdout in the README's --flag style; a bad flag is one line and a hint.
func TestHelpAndBadFlag(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run([]string{"--help"}, &stdout, &stderr); code != exitOK || stderr.Len() != 0 {
		t.Errorf("--help: exit %d, stderr %q", code, stderr.String())
	}
	for _, want := range []string{"Usage: lotus-farcaster [flags]", "\n  --daemon-api TOKEN:MULTIADDR\n", "\n  --miner f0…,f0…\n", "\n  --timeout D\n", "(default 40s)"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("--help lacks %q:\n%s", want, stdout.String())
		}
	}
	if strings.Contains(stdout.String(), "\n  -daemon-api") {
		t.Error("--help shows single-dash flags")
	}
	stdout.Reset()
	code := run([]string{"--no-such-flag"}, &stdout, &stderr)
	if code != exitUsage || stdout.Len() != 0 || stderr.String() != "lotus-farcaster: unknown flag --no-such-flag (see --help)\n" {
		t.Errorf("bad flag: exit %d, stdout %q, stderr %q; want one line", code, stdout.String(), stderr.String())
	}
}

func TestVersion(t *testing.T) {
	var stdout bytes.Buffer
	if code := run([]string{"--version"}, &stdout, &bytes.Buffer{}); code != exitOK || !strings.HasPrefix(stdout.String(), "lotus-farcaster, version") {
		t.Errorf("exit %d, output %q", code, stdout.String())
	}
}

// A slow daemon makes several collectors run out of time: that is one problem, one line.
func TestTimeoutIsOneLine(t *testing.T) {
	fake := lotustest.Start(lotustest.Small())
	defer fake.Close()
	slow := lotustest.Fault{Kind: lotustest.FaultDelay, Delay: time.Hour}
	fake.SetFault("daemon", "SyncState", slow)
	fake.SetFault("daemon", "StateMinerPower", slow)
	r := runWith(t, fake, "--timeout", "3s")
	lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
	if r.code != exitFailed || len(lines) != 1 || !strings.Contains(lines[0], `collectors=chain,miner`) {
		t.Errorf("exit %d, stderr:\n%s\nwant exit %d and one line naming chain and miner", r.code, r.stderr, exitFailed)
	}
	got := parseFile(t, r.file)
	wantValue(t, got, "lotus_exporter_collector_success", map[string]string{"collector": "chain"}, 0)
	wantValue(t, got, "lotus_exporter_collector_success", map[string]string{"collector": "miner"}, 0)
	wantValue(t, got, "lotus_exporter_collector_success", map[string]string{"collector": "money"}, 1)
}

// --check runs every collector: a token without the admin permission is a PROBLEM naming
// the fix, not an OK followed by failing runs.
func TestCheckReadOnlyToken(t *testing.T) {
	fake := lotustest.Start(lotustest.Small())
	defer fake.Close()
	var stdout, stderr bytes.Buffer
	code := run([]string{
		"--daemon-api", apiFlag(t, fake.DaemonURL, fake.DaemonToken),
		// No token: read access only, as with `lotus-miner auth api-info --perm read`.
		"--miner-api", strings.TrimPrefix(apiFlag(t, fake.MinerURL, ""), ":"),
		"--textfile-dir", t.TempDir(), "--check",
	}, &stdout, &stderr)
	out := stdout.String()
	if code != exitFailed {
		t.Errorf("exit %d, want %d", code, exitFailed)
	}
	for _, want := range []string{
		`workers    PROBLEM: miner WorkerStats: the token lacks the "admin" permission`,
		"fix: use lotus-miner's admin token",
		"    chain      ok",
		"verdict: PROBLEM",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("--check output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "--miner-api is visible") {
		t.Errorf("--check notes a token in --miner-api, which has none:\n%s", out)
	}
}

// A run with a read-only miner token: one line for the cause, naming the fix.
func TestReadOnlyTokenIsOneLine(t *testing.T) {
	fake := lotustest.Start(lotustest.Small())
	defer fake.Close()
	var stderr bytes.Buffer
	code := run([]string{
		"--daemon-api", apiFlag(t, fake.DaemonURL, fake.DaemonToken),
		"--miner-api", strings.TrimPrefix(apiFlag(t, fake.MinerURL, ""), ":"),
		"--output", filepath.Join(t.TempDir(), "x.prom"),
	}, &bytes.Buffer{}, &stderr)
	want := `level=ERROR msg="the miner API token lacks the \"admin\" permission" collectors=alerts,jobs,workers,storage fix="use lotus-miner's admin token: the repo's token file, or ` + "`lotus-miner auth api-info --perm admin`" + `, or leave out what it cannot serve (docs/permissions.md): --collectors -alerts,-jobs,-workers,-storage"` + "\n"
	if code != exitFailed || stderr.String() != want {
		t.Errorf("exit %d, stderr:\n%s\nwant:\n%s", code, stderr.String(), want)
	}
}

// A full disk is a PROBLEM of --check, with the free space: a tiny tmpfs stands for it.
func TestCheckFullDisk(t *testing.T) {
	dir := t.TempDir()
	if err := exec.Command("mount", "-t", "tmpfs", "-o", "size=4k,mode=755", "tmpfs", dir).Run(); err != nil {
		t.Skip("cannot mount a tmpfs here (needs root): ", err)
	}
	t.Cleanup(func() { exec.Command("umount", dir).Run() })
	fake := lotustest.Start(lotustest.Small())
	defer fake.Close()
	var stdout bytes.Buffer
	code := run([]string{
		"--daemon-api", apiFlag(t, fake.DaemonURL, fake.DaemonToken),
		"--miner-api", apiFlag(t, fake.MinerURL, fake.MinerToken),
		"--textfile-dir", dir, "--check",
	}, &stdout, &bytes.Buffer{})
	if code != exitFailed || !strings.Contains(stdout.String(), "no space left on device") || !strings.Contains(stdout.String(), "free some space") {
		t.Errorf("exit %d:\n%s", code, stdout.String())
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("--check left %v behind", entries)
	}
}

// Daemon-only mode, as a Curio cluster runs it: two miners, no lotus-miner at all, one file
// each, every chain-side collector, and nothing said about a lotus-miner that is not there.
func TestDaemonOnlyTwoMiners(t *testing.T) {
	sc := lotustest.Small()
	sc.OtherMiners = map[string]*lotustest.Scenario{"f05678": sc.Twin("f05678")}
	fake := lotustest.Start(sc)
	defer fake.Close()
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	code := run([]string{
		"--daemon-api", apiFlag(t, fake.DaemonURL, fake.DaemonToken),
		"--miner", "f01234,f05678", "--textfile-dir", dir,
	}, &stdout, &stderr)
	if code != exitOK || stderr.Len() != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr.String())
	}
	if n := total(fake.Requests("miner")); n != 0 {
		t.Errorf("%d requests to lotus-miner, want none", n)
	}
	minerSide := []string{"sealing", "jobs", "workers", "storage"}
	for _, id := range []string{"f01234", "f05678"} {
		got := parseFile(t, filepath.Join(dir, "lotus-"+id+".prom"))
		wantValue(t, got, "lotus_up", map[string]string{"api": "daemon", "miner_id": id}, 1)
		if hasSeries(got, "lotus_up", map[string]string{"api": "miner"}) {
			t.Errorf("%s: a lotus_up{api=\"miner\"} series in daemon-only mode", id)
		}
		for _, c := range metrics.All {
			if slices.Contains(minerSide, c.Name()) {
				if hasSeries(got, "lotus_exporter_collector_success", map[string]string{"collector": c.Name()}) {
					t.Errorf("%s: collector %s reported in daemon-only mode", id, c.Name())
				}
				continue
			}
			wantValue(t, got, "lotus_exporter_collector_success", map[string]string{"collector": c.Name(), "miner_id": id}, 1)
		}
		wantValue(t, got, "lotus_miner_power_bytes", map[string]string{"kind": "raw", "miner_id": id}, 1891366158204928)
		wantValue(t, got, "lotus_miner_deadline_partitions_proven", map[string]string{"deadline": "17", "miner_id": id}, 2)
		wantValue(t, got, "lotus_market_balance_fil", map[string]string{"kind": "escrow", "miner_id": id}, 3.172816402981736591)
		if _, err := os.Stat(filepath.Join(dir, ".lotus-"+id+".prom.state")); err != nil {
			t.Errorf("%s: no state kept: %v", id, err)
		}
	}
	// The head's block is f01234's; its twin won none.
	first, second := parseFile(t, filepath.Join(dir, "lotus-f01234.prom")), parseFile(t, filepath.Join(dir, "lotus-f05678.prom"))
	wantValue(t, first, "lotus_miner_blocks_won_total", nil, 1)
	wantValue(t, second, "lotus_miner_blocks_won_total", nil, 0)

	// Each file counts its own miner's requests, and the first also those the run made for
	// both (connecting: Version, ChainHead; ChainGetGenesis), so the files sum to what the
	// daemon received. f05678's, a first run without state:
	own := map[string]int{
		"StateMinerInfo": 1, "StateMinerPower": 1, "MinerGetBaseInfo": 1, "StateAccountKey": 4,
		"StateGetActor": 7, "StateVerifiedClientStatus": 7, "StateMinerAvailableBalance": 1, "StateReadState": 1,
		"StateMarketBalance": 1, "WalletList": 1, "WalletDefaultAddress": 1, "MpoolPending": 1,
		"StateMinerProvingDeadline": 1, "StateMinerDeadlines": 1, "StateMinerPartitions": 48,
		"StateMinerSectorCount": 1, "StateMinerSectors": 1,
		// Collectors that read the daemon itself read it again for each miner's file.
		"SyncState": 1, "StateNetworkName": 1, "StateNetworkVersion": 1, "StartTime": 1, "LogAlerts": 1,
		"NetPeers": 1, "NetAutoNatStatus": 1, "NetBandwidthStats": 1, "NetBandwidthStatsByProtocol": 1,
	}
	wantValue(t, second, "lotus_exporter_rpc_requests", map[string]string{"api": "daemon"}, float64(total(own)))
	wantValue(t, second, "lotus_exporter_rpc_requests", map[string]string{"api": "miner"}, 0)
	wantValue(t, first, "lotus_exporter_rpc_requests", map[string]string{"api": "daemon"}, float64(total(fake.Requests("daemon"))-total(own)))
	wantValue(t, first, "lotus_exporter_rpc_requests", map[string]string{"api": "miner"}, 0)
}

func hasSeries(families map[string]*dto.MetricFamily, name string, labels map[string]string) bool {
	f := families[name]
	if f == nil {
		return false
	}
	return slices.ContainsFunc(f.Metric, func(m *dto.Metric) bool { return hasLabels(m, labels) })
}

// An ID the chain has no miner for is one line naming it, whatever collectors it fails;
// the collectors that do not need the miner still succeed.
func TestNotAMinerIsOneLine(t *testing.T) {
	fake := lotustest.Start(lotustest.Small())
	defer fake.Close()
	dir := t.TempDir()
	for _, id := range []string{"f099999", "f0100"} { // no actor; an account, not a miner
		var stderr bytes.Buffer
		code := run([]string{
			"--daemon-api", apiFlag(t, fake.DaemonURL, fake.DaemonToken),
			"--miner", id, "--textfile-dir", dir,
		}, &bytes.Buffer{}, &stderr)
		lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
		if code != exitFailed || len(lines) != 1 || !strings.Contains(lines[0], "the daemon knows no miner "+id+" at its head") ||
			!strings.Contains(lines[0], "collectors=mpool,miner,money,proving,lifecycle,market") {
			t.Errorf("--miner %s: exit %d, stderr:\n%s\nwant exit 1 and one line naming it", id, code, stderr.String())
		}
		got := parseFile(t, filepath.Join(dir, "lotus-"+id+".prom"))
		for _, c := range []string{"chain", "net", "alerts"} {
			wantValue(t, got, "lotus_exporter_collector_success", map[string]string{"collector": c, "miner_id": id}, 1)
		}
		wantValue(t, got, "lotus_exporter_collector_success", map[string]string{"collector": "proving", "miner_id": id}, 0)
	}
}

// A folder another user could write in is refused before anything is written there: one
// stderr line naming the folder, who else can write it and the fix, and exit 3; --check says
// the same as a PROBLEM.
func TestRefusesFolderOthersCanWrite(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("giving a folder to another user needs root")
	}
	fake := lotustest.Start(lotustest.Small())
	defer fake.Close()
	for _, tc := range []struct {
		name string
		uid  int
		mode uint32
		want string
	}{
		{"another user's", 54321, 0o755, "belongs to uid 54321, who could replace what is written there; run lotus-farcaster as uid 54321"},
		{"world-writable", 0, 0o1777, "is writable by every user (mode 1777)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.Chown(dir, tc.uid, 0); err != nil {
				t.Fatal(err)
			}
			if err := syscall.Chmod(dir, tc.mode); err != nil {
				t.Fatal(err)
			}
			api := []string{"--daemon-api", apiFlag(t, fake.DaemonURL, fake.DaemonToken), "--miner-api", apiFlag(t, fake.MinerURL, fake.MinerToken)}
			for _, where := range [][]string{{"--textfile-dir", dir}, {"--output", filepath.Join(dir, "x.prom")}} {
				var stdout, stderr bytes.Buffer
				code := run(append(api, where...), &stdout, &stderr)
				lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
				if code != exitNotWritten || len(lines) != 1 || !strings.Contains(lines[0], "folder "+dir+" ") || !strings.Contains(lines[0], tc.want) {
					t.Errorf("%v: exit %d, stderr:\n%s\nwant exit %d and one line naming %s and %q", where, code, stderr.String(), exitNotWritten, dir, tc.want)
				}
				if entries, _ := os.ReadDir(dir); len(entries) != 0 {
					t.Errorf("%v: wrote %v", where, entries)
				}
			}
			var stdout bytes.Buffer
			code := run(append(api, "--textfile-dir", dir, "--check"), &stdout, &bytes.Buffer{})
			if code != exitFailed || !strings.Contains(stdout.String(), "PROBLEM:    folder "+dir+" ") || !strings.Contains(stdout.String(), tc.want) {
				t.Errorf("--check: exit %d:\n%s", code, stdout.String())
			}
		})
	}
}

// A method that hangs delays only the collectors that need it: StateMinerPartitions, called
// once per deadline, may hold only its share of the daemon's request slots, so the other
// collectors' calls still go through and keep every value of a healthy run.
func TestSlowMethodDelaysOnlyItsCollectors(t *testing.T) {
	fake := lotustest.Start(lotustest.Small())
	defer fake.Close()
	healthy := runWith(t, fake, "--timeout", "4s")
	if healthy.code != exitOK {
		t.Fatalf("healthy run: exit %d\n%s", healthy.code, healthy.stderr)
	}
	want := seriesValues(parseFile(t, healthy.file))

	fake.SetFault("daemon", "StateMinerPartitions", lotustest.Fault{Kind: lotustest.FaultDelay, Delay: time.Hour})
	// These answer late, so that the calls that follow them meet the hanging ones in flight.
	fake.SetFault("daemon", "StateMinerInfo", lotustest.Fault{Kind: lotustest.FaultDelay, Delay: 300 * time.Millisecond})
	fake.SetFault("daemon", "NetPeers", lotustest.Fault{Kind: lotustest.FaultDelay, Delay: 300 * time.Millisecond})
	r := runWith(t, fake, "--timeout", "4s")
	if r.code != exitFailed {
		t.Errorf("exit %d, want %d; stderr:\n%s", r.code, exitFailed, r.stderr)
	}
	got := parseFile(t, r.file)
	// With the kept state lifecycle does not refresh, so only proving needs the partitions.
	for _, c := range metrics.All {
		success := 1.0
		if c.Name() == "proving" {
			success = 0
		}
		wantValue(t, got, "lotus_exporter_collector_success", map[string]string{"collector": c.Name()}, success)
	}
	values := seriesValues(got)
	for k, v := range want {
		if strings.HasPrefix(k, "lotus_exporter_collector_success{") {
			continue // checked above
		}
		proving := strings.HasPrefix(k, "lotus_miner_proving_") || strings.HasPrefix(k, "lotus_miner_deadline_") ||
			strings.HasPrefix(k, "lotus_miner_onchain_sectors{")
		if g, ok := values[k]; !ok && !proving {
			t.Errorf("%s missing", k)
		} else if ok && g != v {
			t.Errorf("%s = %v, healthy run %v", k, g, v)
		}
	}
}

// A folder the job's user may not write in: the line names the command that lets it.
func TestUnwritableFolderNamesTheFix(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("runs the exporter as nobody, which needs root")
	}
	setpriv := installTool(t, "setpriv")
	nobody, err := user.Lookup("nobody")
	if err != nil {
		t.Skip("no user nobody")
	}
	// Root's and readable by all, as a textfile folder before install.sh grants access.
	top, err := os.MkdirTemp("", "lotus-farcaster-unwritable-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(top) })
	if err := os.Chmod(top, 0o755); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(top, "lotus-farcaster")
	if err := os.Rename(installBinary(t), bin); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(setpriv, "--reuid", nobody.Uid, "--regid", nobody.Gid, "--clear-groups", bin, "--demo", "--textfile-dir", top)
	cmd.Dir = "/"
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != exitNotWritten {
		t.Fatalf("exit %v, want %d:\n%s", err, exitNotWritten, out)
	}
	want := fmt.Sprintf(`fix="let nobody write there: sudo setfacl -m u:nobody:rwx %s (Debian package acl), or re-run install.sh, which grants it"`, top)
	if lines := strings.Split(strings.TrimSpace(string(out)), "\n"); len(lines) != 1 || !strings.Contains(lines[0], "permission denied") || !strings.HasSuffix(lines[0], want) {
		t.Errorf("output:\n%s\nwant one line saying permission denied and ending %s", out, want)
	}
}
