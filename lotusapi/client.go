// Typed go-jsonrpc clients for the Lotus daemon (/rpc/v1) and lotus-miner (/rpc/v0) over HTTP.
package lotusapi

import (
	"context"
	"net/http"
	"reflect"
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
	ChainGetTipSetByHeight     func(context.Context, int64, TipSetKey) (*TipSet, error)
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
	StateMarketBalance         func(context.Context, string, TipSetKey) (MarketBalance, error)
	StateVerifiedClientStatus  func(context.Context, string, TipSetKey) (*BigInt, error)
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
	StorageLocal        func(context.Context) (map[string]string, error)
	StorageInfo         func(context.Context, string) (StorageInfo, error)
	StorageStat         func(context.Context, string) (FsStat, error)
}

// Daemon is a client of the full node.
type Daemon struct {
	CommonAPI
	FullNodeAPI
	rpc *rpcClient
}

// Miner is a client of lotus-miner.
type Miner struct {
	CommonAPI
	MinerAPI
	rpc *rpcClient
}

// DialDaemon returns a daemon client for ep; every HTTP request it makes adds one to requests.
// Over HTTP nothing is sent until the first call, so dialing never fails on a down node.
func DialDaemon(ctx context.Context, ep Endpoint, requests *atomic.Int64) (*Daemon, func(), error) {
	d := &Daemon{}
	rpc, closer, err := dial(ctx, "daemon", ep, requests, &d.CommonAPI, &d.FullNodeAPI)
	d.rpc = rpc
	return d, closer, err
}

// DialMiner returns a lotus-miner client for ep, counting requests like DialDaemon.
func DialMiner(ctx context.Context, ep Endpoint, requests *atomic.Int64) (*Miner, func(), error) {
	m := &Miner{}
	rpc, closer, err := dial(ctx, "miner", ep, requests, &m.CommonAPI, &m.MinerAPI)
	m.rpc = rpc
	return m, closer, err
}

func dial(ctx context.Context, api string, ep Endpoint, requests *atomic.Int64, outs ...any) (*rpcClient, func(), error) {
	header := http.Header{}
	if ep.Token != "" {
		header.Set("Authorization", "Bearer "+ep.Token)
	}
	base := http.DefaultTransport.(*http.Transport).Clone()
	base.MaxIdleConnsPerHost = MaxInFlight
	rt := &transport{base: base, requests: requests, slots: make(chan struct{}, MaxInFlight)}
	client := &http.Client{Transport: rt}
	closer, err := jsonrpc.NewMergeClient(ctx, ep.URL, "Filecoin", outs, header, jsonrpc.WithHTTPClient(client))
	if err != nil {
		return nil, nil, err
	}
	for _, out := range outs {
		classifyErrors(api, out)
	}
	rpc := &rpcClient{api: api, url: ep.URL, header: header, http: client}
	return rpc, func() { closer(); base.CloseIdleConnections() }, nil
}

var errorType = reflect.TypeFor[error]()

// classifyErrors replaces every method of the API struct *api with one that turns the error
// go-jsonrpc returns into a *CallError, so every caller sees Lotus's error model, once.
func classifyErrors(api string, methods any) {
	v := reflect.ValueOf(methods).Elem()
	for i := range v.NumField() {
		field, name := v.Field(i), v.Type().Field(i).Name
		call := field.Interface() // the go-jsonrpc stub
		ft := field.Type()
		errIdx := ft.NumOut() - 1
		if ft.Out(errIdx) != errorType {
			continue
		}
		field.Set(reflect.MakeFunc(ft, func(args []reflect.Value) []reflect.Value {
			out := reflect.ValueOf(call).Call(args)
			if err, _ := out[errIdx].Interface().(error); err != nil {
				out[errIdx] = reflect.ValueOf(error(classify(api, name, err)))
			}
			return out
		}))
	}
}
