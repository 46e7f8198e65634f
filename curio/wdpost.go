// WindowPoSt: the outcome of the messages of each deadline's newest proving period.
package curio

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// provingPeriod is WPoStProvingPeriod in epochs: every deadline's newest proving period
// starts within one period of the miner's newest, so only those rows of wdpost_proofs (a
// table that grows with every period) are read, on its unique key's sp_id and
// proving_period_start.
const provingPeriod = 2880

// A proof's message is sent when message_cid is set; message_waits says how it executed
// (executed_rcpt_exitcode, NULL while not executed, as when the wait row is not there yet).
// One message may carry several partitions of a deadline: messages are counted once.
const qWdPost = `WITH recent AS (
	SELECT deadline, proving_period_start, message_cid FROM curio.wdpost_proofs
	WHERE sp_id = $1 AND proving_period_start >= (SELECT max(proving_period_start) FROM curio.wdpost_proofs WHERE sp_id = $1) - $2
), newest AS (
	SELECT deadline, max(proving_period_start) AS pps FROM recent GROUP BY deadline
)
SELECT r.deadline,
	count(DISTINCT r.message_cid) FILTER (WHERE w.executed_rcpt_exitcode = 0),
	count(DISTINCT r.message_cid) FILTER (WHERE w.executed_rcpt_exitcode <> 0),
	count(DISTINCT r.message_cid) FILTER (WHERE w.executed_rcpt_exitcode IS NULL)
FROM recent r JOIN newest n ON n.deadline = r.deadline AND n.pps = r.proving_period_start
LEFT JOIN curio.message_waits w ON w.signed_message_cid = r.message_cid
GROUP BY r.deadline ORDER BY r.deadline LIMIT $3`

// WdPostDeadline is the WindowPoSt messages of one deadline's newest proving period.
type WdPostDeadline struct {
	Deadline                uint64
	Landed, Failed, Pending int // exit code 0, non-zero, not executed yet; a proof not sent counts in none
}

// WdPostMessages reads the miner's deadlines that have proofs in its two newest proving periods.
func (db *DB) WdPostMessages(ctx context.Context, spID int64) ([]WdPostDeadline, error) {
	return readList(ctx, db, "wdpost_proofs, message_waits", qWdPost, func(r pgx.Rows) (d WdPostDeadline, err error) {
		return d, r.Scan(&d.Deadline, &d.Landed, &d.Failed, &d.Pending)
	}, spID, provingPeriod)
}
