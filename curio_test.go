// The Curio collectors' whole output, for the catalogue and promlint: the Pencil cluster beside the small scenario's daemon.
package main

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

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
