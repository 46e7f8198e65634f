// Lotus's errors as they reach the wire: which error types get their own JSON-RPC code, and the messages.
package lotustest

import (
	"errors"
	"fmt"
	"strings"

	"github.com/filecoin-project/go-jsonrpc"

	"github.com/lotus-farcaster/lotus-farcaster/lotusapi"
)

// rpcErrors maps error types to JSON-RPC codes as v's Lotus registers them (api.RPCErrors),
// for one API's go-jsonrpc server. go-jsonrpc matches the exact type of the returned error
// (handler.go createError), so only an unwrapped *actorNotFoundError or *f3DisabledError gets
// its code; every other error answers code 1.
func (v LotusVersion) rpcErrors() jsonrpc.Errors {
	e := jsonrpc.NewErrors()
	e.Register(releases[v].actorNotFound, new(*actorNotFoundError))
	// api.EF3Disabled is FirstUserCode + 2 in both releases: PR #13467 swapped only its
	// neighbours EActorNotFound and EExecutionReverted.
	e.Register(jsonrpc.FirstUserCode+2, new(*f3DisabledError))
	return e
}

// actorNotFoundError is Lotus's api.ErrActorNotFound, which StateLookupID returns (and
// StateVerifiedClientStatus passes on) for an address the init actor cannot resolve. It
// answers api.EActorNotFound, whose code depends on the release (see versions.go).
type actorNotFoundError struct{}

func (*actorNotFoundError) Error() string { return "actor not found" }

// errActorNotFound is types.ErrActorNotFound: the state tree's error for an ID address
// that has no actor (lotus chain/state/statetree.go GetActor). It answers code 1.
var errActorNotFound = errors.New("actor not found")

// isIDAddress reports whether addr is an ID address (f0...). The state tree takes an ID
// address as it is, without asking the init actor (chain/state/statetree.go LookupIDAddress).
func isIDAddress(addr string) bool { return strings.HasPrefix(addr, "f0") }

// resolve returns the ID address addr stands for, failing like the state tree's
// LookupIDAddress: "resolve address ADDR: actor not found" for a key nobody sent funds to.
func (s *Scenario) resolve(addr string) (string, error) {
	if isIDAddress(addr) {
		return addr, nil
	}
	for id, key := range s.AccountKeys {
		if key == addr {
			return id, nil
		}
	}
	return "", fmt.Errorf("resolve address %s: %w", addr, errActorNotFound)
}

// actorID is the state tree's GetActor: the ID address of addr's actor, or
// "resolution lookup failed (ADDR): resolve address ADDR: actor not found" for an
// unresolvable key, and a bare "actor not found" for an ID address without an actor.
func (s *Scenario) actorID(addr string) (id string, err error) {
	id, err = s.resolve(addr)
	if err != nil {
		return "", fmt.Errorf("resolution lookup failed (%s): %w", addr, err)
	}
	if _, ok := s.Actors[id]; !ok {
		return "", errActorNotFound
	}
	return id, nil
}

// actorType is the builtin-actors manifest name of the actor with ID address id, which
// Lotus puts in "actor code is not account: storageminer" and the like.
func (s *Scenario) actorType(id string) string {
	switch {
	case id == s.MinerID:
		return "storageminer"
	case id == lotusapi.RewardActor:
		return "reward"
	case s.AccountKeys[id] != "":
		return "account"
	}
	return "unknown"
}

// loadMiner fails as Lotus's miner methods do when addr is not the scenario's miner:
// loading the actor fails with the state tree's error wrapped in loadCtx, and an actor
// of another type fails miner.Load, wrapped in stateCtx. Most methods wrap them as
// "failed to load miner actor: ..." and "failed to load miner actor state: ..."
// (lotus node/impl/full/state.go); an empty context leaves the error unwrapped.
func (s *Scenario) loadMiner(addr, loadCtx, stateCtx string) error {
	id, err := s.actorID(addr)
	if err != nil {
		return wrapErr(loadCtx, err)
	}
	if id != s.MinerID {
		return wrapErr(stateCtx, fmt.Errorf("actor code is not miner: %s", s.actorType(id)))
	}
	return nil
}

func wrapErr(context string, err error) error {
	if context == "" {
		return err
	}
	return fmt.Errorf("%s: %w", context, err)
}
