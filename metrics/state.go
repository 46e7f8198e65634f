// What the exporter keeps between runs of one miner: a small JSON file of its own beside the .prom file.
package metrics

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"

	"github.com/lotus-farcaster/lotus-farcaster/curio"
	"github.com/lotus-farcaster/lotus-farcaster/lotusapi"
)

// State is what the collectors of one miner keep from one run to the next: the counters of
// blocks won, the sector schedule read hourly, the storage path list. Each collector owns
// one field. A missing or unreadable state starts afresh: counters restart at zero, which
// Prometheus handles as a counter reset, and the hourly figures are read again.
type State struct {
	mu   sync.Mutex
	file stateFile
}

// stateVersion changes when a field's meaning changes; a file of another version is dropped.
const stateVersion = 1

type stateFile struct {
	Version      int             `json:"version"`
	MinerID      string          `json:"miner_id"`
	Rewards      *rewardsState   `json:"rewards,omitempty"`
	Schedule     *sectorSchedule `json:"schedule,omitempty"`
	StoragePaths *storagePaths   `json:"storage_paths,omitempty"`
	// Curio's counters: a miner's blocks mined, and the cluster's tasks (in lotus-curio.prom's state).
	CurioBlocks *curio.Blocks      `json:"curio_blocks,omitempty"`
	CurioTasks  *curio.TaskHistory `json:"curio_tasks,omitempty"`
}

// maxStateBytes bounds what is read back: the state is a few kilobytes.
const maxStateBytes = 1 << 20

// NewState returns an empty state.
func NewState() *State { return &State{file: stateFile{Version: stateVersion}} }

// ReadState reads a state written by Encode for minerID, as of a run whose head is head (nil
// when the daemon is down: then only the figures' agreement with each other is checked). On
// any problem, a state that contradicts itself or the chain included, it returns an empty
// state and the reason: counting starts again rather than from figures that cannot be true.
func ReadState(r io.Reader, minerID string, head *lotusapi.TipSet) (*State, error) {
	s := NewState()
	var f stateFile
	data, err := io.ReadAll(io.LimitReader(r, maxStateBytes+1))
	switch {
	case err != nil:
		return s, err
	case len(data) > maxStateBytes:
		return s, fmt.Errorf("state larger than %d bytes", maxStateBytes)
	}
	if err := json.Unmarshal(data, &f); err != nil {
		return s, fmt.Errorf("corrupt state: %w", err)
	}
	if f.Version != stateVersion || f.MinerID != minerID {
		return s, fmt.Errorf("state of version %d for miner %q, want %d for %q", f.Version, f.MinerID, stateVersion, minerID)
	}
	if err := f.contradiction(head); err != nil {
		return s, err
	}
	s.file = f
	return s, nil
}

// contradiction names the first figure that cannot be true: one that disagrees with another,
// or lies beyond the chain's head (a state written by another node, or planted). A head a
// few epochs lower than the state's is a reorg, not a contradiction: rewards rescans it.
func (f *stateFile) contradiction(head *lotusapi.TipSet) error {
	future := func(height int64) bool { return head != nil && height > head.Height+rescanEpochs }
	if r := f.Rewards; r != nil {
		switch {
		case r.From > r.Height:
			return fmt.Errorf("rewards: counting started at epoch %d, after the last epoch read %d", r.From, r.Height)
		case future(r.Height):
			return fmt.Errorf("rewards: epoch %d was read, beyond the head %d", r.Height, head.Height)
		case r.Blocks > r.WinCount:
			return fmt.Errorf("rewards: %d blocks but %d wins; every block has one at least", r.Blocks, r.WinCount)
		case r.Rewards.Sign() < 0, (r.Blocks == 0) != (r.Rewards.Sign() == 0), (r.Blocks == 0) != (r.LastWon == 0):
			return fmt.Errorf("rewards: %d blocks, %s attoFIL of rewards, last won at %d", r.Blocks, r.Rewards.Int(), r.LastWon)
		case head != nil && r.LastWon > head.Blocks[0].Timestamp:
			return fmt.Errorf("rewards: a block won at %d, after the head's time %d", r.LastWon, head.Blocks[0].Timestamp)
		case uint64(len(r.Recent)) > r.Blocks:
			return fmt.Errorf("rewards: %d recent blocks of %d", len(r.Recent), r.Blocks)
		}
	}
	if sch := f.Schedule; sch != nil && !sch.Read.IsZero() {
		last := sch.Buckets[len(sch.Buckets)-1].Sectors
		switch {
		case future(sch.Height):
			return fmt.Errorf("sector schedule: read at epoch %d, beyond the head %d", sch.Height, head.Height)
		case !slices.IsSortedFunc(sch.Buckets[:], func(a, b expiryStat) int { return cmp.Compare(a.Sectors, b.Sectors) }):
			return errors.New("sector schedule: expirations within more days are fewer")
		case last > sch.CC+sch.Deals+sch.Verified:
			return fmt.Errorf("sector schedule: %d sectors expire within a year of %d live", last, sch.CC+sch.Deals+sch.Verified)
		}
	}
	if b := f.CurioBlocks; b != nil {
		if err := b.Check(); err != nil {
			return fmt.Errorf("Curio's blocks: %w", err)
		}
		if future(b.Epoch + curio.CheckDepth) {
			return fmt.Errorf("Curio's blocks: read up to epoch %d, beyond the head %d", b.Epoch, head.Height)
		}
	}
	if t := f.CurioTasks; t != nil {
		if err := t.Check(); err != nil {
			return fmt.Errorf("Curio's tasks: %w", err)
		}
	}
	return nil
}

// Encode writes the state for minerID.
func (s *State) Encode(w io.Writer, minerID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.file.Version, s.file.MinerID = stateVersion, minerID
	return json.NewEncoder(w).Encode(&s.file)
}

// update runs f on the state under its lock: a collector abandoned at the deadline may still
// be writing while the run saves.
func (s *State) update(f func(*stateFile)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(&s.file)
}
