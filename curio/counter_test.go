// The counters kept across runs: finished task attempts (a cursor on work_end) and mined blocks (a cursor on epoch).
package curio

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/lotus-farcaster/lotus-farcaster/curio/curiotest"
)

// run is one run of the exporter: a connection of its own, whose database clock is the run's.
func run(t *testing.T, tdb *curiotest.DB) *DB {
	t.Helper()
	db, err := Open(testContext(t), Settings{URL: tdb.URL()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	return db
}

func counts(h TaskHistory) string {
	var b strings.Builder
	for _, name := range h.Names() {
		t := h.Tasks[name]
		fmt.Fprintf(&b, "%s success %d %gs failure %d %gs\n", name, t.Success.Count, t.Success.Seconds, t.Failure.Count, t.Failure.Seconds)
	}
	return b.String()
}

// history adds a finished attempt, ending ago before the database's now, that ran for secs.
func history(t *testing.T, tdb *curiotest.DB, id int, name string, ok bool, ago string, secs int) {
	t.Helper()
	tdb.Exec(t, `INSERT INTO harmony_task_history (id, task_id, name, posted, work_start, work_end, result, completed_by_host_and_port)
VALUES ($1, 1, $2, now() - $3::interval - make_interval(secs => $4 + 60), now() - $3::interval - make_interval(secs => $4), now() - $3::interval, $5, '10.0.0.1:12300')`,
		id, name, ago, secs, ok)
}

func TestTaskHistoryCounting(t *testing.T) {
	tdb := curiotest.New(t)
	ctx := context.Background()
	// Before counting began: never counted.
	history(t, tdb, 100, "SDR", true, "1 hour", 10)
	history(t, tdb, 101, "PoRep", false, "30 minutes", 20)

	// The first run starts at the newest attempt and counts nothing.
	h, err := run(t, tdb).TaskHistory(ctx, TaskHistory{})
	if err != nil || len(h.Tasks) != 0 || h.From.IsZero() || !h.After.Equal(h.From) {
		t.Fatalf("first run: %+v, %v", h, err)
	}

	history(t, tdb, 102, "SDR", true, "10 minutes", 30)
	history(t, tdb, 103, "SDR", false, "9 minutes", 5)
	history(t, tdb, 104, "TreeD", true, "1 minute", 7)
	h, err = run(t, tdb).TaskHistory(ctx, h)
	if got := counts(h); err != nil || got != "SDR success 1 30s failure 1 5s\nTreeD success 1 7s failure 0 0s\n" {
		t.Errorf("second run:\n%s%v", got, err)
	}
	// Only the attempt ending within the last five minutes is kept to be read again.
	if fmt.Sprint(h.Seen) != "[104]" {
		t.Errorf("seen %v, want [104]", h.Seen)
	}

	// Committed late: an attempt of a lower id (YugabyteDB hands ids out of order) that ended
	// two minutes ago is counted; one that ended twenty minutes ago is too late. 104, read
	// again, is not counted twice.
	history(t, tdb, 1, "WinPost", true, "2 minutes", 2)
	history(t, tdb, 2, "WinPost", true, "20 minutes", 2)
	h, err = run(t, tdb).TaskHistory(ctx, h)
	if got := counts(h); err != nil || got != "SDR success 1 30s failure 1 5s\nTreeD success 1 7s failure 0 0s\nWinPost success 1 2s failure 0 0s\n" {
		t.Errorf("third run:\n%s%v", got, err)
	}
	if err := h.Check(); err != nil {
		t.Error(err)
	}
}

// After a pause, a run reads at most maxHistoryPerRun attempts and the next reads on; each
// attempt is counted once.
func TestTaskHistoryCatchesUp(t *testing.T) {
	tdb := curiotest.New(t)
	ctx := context.Background()
	history(t, tdb, 1_000_000, "SDR", true, "2 hours", 1)
	h, err := run(t, tdb).TaskHistory(ctx, TaskHistory{})
	if err != nil {
		t.Fatal(err)
	}
	// 20,005 attempts of a second each, ending 100 ms apart over the last 34 minutes.
	tdb.Exec(t, `INSERT INTO harmony_task_history (task_id, name, posted, work_start, work_end, result, completed_by_host_and_port)
SELECT 1, 'TreeRC', now() - make_interval(secs => i / 10.0 + 1), now() - make_interval(secs => i / 10.0 + 1), now() - make_interval(secs => i / 10.0), true, 'x'
FROM generate_series(1, 20005) i`)
	h, err = run(t, tdb).TaskHistory(ctx, h)
	if err != nil || h.Tasks["TreeRC"].Success.Count != 20000 {
		t.Fatalf("first read: %s%v; want 20000 counted", counts(h), err)
	}
	h, err = run(t, tdb).TaskHistory(ctx, h)
	if err != nil || counts(h) != "TreeRC success 20005 20005s failure 0 0s\n" {
		t.Errorf("second read: %s%v; want all 20005, once each", counts(h), err)
	}
}

// No statement of the package reads harmony_task_history whole: each uses an index on work_end.
func TestTaskHistoryNeverScannedWhole(t *testing.T) {
	tdb, _ := open(t, false)
	ctx := context.Background()
	// On a small table the planner scans it whole whatever the indexes; with sequential
	// scans discouraged it does so only where no index serves the statement.
	tdb.Exec(t, "SET enable_seqscan = off")
	for _, q := range []struct {
		sql  string
		args []any
		want string // in the plan: the newest row read off an index's end; a range of an index
	}{
		{qNewestTaskEnd, nil, "Index Only Scan using harmony_task_history_recent_task_result_idx"},
		{qTaskHistory, []any{"2026-08-20 09:55:00+00", "2026-08-20 09:00:00+00", maxHistoryPerRun}, "Index Cond: ((work_end >= "},
	} {
		rows, err := tdb.Admin.Query(ctx, "EXPLAIN "+q.sql, q.args...)
		if err != nil {
			t.Fatal(err)
		}
		var plan strings.Builder
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err != nil {
				t.Fatal(err)
			}
			plan.WriteString(line + "\n")
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		if p := plan.String(); strings.Contains(p, "Seq Scan on harmony_task_history") || !strings.Contains(p, q.want) {
			t.Errorf("%s\nplan:\n%s", q.sql, p)
		}
	}
}

func TestMinedBlocks(t *testing.T) {
	tdb, db := open(t, false)
	ctx := context.Background()
	const head = 5_000_000
	tdb.Exec(t, `INSERT INTO mining_tasks (task_id, sp_id, epoch, base_compute_time, won, mined_cid) VALUES
	(1, 1234, 4999800, now(), true, 'bafy-a'),  -- before the cursor
	(2, 1234, 4999950, now(), true, 'bafy-b'),
	(3, 1234, 4999960, now(), false, NULL),     -- not won
	(4, 1234, 4999970, now(), true, NULL),      -- won, no block made
	(5, 1234, 4999980, now(), true, 'bafy-c'),
	(6, 1234, 4999997, now(), true, 'bafy-d'),  -- fewer than 5 epochs below the head
	(7, 2000, 4999955, now(), true, 'bafy-x')   -- another miner's`)

	// The first run starts counting 5 epochs below the head.
	first, err := db.MinedBlocks(ctx, 1234, head, Blocks{})
	if err != nil || fmt.Sprintf("%+v", first) != "{Epoch:4999995 Mined:0 Orphaned:0 Unchecked:[]}" {
		t.Errorf("first run: %+v, %v", first, err)
	}

	b, err := db.MinedBlocks(ctx, 1234, head, Blocks{Epoch: 4999900})
	if err != nil || fmt.Sprintf("%+v", b) != "{Epoch:4999995 Mined:2 Orphaned:0 Unchecked:[{Epoch:4999950 CID:bafy-b} {Epoch:4999980 CID:bafy-c}]}" {
		t.Fatalf("from 4999900: %+v, %v", b, err)
	}
	// The chain holds b; c lost its place.
	b.Checked(b.Unchecked[0], true)
	b.Checked(b.Unchecked[0], false)
	if fmt.Sprintf("%+v", b) != "{Epoch:4999995 Mined:2 Orphaned:1 Unchecked:[]}" || b.Check() != nil {
		t.Errorf("after the checks: %+v", b)
	}
	// Ten epochs on, d is old enough; a run at the same head again adds nothing.
	b, err = db.MinedBlocks(ctx, 1234, head+10, b)
	if err != nil || fmt.Sprintf("%+v", b) != "{Epoch:5000005 Mined:3 Orphaned:1 Unchecked:[{Epoch:4999997 CID:bafy-d}]}" {
		t.Errorf("at head+10: %+v, %v", b, err)
	}
	again, err := db.MinedBlocks(ctx, 1234, head+10, b)
	if err != nil || fmt.Sprint(again) != fmt.Sprint(b) {
		t.Errorf("the same head again: %+v, %v", again, err)
	}
}

func TestBlocksContradictions(t *testing.T) {
	for _, tc := range []struct {
		b    Blocks
		want string
	}{
		{Blocks{Epoch: 10, Mined: 2, Orphaned: 1, Unchecked: []MinedBlock{{9, "a"}}}, ""},
		{Blocks{Epoch: 10, Mined: 1, Orphaned: 2}, "2 blocks orphaned of 1 mined"},
		{Blocks{Epoch: 10, Mined: 2, Orphaned: 1, Unchecked: []MinedBlock{{9, "a"}, {8, "b"}}}, "2 blocks to check of 1 mined and not orphaned"},
		{Blocks{Epoch: 10, Mined: 2, Unchecked: []MinedBlock{{11, "a"}}}, "a block to check beyond epoch 10, the last read"},
	} {
		if err := tc.b.Check(); fmt.Sprint(err) != tc.want && (err != nil || tc.want != "") {
			t.Errorf("%+v: %v, want %q", tc.b, err, tc.want)
		}
	}
}
