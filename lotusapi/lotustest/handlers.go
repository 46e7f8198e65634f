// JSON-RPC method handlers of the fake daemon and miner, with lotusapi's signatures.
package lotustest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/lotus-farcaster/lotus-farcaster/lotusapi"
)

// minerHandler serves lotus-miner's /rpc/v0 as release runs it. It has no Net* methods:
// lotus-miner v1.28+ lost them with the markets subsystem, so go-jsonrpc answers -32601.
type minerHandler struct {
	s       *Scenario
	release LotusVersion
}

func (h *minerHandler) Version(context.Context) (lotusapi.Version, error) {
	return h.release.minerVersion(), nil
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

// WorkerJobs answers {} when there are none: Lotus builds the map with make
// (storage/sealer/stats.go), so it is never null.
func (h *minerHandler) WorkerJobs(context.Context) (map[string][]lotusapi.WorkerJob, error) {
	out := map[string][]lotusapi.WorkerJob{}
	maps.Copy(out, h.s.Jobs)
	return out, nil
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

// daemonHandler serves the full node's /rpc/v1, or /rpc/v0 when v0 is set, as release
// runs it.
type daemonHandler struct {
	s       *Scenario
	release LotusVersion
	v0      bool
}

func (h *daemonHandler) Version(context.Context) (lotusapi.Version, error) {
	v := h.release.daemonVersion()
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

func (h *daemonHandler) MpoolPending(_ context.Context, tsk lotusapi.TipSetKey) ([]*SignedMessage, error) {
	if err := h.checkTipSet(tsk); err != nil {
		return nil, err
	}
	return h.s.Mpool, nil
}

// SignedMessage is an entry of MpoolPending; the client streams only each message's From.
type SignedMessage struct {
	Message   Message
	Signature Signature
	CID       lotusapi.Cid
}

// Message is an unsigned chain message.
type Message struct {
	Version    uint64
	To         string
	From       string
	Nonce      uint64
	Value      lotusapi.BigInt
	GasLimit   int64
	GasFeeCap  lotusapi.BigInt
	GasPremium lotusapi.BigInt
	Method     uint64
	Params     []byte
	CID        lotusapi.Cid
}

// Signature of a signed message.
type Signature struct {
	Type byte
	Data []byte
}

func (h *daemonHandler) StateMinerInfo(_ context.Context, addr string, tsk lotusapi.TipSetKey) (lotusapi.MinerInfo, error) {
	if err := h.checkMiner(addr, tsk); err != nil {
		return lotusapi.MinerInfo{}, err
	}
	return h.s.MinerInfo, nil
}

// StateMinerPower answers any other address with no power and no error: Lotus reads the
// power actor's claims, where an unknown address has none (chain/stmgr/actors.go GetPowerRaw).
func (h *daemonHandler) StateMinerPower(_ context.Context, addr string, tsk lotusapi.TipSetKey) (*lotusapi.MinerPower, error) {
	if err := h.checkTipSet(tsk); err != nil {
		return nil, err
	}
	if addr != h.s.MinerID {
		return &lotusapi.MinerPower{TotalPower: h.s.Power.TotalPower}, nil
	}
	return h.s.Power, nil
}

// MinerGetBaseInfo accepts any epoch: Lotus looks the base up for the given round, and the
// scenario holds one answer. A miner missing at the lookback is looked for again at the
// tipset, hence its message (chain/stmgr/actors.go MinerGetBaseInfo).
func (h *daemonHandler) MinerGetBaseInfo(_ context.Context, addr string, _ int64, tsk lotusapi.TipSetKey) (*lotusapi.MiningBaseInfo, error) {
	if err := h.checkTipSet(tsk); err != nil {
		return nil, err
	}
	if err := h.s.loadMiner(addr, "loading miner in current state", "failed to load miner actor state"); err != nil {
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

// StateReadState answers the state of the miner, the reward actor (at tsk: it changes every
// epoch) and the accounts; a missing actor fails like StateGetActor, wrapped in "getting actor".
func (h *daemonHandler) StateReadState(_ context.Context, addr string, tsk lotusapi.TipSetKey) (*lotusapi.ActorState, error) {
	ts, err := h.s.tipSet(tsk)
	if err != nil {
		return nil, err
	}
	id, err := h.s.actorID(addr)
	if err != nil {
		return nil, fmt.Errorf("getting actor: %w", err)
	}
	var state any
	switch {
	case id == h.s.MinerID:
		state = h.s.MinerState
	case id == lotusapi.RewardActor:
		state = h.s.rewardState(ts)
	default: // an account: its state is its key address
		state = struct{ Address string }{h.s.AccountKeys[id]}
	}
	raw, err := json.Marshal(state)
	if err != nil {
		return nil, err
	}
	actor := h.s.Actors[id]
	return &lotusapi.ActorState{Balance: actor.Balance, Code: actor.Code, State: raw}, nil
}

// StateGetActor fails with the state tree's own error, code 1.
func (h *daemonHandler) StateGetActor(_ context.Context, addr string, tsk lotusapi.TipSetKey) (*lotusapi.Actor, error) {
	if err := h.checkTipSet(tsk); err != nil {
		return nil, err
	}
	id, err := h.s.actorID(addr)
	if err != nil {
		return nil, err
	}
	actor := h.s.Actors[id]
	return &actor, nil
}

// StateAccountKey answers a key address as it is, without looking it up, and fails for an
// ID address that is not an account (chain/stmgr/stmgr.go ResolveToDeterministicAddress,
// chain/vm/vm.go ResolveToDeterministicAddr).
func (h *daemonHandler) StateAccountKey(_ context.Context, addr string, tsk lotusapi.TipSetKey) (string, error) {
	if err := h.checkTipSet(tsk); err != nil {
		return "", err
	}
	if !isIDAddress(addr) {
		return addr, nil
	}
	if _, ok := h.s.Actors[addr]; !ok {
		return "", fmt.Errorf("failed to find actor: %s", addr)
	}
	key, ok := h.s.AccountKeys[addr]
	if !ok {
		return "", fmt.Errorf("failed to get account actor state for %s: actor code is not account: %s", addr, h.s.actorType(addr))
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

// StateMinerSectorCount passes Lotus's loading errors on unwrapped (node/impl/full/state.go).
func (h *daemonHandler) StateMinerSectorCount(_ context.Context, addr string, tsk lotusapi.TipSetKey) (lotusapi.MinerSectors, error) {
	if err := h.checkTipSet(tsk); err != nil {
		return lotusapi.MinerSectors{}, err
	}
	if err := h.s.loadMiner(addr, "", ""); err != nil {
		return lotusapi.MinerSectors{}, err
	}
	return h.s.SectorCount, nil
}

func (h *daemonHandler) WalletList(context.Context) ([]string, error) { return h.s.Wallets, nil }

func (h *daemonHandler) WalletDefaultAddress(context.Context) (string, error) {
	return h.s.DefaultWallet, nil
}

// checkTipSet accepts the key of any tipset the scenario knows (see Scenario.tipSet).
func (h *daemonHandler) checkTipSet(tsk lotusapi.TipSetKey) error {
	_, err := h.s.tipSet(tsk)
	return err
}

// checkMiner checks the tipset key and that addr is the scenario's miner, failing as most
// of Lotus's miner methods do.
func (h *daemonHandler) checkMiner(addr string, tsk lotusapi.TipSetKey) error {
	if err := h.checkTipSet(tsk); err != nil {
		return err
	}
	return h.s.loadMiner(addr, "failed to load miner actor", "failed to load miner actor state")
}
