// One call of a method, from its wait for a request slot until it returns: slots, permit, counts.
package lotusapi

import (
	"context"
	"sync"
	"sync/atomic"
)

// MaxInFlight is how many calls one API has in flight at once. The daemon a run reads
// is the one that submits WindowPoSt: the exporter must never crowd it.
const MaxInFlight = 4

// MaxPerMethod is how many of an API's MaxInFlight slots the calls of one method may hold,
// so that a method that hangs (StateMinerPartitions, called once per deadline) delays only
// the collectors that need it.
const MaxPerMethod = MaxInFlight / 2

// call is one call of a method. It holds its slots from before its request is sent until
// it returns to its caller, go-jsonrpc's decoding of the answer included, so that the calls
// holding answers in memory are the calls holding slots. It travels in the request's context.
type call struct {
	method   string
	streamed bool        // the answer is read as it arrives (stream.go), not whole
	large    atomic.Bool // it holds the large-answer permit
}

type callKey struct{}

// callOf returns the call a request belongs to; every request the clients make has one.
func callOf(ctx context.Context) *call { return ctx.Value(callKey{}).(*call) }

// slots hands out one API's request slots: at most MaxInFlight calls at once, at most
// MaxPerMethod of them of one method.
type slots struct {
	api     chan struct{}
	mu      sync.Mutex
	methods map[string]chan struct{}
}

func newSlots() *slots {
	return &slots{api: make(chan struct{}, MaxInFlight), methods: map[string]chan struct{}{}}
}

// begin waits for a slot of method's share, then for one of the API's, and returns ctx
// carrying the call and the function that ends it. The share comes first, so the calls
// queued behind a slow method hold no slot of the API.
func (s *slots) begin(ctx context.Context, method string, streamed bool) (context.Context, func(), error) {
	s.mu.Lock()
	share := s.methods[method]
	if share == nil {
		share = make(chan struct{}, MaxPerMethod)
		s.methods[method] = share
	}
	s.mu.Unlock()
	if err := acquire(ctx, share); err != nil {
		return nil, nil, err
	}
	if err := acquire(ctx, s.api); err != nil {
		<-share
		return nil, nil, err
	}
	c := &call{method: method, streamed: streamed}
	end := func() {
		if c.large.Load() {
			<-largeAnswer
		}
		<-s.api
		<-share
	}
	return context.WithValue(ctx, callKey{}, c), end, nil
}

// acquire takes a place in sem, or gives up when ctx ends.
func acquire(ctx context.Context, sem chan struct{}) error {
	select {
	case sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// largeAnswer is the process's one large-answer permit (transport.go): go-jsonrpc holds an
// answer several times over while decoding it (the body, its decoder's buffer, the result's
// raw copy, the typed value), so large ones are decoded one at a time.
var largeAnswer = make(chan struct{}, 1)

// holdLarge takes the large-answer permit for c, until c ends; it is taken at most once.
func (c *call) holdLarge(ctx context.Context) error {
	if c.large.Load() {
		return nil
	}
	if err := acquire(ctx, largeAnswer); err != nil {
		return err
	}
	c.large.Store(true)
	return nil
}

// Requests counts the HTTP requests made to each API.
type Requests struct {
	Daemon, Miner atomic.Int64
}

func (r *Requests) of(api string) *atomic.Int64 {
	if api == "miner" {
		return &r.Miner
	}
	return &r.Daemon
}

type requestsKey struct{}

// CountRequests returns ctx whose calls count their requests in r instead of in the
// client's own Requests: a run with several miners counts each miner's apart.
func CountRequests(ctx context.Context, r *Requests) context.Context {
	return context.WithValue(ctx, requestsKey{}, r)
}
