// Blocks mined: counted from mining_tasks across runs once they are old enough to check against the chain.
package curio

import (
	"context"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"
)

// CheckDepth is how far below the head a mined block must be before it is counted and
// checked: by then Curio has long written it (it is mined within its epoch), and the chain
// at its epoch is settled.
const CheckDepth = 5

// maxMinedPerRun bounds one run's read; a miner wins a few dozen blocks a day, and a run
// after a long pause counts on in the next ones.
const maxMinedPerRun = 1000

// maxUnchecked bounds the blocks kept for a chain check that failed, so the state stays small
// whatever the daemon does.
const maxUnchecked = 1000

// Mined blocks are the rows Curio won and made a block for. One row per miner and epoch:
// the unique key (sp_id, epoch) serves the range.
const qMinedBlocks = `SELECT epoch, mined_cid FROM curio.mining_tasks
WHERE sp_id = $1 AND epoch > $2 AND epoch <= $3 AND won AND mined_cid IS NOT NULL
ORDER BY epoch LIMIT $4`

// MinedBlock is a block Curio mined.
type MinedBlock struct {
	Epoch int64  `json:"epoch"`
	CID   string `json:"cid"`
}

// Blocks is what is kept of one miner's mined blocks between runs: the counters and where
// the next run reads on. It is saved as JSON by the caller.
type Blocks struct {
	Epoch    int64  `json:"epoch"` // mining_tasks is read up to this epoch; counting began after the first run's
	Mined    uint64 `json:"mined"`
	Orphaned uint64 `json:"orphaned"`
	// Unchecked are counted blocks the chain has not been asked about yet, or whose check failed.
	Unchecked []MinedBlock `json:"unchecked,omitempty"`
}

// Check says why b cannot be true, or nil.
func (b *Blocks) Check() error {
	switch {
	case b.Orphaned > b.Mined:
		return fmt.Errorf("%d blocks orphaned of %d mined", b.Orphaned, b.Mined)
	case uint64(len(b.Unchecked)) > b.Mined-b.Orphaned:
		return fmt.Errorf("%d blocks to check of %d mined and not orphaned", len(b.Unchecked), b.Mined-b.Orphaned)
	case slices.ContainsFunc(b.Unchecked, func(m MinedBlock) bool { return m.Epoch > b.Epoch }):
		return fmt.Errorf("a block to check beyond epoch %d, the last read", b.Epoch)
	}
	return nil
}

// MinedBlocks counts the miner's blocks at most CheckDepth epochs below head mined since prev
// was read, and adds them to Unchecked: the caller asks the chain about each and reports
// with Checked. The first run (prev zero) counts nothing and starts after the blocks already
// mined.
func (db *DB) MinedBlocks(ctx context.Context, spID, head int64, prev Blocks) (Blocks, error) {
	next := prev
	next.Unchecked = slices.Clone(prev.Unchecked)
	upTo := head - CheckDepth
	if prev.Epoch == 0 || upTo <= prev.Epoch {
		next.Epoch = max(prev.Epoch, upTo)
		return next, nil
	}
	var found []MinedBlock
	err := db.read(ctx, "mining_tasks", qMinedBlocks, []any{spID, prev.Epoch, upTo, maxMinedPerRun}, func(r pgx.Rows) error {
		var b MinedBlock
		if err := r.Scan(&b.Epoch, &b.CID); err != nil {
			return err
		}
		found = append(found, b)
		return nil
	})
	if err != nil {
		return prev, err
	}
	next.Epoch = upTo
	if len(found) == maxMinedPerRun {
		next.Epoch = found[len(found)-1].Epoch // the next run reads on from here
	}
	next.Mined += uint64(len(found))
	next.Unchecked = append(next.Unchecked, found...)
	if over := len(next.Unchecked) - maxUnchecked; over > 0 {
		next.Unchecked = slices.Delete(next.Unchecked, 0, over)
		err = fmt.Errorf("%d mined blocks will not be checked against the chain: more than %d waited for a check", over, maxUnchecked)
	}
	return next, err
}

// Checked records the chain's answer about blk, one of Unchecked: a block the chain does not
// hold at its epoch is orphaned.
func (b *Blocks) Checked(blk MinedBlock, onChain bool) {
	if i := slices.Index(b.Unchecked, blk); i >= 0 {
		b.Unchecked = slices.Delete(b.Unchecked, i, i+1)
		if !onChain {
			b.Orphaned++
		}
	}
}
