// Methods that resolve any address: StateLookupID, StateMarketBalance and StateVerifiedClientStatus.
package lotustest

import (
	"context"

	"github.com/lotus-farcaster/lotus-farcaster/lotusapi"
)

// StateLookupID answers an ID address as it is, on chain or not, and api.ErrActorNotFound
// ("actor not found", code 11 from v1.35.0, 3 before) for a key the init actor does not
// know (node/impl/full/state.go StateLookupID).
func (h *daemonHandler) StateLookupID(_ context.Context, addr string, tsk lotusapi.TipSetKey) (string, error) {
	if err := h.checkTipSet(tsk); err != nil {
		return "", err
	}
	id, err := h.s.resolve(addr)
	if err != nil {
		return "", &actorNotFoundError{}
	}
	return id, nil
}

// StateMarketBalance answers zero funds for an address without a market entry, an ID
// address not on chain among them; an unknown key fails with the state tree's "resolve
// address ADDR: actor not found", code 1 (chain/stmgr/actors.go MarketBalance, whose
// balance tables answer zero for a missing key).
func (h *daemonHandler) StateMarketBalance(_ context.Context, addr string, tsk lotusapi.TipSetKey) (lotusapi.MarketBalance, error) {
	if err := h.checkTipSet(tsk); err != nil {
		return lotusapi.MarketBalance{}, err
	}
	id, err := h.s.resolve(addr)
	if err != nil {
		return lotusapi.MarketBalance{}, err
	}
	return h.s.Market[id], nil
}

// StateVerifiedClientStatus answers null for an address without DataCap, an ID address
// not on chain among them, and passes StateLookupID's api.ErrActorNotFound on for an
// unknown key (node/impl/full/state.go StateVerifiedClientStatus).
func (h *daemonHandler) StateVerifiedClientStatus(_ context.Context, addr string, tsk lotusapi.TipSetKey) (*lotusapi.BigInt, error) {
	if err := h.checkTipSet(tsk); err != nil {
		return nil, err
	}
	id, err := h.s.resolve(addr)
	if err != nil {
		return nil, &actorNotFoundError{}
	}
	dataCap, ok := h.s.DataCap[id]
	if !ok {
		return nil, nil
	}
	return &dataCap, nil
}
