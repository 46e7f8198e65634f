// Finality and F3: the daemon's /rpc/v2 finality status and its F3 methods, as Lotus computes them.
package lotustest

import (
	"context"
	"errors"
	"sort"

	"github.com/lotus-farcaster/lotus-farcaster/lotusapi"
)

// F3State is how the daemon runs F3.
type F3State int

// F3 states. The zero value is the usual one on mainnet since F3's activation.
const (
	F3Running    F3State = iota // running, with the certificate of Scenario.F3Certificate
	F3NotRunning                // enabled, but stopped (or not yet started)
	F3Disabled                  // the node runs without F3
)

// F3Certificate is F3's newest finality certificate, which finalizes the tipset Lag epochs
// below the head: it keeps that distance when the head moves (Advance, AtTime).
type F3Certificate struct {
	Instance uint64 // GPBFTInstance
	Lag      int64
}

// chainFinality is policy.ChainFinality: EC's static finality, and the furthest below the
// head an F3 certificate still counts (lotus node/impl/full/chain_v2.go).
const chainFinality = 900

// f3LeaseInstances is the validity term a participant's lease is given: Lotus leases at most 5
// instances (chain/lf3/f3.go maxLeasableInstances), and lotus-miner asks for the most.
const f3LeaseInstances = 5

// f3DisabledError is Lotus's api.ErrF3Disabled, which every F3 method answers on a node
// without F3 (node/impl/full/f3.go), under its registered code api.EF3Disabled.
type f3DisabledError struct{}

func (*f3DisabledError) Error() string { return "f3 is disabled" }

// errF3NotRunning is go-f3's ErrF3NotRunning, which the certificate methods answer while F3
// is stopped (go-f3 f3.go GetLatestCert). Not registered, it answers code 1.
var errF3NotRunning = errors.New("f3 is not running")

// finalityStatus is ChainGetTipSetFinalityStatus's answer (lotus chain/types/finality.go).
type finalityStatus struct {
	ECFinalityThresholdDepth int64            `json:"ecFinalityThresholdDepth"`
	ECFinalizedTipSet        *lotusapi.TipSet `json:"ecFinalizedTipSet"`
	F3FinalizedTipSet        *lotusapi.TipSet `json:"f3FinalizedTipSet"`
	FinalizedTipSet          *lotusapi.TipSet `json:"finalizedTipSet"`
	Head                     *lotusapi.TipSet `json:"head"`
}

// finalityStatus computes the answer as lotus node/impl/full/chain_v2.go does: the EC
// calculator's tipset when its depth is known, else head − 900 as the finalized one; F3's
// tipset when F3 runs with a certificate at most 900 epochs below the head, finalized when
// it is the newer.
func (s *Scenario) finalityStatus() *finalityStatus {
	head := s.Head
	st := &finalityStatus{Head: head, ECFinalityThresholdDepth: -1}
	if s.ECFinalityDepth >= 0 {
		st.ECFinalityThresholdDepth = s.ECFinalityDepth
		st.ECFinalizedTipSet = s.tipSetAt(head.Height - s.ECFinalityDepth)
	}
	st.FinalizedTipSet = st.ECFinalizedTipSet
	if st.FinalizedTipSet == nil {
		st.FinalizedTipSet = s.tipSetAt(max(0, head.Height-chainFinality))
	}
	if c := s.F3Certificate; s.F3 == F3Running && c != nil && c.Lag <= chainFinality {
		st.F3FinalizedTipSet = s.tipSetAt(head.Height - c.Lag)
		if st.F3FinalizedTipSet.Height > st.FinalizedTipSet.Height {
			st.FinalizedTipSet = st.F3FinalizedTipSet
		}
	}
	return st
}

// tipSetAt is the tipset at height on the head's chain, or the one before it when height
// is a null round (Lotus's GetTipsetByHeight with prev). Below the history the scenario holds,
// one is made up from the height: Lotus would load it from its store.
func (s *Scenario) tipSetAt(height int64) *lotusapi.TipSet {
	chain := s.canonical()
	if height < chain[0].Height {
		seed := mix(uint64(height))
		parent := lotusapi.TipSetKey{cid(string(appendBase32([]byte("bafy2bzace"), seed+1, 52)))}
		return newTipSet(height, parent, bigInt("100000"), seed, epochBlocks(seed, "", 0))
	}
	return chain[sort.Search(len(chain), func(i int) bool { return chain[i].Height > height })-1]
}

