// JSON-RPC method handlers of the fake daemon and miner, with lotusapi's signatures.
package lotustest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/filecoin-project/go-jsonrpc"

	"github.com/lotus-farcaster/lotus-farcaster/lotusapi"
)

// codeActorNotFound is Lotus's api.EActorNotFound.
const codeActorNotFound = 11

// rpcErrors maps error types to JSON-RPC codes, as Lotus registers its api errors.
var rpcErrors = func() jsonrpc.Errors {
	e := jsonrpc.NewErrors()
	e.Register(codeActorNotFound, new(*actorNotFoundError))
	return e
}()

// actorNotFoundError is answered with code 11, like Lotus's ErrActorNotFound.
type actorNotFoundError struct{ addr string }

func (e *actorNotFoundError) Error() string {
	return fmt.Sprintf("resolution lookup failed (%s): resolve address %s: actor not found", e.addr, e.addr)
}

// minerHandler serves lotus-miner's /rpc/v0. It has no Net* methods: lotus-miner v1.36
// lost them with the markets subsystem, so go-jsonrpc answers -32601 for them.
type minerHandler struct{ s *Scenario }

func (h *minerHandler) Version(context.Context) (lotusapi.Version, error) {
	return h.s.MinerVersion, nil
}

func (h *minerHandler) StartTime(context.Context) (time.Time, error) { return h.s.MinerStart, nil }

func (h *minerHandler) LogAlerts(context.Context) ([]lotusapi.Alert, error) {
	return h.s.MinerAlerts, nil
}

func (h *minerHandler) ActorAddress(context.Context) (string, error) { return h.s.MinerID, nil }

func (h *minerHandler) SectorsSummary(context.Context) (map[string]int, error) {
	return h.s.SectorsSummary, nil
}

// SectorsListInStates keeps SectorList's order and duplicates; like Lotus it answers null
// when no sector matches.
func (h *minerHandler) SectorsListInStates(_ context.Context, states []string) ([]uint64, error) {
	var out []uint64
	for _, n := range h.s.SectorList {
		if slices.Contains(states, h.s.Sectors[n].State) {
			out = append(out, n)
		}
	}
	return out, nil
}

// SectorsStatus knows the sectors of Sectors; the on-chain part is not modelled.
func (h *minerHandler) SectorsStatus(_ context.Context, n uint64, _ bool) (lotusapi.SectorInfo, error) {
	info, ok := h.s.Sectors[n]
	if !ok {
		//lint:ignore ST1005 Lotus's own message, capitalised as it sends it
		return lotusapi.SectorInfo{}, fmt.Errorf("No state for /%d: datastore: key not found", n)
	}
	return info, nil
}

func (h *minerHandler) WorkerStats(context.Context) (map[string]lotusapi.WorkerStats, error) {
	return h.s.Workers, nil
}

func (h *minerHandler) WorkerJobs(context.Context) (map[string][]lotusapi.WorkerJob, error) {
	return h.s.Jobs, nil
}

// schedDiag is SealingSchedDiag's answer in Lotus's shape. The manager's call tracking is not
// modelled: its lists are empty, null like Lotus's nil slices.
type schedDiag struct {
	SchedInfo struct {
		Requests    []lotusapi.SchedRequest
		OpenWindows []string // a worker UUID per window the worker asked for
	}
	ReturnedWork []string
	Waiting      []string
	CallToWork   map[string]string
	EarlyRet     []string
}

// SealingSchedDiag shows every enabled worker with an open window.
func (h *minerHandler) SealingSchedDiag(context.Context, bool) (*schedDiag, error) {
	d := &schedDiag{CallToWork: map[string]string{}}
	d.SchedInfo.Requests = h.s.SchedRequests
	for id, w := range h.s.Workers {
		if w.Enabled {
			d.SchedInfo.OpenWindows = append(d.SchedInfo.OpenWindows, id)
		}
	}
	slices.Sort(d.SchedInfo.OpenWindows)
	return d, nil
}

// Decl is one entry of StorageList: the files of a sector on a path.
type Decl struct {
	Miner          uint64 // actor ID
	Number         uint64
	SectorFileType int // bits: 1 unsealed, 2 sealed, 4 cache
}

// sealedAndCache is what a sealed sector keeps on its path; Lotus ORs a sector's file types
// into one declaration per path.
const sealedAndCache = 2 | 4

// StorageList lists every path, one without sectors as [] like Lotus.
func (h *minerHandler) StorageList(context.Context) (map[string][]Decl, error) {
	miner, err := strconv.ParseUint(h.s.MinerID[2:], 10, 64) // an ID address: f0 and the actor ID
	if err != nil {
		return nil, fmt.Errorf("lotustest: miner %s is not an ID address", h.s.MinerID)
	}
	out := make(map[string][]Decl, len(h.s.Storage))
	for id, p := range h.s.Storage {
		decls := make([]Decl, len(p.Sectors))
		for i, n := range p.Sectors {
			decls[i] = Decl{Miner: miner, Number: n, SectorFileType: sealedAndCache}
		}
		out[id] = decls
	}
	return out, nil
}

