// The cost of one run's reads of a large cluster's database: the database's time, and the exporter's CPU and memory.
package curio

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lotus-farcaster/lotus-farcaster/curio/curiotest"
)

// large fills a database as a large cluster's: 2,000,000 finished attempts over 30 days,
// 100,000 sectors in the porep pipeline (every stage, 2% failed), 50 machines, a month of
// mining and WindowPoSt, a queue, storage paths and alerts.
const large = `
INSERT INTO harmony_machines (id, host_and_port, last_contact, cpu, ram, gpu, unschedulable)
SELECT i, '10.0.' || i || '.1:12300', now(), 64, 274877906944, 2, false FROM generate_series(1, 50) i;
INSERT INTO harmony_machine_details (machine_id, machine_name, startup_time, version, miners, tasks, layers)
SELECT i, 'machine-' || i, now() - interval '1 day', '1.28.1', 'f01234', 'SDR,TreeD,TreeRC,PoRep,WdPost', 'base,seal'
FROM generate_series(1, 50) i;

INSERT INTO harmony_task (name, posted_time, owner_id, added_by)
SELECT (ARRAY['SDR','TreeD','TreeRC','PoRep','Finalize','MoveStorage','WdPost','WinPost'])[1 + i % 8],
	now() - make_interval(secs => i), CASE WHEN i % 3 = 0 THEN 1 + i % 50 END, 1
FROM generate_series(1, 500) i;

INSERT INTO harmony_task_history (task_id, name, posted, work_start, work_end, result, err, completed_by_host_and_port)
SELECT i, (ARRAY['SDR','TreeD','TreeRC','SyntheticProofs','PreCommitBatch','PoRep','Finalize','MoveStorage',
		'CommitBatch','WdPost','WdPostSubmit','WinPost','UpdateEncode','UpdateProve','ParkPiece'])[1 + i % 15],
	now() - make_interval(secs => i * 1.3 + 600), now() - make_interval(secs => i * 1.3 + 300),
	now() - make_interval(secs => i * 1.3), i % 10 <> 0, CASE WHEN i % 10 = 0 THEN 'task failed' END, '10.0.' || (i % 50) || '.1:12300'
FROM generate_series(1, 2000000) i;

INSERT INTO sectors_sdr_pipeline (sp_id, sector_number, create_time, reg_seal_proof,
	after_sdr, after_tree_d, after_tree_c, after_tree_r, after_synth, after_precommit_msg, after_precommit_msg_success,
	seed_epoch, after_porep, after_finalize, after_move_storage, after_commit_msg, after_commit_msg_success,
	failed, failed_at, failed_reason)
SELECT 1234, i, now() - make_interval(secs => i), 8,
	i % 14 > 0, i % 14 > 1, i % 14 > 2, i % 14 > 3, i % 14 > 4, i % 14 > 5, i % 14 > 6,
	4999863 + (i % 3) * 10, i % 14 > 8, i % 14 > 9, i % 14 > 10, i % 14 > 11, i % 14 > 12,
	i % 50 = 0, CASE WHEN i % 50 = 0 THEN now() - make_interval(secs => i) END, CASE WHEN i % 50 = 0 THEN 'failed' ELSE '' END
FROM generate_series(1, 100000) i;

INSERT INTO mining_tasks (task_id, sp_id, epoch, base_compute_time, won, mined_cid)
SELECT i, 1234, 4999873 - 86400 + i, now(), i % 100 = 0, CASE WHEN i % 100 = 0 THEN 'bafy-' || i END
FROM generate_series(1, 86400) i;

INSERT INTO wdpost_proofs (sp_id, proving_period_start, deadline, partition, submit_at_epoch, submit_by_epoch, message_cid)
SELECT 1234, 4998816 - p * 2880, d, part, 4998816 - p * 2880 + d * 60, 4998816 - p * 2880 + d * 60 + 60, 'bafy-w' || p || '-' || d
FROM generate_series(0, 29) p, generate_series(0, 47) d, generate_series(0, 3) part;
INSERT INTO message_waits (signed_message_cid, created_at, executed_tsk_cid, executed_tsk_epoch, executed_rcpt_exitcode)
SELECT DISTINCT message_cid, now(), 'bafy-ts', 1, 0 FROM wdpost_proofs;
INSERT INTO message_waits (signed_message_cid, created_at) SELECT 'bafy-pending-' || i, now() - make_interval(secs => i) FROM generate_series(1, 20) i;

INSERT INTO storage_path (storage_id, urls, can_seal, can_store, groups, capacity, available, fs_available, reserved, used, max_storage, last_heartbeat)
SELECT 'path-' || i, 'http://10.0.' || i || '.1:12300/remote', i % 2 = 0, i % 2 = 1, 'g', 1e14, 4e13, 5e13, 0, 6e13, 0, now()
FROM generate_series(1, 20) i;
INSERT INTO sector_path_url_liveness (storage_id, url, last_checked, last_live)
SELECT 'path-' || i, 'http://10.0.' || i || '.1:12300/remote', now(), now() FROM generate_series(1, 20) i;
INSERT INTO alert_conditions (system, subsystem, condition, message) VALUES ('sector-index', 'storage', 'path-1', 'quiet');
ANALYZE;
`

