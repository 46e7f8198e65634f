// The Curio collectors' whole output, for the catalogue and promlint: the Pencil cluster beside the small scenario's daemon.
package main

import (
	"bytes"
	"context"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/lotus-farcaster/lotus-farcaster/curio"
	"github.com/lotus-farcaster/lotus-farcaster/curio/curiotest"
	"github.com/lotus-farcaster/lotus-farcaster/lotusapi/lotustest"
	"github.com/lotus-farcaster/lotus-farcaster/metrics"
)

func TestMain(m *testing.M) { curiotest.Main(m) }

// curioRun runs the Curio collectors against the Pencil cluster: miner f01234's, with the
// small scenario's daemon, and the cluster's; ok is false when PostgreSQL is not installed
// (a failure when CI is set). The cluster's task history is read twice, as two runs, so its
// counters are written.
func curioRun(t *testing.T) (families []*dto.MetricFamily, ok bool) {
	t.Helper()
	if err := curiotest.Available(); errors.Is(err, curiotest.ErrNoPostgres) && os.Getenv("CI") == "" {
		t.Logf("the Curio collectors' output is not checked: %v", err)
		return nil, false
	}
	tdb := curiotest.New(t)
	tdb.Pencil(t)
	sc := lotustest.Small()
	fake := lotustest.Start(sc)
	defer fake.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	d := fake.DaemonEndpoint()
	node := metrics.ConnectNode(ctx, &d, nil, time.Unix(int64(sc.Head.Blocks[0].Timestamp)+45, 0))
	defer node.Close()
	node.ConnectCurio(ctx, curio.Settings{URL: tdb.URL()})

	cluster := node.ForMiner(ctx, metrics.MinerSpec{DaemonOnly: true})
	metrics.Execute(ctx, cluster, metrics.CurioCluster)
	tdb.Exec(t, `INSERT INTO harmony_task_history (task_id, name, posted, work_start, work_end, result, completed_by_host_and_port)
VALUES (1, 'SDR', now(), now(), now() + interval '1 second', true, '10.0.0.1:12300')`)
	for _, r := range []struct {
		src        *metrics.Sources
		collectors []metrics.Collector
	}{
		{node.ForMiner(ctx, metrics.MinerSpec{MinerID: sc.MinerID, DaemonOnly: true}), metrics.CurioMiner},
		{cluster, metrics.CurioCluster},
	} {
		run := metrics.Execute(ctx, r.src, r.collectors)
		for _, o := range run.Failed() {
			t.Errorf("collector %s failed: %v", o.Name, o.Err)
		}
		fs, err := gather(run, r.src.MinerID)
		if err != nil {
			t.Fatal(err)
		}
		families = append(families, fs...)
	}
	return families, true
}

// curioVars are the CURIO_DB_* variables of the database at dbURL, as a curio's environment
// holds them.
func curioVars(tb testing.TB, dbURL string) []string {
	tb.Helper()
	u, err := url.Parse(dbURL)
	if err != nil {
		tb.Fatal(err)
	}
	password, _ := u.User.Password()
	return []string{"CURIO_DB_HOST=" + u.Hostname(), "CURIO_DB_PORT=" + u.Port(), "CURIO_DB_NAME=" + strings.TrimPrefix(u.Path, "/"),
		"CURIO_DB_USER=" + u.User.Username(), "CURIO_DB_PASSWORD=" + password}
}

// curioEnv sets the environment a job on a Curio host has: Curio's database in CURIO_DB_*,
// the daemon in FULLNODE_API_INFO, a home without Lotus repos. It returns the password.
func curioEnv(t *testing.T, fake *lotustest.Server, dbURL string) (password string) {
	t.Helper()
	for k, v := range map[string]string{
		"HOME": t.TempDir(), "LOTUS_PATH": "", "LOTUS_MINER_PATH": "", "LOTUS_STORAGE_PATH": "", "MINER_API_INFO": "",
		"FULLNODE_API_INFO": apiFlag(t, fake.DaemonURL, fake.DaemonToken),
	} {
		t.Setenv(k, v)
	}
	for _, kv := range curioVars(t, dbURL) {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
		if k == "CURIO_DB_PASSWORD" {
			password = v
		}
	}
	return password
}