// daemonV2Handler serves the daemon's /rpc/v2 of a release that has
// ChainGetTipSetFinalityStatus (v1.35.1 on); of its methods, only what the exporter reads.
type daemonV2Handler struct{ s *Scenario }

func (h *daemonV2Handler) ChainGetTipSetFinalityStatus(context.Context) (*finalityStatus, error) {
	return h.s.finalityStatus(), nil
}

// daemonV2HandlerV1_34 is /rpc/v2 from v1.33 to v1.35.0: no ChainGetTipSetFinalityStatus,
// so go-jsonrpc answers -32601.
type daemonV2HandlerV1_34 struct{}

// ecTipSet is one tipset of a certificate's ECChain (go-f3 gpbft.TipSet).
type ecTipSet struct {
	Key         lotusapi.TipSetKey
	Commitments []byte // 32 bytes
	Epoch       int64
	PowerTable  lotusapi.Cid
}

// finalityCertificate is go-f3's certs.FinalityCertificate: ECChain runs from the base, the
// tipset the previous instance finalized, to the one this instance finalizes.
type finalityCertificate struct {
	GPBFTInstance    uint64
	ECChain          []ecTipSet
	SupplementalData struct {
		Commitments []byte
		PowerTable  lotusapi.Cid
	}
	Signers   lotusapi.BitField
	Signature []byte
}

// f3Participant is Lotus's api.F3Participant, one lease of F3ListParticipants.
type f3Participant struct {
	MinerID      uint64
	FromInstance uint64
	ValidityTerm uint64
}

// f3PowerTable is the CID of the power table the scenario's certificates carry.
var f3PowerTable = cid("bafy2bzacecklgxd2eksmodvhgurqvorkg3wamgqkrunir3al2gchv2cikgmbu")

func (h *daemonHandler) F3IsRunning(context.Context) (bool, error) {
	if h.s.F3 == F3Disabled {
		return false, &f3DisabledError{}
	}
	return h.s.F3 == F3Running, nil
}

// F3GetLatestCertificate answers null while F3 runs without a certificate (go-f3 certstore
// Latest).
func (h *daemonHandler) F3GetLatestCertificate(context.Context) (*finalityCertificate, error) {
	switch c := h.s.F3Certificate; {
	case h.s.F3 == F3Disabled:
		return nil, &f3DisabledError{}
	case h.s.F3 == F3NotRunning:
		return nil, errF3NotRunning
	case c == nil:
		return nil, nil
	default:
		base, final := h.s.tipSetAt(h.s.Head.Height-c.Lag-1), h.s.tipSetAt(h.s.Head.Height-c.Lag)
		cert := &finalityCertificate{GPBFTInstance: c.Instance, Signers: lotusapi.BitFieldOf(0, 1, 3, 4, 5, 6)}
		for _, ts := range []*lotusapi.TipSet{base, final} {
			cert.ECChain = append(cert.ECChain, ecTipSet{Key: ts.Cids, Commitments: make([]byte, 32), Epoch: ts.Height, PowerTable: f3PowerTable})
		}
		cert.SupplementalData.Commitments, cert.SupplementalData.PowerTable = make([]byte, 32), f3PowerTable
		cert.Signature = randomBytes(c.Instance, 96)
		return cert, nil
	}
}

// F3ListParticipants lists the leases the node holds, never null: Lotus makes the list
// (chain/lf3/f3.go ListParticipants). Each runs from the instance in progress.
func (h *daemonHandler) F3ListParticipants(context.Context) ([]f3Participant, error) {
	if h.s.F3 == F3Disabled {
		return nil, &f3DisabledError{}
	}
	var current uint64
	if c := h.s.F3Certificate; c != nil {
		current = c.Instance + 1
	}
	out := make([]f3Participant, len(h.s.F3Participants))
	for i, id := range h.s.F3Participants {
		out[i] = f3Participant{MinerID: id, FromInstance: current, ValidityTerm: f3LeaseInstances}
	}
	return out, nil
}
