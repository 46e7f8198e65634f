// The Curio side of TestDashboardEndToEnd: a cluster in a throw-away PostgreSQL, a process named curio that holds its settings, and the exporter run on that host.
package grafana

import (
	"bytes"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/lotus-farcaster/lotus-farcaster/curio/curiotest"
	"github.com/lotus-farcaster/lotus-farcaster/lotusapi/lotustest"
)

// TestMain stops the PostgreSQL server the Curio cluster's database runs on.
func TestMain(m *testing.M) { curiotest.Main(m) }

// curioMiner is the miner the end-to-end Curio cluster serves: not the large scenario's
// f01234, so the two jobs' files never meet.
const (
	curioMiner   = "f03000"
	curioMinerSP = 3000
)

// curioHost is a Curio node as the exporter finds it with no flag: a running curio process
// whose environment names Curio's database and the daemon.
type curioHost struct {
	bin, textDir, home string
	pid                int
}

// startCurioHost fills tdb with the cluster of testdata/curio-cluster.sql and starts a
// process named curio (sleep, under curio's name) with CURIO_DB_* and FULLNODE_API_INFO in its
// environment, as a real curio's are; it runs as our user, so the exporter believes it.
func startCurioHost(t *testing.T, tdb *curiotest.DB, fake *lotustest.Server, bin, textDir, home string) *curioHost {
	t.Helper()
	cluster, err := os.ReadFile("testdata/curio-cluster.sql")
	if err != nil {
		t.Fatal(err)
	}
	tdb.Exec(t, string(cluster))

	db, err := url.Parse(tdb.URL())
	if err != nil {
		t.Fatal(err)
	}
	password, _ := db.User.Password()
	daemon, err := url.Parse(fake.DaemonURL)
	if err != nil {
		t.Fatal(err)
	}
	host, port, _ := net.SplitHostPort(daemon.Host)
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(sleep, "600")
	cmd.Args[0] = "curio" // the exporter knows a process by its command line's first word
	cmd.Env = []string{
		"CURIO_DB_HOST=" + db.Hostname(), "CURIO_DB_PORT=" + db.Port(), "CURIO_DB_NAME=" + strings.TrimPrefix(db.Path, "/"),
		"CURIO_DB_USER=" + db.User.Username(), "CURIO_DB_PASSWORD=" + password,
		"FULLNODE_API_INFO=" + fake.DaemonToken + ":/ip4/" + host + "/tcp/" + port + "/http",
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	if err := os.MkdirAll(home, 0o755); err != nil {
		t.Fatal(err)
	}
	return &curioHost{bin: bin, textDir: textDir, home: home, pid: cmd.Process.Pid}
}

// run runs the exporter as the job on the Curio host: no flag but the textfile folder, no
// Lotus repo in its home, no CURIO_DB_* of its own. It must succeed; it returns stderr.
func (h *curioHost) run(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command(h.bin, append([]string{"--textfile-dir", h.textDir}, args...)...)
	cmd.Env = []string{"HOME=" + h.home}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("exporter on the Curio host: %v (exit %d)\n%s", err, cmd.ProcessState.ExitCode(), stderr.String())
	}
	return stderr.String()
}

// checkFound checks that a run's debug lines show the database and the daemon found in the
// curio process's environment.
func (h *curioHost) checkFound(t *testing.T, stderr string) {
	t.Helper()
	for _, want := range []string{
		fmt.Sprintf("source=\"curio process %d (CURIO_DB_HOST", h.pid),
		fmt.Sprintf("FULLNODE_API_INFO of curio process %d", h.pid),
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("the Curio host's run does not say %q:\n%s", want, stderr)
		}
	}
}

// mineCurioBlocks records two blocks Curio mined for the cluster's miner at the two epochs
// the next runs count once the head has moved 2 epochs on (a run counts the blocks at least 5
// epochs below the head, and the first began above head − 5): one the fake chain holds, and
// one it does not, orphaned.
func mineCurioBlocks(t *testing.T, tdb *curiotest.DB, sc *lotustest.Scenario) {
	t.Helper()
	head := sc.Head.Height
	var onChain string
	for _, ts := range sc.Chain {
		if ts.Height == head-3 {
			onChain = ts.Cids[0].Root
		}
	}
	if onChain == "" {
		t.Fatalf("the fake chain has no tipset at %d", head-3)
	}
	tdb.Exec(t, `INSERT INTO mining_tasks (task_id, sp_id, epoch, base_compute_time, won, mined_cid, mined_at, submitted_at) VALUES
	(1, $1, $2, now(), true, $3, now(), now()),
	(2, $1, $4, now(), true, 'bafy-e2e-orphaned-block', now(), now())`, curioMinerSP, head-3, onChain, head-4)
}

// advanceChain moves the fake chain's head n epochs on, for every miner the daemon answers
// for: it answers each one's state calls from that miner's own scenario, at the run's head.
func advanceChain(sc *lotustest.Scenario, n int64) {
	sc.Advance(n, lotustest.Epochs{})
	for _, other := range sc.OtherMiners {
		other.Chain, other.Head, other.ProvingDeadline = sc.Chain, sc.Head, sc.ProvingDeadline
	}
}

// finishCurioTasks records the task attempts Curio's machines finished since the last run:
// sealing steps that succeed, and in run 1 a PoRep attempt that fails, retried with success in
// run 2, as Curio retries a task.
func finishCurioTasks(t *testing.T, tdb *curiotest.DB, run int) {
	t.Helper()
	tdb.Exec(t, `INSERT INTO harmony_task_history (task_id, name, posted, work_start, work_end, result, err, completed_by_host_and_port)
SELECT $1 * 10 + n, name, now() - took - interval '1 minute', now() - took, now(), true, NULL, host
FROM (VALUES (1, 'SDR', interval '3 hours', '10.1.0.1:12300'), (2, 'TreeRC', interval '20 minutes', '10.1.0.1:12300'),
	(3, 'Finalize', interval '2 minutes', '10.1.0.2:12300')) AS a (n, name, took, host)`, run)
	switch run {
	case 1:
		tdb.Exec(t, `INSERT INTO harmony_task_history (task_id, name, posted, work_start, work_end, result, err, completed_by_host_and_port)
VALUES (1000, 'PoRep', now() - interval '20 minutes', now() - interval '15 minutes', now(), false, 'proof does not verify', '10.1.0.2:12300')`)
	case 2:
		tdb.Exec(t, `INSERT INTO harmony_task_history (task_id, name, posted, work_start, work_end, result, err, completed_by_host_and_port)
VALUES (1000, 'PoRep', now() - interval '20 minutes', now() - interval '12 minutes', now(), true, NULL, '10.1.0.2:12300')`)
	}
}
