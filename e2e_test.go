// End to end: the built binary, found Lotus through repo folders only, read by a real node_exporter.
package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/lotus-farcaster/lotus-farcaster/lotusapi/lotustest"
	"github.com/lotus-farcaster/lotus-farcaster/metrics"
)

// nodeExporterBinary finds node_exporter; in CI its absence fails the test instead of skipping it.
func nodeExporterBinary(t *testing.T) string {
	for _, name := range []string{"prometheus-node-exporter", "node_exporter"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("node_exporter not installed; .ci/run installs the Debian package prometheus-node-exporter")
	}
	t.Skip("node_exporter not installed (Debian package prometheus-node-exporter); skipping the end-to-end test")
	return ""
}

func TestEndToEndWithNodeExporter(t *testing.T) {
	nodeExporter := nodeExporterBinary(t)
	tmp := t.TempDir()
	bin := filepath.Join(tmp, "lotus-farcaster")
	if out, err := exec.Command("go", "build", "-buildvcs=true", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	// A plain `go build` still says what it is: module version and the commit it was built
	// from (-buildvcs=true: this machine's GOFLAGS turn VCS stamping off).
	if out, err := exec.Command(bin, "--version").Output(); err != nil || !regexp.MustCompile(`^lotus-farcaster, version \S+ \(revision: [0-9a-f]{12}`).Match(out) {
		t.Errorf("--version of a plain go build: %q, %v", out, err)
	}

	sc := lotustest.Small()
	fake := lotustest.Start(sc)
	defer fake.Close()
	home := filepath.Join(tmp, "home")
	lotusPath, minerPath, err := fake.WriteRepos(home)
	if err != nil {
		t.Fatal(err)
	}
	textDir := filepath.Join(tmp, "textfile")
	if err := os.Mkdir(textDir, 0o755); err != nil {
		t.Fatal(err)
	}
	exporter := func() (int, string) {
		cmd := exec.Command(bin, "--textfile-dir", textDir)
		// Only these: discovery must work from the repo folders alone.
		cmd.Env = []string{"HOME=" + home, "LOTUS_PATH=" + lotusPath, "LOTUS_MINER_PATH=" + minerPath}
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		var exit *exec.ExitError
		if err != nil && !errors.As(err, &exit) {
			t.Fatalf("running the exporter: %v", err)
		}
		return cmd.ProcessState.ExitCode(), stderr.String()
	}

	code, stderr := exporter()
	if code != 0 || stderr != "" {
		t.Fatalf("healthy run: exit %d, stderr %q; want 0 and nothing printed", code, stderr)
	}
	promFile := filepath.Join(textDir, "lotus-"+sc.MinerID+".prom")

	addr := startNodeExporter(t, nodeExporter, textDir)
	got := scrape(t, addr)
	wantValue(t, got, "node_textfile_scrape_error", nil, 0)
	wantValue(t, got, "lotus_up", map[string]string{"api": "daemon", "miner_id": sc.MinerID}, 1)
	wantValue(t, got, "lotus_up", map[string]string{"api": "miner", "miner_id": sc.MinerID}, 1)
	wantValue(t, got, "lotus_chain_head_epoch", nil, float64(sc.Head.Height))
	wantValue(t, got, "lotus_miner_power_bytes", map[string]string{"kind": "qa"}, sc.Power.MinerPower.QualityAdjPower.Float64())
	wantValue(t, got, "lotus_wallet_balance_fil", map[string]string{"role": "worker"}, sc.Actors[sc.MinerInfo.Worker].Balance.FIL())
	wantValue(t, got, "lotus_mpool_pending_messages", nil, float64(len(sc.Mpool)))
	for _, c := range metrics.All {
		wantValue(t, got, "lotus_exporter_collector_success", map[string]string{"collector": c.Name()}, 1)
	}
	wantValue(t, got, "lotus_miner_deadline_sectors", map[string]string{"deadline": "9", "state": "faulty"}, 12)
	wantValue(t, got, "lotus_miner_sectors", map[string]string{"state": "PreCommit1"}, 4)

	// The daemon goes away: the file is still rewritten, complete, and says so.
	fake.CloseDaemon()
	code, stderr = exporter()
	if code != exitFailed {
		t.Errorf("daemon down: exit %d, want %d", code, exitFailed)
	}
	if n := strings.Count(strings.TrimSpace(stderr), "\n") + 1; n != 1 || !strings.Contains(stderr, "daemon API unreachable") {
		t.Errorf("daemon down: want one stderr line about the daemon, got %d:\n%s", n, stderr)
	}
	fromFile := parseFile(t, promFile)
	wantValue(t, fromFile, "lotus_up", map[string]string{"api": "daemon"}, 0)
	wantValue(t, fromFile, "lotus_up", map[string]string{"api": "miner"}, 1)
	wantValue(t, fromFile, "lotus_exporter_collector_success", map[string]string{"collector": "chain"}, 0)
	got = scrape(t, addr)
	wantValue(t, got, "node_textfile_scrape_error", nil, 0)
	wantValue(t, got, "lotus_up", map[string]string{"api": "daemon", "miner_id": sc.MinerID}, 0)
}

// startNodeExporter runs the real node_exporter on a free loopback port with only the textfile collector.
func startNodeExporter(t *testing.T, binary, dir string) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	cmd := exec.Command(binary, "--web.listen-address="+addr, "--collector.disable-defaults",
		"--collector.textfile", "--collector.textfile.directory="+dir)
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	for range 100 {
		if resp, err := http.Get("http://" + addr + "/metrics"); err == nil {
			resp.Body.Close()
			return addr
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("node_exporter did not start on %s:\n%s", addr, logs.String())
	return ""
}

func scrape(t *testing.T, addr string) map[string]*dto.MetricFamily {
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	return parseExposition(t, resp.Body)
}

func parseFile(t *testing.T, path string) map[string]*dto.MetricFamily {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return parseExposition(t, f)
}

// parseExposition parses with legacy name validation, as node_exporter's textfile collector does.
func parseExposition(t *testing.T, r io.Reader) map[string]*dto.MetricFamily {
	t.Helper()
	parser := expfmt.NewTextParser(model.LegacyValidation)
	families, err := parser.TextToMetricFamilies(r)
	if err != nil {
		t.Fatalf("parsing exposition: %v", err)
	}
	return families
}

// wantValue asserts that exactly one series of name carries all labels with value want.
func wantValue(t *testing.T, families map[string]*dto.MetricFamily, name string, labels map[string]string, want float64) {
	t.Helper()
	f := families[name]
	if f == nil {
		t.Errorf("%s missing", name)
		return
	}
	var matches []float64
	for _, m := range f.Metric {
		if hasLabels(m, labels) {
			matches = append(matches, metricValue(m))
		}
	}
	if len(matches) != 1 || matches[0] != want {
		t.Errorf("%s%v = %v, want exactly [%v]", name, labels, matches, want)
	}
}

func hasLabels(m *dto.Metric, want map[string]string) bool {
	found := 0
	for _, l := range m.Label {
		if v, ok := want[l.GetName()]; ok {
			if v != l.GetValue() {
				return false
			}
			found++
		}
	}
	return found == len(want)
}

func metricValue(m *dto.Metric) float64 {
	switch {
	case m.Gauge != nil:
		return m.Gauge.GetValue()
	case m.Counter != nil:
		return m.Counter.GetValue()
	case m.Untyped != nil:
		return m.Untyped.GetValue()
	}
	panic(fmt.Sprintf("unexpected metric type in %v", m))
}