// BenchmarkRunReads is one run's every read of the large cluster, on one connection at a
// time, connecting included: the task history read in its steady state (the last run a
// minute before). It reports the time the reads took (the database's, on loopback) and the
// exporter's CPU time; go test -benchmem adds its memory.
func BenchmarkRunReads(b *testing.B) {
	tdb := curiotest.New(b)
	start := time.Now()
	tdb.Exec(b, large)
	b.Logf("filled the database in %s", time.Since(start).Round(time.Second))
	ctx := context.Background()
	explain(b, tdb)

	// The previous run's state: a minute ago, reading on from six minutes back.
	db, err := Open(ctx, Settings{URL: tdb.URL()})
	if err != nil {
		b.Fatal(err)
	}
	prevHistory := TaskHistory{From: db.Now().Add(-24 * time.Hour), After: db.Now().Add(-historyRescan - time.Minute), Tasks: map[string]*TaskAttempts{}}
	if prevHistory, err = db.TaskHistory(ctx, prevHistory); err != nil {
		b.Fatal(err)
	}
	prevHistory.After = prevHistory.After.Add(-time.Minute)
	db.Close()
	prevBlocks := Blocks{Epoch: curiotest.PencilHead - CheckDepth - 2}

	type timed struct {
		name string
		read func(db *DB) error
	}
	reads := []timed{
		{"miners", func(db *DB) error { _, err := db.Miners(ctx); return err }},
		{"porep pipeline", func(db *DB) error { _, err := db.PoRepPipeline(ctx, 1234, curiotest.PencilHead); return err }},
		{"snap pipeline", func(db *DB) error { _, err := db.SnapPipeline(ctx, 1234); return err }},
		{"failed sectors", func(db *DB) error { _, err := db.FailedSectors(ctx, 1234, curiotest.PencilHead); return err }},
		{"wdpost", func(db *DB) error { _, err := db.WdPostMessages(ctx, 1234); return err }},
		{"mined blocks", func(db *DB) error { _, err := db.MinedBlocks(ctx, 1234, curiotest.PencilHead, prevBlocks); return err }},
		{"machines", func(db *DB) error { _, err := db.Machines(ctx); return err }},
		{"task queue", func(db *DB) error { _, err := db.Tasks(ctx); return err }},
		{"task history", func(db *DB) error { _, err := db.TaskHistory(ctx, prevHistory); return err }},
		{"storage paths", func(db *DB) error { _, err := db.StoragePaths(ctx); return err }},
		{"storage URLs", func(db *DB) error { _, err := db.StorageURLs(ctx); return err }},
		{"alerts", func(db *DB) error { _, err := db.Alerts(ctx); return err }},
		{"pending messages", func(db *DB) error { _, err := db.PendingMessages(ctx); return err }},
	}
	took := make([]time.Duration, len(reads))
	var connect time.Duration
	cpu0 := cpuTime(b)
	for b.Loop() {
		t0 := time.Now()
		db, err := Open(ctx, Settings{URL: tdb.URL()})
		if err != nil {
			b.Fatal(err)
		}
		connect += time.Since(t0)
		for i, r := range reads {
			t := time.Now()
			if err := r.read(db); err != nil {
				b.Fatalf("%s: %v", r.name, err)
			}
			took[i] += time.Since(t)
		}
		db.Close()
	}
	cpu := cpuTime(b) - cpu0
	var total time.Duration
	var each []string
	for i, r := range reads {
		total += took[i]
		each = append(each, fmt.Sprintf("%s %.1f", r.name, ms(took[i])/float64(b.N)))
	}
	b.Logf("ms a run: %s", strings.Join(each, ", "))
	b.ReportMetric(ms(total)/float64(b.N), "reads-ms/op")
	b.ReportMetric(ms(connect)/float64(b.N), "connect-ms/op")
	b.ReportMetric(ms(cpu)/float64(b.N), "cpu-ms/op")
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// cpuTime is the CPU time the test process has used, user and system.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// explain logs the database's own time of each statement on the large cluster, and fails
// if one scans harmony_task_history whole.
func explain(b *testing.B, tdb *curiotest.DB) {
	now := time.Now()
	var lines []string
	for _, q := range []struct {
		name, sql string
		args      []any
	}{
		{"porep pipeline", qPoRepStages, []any{1234, curiotest.PencilHead}},
		{"snap pipeline", qSnapStages, []any{1234}},
		{"porep failed", qPoRepFailed, []any{1234, curiotest.PencilHead, MaxFailedSectors}},
		{"snap failed", qSnapFailed, []any{1234, MaxFailedSectors}},
		{"wdpost", qWdPost, []any{1234, provingPeriod, maxRows + 1}},
		{"mined blocks", qMinedBlocks, []any{1234, curiotest.PencilHead - 7, curiotest.PencilHead - 5, maxMinedPerRun}},
		{"machines", qMachines, []any{maxRows + 1}},
		{"miners", qMiners, []any{maxRows + 1}},
		{"task queue", qTasks, []any{maxRows + 1}},
		{"newest task end", qNewestTaskEnd, nil},
		{"task history", qTaskHistory, []any{now.Add(-6 * time.Minute), now.Add(-24 * time.Hour), maxHistoryPerRun}},
		{"storage paths", qStoragePaths, []any{maxRows + 1}},
		{"storage URLs", qStorageURLs, []any{maxRows + 1}},
		{"alerts", qAlerts, []any{maxRows + 1}},
		{"pending messages", qPendingMessages, nil},
	} {
		var out []byte
		if err := tdb.Admin.QueryRow(context.Background(), "EXPLAIN (ANALYZE, FORMAT JSON) "+q.sql, q.args...).Scan(&out); err != nil {
			b.Fatalf("%s: %v", q.name, err)
		}
		var plan []struct {
			Plan          planNode
			PlanningTime  float64 `json:"Planning Time"`
			ExecutionTime float64 `json:"Execution Time"`
		}
		if err := json.Unmarshal(out, &plan); err != nil {
			b.Fatal(err)
		}
		if plan[0].Plan.scans("harmony_task_history") {
			b.Errorf("%s scans harmony_task_history whole:\n%s", q.name, out)
		}
		lines = append(lines, fmt.Sprintf("%s %.2f", q.name, plan[0].PlanningTime+plan[0].ExecutionTime))
	}
	b.Logf("the database's time (planning and execution, ms): %s", strings.Join(lines, ", "))
}

// planNode is a node of EXPLAIN's JSON plan.
type planNode struct {
	NodeType string     `json:"Node Type"`
	Relation string     `json:"Relation Name"`
	Plans    []planNode `json:"Plans"`
}

// scans says whether the plan reads table with a sequential scan.
func (n planNode) scans(table string) bool {
	if n.NodeType == "Seq Scan" && n.Relation == table {
		return true
	}
	for _, c := range n.Plans {
		if c.scans(table) {
			return true
		}
	}
	return false
}
