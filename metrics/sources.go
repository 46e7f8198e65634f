// What one run reads from: the two Lotus APIs, pinned to the head tipset read once at the start.
package metrics

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/lotus-farcaster/lotus-farcaster/curio"
	"github.com/lotus-farcaster/lotus-farcaster/lotusapi"
)

// Node is what every miner of a run shares: the API clients, the head tipset read once,
// and the lookups that do not depend on the miner. An API that could not be reached is
// nil, and the reason is in DaemonErr or MinerErr.
type Node struct {
	Daemon        *lotusapi.Daemon
	DaemonVersion lotusapi.Version
	DaemonErr     error
	Head          *lotusapi.TipSet // nil when the daemon is down

	Miner        *lotusapi.Miner
	MinerVersion lotusapi.Version
	MinerErr     error

	// Curio is Curio's database (ConnectCurio), nil when none is used or it was not reached:
	// then CurioErr says why, and is nil when none is used.
	Curio    *curio.DB
	CurioErr error

	Now time.Time // the run's wall-clock time, so every time-derived value agrees

	// SharedRequests counts the requests made for every miner of the run: connecting and
	// Genesis. The first miner's file says them (Sources.SaysShared).
	SharedRequests lotusapi.Requests

	// Genesis is ChainGetGenesis, asked at most once per run.
	Genesis func() (*lotusapi.TipSet, error)
	// finality is the daemon's finality and F3 state, read at most once per run.
	finality func() (*finalityView, error)

	minerID                 string // what lotus-miner's ActorAddress answered
	closeDaemon, closeMiner func()
}

// MinerSpec is what a run knows of one of its miners before reading it.
type MinerSpec struct {
	MinerID string // "" when unknown
	// DaemonOnly is set when the miner is read from the daemon alone (--miner): there is no
	// lotus-miner to ask, and none is missed.
	DaemonOnly bool
	// SaysShared is set on the first miner of the run, whose file also counts the Node's
	// SharedRequests: the files of a run sum to its requests.
	SaysShared bool
	State      *State // what earlier runs kept; nil for none
	Options    Options
}

// Sources is one miner's view of a run: the shared Node, the miner, and what the
// collectors keep between runs. It is complete when ForMiner returns it; collectors only
// read it (State changes under its own lock).
type Sources struct {
	*Node
	MinerSpec

	// Requests counts this miner's requests: its lookups and its collectors' calls.
	Requests lotusapi.Requests

	// Looked up at most once per run, by whichever collector asks first.
	MinerInfo   func() (lotusapi.MinerInfo, error)
	AccountKeys func() (map[string]string, error)
	Power       func() (*lotusapi.MinerPower, error)
	addresses   func() ([]minerAddress, error)
	proving     func() (*provingState, error)
	workers     func() (workerSet, error)
}

// Connect dials both APIs in parallel and reads what every collector needs first: the
// versions (which prove the API answers and accepts the token), the head tipset and the
// miner ID lotus-miner serves, and returns the Sources of that miner, the run's only one,
// with spec's state and options. A nil endpoint means that API was not found. ctx is the
// whole run's: the lookups shared by collectors use it later.
func Connect(ctx context.Context, daemon, miner *lotusapi.Endpoint, now time.Time, spec MinerSpec) *Sources {
	n := ConnectNode(ctx, daemon, miner, now)
	spec.MinerID, spec.SaysShared = n.minerID, true
	return n.ForMiner(ctx, spec)
}

// ConnectNode dials the APIs found; with miner nil only the daemon is read.
func ConnectNode(ctx context.Context, daemon, miner *lotusapi.Endpoint, now time.Time) *Node {
	n := &Node{Now: now, DaemonErr: errNotFound, MinerErr: errNotFound}
	// An API that hangs on its first call must leave the collectors of the other at least
	// half the run's time.
	connectCtx, cancel := context.WithCancel(ctx)
	if deadline, ok := ctx.Deadline(); ok {
		connectCtx, cancel = context.WithTimeout(ctx, time.Until(deadline)/2)
	}
	defer cancel()
	var wg sync.WaitGroup
	if daemon != nil {
		wg.Go(func() { n.connectDaemon(connectCtx, *daemon) })
	}
	if miner != nil {
		wg.Go(func() { n.connectMiner(connectCtx, *miner) })
	}
	wg.Wait()
	n.Genesis = sync.OnceValues(func() (*lotusapi.TipSet, error) {
		if n.Daemon == nil {
			return nil, errDaemonDown
		}
		g, err := n.Daemon.ChainGetGenesis(ctx)
		if err == nil && len(g.Blocks) == 0 {
			err = errors.New("ChainGetGenesis: a tipset without blocks")
		}
		return g, err
	})
	n.finality = sync.OnceValues(func() (*finalityView, error) { return readFinality(ctx, n.Daemon) })
	return n
}

