// Go types for the subset of the Lotus v1.36 API this exporter reads, with Lotus's JSON field names.
package lotusapi

import (
	"encoding/json"
	"time"
)

// Cid is a content identifier in its JSON form {"/": "bafy..."}.
type Cid struct {
	Root string `json:"/"`
}

// TipSetKey names a tipset by its block CIDs; state queries take it to pin one tipset.
type TipSetKey []Cid

// TipSet is a chain tipset; Blocks carries only the header fields read here.
type TipSet struct {
	Cids   TipSetKey
	Blocks []BlockHeader
	Height int64
}

// Key returns the tipset's key.
func (t *TipSet) Key() TipSetKey { return t.Cids }

// BlockHeader holds the block header fields read here.
type BlockHeader struct {
	Miner         string
	ElectionProof *ElectionProof // null only in the genesis block
	Parents       TipSetKey
	Height        int64
	Timestamp     uint64
	ParentBaseFee BigInt
}

// ElectionProof says how many times the block's miner won the election at its epoch.
type ElectionProof struct {
	WinCount int64
	VRFProof []byte
}

// Version is the answer of Version on either API.
type Version struct {
	Version    string
	APIVersion uint32
	BlockDelay uint64
	Agent      string
}

// SyncState is the daemon's chain sync status.
type SyncState struct {
	ActiveSyncs []ActiveSync
	VMApplied   uint64
}

// ActiveSync is one sync worker; Stage is Lotus's api.SyncStateStage number.
type ActiveSync struct {
	WorkerID uint64
	Base     *TipSet
	Target   *TipSet
	Stage    int
	Height   int64
	Start    time.Time
	End      time.Time
	Message  string
}

// PeerAddrInfo is one connected libp2p peer.
type PeerAddrInfo struct {
	ID    string
	Addrs []string
}

// NatInfo is the AutoNAT status: Reachability 0 unknown, 1 public, 2 private.
type NatInfo struct {
	Reachability int
	PublicAddrs  []string
}

// BandwidthStats are libp2p byte totals since start and current rates.
type BandwidthStats struct {
	TotalIn  int64
	TotalOut int64
	RateIn   float64
	RateOut  float64
}

// Alert is one entry of LogAlerts.
type Alert struct {
	Type         AlertType
	Active       bool
	LastActive   *AlertEvent
	LastResolved *AlertEvent
}

// AlertType identifies an alert.
type AlertType struct {
	System    string
	Subsystem string
}

// AlertEvent is when an alert was raised or resolved; Message is raw JSON, usually an object.
type AlertEvent struct {
	Type    string
	Message json.RawMessage
	Time    time.Time
}

// MinerInfo is StateMinerInfo; addresses are ID addresses (f0...).
type MinerInfo struct {
	Owner                      string
	Worker                     string
	NewWorker                  string
	ControlAddresses           []string
	WorkerChangeEpoch          int64
	PeerId                     *string
	Multiaddrs                 [][]byte
	WindowPoStProofType        int64
	SectorSize                 uint64
	WindowPoStPartitionSectors uint64
	ConsensusFaultElapsed      int64
	PendingOwnerAddress        *string
	Beneficiary                string
	BeneficiaryTerm            *BeneficiaryTerm
	PendingBeneficiaryTerm     *PendingBeneficiaryChange
}

// BeneficiaryTerm is how much the beneficiary may withdraw, until when.
type BeneficiaryTerm struct {
	Quota      BigInt
	UsedQuota  BigInt
	Expiration int64
}

// PendingBeneficiaryChange is a proposed beneficiary not yet approved by both sides.
type PendingBeneficiaryChange struct {
	NewBeneficiary        string
	NewQuota              BigInt
	NewExpiration         int64
	ApprovedByBeneficiary bool
	ApprovedByNominee     bool
}

// MinerPower is StateMinerPower: the miner's claim and the network total.
type MinerPower struct {
	MinerPower  Claim
	TotalPower  Claim
	HasMinPower bool
}

// Claim is power in bytes, raw and quality-adjusted.
type Claim struct {
	RawBytePower    BigInt
	QualityAdjPower BigInt
}

// MiningBaseInfo is MinerGetBaseInfo; Lotus answers null for a miner with no power at the lookback.
type MiningBaseInfo struct {
	MinerPower        BigInt
	NetworkPower      BigInt
	WorkerKey         string
	SectorSize        uint64
	EligibleForMining bool
}

// Actor is StateGetActor: an actor's balance and nonce.
type Actor struct {
	Code             Cid
	Head             Cid
	Nonce            uint64
	Balance          BigInt
	DelegatedAddress *string
}

// ActorState is StateReadState; State is decoded per actor type.
type ActorState struct {
	Balance BigInt
	Code    Cid
	State   json.RawMessage
}

// MarketBalance is StateMarketBalance: a storage-market account's funds in attoFIL.
type MarketBalance struct {
	Escrow BigInt
	Locked BigInt
}

// RewardState holds the field read here of the reward actor's state (StateReadState of f02).
type RewardState struct {
	ThisEpochReward BigInt
}

// RewardActor is the reward actor's ID address.
const RewardActor = "f02"

// MinerState holds the fund fields of the miner actor's state (StateReadState of the miner).
type MinerState struct {
	LockedFunds       BigInt // vesting
	InitialPledge     BigInt
	PreCommitDeposits BigInt
	FeeDebt           BigInt
}

// FinalityStatus is ChainGetTipSetFinalityStatus's answer (lotus chain/types/finality.go,
// node/impl/full/chain_v2.go), without the head. FinalizedTipSet is always set: the newer of
// the F3 and EC ones, or head − 900 when neither is known. ECFinalizedTipSet is null when the
// depth is −1 (EC finality degraded); F3FinalizedTipSet when F3 has no certificate, or one
// more than 900 epochs below the head.
type FinalityStatus struct {
	ECFinalityThresholdDepth int64   `json:"ecFinalityThresholdDepth"`
	ECFinalizedTipSet        *TipSet `json:"ecFinalizedTipSet"`
	F3FinalizedTipSet        *TipSet `json:"f3FinalizedTipSet"`
	FinalizedTipSet          *TipSet `json:"finalizedTipSet"`
}

// F3Certificate holds the field read here of an F3 finality certificate (go-f3
// certs.FinalityCertificate).
type F3Certificate struct {
	GPBFTInstance uint64
}

// F3Participant is a miner taking part in F3 through the node (lotus api.F3Participant).
type F3Participant struct {
	MinerID uint64 // the miner actor's ID: f0 followed by this number
}
