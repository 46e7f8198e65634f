// Go types for the proving, sealing, worker and storage methods, with Lotus's JSON field names.
package lotusapi

import (
	"time"
)

// DeadlineInfo is StateMinerProvingDeadline: where the miner is in its proving period.
type DeadlineInfo struct {
	CurrentEpoch           int64
	PeriodStart            int64
	Index                  uint64
	Open                   int64
	Close                  int64
	Challenge              int64
	FaultCutoff            int64
	WPoStPeriodDeadlines   uint64
	WPoStProvingPeriod     int64
	WPoStChallengeWindow   int64
	WPoStChallengeLookback int64
	FaultDeclarationCutoff int64
}

// Deadline is one entry of StateMinerDeadlines. PostSubmissions holds the partitions
// proven in the deadline's current challenge window; the chain clears it when the window closes.
type Deadline struct {
	PostSubmissions      BitField
	DisputableProofCount uint64
	DailyFee             BigInt
}

// Partition is one entry of StateMinerPartitions, as sector-number bitfields.
// AllSectors includes terminated sectors; LiveSectors does not.
type Partition struct {
	AllSectors        BitField
	FaultySectors     BitField
	RecoveringSectors BitField
	LiveSectors       BitField
	ActiveSectors     BitField
}

// SectorOnChainInfo is one element of StateMinerSectors. Lotus sends no DealIDs; the
// nullable amounts are null for sectors activated or updated after nv25.
type SectorOnChainInfo struct {
	SectorNumber          uint64
	SealProof             int64
	SealedCID             Cid
	Activation            int64
	Expiration            int64
	DealWeight            BigInt
	VerifiedDealWeight    BigInt
	InitialPledge         BigInt
	ExpectedDayReward     *BigInt
	ExpectedStoragePledge *BigInt
	PowerBaseEpoch        int64
	ReplacedDayReward     *BigInt
	SectorKeyCID          *Cid
	Flags                 uint64
	DailyFee              BigInt
}

// MinerSectors is StateMinerSectorCount.
type MinerSectors struct {
	Live   uint64
	Active uint64
	Faulty uint64
}

// SectorInfo is SectorsStatus without on-chain info; only the fields read here.
type SectorInfo struct {
	SectorID uint64
	State    string
	Deals    []uint64 // 0 for a piece without a deal
	LastErr  string
	Log      []SectorLog
}

// SectorLog is one entry of a sector's event log; Timestamp is unix seconds.
type SectorLog struct {
	Kind      string
	Timestamp uint64
	Trace     string
	Message   string
}

// SectorID names a sector of a miner (miner actor number, sector number).
type SectorID struct {
	Miner  uint64
	Number uint64
}

// WorkerJob is one entry of WorkerJobs.
type WorkerJob struct {
	ID      CallID
	Sector  SectorID
	Task    string // e.g. "seal/v0/precommit/2"
	RunWait int    // 0 running, 1 prepared, >1 assigned, -1 ret-wait, -2 returned, -3 ret-done
	Start   time.Time
	// Hostname is set only on ret-wait jobs.
	Hostname string `json:",omitempty"`
}

// CallID identifies one sealing call.
type CallID struct {
	Sector SectorID
	ID     string
}

// WorkerStats is one entry of WorkerStats.
type WorkerStats struct {
	Info       WorkerInfo
	Tasks      []string
	Enabled    bool
	MemUsedMin uint64
	MemUsedMax uint64
	GpuUsed    float64
	CpuUse     uint64
	TaskCounts map[string]int
}

// WorkerInfo describes a worker's host.
type WorkerInfo struct {
	Hostname        string
	IgnoreResources bool
	Resources       WorkerResources
}

// WorkerResources are the host's resources; the per-task resource table is not read.
type WorkerResources struct {
	MemPhysical uint64
	MemUsed     uint64
	MemSwap     uint64
	MemSwapUsed uint64
	CPUs        uint64
	GPUs        []string
}

// SchedDiag is the part of SealingSchedDiag read here: requests not yet assigned to a worker.
// Lotus returns it as a free-form object.
type SchedDiag struct {
	SchedInfo struct {
		Requests []SchedRequest
	}
}

// SchedRequest is one queued sealing request.
type SchedRequest struct {
	Sector   SectorID
	TaskType string
	Priority int
	SchedId  string
}

// StorageInfo is StorageInfo: one storage path as the miner's index knows it.
type StorageInfo struct {
	ID          string
	URLs        []string
	Weight      uint64
	MaxStorage  uint64
	CanSeal     bool
	CanStore    bool
	Groups      []string
	AllowTo     []string
	AllowTypes  []string
	DenyTypes   []string
	AllowMiners []string
	DenyMiners  []string
}

// FsStat is StorageStat: space of one storage path.
type FsStat struct {
	Capacity    int64
	Available   int64
	FSAvailable int64
	Reserved    int64
	Max         int64
	Used        int64
}
