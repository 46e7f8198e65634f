// Typed go-jsonrpc clients for the Lotus daemon (/rpc/v1) and lotus-miner (/rpc/v0) over HTTP.
package lotusapi

import (
	"context"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/filecoin-project/go-jsonrpc"
)

// CommonAPI holds the methods both the daemon and lotus-miner serve.
// lotus-miner v1.28+ has no Net* methods; calling them there fails with code -32601.
type CommonAPI struct {
	Version                     func(context.Context) (Version, error)
	StartTime                   func(context.Context) (time.Time, error)
	LogAlerts                   func(context.Context) ([]Alert, error)
	NetPeers                    func(context.Context) ([]PeerAddrInfo, error)
	NetAutoNatStatus            func(context.Context) (NatInfo, error)
	NetBandwidthStats           func(context.Context) (BandwidthStats, error)
	NetBandwidthStatsByProtocol func(context.Context) (map[string]BandwidthStats, error)
}

// FullNodeAPI holds the daemon methods read here. State methods take the run's tipset key.
type FullNodeAPI struct {
	ChainHead                  func(context.Context) (*TipSet, error)
	ChainGetGenesis            func(context.Context) (*TipSet, error)
	StateNetworkName           func(context.Context) (string, error)
	StateNetworkVersion        func(context.Context, TipSetKey) (uint, error)
	SyncState                  func(context.Context) (*SyncState, error)
	MpoolPending               func(context.Context, TipSetKey) ([]*SignedMessage, error)
	StateMinerInfo             func(context.Context, string, TipSetKey) (MinerInfo, error)
	StateMinerPower            func(context.Context, string, TipSetKey) (*MinerPower, error)
	MinerGetBaseInfo           func(context.Context, string, int64, TipSetKey) (*MiningBaseInfo, error)
	StateMinerAvailableBalance func(context.Context, string, TipSetKey) (BigInt, error)
	StateReadState             func(context.Context, string, TipSetKey) (*ActorState, error)
	StateGetActor              func(context.Context, string, TipSetKey) (*Actor, error)
	StateAccountKey            func(context.Context, string, TipSetKey) (string, error)
	WalletList                 func(context.Context) ([]string, error)
	WalletDefaultAddress       func(context.Context) (string, error)
	StateMinerProvingDeadline  func(context.Context, string, TipSetKey) (*DeadlineInfo, error)
	StateMinerDeadlines        func(context.Context, string, TipSetKey) ([]Deadline, error)
	StateMinerPartitions       func(context.Context, string, uint64, TipSetKey) ([]Partition, error)
	StateMinerSectorCount      func(context.Context, string, TipSetKey) (MinerSectors, error)
}

// MinerAPI holds the lotus-miner methods read here.
type MinerAPI struct {
	ActorAddress        func(context.Context) (string, error)
	SectorsSummary      func(context.Context) (map[string]int, error)
	SectorsListInStates func(context.Context, []string) ([]uint64, error)
	SectorsStatus       func(context.Context, uint64, bool) (SectorInfo, error)
	WorkerStats         func(context.Context) (map[string]WorkerStats, error)
	WorkerJobs          func(context.Context) (map[string][]WorkerJob, error)
	SealingSchedDiag    func(context.Context, bool) (*SchedDiag, error)
	StorageList         func(context.Context) (StorageIDs, error)
	StorageLocal        func(context.Context) (map[string]string, error)
	StorageInfo         func(context.Context, string) (StorageInfo, error)
	StorageStat         func(context.Context, string) (FsStat, error)
}

// Daemon is a client of the full node.
type Daemon struct {
	CommonAPI
	FullNodeAPI
}

// Miner is a client of lotus-miner.
type Miner struct {
	CommonAPI
	MinerAPI
}

// DialDaemon returns a daemon client for ep; every HTTP request it makes adds one to requests.
// Over HTTP nothing is sent until the first call, so dialing never fails on a down node.
func DialDaemon(ctx context.Context, ep Endpoint, requests *atomic.Int64) (*Daemon, func(), error) {
	d := &Daemon{}
	closer, err := dial(ctx, ep, requests, &d.CommonAPI, &d.FullNodeAPI)
	return d, closer, err
}

// DialMiner returns a lotus-miner client for ep, counting requests like DialDaemon.
func DialMiner(ctx context.Context, ep Endpoint, requests *atomic.Int64) (*Miner, func(), error) {
	m := &Miner{}
	closer, err := dial(ctx, ep, requests, &m.CommonAPI, &m.MinerAPI)
	return m, closer, err
}

func dial(ctx context.Context, ep Endpoint, requests *atomic.Int64, outs ...any) (func(), error) {
	header := http.Header{}
	if ep.Token != "" {
		header.Set("Authorization", "Bearer "+ep.Token)
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	// Independent calls run in parallel; keep their connections for reuse.
	transport.MaxIdleConnsPerHost = 64
	client := &http.Client{Transport: countingTransport{base: transport, n: requests}}
	closer, err := jsonrpc.NewMergeClient(ctx, ep.URL, "Filecoin", outs, header, jsonrpc.WithHTTPClient(client))
	if err != nil {
		return nil, err
	}
	return func() { closer(); transport.CloseIdleConnections() }, nil
}

// countingTransport counts HTTP requests, one per JSON-RPC call, for lotus_exporter_rpc_requests.
type countingTransport struct {
	base http.RoundTripper
	n    *atomic.Int64
}

func (t countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if t.n != nil {
		t.n.Add(1)
	}
	return t.base.RoundTrip(r)
}