func (h *minerHandler) StorageLocal(context.Context) (map[string]string, error) {
	out := map[string]string{}
	for id, p := range h.s.Storage {
		if p.LocalPath != "" {
			out[id] = p.LocalPath
		}
	}
	return out, nil
}

func (h *minerHandler) StorageInfo(_ context.Context, id string) (lotusapi.StorageInfo, error) {
	p, ok := h.s.Storage[id]
	if !ok {
		return lotusapi.StorageInfo{}, errStoreNotFound
	}
	return p.Info, nil
}

// StorageStat fails for an unreachable path with Lotus's message.
func (h *minerHandler) StorageStat(_ context.Context, id string) (lotusapi.FsStat, error) {
	p, ok := h.s.Storage[id]
	switch {
	case !ok:
		return lotusapi.FsStat{}, fmt.Errorf("getting remote storage info: %w", errStoreNotFound)
	case p.Unreachable:
		return lotusapi.FsStat{}, fmt.Errorf("all endpoints failed for remote storage %s", id)
	}
	return p.Stat, nil
}

// errStoreNotFound is Lotus's answer for a storage ID its index does not know.
var errStoreNotFound = errors.New("sector store not found")

// daemonHandler serves the full node's /rpc/v1, or /rpc/v0 when v0 is set.
type daemonHandler struct {
	s  *Scenario
	v0 bool
}

func (h *daemonHandler) Version(context.Context) (lotusapi.Version, error) {
	v := h.s.DaemonVersion
	if h.v0 {
		v.APIVersion = v0APIVersion
	}
	return v, nil
}

func (h *daemonHandler) StartTime(context.Context) (time.Time, error) { return h.s.DaemonStart, nil }

func (h *daemonHandler) LogAlerts(context.Context) ([]lotusapi.Alert, error) {
	return h.s.DaemonAlerts, nil
}

func (h *daemonHandler) NetPeers(context.Context) ([]lotusapi.PeerAddrInfo, error) {
	return h.s.Peers, nil
}

func (h *daemonHandler) NetAutoNatStatus(context.Context) (lotusapi.NatInfo, error) {
	return h.s.NatInfo, nil
}

func (h *daemonHandler) NetBandwidthStats(context.Context) (lotusapi.BandwidthStats, error) {
	return h.s.Bandwidth, nil
}

func (h *daemonHandler) NetBandwidthStatsByProtocol(context.Context) (map[string]lotusapi.BandwidthStats, error) {
	return h.s.BandwidthByProtocol, nil
}

func (h *daemonHandler) ChainHead(context.Context) (*lotusapi.TipSet, error) { return h.s.Head, nil }

func (h *daemonHandler) ChainGetGenesis(context.Context) (*lotusapi.TipSet, error) {
	return h.s.Genesis, nil
}

func (h *daemonHandler) StateNetworkName(context.Context) (string, error) { return h.s.Network, nil }

func (h *daemonHandler) StateNetworkVersion(_ context.Context, tsk lotusapi.TipSetKey) (uint, error) {
	if err := h.checkTipSet(tsk); err != nil {
		return 0, err
	}
	return h.s.NetworkVersion, nil
}

func (h *daemonHandler) SyncState(context.Context) (*lotusapi.SyncState, error) {
	return &h.s.SyncState, nil
}

func (h *daemonHandler) MpoolPending(_ context.Context, tsk lotusapi.TipSetKey) ([]*lotusapi.SignedMessage, error) {
	if err := h.checkTipSet(tsk); err != nil {
		return nil, err
	}
	return h.s.Mpool, nil
}

func (h *daemonHandler) StateMinerInfo(_ context.Context, addr string, tsk lotusapi.TipSetKey) (lotusapi.MinerInfo, error) {
	if err := h.checkMiner(addr, tsk); err != nil {
		return lotusapi.MinerInfo{}, err
	}
	return h.s.MinerInfo, nil
}

func (h *daemonHandler) StateMinerPower(_ context.Context, addr string, tsk lotusapi.TipSetKey) (*lotusapi.MinerPower, error) {
	if err := h.checkMiner(addr, tsk); err != nil {
		return nil, err
	}
	return h.s.Power, nil
}

