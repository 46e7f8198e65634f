// The Curio collectors against the Pencil cluster (curio/curiotest/testdata/pencil.sql) and the fake daemon's Small chain, worked out by hand.
package metrics

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/lotus-farcaster/lotus-farcaster/curio"
	"github.com/lotus-farcaster/lotus-farcaster/curio/curiotest"
	"github.com/lotus-farcaster/lotus-farcaster/lotusapi/lotustest"
)

func TestMain(m *testing.M) { curiotest.Main(m) }

// curioFixture is the fake Lotus serving Small (head 4999873, the Pencil cluster's) with
// Curio's database for miner f01234; pencil fills the database with the Pencil cluster.
func curioFixture(t *testing.T, pencil bool) (*fixture, *curiotest.DB) {
	t.Helper()
	f := newFixture(t, nil, nil)
	tdb := curiotest.New(t)
	if pencil {
		tdb.Pencil(t)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	f.src.ConnectCurio(ctx, curio.Settings{URL: tdb.URL()})
	if f.src.CurioErr != nil {
		t.Fatal(f.src.CurioErr)
	}
	return f, tdb
}

// Times of the Pencil cluster, 2026-08-20 (00:00 UTC is 1787184000).
const (
	at0100 = 1787184000 + 1*3600
	at0300 = 1787184000 + 3*3600
	at0400 = 1787184000 + 4*3600
	at0500 = 1787184000 + 5*3600
	at0600 = 1787184000 + 6*3600
	at0700 = 1787184000 + 7*3600
	at0730 = 1787184000 + 7*3600 + 30*60
	at0800 = 1787184000 + 8*3600
	at0900 = 1787184000 + 9*3600
)

func TestCurioPipeline(t *testing.T) {
	f, _ := curioFixture(t, true)
	got, err := values(t, f, CurioPipeline{})
	if err != nil {
		t.Fatal(err)
	}
	sectors := func(pipeline, stage string) string {
		return `lotus_curio_pipeline_sectors{pipeline="` + pipeline + `",stage="` + stage + `"}`
	}
	failed := func(pipeline, stage string) string {
		return `lotus_curio_pipeline_failed_sectors{pipeline="` + pipeline + `",stage="` + stage + `"}`
	}
	oldest := func(pipeline, stage string) string {
		return `lotus_curio_pipeline_oldest_sector_timestamp_seconds{pipeline="` + pipeline + `",stage="` + stage + `"}`
	}
	expectValues(t, got, map[string]float64{
		sectors("porep", "sdr"): 1, sectors("porep", "tree_d"): 2, sectors("porep", "tree_c"): 1, sectors("porep", "tree_r"): 0,
		sectors("porep", "synth"): 1, sectors("porep", "precommit_msg"): 0, sectors("porep", "precommit_wait"): 1,
		sectors("porep", "wait_seed"): 1, sectors("porep", "porep"): 1, sectors("porep", "finalize"): 0,
		sectors("porep", "move_storage"): 2, sectors("porep", "commit_msg"): 0, sectors("porep", "commit_wait"): 0, sectors("porep", "done"): 1,
		failed("porep", "tree_d"): 1, failed("porep", "precommit_msg"): 1, failed("porep", "sdr"): 0, failed("porep", "done"): 0,
		sectors("snap", "encode"): 1, sectors("snap", "prove"): 1, sectors("snap", "submit"): 0, sectors("snap", "submit_wait"): 1,
		sectors("snap", "move_storage"): 0, sectors("snap", "done"): 0, failed("snap", "prove"): 1, failed("snap", "encode"): 0,

		oldest("porep", "sdr"): at0900, oldest("porep", "tree_d"): at0730, oldest("porep", "tree_c"): at0700,
		oldest("porep", "synth"): at0600, oldest("porep", "precommit_wait"): at0500, oldest("porep", "wait_seed"): at0400,
		oldest("porep", "porep"): at0300, oldest("porep", "move_storage"): at0100,
		oldest("snap", "encode"): at0800, oldest("snap", "prove"): at0700, oldest("snap", "submit_wait"): at0600,

		`lotus_curio_failed_sector_info{pipeline="snap",reason="prove-timeout",sector="24",stage="prove"}`:            1,
		"lotus_curio_failed_sector_info{pipeline=\"porep\",reason=\"tree_d\nfailed\",sector=\"10\",stage=\"tree_d\"}": 1,
		`lotus_curio_failed_sector_info{pipeline="porep",reason="precommit-send",sector="11",stage="precommit_msg"}`:  1,
	}, oldest("porep", "done"), oldest("porep", "tree_r"), oldest("porep", "precommit_msg"))
	// 14 porep stages and 6 snap ones, twice each; 8 + 3 oldest; 3 failed sectors.
	if len(got) != 2*14+2*6+8+3+3 {
		t.Errorf("%d series, want 54", len(got))
	}
}

// An older Curio without after_synth: the porep pipeline is left out, with one error for its
// two reads; snap is written.
func TestCurioPipelineOlderCurio(t *testing.T) {
	f, tdb := curioFixture(t, true)
	tdb.Exec(t, `ALTER TABLE sectors_sdr_pipeline DROP COLUMN after_synth CASCADE`)
	got, err := values(t, f, CurioPipeline{})
	if err == nil || len(leaves(err)) != 1 || !strings.Contains(err.Error(), `column "after_synth" does not exist`) {
		t.Errorf("error %v, want one, the missing column's", err)
	}
	expectValues(t, got, map[string]float64{
		`lotus_curio_pipeline_sectors{pipeline="snap",stage="encode"}`:                                     1,
		`lotus_curio_failed_sector_info{pipeline="snap",reason="prove-timeout",sector="24",stage="prove"}`: 1,
	}, `lotus_curio_pipeline_sectors{pipeline="porep",stage="sdr"}`)
}

// A megabyte of reason with newlines, should Curio widen the column, is a bounded label.
func TestCurioHugeReason(t *testing.T) {
	f, tdb := curioFixture(t, true)
	tdb.Exec(t, `ALTER TABLE sectors_sdr_pipeline ALTER COLUMN failed_reason TYPE text;
UPDATE sectors_sdr_pipeline SET failed_reason = repeat(E'line\n', 200000) WHERE sp_id = 1234 AND sector_number = 10`)
	got, err := values(t, f, CurioPipeline{})
	if err != nil {
		t.Fatal(err)
	}
	for k := range got {
		if strings.HasPrefix(k, "lotus_curio_failed_sector_info") && strings.Contains(k, `sector="10"`) {
			reason := k[strings.Index(k, `reason="`)+len(`reason="`) : strings.Index(k, `",sector=`)]
			if len(reason) > maxLabelValue {
				t.Errorf("reason label of %d bytes", len(reason))
			}
			return
		}
	}
	t.Error("sector 10's info missing")
}

func TestCurioWdPost(t *testing.T) {
	f, _ := curioFixture(t, true)
	got, err := values(t, f, CurioWdPost{})
	if err != nil {
		t.Fatal(err)
	}
	// Deadline 0: one message for two partitions; 1: a failed and a pending one, a proof not
	// sent; 2: sent, no wait row yet; 47: its newest period is the one before.
	expectValues(t, got, map[string]float64{
		`lotus_curio_wdpost_messages{deadline="0",result="landed"}`:   1,
		`lotus_curio_wdpost_messages{deadline="0",result="failed"}`:   0,
		`lotus_curio_wdpost_messages{deadline="0",result="pending"}`:  0,
		`lotus_curio_wdpost_messages{deadline="1",result="landed"}`:   0,
		`lotus_curio_wdpost_messages{deadline="1",result="failed"}`:   1,
		`lotus_curio_wdpost_messages{deadline="1",result="pending"}`:  1,
		`lotus_curio_wdpost_messages{deadline="2",result="landed"}`:   0,
		`lotus_curio_wdpost_messages{deadline="2",result="failed"}`:   0,
		`lotus_curio_wdpost_messages{deadline="2",result="pending"}`:  1,
		`lotus_curio_wdpost_messages{deadline="47",result="landed"}`:  1,
		`lotus_curio_wdpost_messages{deadline="47",result="failed"}`:  0,
		`lotus_curio_wdpost_messages{deadline="47",result="pending"}`: 0,
	})
	if len(got) != 12 {
		t.Errorf("%d series, want 12", len(got))
	}
}

// blockCID is the CID of f01234's block at height in the fake chain.
func blockCID(t *testing.T, sc *lotustest.Scenario, height int64) string {
	t.Helper()
	for _, ts := range sc.Chain {
		for i, b := range ts.Blocks {
			if ts.Height == height && b.Miner == "f01234" {
				return ts.Cids[i].Root
			}
		}
	}
	t.Fatalf("no block of f01234 at %d", height)
	return ""
}

func TestCurioBlocks(t *testing.T) {
	f, tdb := curioFixture(t, false)
	// Small's chain holds f01234's blocks at 4999700, 4999822 and 4999871; 4999777 is a null
	// round. Curio mined those, one at the null round, and one at 4999800 that lost its
	// place. 4999871 is fewer than 5 epochs below the head (4999873): not counted yet.
	tdb.Exec(t, `INSERT INTO mining_tasks (task_id, sp_id, epoch, base_compute_time, won, mined_cid) VALUES
	(1, 1234, 4999700, now(), true, $1), (2, 1234, 4999777, now(), true, 'bafy2bzace-null-round'),
	(3, 1234, 4999800, now(), true, 'bafy2bzace-lost'), (4, 1234, 4999822, now(), true, $2),
	(5, 1234, 4999871, now(), true, $3)`,
		blockCID(t, f.sc, 4999700), blockCID(t, f.sc, 4999822), blockCID(t, f.sc, 4999871))
	f.src.State.update(func(s *stateFile) { s.CurioBlocks = &curio.Blocks{Epoch: 4999650} })
	got, err := values(t, f, CurioBlocks{})
	if err != nil {
		t.Fatal(err)
	}
	expectValues(t, got, map[string]float64{
		`lotus_curio_blocks_mined_total{}`:    4,
		`lotus_curio_blocks_orphaned_total{}`: 2,
	})
	if b := f.src.State.file.CurioBlocks; b.Epoch != 4999868 || len(b.Unchecked) != 0 {
		t.Errorf("kept %+v, want read up to 4999868, nothing left to check", b)
	}
}

// Without the state of a previous run, counting begins: both counters at 0.
func TestCurioBlocksFirstRun(t *testing.T) {
	f, _ := curioFixture(t, false)
	got, err := values(t, f, CurioBlocks{})
	if err != nil {
		t.Fatal(err)
	}
	expectValues(t, got, map[string]float64{`lotus_curio_blocks_mined_total{}`: 0, `lotus_curio_blocks_orphaned_total{}`: 0})
}

// A block the daemon cannot be asked about stays to be checked: the orphan counter, which
// would lag, is left out.
func TestCurioBlocksCheckFails(t *testing.T) {
	f, tdb := curioFixture(t, false)
	tdb.Exec(t, `INSERT INTO mining_tasks (task_id, sp_id, epoch, base_compute_time, won, mined_cid) VALUES (1, 1234, 4999700, now(), true, 'bafy2bzace-x')`)
	f.src.State.update(func(s *stateFile) { s.CurioBlocks = &curio.Blocks{Epoch: 4999650} })
	f.fake.SetFault("daemon", "ChainGetTipSetByHeight", lotustest.Fault{Message: "blockstore: block not found"})
	got, err := values(t, f, CurioBlocks{})
	if err == nil || !strings.Contains(err.Error(), "checking block bafy2bzace-x at epoch 4999700") {
		t.Errorf("error %v", err)
	}
	expectValues(t, got, map[string]float64{`lotus_curio_blocks_mined_total{}`: 1}, `lotus_curio_blocks_orphaned_total{}`)
	if b := f.src.State.file.CurioBlocks; len(b.Unchecked) != 1 {
		t.Errorf("kept %+v, want the block still to check", b)
	}
}

func TestCurioMachines(t *testing.T) {
	f, _ := curioFixture(t, true)
	got, err := values(t, f, CurioMachines{})
	if err != nil {
		t.Fatal(err)
	}
	expectValues(t, got, map[string]float64{
		`lotus_curio_machines{}`: 3,
		`lotus_curio_machine_info{host_and_port="10.0.0.1:12300",machine="sealer-1",version="1.28.1"}`: 1,
		`lotus_curio_machine_info{host_and_port="10.0.0.2:12300",machine="10.0.0.2:12300",version=""}`: 1,
		`lotus_curio_machine_info{host_and_port="10.0.0.3:12300",machine="10.0.0.3:12300",version=""}`: 1,
		`lotus_curio_machine_last_contact_timestamp_seconds{machine="sealer-1"}`:                       1787184000 + 9*3600 + 59*60,
		`lotus_curio_machine_last_contact_timestamp_seconds{machine="10.0.0.2:12300"}`:                 1787184000 + 9*3600 + 59*60 + 30,
		`lotus_curio_machine_last_contact_timestamp_seconds{machine="10.0.0.3:12300"}`:                 1787184000 + 9*3600 + 58*60,
		`lotus_curio_machine_startup_timestamp_seconds{machine="sealer-1"}`:                            1787184000 - 12*3600,
		`lotus_curio_machine_startup_timestamp_seconds{machine="10.0.0.2:12300"}`:                      at0800,
		`lotus_curio_machine_unschedulable{machine="sealer-1"}`:                                        0,
		`lotus_curio_machine_unschedulable{machine="10.0.0.2:12300"}`:                                  1,
		`lotus_curio_machine_unschedulable{machine="10.0.0.3:12300"}`:                                  0,
		`lotus_curio_machine_cpus{machine="sealer-1"}`:                                                 64,
		`lotus_curio_machine_gpus{machine="10.0.0.2:12300"}`:                                           0.5,
		`lotus_curio_machine_memory_bytes{machine="10.0.0.3:12300"}`:                                   68719476736,
	}, `lotus_curio_machine_startup_timestamp_seconds{machine="10.0.0.3:12300"}`)
	if len(got) != 1+3*7-1 {
		t.Errorf("%d series, want 21", len(got))
	}
}

func TestCurioTasks(t *testing.T) {
	f, tdb := curioFixture(t, true)
	// The first run counts no attempt: counting begins after the newest there is.
	tdb.Exec(t, `INSERT INTO harmony_task_history (task_id, name, posted, work_start, work_end, result, completed_by_host_and_port)
VALUES (1, 'SDR', now() - interval '2 hours', now() - interval '2 hours', now() - interval '1 hour', true, '10.0.0.1:12300')`)
	got, err := values(t, f, CurioTasks{})
	if err != nil {
		t.Fatal(err)
	}
	expectValues(t, got, map[string]float64{
		`lotus_curio_tasks{state="queued",task="SDR"}`:                   2,
		`lotus_curio_tasks{state="running",task="SDR"}`:                  1,
		`lotus_curio_tasks{state="queued",task="PoRep"}`:                 1,
		`lotus_curio_tasks{state="running",task="PoRep"}`:                0,
		`lotus_curio_tasks{state="queued",task="WdPost"}`:                0,
		`lotus_curio_tasks{state="running",task="WdPost"}`:               1,
		`lotus_curio_task_oldest_queued_timestamp_seconds{task="SDR"}`:   at0900,
		`lotus_curio_task_oldest_queued_timestamp_seconds{task="PoRep"}`: 1787184000 + 9*3600 + 20*60,
	})
	if len(got) != 8 {
		t.Errorf("first run: %d series, want 8", len(got))
	}

	// The next run, a new connection as cron's next run would have, counts what finished
	// since: a TreeD success of 90 s, and two SDR failures of 10 and 20 s. TreeD, in no
	// queue now, gets its queue series at 0.
	tdb.Exec(t, `INSERT INTO harmony_task_history (task_id, name, posted, work_start, work_end, result, completed_by_host_and_port) VALUES
	(2, 'TreeD', now() - interval '3 minutes', now() - interval '3 minutes', now() - interval '90 seconds', true, '10.0.0.1:12300'),
	(3, 'SDR', now() - interval '3 minutes', now() - interval '2 minutes', now() - interval '110 seconds', false, '10.0.0.1:12300'),
	(4, 'SDR', now() - interval '3 minutes', now() - interval '2 minutes', now() - interval '100 seconds', false, '10.0.0.2:12300')`)
	f.src.Curio.Close()
	f.src.ConnectCurio(context.Background(), curio.Settings{URL: tdb.URL()})
	got, err = values(t, f, CurioTasks{})
	if err != nil {
		t.Fatal(err)
	}
	expectValues(t, got, map[string]float64{
		`lotus_curio_task_results_total{result="success",task="TreeD"}`: 1,
		`lotus_curio_task_seconds_total{result="success",task="TreeD"}`: 90,
		`lotus_curio_task_results_total{result="failure",task="TreeD"}`: 0,
		`lotus_curio_task_seconds_total{result="failure",task="TreeD"}`: 0,
		`lotus_curio_task_results_total{result="success",task="SDR"}`:   0,
		`lotus_curio_task_results_total{result="failure",task="SDR"}`:   2,
		`lotus_curio_task_seconds_total{result="failure",task="SDR"}`:   30,
		`lotus_curio_tasks{state="queued",task="TreeD"}`:                0,
		`lotus_curio_tasks{state="running",task="TreeD"}`:               0,
	})
	// Four names queued and running, two oldest, two names counted by result twice.
	if len(got) != 4*2+2+2*2*2 {
		t.Errorf("second run: %d series, want 18", len(got))
	}
}

func TestCurioStorage(t *testing.T) {
	f, _ := curioFixture(t, true)
	got, err := values(t, f, CurioStorage{})
	if err != nil {
		t.Fatal(err)
	}
	// st-nulls has only its ID: info, and no figure; st-seal's limit of 0 is no limit.
	expectValues(t, got, map[string]float64{
		`lotus_curio_storage_info{can_seal="true",can_store="false",groups="g1",storage_id="st-seal",urls="http://10.0.0.1:12300/remote"}`:                             1,
		`lotus_curio_storage_info{can_seal="false",can_store="true",groups="",storage_id="st-store",urls="http://10.0.0.2:12300/remote,http://10.0.0.3:12300/remote"}`: 1,
		`lotus_curio_storage_info{can_seal="false",can_store="false",groups="",storage_id="st-nulls",urls=""}`:                                                         1,
		`lotus_curio_storage_capacity_bytes{storage_id="st-seal"}`:                                                                                                     1e12,
		`lotus_curio_storage_available_bytes{storage_id="st-seal"}`:                                                                                                    4e11,
		`lotus_curio_storage_fs_available_bytes{storage_id="st-seal"}`:                                                                                                 5e11,
		`lotus_curio_storage_reserved_bytes{storage_id="st-seal"}`:                                                                                                     1e11,
		`lotus_curio_storage_used_bytes{storage_id="st-seal"}`:                                                                                                         3e11,
		`lotus_curio_storage_reserved_bytes{storage_id="st-store"}`:                                                                                                    0,
		`lotus_curio_storage_max_bytes{storage_id="st-store"}`:                                                                                                         5e13,
		`lotus_curio_storage_heartbeat_timestamp_seconds{storage_id="st-seal"}`:                                                                                        1787184000 + 9*3600 + 59*60 + 50,
		`lotus_curio_storage_heartbeat_timestamp_seconds{storage_id="st-store"}`:                                                                                       1787184000 + 9*3600 + 40*60,
		`lotus_curio_storage_url_live{storage_id="st-seal",url="http://10.0.0.1:12300/remote"}`:                                                                        1,
		`lotus_curio_storage_url_live{storage_id="st-store",url="http://10.0.0.2:12300/remote"}`:                                                                       0,
		`lotus_curio_storage_url_live{storage_id="st-store",url="http://10.0.0.3:12300/remote"}`:                                                                       1,
		`lotus_curio_storage_url_live{storage_id="st-nulls",url="http://10.0.0.9:12300/remote"}`:                                                                       0,
	}, `lotus_curio_storage_max_bytes{storage_id="st-seal"}`, `lotus_curio_storage_capacity_bytes{storage_id="st-nulls"}`,
		`lotus_curio_storage_heartbeat_timestamp_seconds{storage_id="st-nulls"}`)
	if len(got) != 3+2*5+1+2+4 {
		t.Errorf("%d series, want 20", len(got))
	}
}

func TestCurioAlertsAndMessages(t *testing.T) {
	f, tdb := curioFixture(t, true)
	got, err := values(t, f, CurioAlerts{})
	if err != nil {
		t.Fatal(err)
	}
	expectValues(t, got, map[string]float64{
		`lotus_curio_alert_active{condition="st-store-heartbeat",subsystem="storage",system="sector-index"}`:   1,
		`lotus_curio_alert_active{condition="st-nulls-unreachable",subsystem="storage",system="sector-index"}`: 1,
	})
	got, err = values(t, f, CurioMessages{})
	if err != nil {
		t.Fatal(err)
	}
	expectValues(t, got, map[string]float64{
		`lotus_curio_pending_messages{}`:                         2,
		`lotus_curio_oldest_pending_message_timestamp_seconds{}`: 1787184000 + 9*3600 + 30*60,
	})
	// Nothing pending: 0, and no oldest.
	tdb.Exec(t, `UPDATE message_waits SET executed_tsk_cid = 'bafy-ts', executed_rcpt_exitcode = 0`)
	got, err = values(t, f, CurioMessages{})
	if err != nil || len(got) != 1 || got[`lotus_curio_pending_messages{}`] != 0 {
		t.Errorf("%v, %v; want 0 pending", got, err)
	}
}

// Each collector reports its own outcome: a table the user may not read fails the one
// collector that reads it, in one error; lotus_up{api="curio_db"} is 1.
func TestCurioPermissionDeniedOnOneTable(t *testing.T) {
	f, tdb := curioFixture(t, true)
	tdb.Exec(t, `REVOKE SELECT ON storage_path FROM `+curiotest.ReaderUser)
	run := Execute(context.Background(), f.src, CurioCluster)
	for _, o := range run.Outcomes {
		switch {
		case o.Name == "curio_storage" && (o.Err == nil || o.Err.Error() != "reading storage_path from Curio's database: permission denied for table storage_path (SQLSTATE 42501)"):
			t.Errorf("curio_storage: %v", o.Err)
		case o.Name != "curio_storage" && o.Err != nil:
			t.Errorf("%s: %v", o.Name, o.Err)
		}
	}
	got := gathered(t, run)
	expectValues(t, got, map[string]float64{
		`lotus_up{api="curio_db"}`:                                     1,
		`lotus_exporter_collector_success{collector="curio_storage"}`:  0,
		`lotus_exporter_collector_success{collector="curio_machines"}`: 1,
		// The URLs' table is still read.
		`lotus_curio_storage_url_live{storage_id="st-seal",url="http://10.0.0.1:12300/remote"}`: 1,
	}, `lotus_curio_storage_info{can_seal="true",can_store="false",groups="g1",storage_id="st-seal",urls="http://10.0.0.1:12300/remote"}`)
}

// A database that does not answer: lotus_up{api="curio_db"} 0, and each Curio collector
// fails as a consequence the run reports once.
func TestCurioDatabaseDown(t *testing.T) {
	f := newFixture(t, nil, nil)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	f.src.ConnectCurio(context.Background(), curio.Settings{URL: "postgres://u:p@" + addr + "/yugabyte"})
	if f.src.Curio != nil || f.src.CurioErr == nil {
		t.Fatalf("connected: %v", f.src.CurioErr)
	}
	run := Execute(context.Background(), f.src, append(CurioMiner, CurioCluster...))
	for _, o := range run.Outcomes {
		if !IsConsequence(o.Err) {
			t.Errorf("%s: %v, want the database's being down", o.Name, o.Err)
		}
	}
	got := gathered(t, run)
	expectValues(t, got, map[string]float64{`lotus_up{api="curio_db"}`: 0, `lotus_exporter_collector_success{collector="curio_tasks"}`: 0})
	for k := range got {
		if strings.HasPrefix(k, "lotus_curio_") {
			t.Errorf("%s written", k)
		}
	}
}

// Each Curio collector reports the reads it could not make, and writes none of their series.
func TestCurioEveryCollectorReportsItsFailure(t *testing.T) {
	f, tdb := curioFixture(t, true)
	tdb.Exec(t, `REVOKE SELECT ON ALL TABLES IN SCHEMA curio FROM `+curiotest.ReaderUser)
	f.src.State.update(func(s *stateFile) { s.CurioBlocks = &curio.Blocks{Epoch: 4999650} })
	run := Execute(context.Background(), f.src, append(CurioMiner, CurioCluster...))
	for _, o := range run.Outcomes {
		if o.Err == nil || !strings.Contains(o.Err.Error(), "permission denied for table") {
			t.Errorf("%s: %v, want its reads refused", o.Name, o.Err)
		}
	}
	for k := range gathered(t, run) {
		if strings.HasPrefix(k, "lotus_curio_") {
			t.Errorf("%s written", k)
		}
	}
}
