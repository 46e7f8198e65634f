// Lotus releases the fake serves: what the daemon and lotus-miner of each answer differently.
package lotustest

import (
	"github.com/filecoin-project/go-jsonrpc"

	"github.com/lotus-farcaster/lotus-farcaster/lotusapi"
)

// LotusVersion is a Lotus release line. A provider's daemon and lotus-miner often run
// different ones, so each API of a Scenario has its own (DaemonVersion, MinerVersion).
type LotusVersion int

// The releases the fake serves. The zero value is the newest.
const (
	V1_36 LotusVersion = iota // v1.35.0 and later, v1.36.2 included
	V1_34                     // v1.34.x and earlier
)

// release is what a LotusVersion changes on the wire.
type release struct {
	daemonBuild, minerBuild string // Version().Version of each API
	// actorNotFound is api.EActorNotFound (lotus api/api_errors.go, iota +
	// jsonrpc.FirstUserCode): PR #13467, in v1.35.0, swapped it with EExecutionReverted.
	actorNotFound jsonrpc.ErrorCode
	// finalityStatus: /rpc/v2 serves ChainGetTipSetFinalityStatus (from v1.35.1).
	finalityStatus bool
}

// releases holds the builds and codes of each LotusVersion. Within a release line the miner
// runs an older build than the daemon, as often happens mid-upgrade.
var releases = map[LotusVersion]release{
	V1_36: {"1.36.2+mainnet+git.0f1d2e3", "1.36.1+mainnet+git.9a8b7c6", jsonrpc.FirstUserCode + 9, true},
	V1_34: {"1.34.2+mainnet+git.3d7e5a1", "1.34.1+mainnet+git.b6c40f9", jsonrpc.FirstUserCode + 1, false},
}

// daemonV2 is the handler of the daemon's /rpc/v2 in release v.
func (v LotusVersion) daemonV2(s *Scenario) any {
	if releases[v].finalityStatus {
		return &daemonV2Handler{s: s}
	}
	return &daemonV2HandlerV1_34{}
}

// daemonVersion is what the daemon's Version answers on /rpc/v1.
func (v LotusVersion) daemonVersion() lotusapi.Version {
	return lotusapi.Version{Version: releases[v].daemonBuild, APIVersion: v1APIVersion, BlockDelay: blockDelay, Agent: "lotus"}
}

// minerVersion is what lotus-miner's Version answers.
func (v LotusVersion) minerVersion() lotusapi.Version {
	return lotusapi.Version{Version: releases[v].minerBuild, APIVersion: v0APIVersion, BlockDelay: blockDelay, Agent: "lotus"}
}
