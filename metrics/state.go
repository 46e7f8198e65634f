// What the exporter keeps between runs of one miner: a small JSON file of its own beside the .prom file.
package metrics

import (
	"encoding/json"
	"fmt"
	"io"
	"sync"
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
}

// maxStateBytes bounds what is read back: the state is a few kilobytes.
const maxStateBytes = 1 << 20

// NewState returns an empty state.
func NewState() *State { return &State{file: stateFile{Version: stateVersion}} }

// ReadState reads a state written by Encode for minerID. On any problem it returns an empty
// state and the reason, which is worth a debug line at most.
func ReadState(r io.Reader, minerID string) (*State, error) {
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
	s.file = f
	return s, nil
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
