// Typed go-jsonrpc clients for the Lotus daemon (/rpc/v1, /rpc/v2) and lotus-miner (/rpc/v0) over HTTP.
package lotusapi

import (
	"context"
	"net/http"
	"reflect"
	"strings"
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
	// F3 methods fail with "f3 is disabled" on a node that runs without F3 (KindF3Disabled).
	F3IsRunning            func(context.Context) (bool, error)
	F3GetLatestCertificate func(context.Context) (*F3Certificate, error)
	F3ListParticipants     func(context.Context) ([]F3Participant, error)
}

// FullNodeV2API holds the methods read on the daemon's /rpc/v2, served since Lotus v1.33 on
// the /rpc/v1 port. Where a node lacks one (no /rpc/v2 before v1.33;
// ChainGetTipSetFinalityStatus only since v1.35.1) the call fails with KindMethodNotFound.
type FullNodeV2API struct {
	ChainGetTipSetFinalityStatus func(context.Context) (*FinalityStatus, error)
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
	FullNodeV2API
	rpc *rpcClient
}

// Miner is a client of lotus-miner.
type Miner struct {
	CommonAPI
	MinerAPI
	rpc *rpcClient
}

// DialDaemon returns a daemon client for ep, whose URL ends in /rpc/v1; every HTTP request it
// makes adds one to requests. Over HTTP nothing is sent until the first call, so dialing never
// fails on a down node.
func DialDaemon(ctx context.Context, ep Endpoint, requests *atomic.Int64) (*Daemon, func(), error) {
	d := &Daemon{}
	// /rpc/v2 sits beside /rpc/v1 behind the same token (lotus node/rpc.go FullNodeHandler).
	v2 := strings.TrimSuffix(ep.URL, "/rpc/v1") + "/rpc/v2"
	rpc, closer, err := dial(ctx, "daemon", ep, requests, map[string][]any{
		ep.URL: {&d.CommonAPI, &d.FullNodeAPI},
		v2:     {&d.FullNodeV2API},
	})
	d.rpc = rpc
	return d, closer, err
}

// DialMiner returns a lotus-miner client for ep, counting requests like DialDaemon.
func DialMiner(ctx context.Context, ep Endpoint, requests *atomic.Int64) (*Miner, func(), error) {
	m := &Miner{}
	rpc, closer, err := dial(ctx, "miner", ep, requests, map[string][]any{ep.URL: {&m.CommonAPI, &m.MinerAPI}})
	m.rpc = rpc
	return m, closer, err
}

// dial makes the API structs of each URL of one API (paths of one node, ep's token) over
// one transport, so the node sees at most MaxInFlight requests whatever path they go to.
func dial(ctx context.Context, api string, ep Endpoint, requests *atomic.Int64, byURL map[string][]any) (*rpcClient, func(), error) {
	header := http.Header{}
	if ep.Token != "" {
		header.Set("Authorization", "Bearer "+ep.Token)
	}
	base := http.DefaultTransport.(*http.Transport).Clone()
	base.MaxIdleConnsPerHost = MaxInFlight
	rt := &transport{base: base, requests: requests, slots: make(chan struct{}, MaxInFlight)}
	client := &http.Client{Transport: rt}
	var closers []func()
	closeAll := func() {
		for _, c := range closers {
			c()
		}
		base.CloseIdleConnections()
	}
	for url, outs := range byURL {
		closer, err := jsonrpc.NewMergeClient(ctx, url, "Filecoin", outs, header, jsonrpc.WithHTTPClient(client))
		if err != nil {
			closeAll()
			return nil, nil, err
		}
		closers = append(closers, closer)
		for _, out := range outs {
			classifyErrors(api, out)
		}
	}
	rpc := &rpcClient{api: api, url: ep.URL, header: header, http: client}
	return rpc, closeAll, nil
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