// MinerGetBaseInfo accepts any epoch: Lotus looks the base up for the given round, and the
// scenario holds one answer.
func (h *daemonHandler) MinerGetBaseInfo(_ context.Context, addr string, _ int64, tsk lotusapi.TipSetKey) (*lotusapi.MiningBaseInfo, error) {
	if err := h.checkMiner(addr, tsk); err != nil {
		return nil, err
	}
	return h.s.BaseInfo, nil
}

func (h *daemonHandler) StateMinerAvailableBalance(_ context.Context, addr string, tsk lotusapi.TipSetKey) (lotusapi.BigInt, error) {
	if err := h.checkMiner(addr, tsk); err != nil {
		return lotusapi.BigInt{}, err
	}
	return h.s.AvailableBalance, nil
}

// StateReadState knows only the miner's state; for any other actor it answers not found.
func (h *daemonHandler) StateReadState(_ context.Context, addr string, tsk lotusapi.TipSetKey) (*lotusapi.ActorState, error) {
	if err := h.checkMiner(addr, tsk); err != nil {
		return nil, err
	}
	actor, ok := h.s.Actors[addr]
	if !ok {
		return nil, &actorNotFoundError{addr}
	}
	state, err := json.Marshal(h.s.MinerState)
	if err != nil {
		return nil, err
	}
	return &lotusapi.ActorState{Balance: actor.Balance, Code: actor.Code, State: state}, nil
}

func (h *daemonHandler) StateGetActor(_ context.Context, addr string, tsk lotusapi.TipSetKey) (*lotusapi.Actor, error) {
	if err := h.checkTipSet(tsk); err != nil {
		return nil, err
	}
	actor, ok := h.s.Actors[addr]
	if !ok {
		return nil, &actorNotFoundError{addr}
	}
	return &actor, nil
}

func (h *daemonHandler) StateAccountKey(_ context.Context, addr string, tsk lotusapi.TipSetKey) (string, error) {
	if err := h.checkTipSet(tsk); err != nil {
		return "", err
	}
	key, ok := h.s.AccountKeys[addr]
	if !ok {
		return "", &actorNotFoundError{addr}
	}
	return key, nil
}

func (h *daemonHandler) StateMinerProvingDeadline(_ context.Context, addr string, tsk lotusapi.TipSetKey) (*lotusapi.DeadlineInfo, error) {
	if err := h.checkMiner(addr, tsk); err != nil {
		return nil, err
	}
	return &h.s.ProvingDeadline, nil
}

func (h *daemonHandler) StateMinerDeadlines(_ context.Context, addr string, tsk lotusapi.TipSetKey) ([]lotusapi.Deadline, error) {
	if err := h.checkMiner(addr, tsk); err != nil {
		return nil, err
	}
	return h.s.Deadlines, nil
}

// StateMinerPartitions answers null for a deadline without partitions, as Lotus does.
func (h *daemonHandler) StateMinerPartitions(_ context.Context, addr string, dlIdx uint64, tsk lotusapi.TipSetKey) ([]lotusapi.Partition, error) {
	if err := h.checkMiner(addr, tsk); err != nil {
		return nil, err
	}
	if dlIdx >= uint64(len(h.s.Partitions)) {
		return nil, fmt.Errorf("failed to load the deadline: invalid deadline %d", dlIdx)
	}
	return h.s.Partitions[dlIdx], nil
}

func (h *daemonHandler) StateMinerSectorCount(_ context.Context, addr string, tsk lotusapi.TipSetKey) (lotusapi.MinerSectors, error) {
	if err := h.checkMiner(addr, tsk); err != nil {
		return lotusapi.MinerSectors{}, err
	}
	return h.s.SectorCount, nil
}

func (h *daemonHandler) WalletList(context.Context) ([]string, error) { return h.s.Wallets, nil }

func (h *daemonHandler) WalletDefaultAddress(context.Context) (string, error) {
	return h.s.DefaultWallet, nil
}

// checkTipSet accepts only the head's and the genesis's keys. Lotus would also take an
// empty key as the head; refusing it proves the client pins the run's tipset.
func (h *daemonHandler) checkTipSet(tsk lotusapi.TipSetKey) error {
	if len(tsk) == 0 {
		return fmt.Errorf("lotustest: state call without a tipset key; pin the run's tipset")
	}
	if slices.Equal(tsk, h.s.Head.Cids) || slices.Equal(tsk, h.s.Genesis.Cids) {
		return nil
	}
	return fmt.Errorf("loading tipset %v: ipld: could not find %s", tsk, tsk[0].Root)
}

// checkMiner checks the tipset key and that addr is the scenario's miner.
func (h *daemonHandler) checkMiner(addr string, tsk lotusapi.TipSetKey) error {
	if err := h.checkTipSet(tsk); err != nil {
		return err
	}
	if addr != h.s.MinerID {
		return &actorNotFoundError{addr}
	}
	return nil
}
