// Tasks: the queue in harmony_task, and finished attempts counted from harmony_task_history across runs.
package curio

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
)

// harmony_task holds the work queued or running: a task without an owner is not taken yet.
const qTasks = `SELECT name, count(*) FILTER (WHERE owner_id IS NULL), count(*) FILTER (WHERE owner_id IS NOT NULL),
	min(posted_time) FILTER (WHERE owner_id IS NULL)
FROM curio.harmony_task GROUP BY name ORDER BY name LIMIT $1`

// TaskQueue is the tasks of one name in harmony_task.
type TaskQueue struct {
	Name            string
	Queued, Running int
	OldestQueued    time.Time // posted_time of the oldest queued; zero when none is queued
}

// Tasks reads harmony_task by task name.
func (db *DB) Tasks(ctx context.Context) ([]TaskQueue, error) {
	return readList(ctx, db, "harmony_task", qTasks, func(r pgx.Rows) (q TaskQueue, err error) {
		var oldest *time.Time
		err = r.Scan(&q.Name, &q.Queued, &q.Running, &oldest)
		q.OldestQueued = deref(oldest)
		return q, err
	})
}

// harmony_task_history gets a row per finished attempt and nothing prunes it: it is never
// scanned whole. Its id is a SERIAL, but YugabyteDB hands out sequence values from a cache per
// connection (or per server), so ids are not in commit order across Curio's machines: a
// cursor on id would skip a row committed after one with a higher id. The cursor is on
// work_end, which the table's indexes lead with (20240420-web-task-indexes.sql,
// 20260430-harmony-task-history-idx.sql), and each run reads the last historyRescan again,
// skipping the ids it counted, for the rows committed late.
const (
	qNewestTaskEnd = `SELECT work_end FROM curio.harmony_task_history ORDER BY work_end DESC LIMIT 1`
	qTaskHistory   = `SELECT id, name, result, work_start, work_end FROM curio.harmony_task_history
WHERE work_end >= $1 AND work_end > $2 ORDER BY work_end LIMIT $3`
)

const (
	// historyRescan is how late a row may be committed after its work_end (by the clocks of
	// the machine that ran it and of the database) and still be counted.
	historyRescan = 5 * time.Minute
	// maxHistoryPerRun bounds one run's read; after a pause the next runs read on.
	maxHistoryPerRun = 20_000
	// maxTaskNames bounds the names counted: Curio has a few dozen task types.
	maxTaskNames = 1000
)

// TaskHistory is what is kept of harmony_task_history between runs: the counts by task name
// and where the next run reads on. It is saved as JSON by the caller.
type TaskHistory struct {
	From  time.Time                `json:"from"`  // counting began with the attempts that ended after this
	After time.Time                `json:"after"` // the next run reads the attempts that ended at or after this
	Seen  []int64                  `json:"seen"`  // the attempts counted that ended at or after After
	Tasks map[string]*TaskAttempts `json:"tasks"` // by task name
}

// TaskAttempts are the attempts of one task name counted since counting began.
type TaskAttempts struct {
	Success Attempts `json:"success"`
	Failure Attempts `json:"failure"` // failed, retried or preempted: a row is an attempt, not a final outcome
}

// Attempts is a count of attempts and their run time (work_end − work_start) summed.
type Attempts struct {
	Count   uint64  `json:"count"`
	Seconds float64 `json:"seconds"`
}

// Check says why h cannot be true, or nil.
func (h *TaskHistory) Check() error {
	if h.After.Before(h.From) {
		return fmt.Errorf("reading on at %s, before counting began at %s", h.After, h.From)
	}
	for name, t := range h.Tasks {
		if t == nil || t.Success.Seconds < 0 || t.Failure.Seconds < 0 {
			return fmt.Errorf("task %q has no counts, or a negative run time", name)
		}
	}
	return nil
}

// TaskHistory counts the attempts that finished since prev was read. The first run (prev
// zero) counts nothing: counting begins after the newest attempt there is.
func (db *DB) TaskHistory(ctx context.Context, prev TaskHistory) (TaskHistory, error) {
	if prev.From.IsZero() {
		var newest time.Time
		err := db.read(ctx, "harmony_task_history", qNewestTaskEnd, nil, func(r pgx.Rows) error { return r.Scan(&newest) })
		if err != nil {
			return prev, err
		}
		if newest.IsZero() { // an empty history: count from the database's present
			newest = db.now
		}
		return TaskHistory{From: newest, After: newest, Tasks: map[string]*TaskAttempts{}}, nil
	}

	type attempt struct {
		id         int64
		name       string
		success    bool
		start, end time.Time
	}
	var rows []attempt
	err := db.read(ctx, "harmony_task_history", qTaskHistory, []any{prev.After, prev.From, maxHistoryPerRun}, func(r pgx.Rows) error {
		var a attempt
		if err := r.Scan(&a.id, &a.name, &a.success, &a.start, &a.end); err != nil {
			return err
		}
		rows = append(rows, a)
		return nil
	})
	if err != nil {
		return prev, err
	}

	next := TaskHistory{From: prev.From, Tasks: make(map[string]*TaskAttempts, len(prev.Tasks))}
	for name, t := range prev.Tasks {
		c := *t
		next.Tasks[name] = &c
	}
	seen := make(map[int64]bool, len(prev.Seen))
	for _, id := range prev.Seen {
		seen[id] = true
	}
	unknown := 0
	for _, a := range rows {
		if seen[a.id] {
			continue
		}
		seen[a.id] = true
		t := next.Tasks[a.name]
		if t == nil {
			if len(next.Tasks) >= maxTaskNames {
				unknown++
				continue
			}
			t = &TaskAttempts{}
			next.Tasks[a.name] = t
		}
		c := &t.Failure
		if a.success {
			c = &t.Success
		}
		c.Count++
		// A counter never goes down, whatever the clocks wrote.
		c.Seconds += max(0, a.end.Sub(a.start).Seconds())
	}

	// Read whole, the history up to now is counted but for rows committed late: the next run
	// reads the last historyRescan again. Cut short, it reads on from the last row read.
	limited := len(rows) == maxHistoryPerRun
	next.After = maxTime(prev.After, db.now.Add(-historyRescan))
	if limited {
		next.After = rows[len(rows)-1].end
	}
	read := make(map[int64]bool, len(rows))
	for _, a := range rows {
		read[a.id] = true
		if !a.end.Before(next.After) {
			next.Seen = append(next.Seen, a.id)
		}
	}
	if limited { // counted rows beyond the last one read were not read again: keep them
		for _, id := range prev.Seen {
			if !read[id] {
				next.Seen = append(next.Seen, id)
			}
		}
	}
	slices.Sort(next.Seen)
	if unknown > 0 {
		return next, fmt.Errorf("task history: %d attempts of task names beyond the first %d not counted", unknown, maxTaskNames)
	}
	return next, nil
}

// Names are the task names counted, sorted.
func (h *TaskHistory) Names() []string { return slices.Sorted(maps.Keys(h.Tasks)) }

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