// ForMiner returns the Sources of one miner of the run, complete: nothing is set on it later.
func (n *Node) ForMiner(ctx context.Context, spec MinerSpec) *Sources {
	if spec.State == nil {
		spec.State = NewState()
	}
	src := &Sources{Node: n, MinerSpec: spec}
	ctx = lotusapi.CountRequests(ctx, &src.Requests)
	src.MinerInfo = sync.OnceValues(func() (lotusapi.MinerInfo, error) { return src.minerInfo(ctx) })
	src.AccountKeys = sync.OnceValues(func() (map[string]string, error) { return src.accountKeys(ctx) })
	src.Power = sync.OnceValues(func() (*lotusapi.MinerPower, error) {
		if err := src.missing(NeedDaemon | NeedMinerID); err != nil {
			return nil, err
		}
		return n.Daemon.StateMinerPower(ctx, src.MinerID, n.Head.Key())
	})
	src.addresses = sync.OnceValues(func() ([]minerAddress, error) { return src.allAddresses(ctx) })
	src.proving = sync.OnceValues(func() (*provingState, error) { return src.readProving(ctx) })
	src.workers = sync.OnceValues(func() (workerSet, error) { return src.workerSet(ctx) })
	return src
}

// ServedMiner is the miner lotus-miner serves, "" when it was not reached.
func (n *Node) ServedMiner() string { return n.minerID }

var errNotFound = errors.New("API not found")

func (n *Node) connectDaemon(ctx context.Context, ep lotusapi.Endpoint) {
	d, closer, err := lotusapi.DialDaemon(ctx, ep, &n.SharedRequests)
	if err != nil {
		n.DaemonErr = err
		return
	}
	n.closeDaemon = closer
	var head *lotusapi.TipSet
	err = parallel(
		func() (err error) { n.DaemonVersion, err = d.Version(ctx); return err },
		func() (err error) { head, err = d.ChainHead(ctx); return err },
	)
	if err == nil && len(head.Blocks) == 0 {
		err = errors.New("ChainHead: a tipset without blocks")
	}
	if err != nil {
		n.DaemonErr = firstErr(err)
		return
	}
	n.Daemon, n.Head, n.DaemonErr = d, head, nil
}

func (n *Node) connectMiner(ctx context.Context, ep lotusapi.Endpoint) {
	m, closer, err := lotusapi.DialMiner(ctx, ep, &n.SharedRequests)
	if err != nil {
		n.MinerErr = err
		return
	}
	n.closeMiner = closer
	var id string
	err = parallel(
		func() (err error) { n.MinerVersion, err = m.Version(ctx); return err },
		func() (err error) { id, err = m.ActorAddress(ctx); return err },
	)
	if err != nil {
		n.MinerErr = firstErr(err)
		return
	}
	n.Miner, n.minerID, n.MinerErr = m, id, nil
}

// firstErr keeps one of joined errors: two calls to a node that is down fail for one reason.
func firstErr(err error) error {
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		if errs := joined.Unwrap(); len(errs) > 0 {
			return errs[0]
		}
	}
	return err
}

// Close releases the API clients.
func (n *Node) Close() {
	for _, c := range []func(){n.closeDaemon, n.closeMiner} {
		if c != nil {
			c()
		}
	}
	if n.Curio != nil {
		n.Curio.Close()
	}
}

// errDaemonDown and errNoMiner are what collectors report when they cannot start.
var (
	errDaemonDown = errors.New("daemon API unavailable")
	errMinerDown  = errors.New("miner API unavailable")
	errNoMinerID  = errors.New("miner ID unknown")
)

func (s *Sources) minerInfo(ctx context.Context) (lotusapi.MinerInfo, error) {
	if err := s.missing(NeedDaemon | NeedMinerID); err != nil {
		return lotusapi.MinerInfo{}, err
	}
	return s.Daemon.StateMinerInfo(ctx, s.MinerID, s.Head.Key())
}

