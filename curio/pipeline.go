// The sealing pipelines of one miner: sectors by stage, failed ones, and the oldest in each stage.
package curio

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
)

// PoRepStages are the stages of sectors_sdr_pipeline in the order Curio's poller advances a
// sector (tasks/seal/poller.go); a sector is at the first whose step is not done. TreeRC sets
// after_tree_c and after_tree_r together. The commit message is sent right after PoRep,
// alongside Finalize and MoveStorage, so a sector whose commit landed while MoveStorage runs
// is at move_storage.
var PoRepStages = []string{"sdr", "tree_d", "tree_c", "tree_r", "synth", "precommit_msg", "precommit_wait",
	"wait_seed", "porep", "finalize", "move_storage", "commit_msg", "commit_wait", "done"}

// SnapStages are the stages of sectors_snap_pipeline (SnapDeals upgrades), in order.
var SnapStages = []string{"encode", "prove", "submit", "submit_wait", "move_storage", "done"}

// porepStage is a row's stage; $2 is the chain head: PoRep starts once the head reaches
// seed_epoch, NULL until the precommit landed. A sector whose PoRep is done is past its seed
// whatever a lagging head says.
const porepStage = `CASE
	WHEN NOT after_sdr THEN 'sdr'
	WHEN NOT after_tree_d THEN 'tree_d'
	WHEN NOT after_tree_c THEN 'tree_c'
	WHEN NOT after_tree_r THEN 'tree_r'
	WHEN NOT after_synth THEN 'synth'
	WHEN NOT after_precommit_msg THEN 'precommit_msg'
	WHEN NOT after_precommit_msg_success THEN 'precommit_wait'
	WHEN NOT after_porep AND (seed_epoch IS NULL OR seed_epoch > $2) THEN 'wait_seed'
	WHEN NOT after_porep THEN 'porep'
	WHEN NOT after_finalize THEN 'finalize'
	WHEN NOT after_move_storage THEN 'move_storage'
	WHEN NOT after_commit_msg THEN 'commit_msg'
	WHEN NOT after_commit_msg_success THEN 'commit_wait'
	ELSE 'done' END`

const snapStage = `CASE
	WHEN NOT after_encode THEN 'encode'
	WHEN NOT after_prove THEN 'prove'
	WHEN NOT after_submit THEN 'submit'
	WHEN NOT after_prove_msg_success THEN 'submit_wait'
	WHEN NOT after_move_storage THEN 'move_storage'
	ELSE 'done' END`

// Rows of finished sectors stay until Curio's cleanup task deletes them: every read is of one
// miner's rows, on the primary key (sp_id, sector_number).
const (
	qPoRepStages = `SELECT stage, count(*) FILTER (WHERE NOT failed), count(*) FILTER (WHERE failed),
	min(create_time) FILTER (WHERE NOT failed)
FROM (SELECT ` + porepStage + ` AS stage, failed, create_time FROM curio.sectors_sdr_pipeline WHERE sp_id = $1) s
GROUP BY stage`
	// start_time is a TIMESTAMP without zone that Curio writes in UTC.
	qSnapStages = `SELECT stage, count(*) FILTER (WHERE NOT failed), count(*) FILTER (WHERE failed),
	min(start_time AT TIME ZONE 'UTC') FILTER (WHERE NOT failed)
FROM (SELECT ` + snapStage + ` AS stage, failed, start_time FROM curio.sectors_snap_pipeline WHERE sp_id = $1) s
GROUP BY stage`

	// failed_reason is a short code (varchar(20)) at this Curio; the exporter does not rely on
	// that, and reads at most the first kilobyte of it.
	qPoRepFailed = `SELECT sector_number, ` + porepStage + `, left(failed_reason, 1024), failed_at
FROM curio.sectors_sdr_pipeline WHERE sp_id = $1 AND failed
ORDER BY failed_at DESC NULLS LAST, sector_number DESC LIMIT $3`
	qSnapFailed = `SELECT sector_number, ` + snapStage + `, left(failed_reason, 1024), failed_at
FROM curio.sectors_snap_pipeline WHERE sp_id = $1 AND failed
ORDER BY failed_at DESC NULLS LAST, sector_number DESC LIMIT $2`
)

// StageCount is the sectors of one pipeline at one stage.
type StageCount struct {
	Stage  string
	Active int       // not failed
	Failed int       // failed, stopped at this stage
	Oldest time.Time // when the oldest sector still active at this stage entered the pipeline; zero for none
}

// PoRepPipeline counts the miner's sectors_sdr_pipeline rows by stage, with head the chain's
// height; every stage is listed, in order.
func (db *DB) PoRepPipeline(ctx context.Context, spID, head int64) ([]StageCount, error) {
	return db.stages(ctx, "sectors_sdr_pipeline", qPoRepStages, PoRepStages, spID, head)
}

// SnapPipeline counts the miner's sectors_snap_pipeline rows by stage; every stage is listed, in order.
func (db *DB) SnapPipeline(ctx context.Context, spID int64) ([]StageCount, error) {
	return db.stages(ctx, "sectors_snap_pipeline", qSnapStages, SnapStages, spID)
}

func (db *DB) stages(ctx context.Context, table, sql string, stages []string, args ...any) ([]StageCount, error) {
	out := make([]StageCount, len(stages))
	for i, s := range stages {
		out[i].Stage = s
	}
	err := db.read(ctx, table, sql, args, func(r pgx.Rows) error {
		var c StageCount
		var oldest *time.Time
		if err := r.Scan(&c.Stage, &c.Active, &c.Failed, &oldest); err != nil {
			return err
		}
		c.Oldest = deref(oldest)
		if i := slices.Index(stages, c.Stage); i >= 0 {
			out[i] = c
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// FailedSector is a sector Curio marked failed.
type FailedSector struct {
	Pipeline string // "porep" or "snap"
	Sector   uint64
	Stage    string    // the stage it stopped at
	Reason   string    // failed_reason, at most its first kilobyte
	FailedAt time.Time // zero when Curio did not set it
}

// MaxFailedSectors bounds FailedSectors: a miner whose pipeline failed en masse would
// otherwise write a series per sector it ever failed.
const MaxFailedSectors = 1000

// FailedSectors returns the newest MaxFailedSectors failed sectors of the miner over both
// pipelines, newest first, by failed_at (those without it last). When one pipeline cannot
// be read, the other's are returned with the error.
func (db *DB) FailedSectors(ctx context.Context, spID, head int64) ([]FailedSector, error) {
	var out []FailedSector
	read := func(pipeline, table, sql string, args ...any) error {
		var rows []FailedSector
		err := db.read(ctx, table, sql, args, func(r pgx.Rows) error {
			f := FailedSector{Pipeline: pipeline}
			var at *time.Time
			if err := r.Scan(&f.Sector, &f.Stage, &f.Reason, &at); err != nil {
				return err
			}
			f.FailedAt = deref(at)
			rows = append(rows, f)
			return nil
		})
		if err == nil {
			out = append(out, rows...)
		}
		return err
	}
	porepErr := read("porep", "sectors_sdr_pipeline", qPoRepFailed, spID, head, MaxFailedSectors)
	snapErr := read("snap", "sectors_snap_pipeline", qSnapFailed, spID, MaxFailedSectors)
	// Newest first; a zero time (NULL) is the oldest there is, so those without one come last.
	slices.SortStableFunc(out, func(a, b FailedSector) int { return b.FailedAt.Compare(a.FailedAt) })
	return out[:min(len(out), MaxFailedSectors)], errors.Join(porepErr, snapErr)
}