// On a Curio host a run needs no flag about Lotus or Curio: the miners are those Curio's
// database serves, each in its file with the daemon's figures and Curio's, and the cluster's
// figures go into lotus-curio.prom. The database's password shows nowhere.
func TestCurioHost(t *testing.T) {
	tdb := curiotest.New(t)
	tdb.Pencil(t) // machine details name f01234 and f02000
	sc := lotustest.Small()
	sc.OtherMiners = map[string]*lotustest.Scenario{"f02000": sc.Twin("f02000")}
	fake := lotustest.Start(sc)
	defer fake.Close()
	password := curioEnv(t, fake, tdb.URL())
	dir := t.TempDir()

	var stdout, stderr bytes.Buffer
	code := run([]string{"--textfile-dir", dir}, &stdout, &stderr)
	if code != exitOK || stderr.Len() != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr.String())
	}
	names := func() []string {
		entries, _ := os.ReadDir(dir)
		var out []string
		for _, e := range entries {
			if strings.HasSuffix(e.Name(), ".prom") {
				out = append(out, e.Name())
			}
		}
		return out
	}
	if got := names(); !slices.Equal(got, []string{"lotus-curio.prom", "lotus-f01234.prom", "lotus-f02000.prom"}) {
		t.Fatalf("files %v, want the cluster's and f01234's and f02000's", got)
	}
	f01234 := parseFile(t, filepath.Join(dir, "lotus-f01234.prom"))
	wantValue(t, f01234, "lotus_up", map[string]string{"api": "curio_db", "miner_id": "f01234"}, 1)
	wantValue(t, f01234, "lotus_curio_pipeline_sectors", map[string]string{"pipeline": "porep", "stage": "tree_d", "miner_id": "f01234"}, 2)
	wantValue(t, f01234, "lotus_miner_power_bytes", map[string]string{"kind": "raw", "miner_id": "f01234"}, 1891366158204928)
	if hasSeries(f01234, "lotus_up", map[string]string{"api": "miner"}) {
		t.Error("a lotus_up{api=\"miner\"} series on a Curio host")
	}
	wantValue(t, parseFile(t, filepath.Join(dir, "lotus-f02000.prom")), "lotus_curio_pipeline_sectors",
		map[string]string{"pipeline": "porep", "stage": "sdr", "miner_id": "f02000"}, 1)
	cluster := parseFile(t, filepath.Join(dir, "lotus-curio.prom"))
	wantValue(t, cluster, "lotus_curio_machines", nil, 3)
	wantValue(t, cluster, "lotus_curio_tasks", map[string]string{"task": "SDR", "state": "queued"}, 2)
	wantValue(t, cluster, "lotus_up", map[string]string{"api": "curio_db"}, 1)
	for _, f := range cluster {
		for _, m := range f.Metric {
			for _, l := range m.Label {
				if l.GetName() == "miner_id" {
					t.Errorf("%s carries a miner_id in the cluster's file", f.GetName())
				}
			}
		}
	}
	for _, name := range names() {
		if data, _ := os.ReadFile(filepath.Join(dir, name)); strings.Contains(string(data), password) {
			t.Errorf("%s holds the database's password", name)
		}
	}

	// --output - prints the miner's figures and the cluster's as one exposition.
	stdout.Reset()
	stderr.Reset()
	if code := run([]string{"--miner", "f01234", "--output", "-"}, &stdout, &stderr); code != exitOK {
		t.Fatalf("--output -: exit %d, stderr:\n%s", code, stderr.String())
	}
	parser := expfmt.NewTextParser(model.LegacyValidation)
	printed, err := parser.TextToMetricFamilies(strings.NewReader(stdout.String()))
	if err != nil {
		t.Fatalf("--output - is no valid exposition: %v", err)
	}
	wantValue(t, printed, "lotus_curio_machines", nil, 3)
	wantValue(t, printed, "lotus_curio_pipeline_sectors", map[string]string{"pipeline": "porep", "stage": "tree_d", "miner_id": "f01234"}, 2)
	wantValue(t, printed, "lotus_up", map[string]string{"api": "curio_db", "miner_id": "f01234"}, 1)

	// The database down: each miner's file says so, with what the daemon still tells, and so
	// does the cluster's; one line names the cause.
	t.Setenv("CURIO_DB_PORT", "1")
	stderr.Reset()
	code = run([]string{"--textfile-dir", dir, "--log.level", "debug"}, &stdout, &stderr)
	lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
	var errorLines []string
	for _, l := range lines {
		if strings.HasPrefix(l, "level=ERROR") {
			errorLines = append(errorLines, l)
		}
	}
	if code != exitFailed || len(errorLines) != 1 || !strings.Contains(errorLines[0], "Curio's database") {
		t.Errorf("database down: exit %d, stderr:\n%s\nwant exit 1 and one error line about the database", code, stderr.String())
	}
	if strings.Contains(stderr.String()+stdout.String(), password) {
		t.Errorf("the password in the output:\n%s", stderr.String())
	}
	for _, name := range []string{"lotus-f01234.prom", "lotus-f02000.prom", "lotus-curio.prom"} {
		got := parseFile(t, filepath.Join(dir, name))
		wantValue(t, got, "lotus_up", map[string]string{"api": "curio_db"}, 0)
		if hasSeries(got, "lotus_curio_machines", nil) || hasSeries(got, "lotus_curio_pipeline_sectors", nil) {
			t.Errorf("%s: Curio figures written without the database", name)
		}
	}
	wantValue(t, parseFile(t, filepath.Join(dir, "lotus-f02000.prom")), "lotus_miner_power_bytes", map[string]string{"kind": "raw", "miner_id": "f02000"}, 1891366158204928)
}