// accountKeys maps the miner's owner, worker, control and beneficiary ID addresses to their
// key addresses. An address without one (a multisig owner, say: the node answers that it
// is not an account) is left out: it is not an error.
func (s *Sources) accountKeys(ctx context.Context) (map[string]string, error) {
	info, err := s.MinerInfo()
	if err != nil {
		return nil, err
	}
	ids := uniq(append([]string{info.Owner, info.Worker, info.Beneficiary}, info.ControlAddresses...))
	keys := make([]string, len(ids))
	calls := make([]func() error, len(ids))
	for i, id := range ids {
		calls[i] = func() error {
			key, err := s.Daemon.StateAccountKey(ctx, id, s.Head.Key())
			if notAccount(err) {
				return nil // a multisig or another actor: no key address
			}
			keys[i] = key
			return err
		}
	}
	if err := parallel(calls...); err != nil {
		return nil, firstErr(err)
	}
	out := make(map[string]string, len(ids))
	for i, id := range ids {
		if keys[i] != "" {
			out[id] = keys[i]
		}
	}
	return out, nil
}

// notAccount reports whether StateAccountKey said the address is not an account actor
// ("... actor code is not account: multisig", lotus chain/actors/builtin/account).
func notAccount(err error) bool {
	return lotusapi.IsNodeAnswer(err) && strings.Contains(err.Error(), "is not account")
}

// Options are the collectors' settings from the command line.
type Options struct {
	// SectorDetails adds one series per proving sector: high cardinality, off by default.
	SectorDetails bool
	// Grace is how long a collector may take to return after the run's deadline; what is
	// left of --timeout after it is for writing the file.
	Grace time.Duration
}

// workerSet is WorkerStats with the worker label of each worker ID.
type workerSet struct {
	stats map[string]lotusapi.WorkerStats
	names map[string]string
}

// workerSet reads WorkerStats and names each worker by its hostname. Workers sharing a
// hostname get the first 8 characters of their worker ID appended ("sealer-1/ef8d99a2"),
// so they are never merged into one series.
func (s *Sources) workerSet(ctx context.Context) (workerSet, error) {
	if s.Miner == nil {
		return workerSet{}, errMinerDown
	}
	stats, err := s.Miner.WorkerStats(ctx)
	if err != nil {
		return workerSet{}, err
	}
	if len(stats) > maxItems {
		return workerSet{}, fmt.Errorf("WorkerStats: %d workers, more than %d", len(stats), maxItems)
	}
	perHost := make(map[string]int)
	for _, w := range stats {
		perHost[w.Info.Hostname]++
	}
	names := make(map[string]string, len(stats))
	for id, w := range stats {
		names[id] = w.Info.Hostname
		if perHost[w.Info.Hostname] > 1 {
			names[id] = cut(w.Info.Hostname, maxLabelValue-9) + "/" + id[:min(8, len(id))]
		}
	}
	return workerSet{stats: stats, names: names}, nil
}

// parallel runs fns concurrently and joins their errors. The clients keep the requests in
// flight to a few per API, however many calls wait here.
func parallel(fns ...func() error) error { return parallelLimit(len(fns)+1, fns...) }

// uniq drops empty and repeated strings, keeping the first occurrence's order.
func uniq(ss []string) []string {
	seen := make(map[string]bool, len(ss))
	out := ss[:0:0]
	for _, s := range ss {
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// IsNotAMiner reports whether the node answered that the miner ID is no miner actor at the
// head: no actor there ("failed to load miner actor: actor not found") or an actor of another
// kind ("actor code is not miner: account"; lotus node/impl/full/state.go). The exporter asks
// actor-not-found questions only about the miner's own ID with a failure as the outcome.
func IsNotAMiner(err error) bool {
	return lotusapi.IsActorNotFound(err) || (lotusapi.IsNodeAnswer(err) && strings.Contains(err.Error(), "actor code is not miner"))
}

// IsConsequence reports whether a collector failed only because an API was down or the
// miner unknown, which the run reports once on its own.
func IsConsequence(err error) bool {
	return errors.Is(err, errDaemonDown) || errors.Is(err, errMinerDown) || errors.Is(err, errNoMinerID) || errors.Is(err, errCurioDown)
}
