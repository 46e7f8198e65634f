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
// makes adds one to requests.Daemon, or to the Requests of its context (CountRequests). Over
// HTTP nothing is sent until the first call, so dialing never fails on a down node.
func DialDaemon(ctx context.Context, ep Endpoint, requests *Requests) (*Daemon, func(), error) {
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
func DialMiner(ctx context.Context, ep Endpoint, requests *Requests) (*Miner, func(), error) {
	m := &Miner{}
	rpc, closer, err := dial(ctx, "miner", ep, requests, map[string][]any{ep.URL: {&m.CommonAPI, &m.MinerAPI}})
	m.rpc = rpc
	return m, closer, err
}

// rpcClient is one API's connection: go-jsonrpc's stubs and the streamed calls (stream.go)
// share its transport, token and request slots.
type rpcClient struct {
	api    string
	url    string
	header http.Header
	http   *http.Client
	slots  *slots
	id     atomic.Int64
}

// dial makes the API structs of each URL of one API (paths of one node, ep's token) over
// one transport and one set of request slots, so the node sees at most MaxInFlight requests
// whatever path they go to.
func dial(ctx context.Context, api string, ep Endpoint, requests *Requests, byURL map[string][]any) (*rpcClient, func(), error) {
	header := http.Header{}
	if ep.Token != "" {
		header.Set("Authorization", "Bearer "+ep.Token)
	}
	base := http.DefaultTransport.(*http.Transport).Clone()
	base.MaxIdleConnsPerHost = MaxInFlight
	client := &http.Client{Transport: &transport{base: base, api: api, requests: requests}}
	rpc := &rpcClient{api: api, url: ep.URL, header: header, http: client, slots: newSlots()}
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
			rpc.wrap(out)
		}
	}
	return rpc, closeAll, nil
}

var errorType = reflect.TypeFor[error]()

// wrap replaces every method of the API struct *methods with one that makes one call
// (calls.go) through the go-jsonrpc stub and turns the error it returns into a *CallError,
// so every caller sees Lotus's error model, once.
func (c *rpcClient) wrap(methods any) {
	v := reflect.ValueOf(methods).Elem()
	for i := range v.NumField() {
		field, name := v.Field(i), v.Type().Field(i).Name
		stub := reflect.ValueOf(field.Interface())
		ft := field.Type()
		errIdx := ft.NumOut() - 1
		if ft.Out(errIdx) != errorType {
			continue
		}
		field.Set(reflect.MakeFunc(ft, func(args []reflect.Value) []reflect.Value {
			out, err := c.invoke(stub, name, args)
			if err == nil {
				return out
			}
			if out == nil { // no slot before the run's deadline
				out = make([]reflect.Value, ft.NumOut())
				for i := range out {
					out[i] = reflect.Zero(ft.Out(i))
				}
			}
			out[errIdx] = reflect.ValueOf(error(classify(c.api, name, err)))
			return out
		}))
	}
}

// invoke calls the stub of method with args (a context first), holding the call's slots
// until the stub has returned, its answer decoded.
func (c *rpcClient) invoke(stub reflect.Value, method string, args []reflect.Value) ([]reflect.Value, error) {
	ctx, end, err := c.slots.begin(args[0].Interface().(context.Context), method, false)
	if err != nil {
		return nil, err
	}
	defer end()
	args[0] = reflect.ValueOf(ctx)
	out := stub.Call(args)
	err, _ = out[len(out)-1].Interface().(error)
	return out, err
}