// Each fault of Curio's database is one stderr line naming its fix; the files are complete,
// and what could not be read is left out.
func TestCurioFaults(t *testing.T) {
	sc := lotustest.Small()
	sc.OtherMiners = map[string]*lotustest.Scenario{"f02000": sc.Twin("f02000")}
	fake := lotustest.Start(sc)
	defer fake.Close()
	for _, tc := range []struct {
		name, sql, password string
		want, fix, absent   string
	}{
		{name: "a table the user may not read", sql: `REVOKE SELECT ON harmony_task FROM ` + curiotest.ReaderUser,
			want: "permission denied for table harmony_task (SQLSTATE 42501)", fix: "docs/curio.md gives the GRANT", absent: "lotus_curio_tasks"},
		{name: "an older Curio", sql: `DROP TABLE alert_conditions`,
			want: `curio.alert_conditions\" does not exist (SQLSTATE 42P01)`, fix: "upgrading Curio brings it", absent: "lotus_curio_alert_active"},
		{name: "a wrong password", password: "not-the-password-9",
			want: `password authentication failed for user \"farcaster\" (SQLSTATE 28P01)`, fix: "CURIO_DB_PASSWORD", absent: "lotus_curio_machines"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tdb := curiotest.New(t)
			tdb.Pencil(t)
			if tc.sql != "" {
				tdb.Exec(t, tc.sql)
			}
			u := tdb.URL()
			if tc.password != "" {
				u = tdb.URLAs(curiotest.ReaderUser, tc.password)
			}
			curioEnv(t, fake, u)
			dir := t.TempDir()
			var stdout, stderr bytes.Buffer
			code := run([]string{"--textfile-dir", dir}, &stdout, &stderr)
			lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
			if code != exitFailed || len(lines) != 1 || !strings.Contains(lines[0], tc.want) || !strings.Contains(lines[0], tc.fix) {
				t.Errorf("exit %d, stderr:\n%s\nwant exit 1 and one line saying %q and the fix %q", code, stderr.String(), tc.want, tc.fix)
			}
			if tc.password != "" && strings.Contains(stderr.String(), tc.password) {
				t.Errorf("the password on stderr")
			}
			cluster := parseFile(t, filepath.Join(dir, "lotus-curio.prom"))
			if hasSeries(cluster, tc.absent, nil) {
				t.Errorf("%s written though it could not be read", tc.absent)
			}
			if tc.password != "" {
				// Refused at once, on a host no run wrote for yet: which miners Curio serves is
				// not known, and only the cluster's file says the database is down.
				wantValue(t, cluster, "lotus_up", map[string]string{"api": "curio_db"}, 0)
				return
			}
			wantValue(t, cluster, "lotus_curio_machines", nil, 3)
			wantValue(t, parseFile(t, filepath.Join(dir, "lotus-f01234.prom")), "lotus_chain_head_epoch", nil, 4999873)
		})
	}
}
