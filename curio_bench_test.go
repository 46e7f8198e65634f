// A Curio node's every-minute run as a process of its own, against a large cluster's database: its CPU, memory and series.
package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lotus-farcaster/lotus-farcaster/curio/curiotest"
	"github.com/lotus-farcaster/lotus-farcaster/lotusapi/lotustest"
)

// Budgets of an every-minute run on a Curio node whose database holds 2,000,000 task
// attempts, 100,000 sectors in the pipeline and 50 machines (issue 14); they hold whatever the
// database's size, and the series do not grow with it.
const (
	curioRunCPU    = 200 * time.Millisecond
	curioRunRSS    = 40 << 20
	curioRunSeries = 5000
)

// BenchmarkCurioNodeRun runs the exporter binary as cron would on a Curio node, after a first
// run that read the hourly figures and started the cursors, and fails when a budget is missed.
// It reports the process's CPU time, peak RSS and the series written.
func BenchmarkCurioNodeRun(b *testing.B) {
	tdb := curiotest.New(b)
	tdb.Large(b) // miner f01234, Small's
	fake := lotustest.Start(lotustest.Small())
	defer fake.Close()
	tmp := b.TempDir()
	bin := filepath.Join(tmp, "lotus-farcaster")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	dir := filepath.Join(tmp, "textfile")
	if err := os.Mkdir(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	env := append([]string{"HOME=" + tmp, "PATH=/usr/bin:/bin", "FULLNODE_API_INFO=" + apiFlag(b, fake.DaemonURL, fake.DaemonToken)},
		curioVars(b, tdb.URL())...)
	// GNU time measures the exporter alone: the rusage of a child of this process would count
	// this process's memory, which the child shares until it execs (Linux's maxrss).
	gnuTime, err := exec.LookPath("/usr/bin/time")
	if err != nil {
		b.Skip("GNU time is needed (Debian package time)")
	}
	measured := filepath.Join(tmp, "time.txt")
	runOnce := func() (cpu time.Duration, rss int64) {
		cmd := exec.Command(gnuTime, "-f", "%U %S %M", "-o", measured, bin, "--textfile-dir", dir)
		cmd.Env = env
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("exporter: %v\n%s", err, out)
		}
		data, err := os.ReadFile(measured)
		if err != nil {
			b.Fatal(err)
		}
		var user, system float64
		if _, err := fmt.Sscanf(string(data), "%f %f %d", &user, &system, &rss); err != nil {
			b.Fatalf("GNU time said %q: %v", data, err)
		}
		return time.Duration((user + system) * float64(time.Second)), rss << 10
	}
	runOnce()

	var cpu time.Duration
	var rss int64
	for b.Loop() {
		c, r := runOnce()
		cpu += c
		rss = max(rss, r)
	}
	series := 0
	for _, name := range []string{"lotus-f01234.prom", "lotus-curio.prom"} {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			b.Fatal(err)
		}
		for line := range strings.Lines(string(data)) {
			if !strings.HasPrefix(line, "#") {
				series++
			}
		}
	}
	perRun := cpu / time.Duration(b.N)
	b.ReportMetric(float64(perRun)/float64(time.Millisecond), "cpu-ms/run")
	b.ReportMetric(float64(rss)/(1<<20), "peak-rss-MB")
	b.ReportMetric(float64(series), "series")
	if perRun > curioRunCPU || rss > curioRunRSS || series > curioRunSeries {
		b.Errorf("budget missed: %s of CPU (budget %s), %d MB peak RSS (budget %d MB), %d series (budget %d)",
			perRun, curioRunCPU, rss>>20, curioRunRSS>>20, series, curioRunSeries)
	}
}
