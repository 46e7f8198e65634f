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

// BenchmarkRunReads is one run's every read of the large cluster, on one connection at a
// time, connecting included: the task history read in its steady state (the last run a
// minute before). It reports the time the reads took (the database's, on loopback) and the
// exporter's CPU time; go test -benchmem adds its memory.
func BenchmarkRunReads(b *testing.B) {
	tdb := curiotest.New(b)
	start := time.Now()
	tdb.Large(b)
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
