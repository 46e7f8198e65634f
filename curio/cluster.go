// What Curio's alert manager holds active, and the messages Curio sent that have not executed yet.
package curio

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// alert_conditions (20260702-alert-lifecycle.sql) holds the conditions while they are active;
// an older Curio has no such table.
const qAlerts = `SELECT system, subsystem, condition FROM curio.alert_conditions ORDER BY 1, 2, 3 LIMIT $1`

// Alert is an active alert condition.
type Alert struct{ System, Subsystem, Condition string }

// Alerts reads the active alert conditions.
func (db *DB) Alerts(ctx context.Context) ([]Alert, error) {
	return readList(ctx, db, "alert_conditions", qAlerts, func(r pgx.Rows) (a Alert, err error) {
		return a, r.Scan(&a.System, &a.Subsystem, &a.Condition)
	})
}

// A message waits in message_waits from its send until it executes (executed_tsk_cid set);
// created_at (20250422-msg-wait-timestamp.sql) is when it was sent.
const qPendingMessages = `SELECT count(*), min(created_at) FROM curio.message_waits WHERE executed_tsk_cid IS NULL`

// PendingMessages is the messages sent that have not executed yet.
type PendingMessages struct {
	Count  int
	Oldest time.Time // when the oldest was sent; zero when none is pending
}

// PendingMessages reads message_waits.
func (db *DB) PendingMessages(ctx context.Context) (PendingMessages, error) {
	var p PendingMessages
	err := db.read(ctx, "message_waits", qPendingMessages, nil, func(r pgx.Rows) error {
		var oldest *time.Time
		err := r.Scan(&p.Count, &oldest)
		p.Oldest = deref(oldest)
		return err
	})
	return p, err
}
