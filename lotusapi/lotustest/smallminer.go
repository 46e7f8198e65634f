// The Small scenario's miner state: proving deadlines, sealing pipeline, workers and storage.
package lotustest

import (
	"time"

	"github.com/lotus-farcaster/lotus-farcaster/lotusapi"
)

// Sealing task types as Lotus names them.
const (
	taskAddPiece            = "seal/v0/addpiece"
	taskPreCommit1          = "seal/v0/precommit/1"
	taskPreCommit2          = "seal/v0/precommit/2"
	taskCommit1             = "seal/v0/commit/1"
	taskCommit2             = "seal/v0/commit/2"
	taskFinalize            = "seal/v0/finalize"
	taskFetch               = "seal/v0/fetch"
	taskUnseal              = "seal/v0/unseal"
	taskReplicaUpdate       = "seal/v0/replicaupdate"
	taskProveReplicaUpdate2 = "seal/v0/provereplicaupdate/2"
)

// allZeroUUID is the worker WorkerJobs files finished calls under (ret-wait, returned,
// ret-done); WorkerStats does not list it. It is also the call ID of assigned jobs.
const allZeroUUID = "00000000-0000-0000-0000-000000000000"

// dealSectorPriority is the scheduler priority Lotus gives sectors with deals (others: 0).
const dealSectorPriority = 1024

// taskCount keys WorkerStats.TaskCounts: the seal proof type (8, 32 GiB) and the task type.
func taskCount(task string) string { return "8:" + task }

// smallPartitionSizes is the number of sectors (AllSectors) of each partition, by deadline:
// 55084 in all, of which 3 are terminated, leaving the 55081 live sectors Small's power claims.
var smallPartitionSizes = [wpostPeriodDeadlines][]uint64{
	{783}, {1146}, {1097}, {673}, nil, {918}, {1477}, {1158},
	{1025}, {2349, 871}, {1134}, {607}, {553}, {1397}, {805}, {1104},
	{779}, {2349, 2349, 1163}, {736}, {1274}, {1021}, {1093}, {1396}, nil,
	nil, {1102}, {1027}, {946}, {1194}, {1421}, {694}, {1517},
	{777}, {695}, {1428}, {1488}, {1075}, {939}, {2349, 688}, {1299},
	{555}, nil, {1227}, {1335}, {605}, {703}, {1316}, {1447},
}

// Where Small's proving state departs from healthy.
const (
	smallPeriodStart  = 4998816 // deadline 17 opened 37 epochs before the head
	smallOpenDeadline = 17      // partitions 0 and 1 proven so far in this window
	smallFaultyDL     = 9       // partition 1: 12 faulty sectors, 5 of them recovering
	smallTerminatedDL = 31      // 3 terminated sectors
	smallUnprovenDL   = 38      // partition 1: the 23 newest sectors, not yet proven
	smallUnproven     = 23
	smallChunk        = 349 // sectors dealt to a partition at a time
	smallMinerActor   = 1234
)

// addSmallMiner fills in the miner state of Small.
func addSmallMiner(sc *Scenario) {
	headUnix := sc.Head.Blocks[0].Timestamp

	// Sector numbers are dense and dealt out in chunks to the partitions in turn, as
	// batches of new sectors spread over the deadlines, so each partition holds a few runs.
	type slot struct {
		dl   int
		need uint64
		sets partitionSets
	}
	var slots []*slot
	byPlace := map[[2]int]*slot{} // by deadline and partition index
	for dl, sizes := range smallPartitionSizes {
		for i, n := range sizes {
			s := &slot{dl: dl, need: n}
			slots = append(slots, s)
			byPlace[[2]int{dl, i}] = s
		}
	}
	unproven := byPlace[[2]int{smallUnprovenDL, 1}]
	unproven.need -= smallUnproven
	var next uint64
	for dealt := true; dealt; {
		dealt = false
		for _, s := range slots {
			if s.need > 0 {
				n := min(s.need, smallChunk)
				s.sets.all = append(s.sets.all, span{next, next + n})
				next += n
				s.need -= n
				dealt = true
			}
		}
	}
	// The newest sectors come last; the newest of all is still finalizing.
	unproven.sets.unproven = spans{{next, next + smallUnproven}}
	unproven.sets.all = append(unproven.sets.all, unproven.sets.unproven...)
	next += smallUnproven
	finalizing, sealing := next-1, next

	faulty := byPlace[[2]int{smallFaultyDL, 1}]
	runs := faulty.sets.all
	faulty.sets.recovering = spans{{runs[1].lo + 37, runs[1].lo + 42}}
	faulty.sets.faulty = append(spans{{runs[0].lo + 211, runs[0].lo + 218}}, faulty.sets.recovering...)
	terminated := byPlace[[2]int{smallTerminatedDL, 0}]
	runs = terminated.sets.all
	terminated.sets.terminated = spans{{runs[0].lo + 100, runs[0].lo + 101}, {runs[3].lo + 58, runs[3].lo + 60}}
	available := byPlace[[2]int{2, 0}].sets.all[0].lo + 17

	sc.ProvingDeadline = provingDeadline(sc.Head.Height, smallPeriodStart)
	sc.Partitions = make([][]lotusapi.Partition, wpostPeriodDeadlines)
	sc.Deadlines = make([]lotusapi.Deadline, wpostPeriodDeadlines)
	for _, s := range slots {
		sc.Partitions[s.dl] = append(sc.Partitions[s.dl], s.sets.partition())
		// The proofs of the deadline's last window stay disputable until it opens again.
		sc.Deadlines[s.dl].DisputableProofCount = 1
	}
	sc.Deadlines[smallOpenDeadline].PostSubmissions = lotusapi.BitFieldOf(0, 1)
	// Only sectors onboarded since nv25 pay a daily fee: here the newest.
	const dailyFee = 1937618284913722
	sc.Deadlines[smallUnprovenDL].DailyFee = bigU(dailyFee)
	sc.SectorCount = sectorCount(sc.Partitions)
	sc.OnChainSectors = smallSectors(sc, next, terminated.sets.terminated, unproven.sets.unproven, available, dailyFee)

	// The pipeline, newest sectors last; ago is how long before the head each sector
	// entered its state.
	last := func(ago uint64) uint64 { return headUnix - ago }
	pc1Err := "seal pre commit(1) failed: acquire sector: allocate local sector for fetching: couldn't find a suitable path for a sector"
	infos := []lotusapi.SectorInfo{
		sectorInfo(available, "Available", []uint64{0}, last(1815523), ""),
		sectorInfo(finalizing, "FinalizeSector", []uint64{9123401, 9123402, 0}, last(287), ""),
		sectorInfo(sealing, "SubmitCommitAggregate", []uint64{0}, last(1931), ""),
		sectorInfo(sealing+1, "Committing", []uint64{9123417}, last(2214), ""),
		sectorInfo(sealing+2, "Committing", []uint64{0}, last(611), ""),
		sectorInfo(sealing+3, "WaitSeed", []uint64{0}, last(3307), ""),
		sectorInfo(sealing+4, "SealPreCommit1Failed", []uint64{9123433, 0}, last(15493), pc1Err),
		sectorInfo(sealing+5, "PreCommit2", []uint64{0}, last(419), ""),
		sectorInfo(sealing+6, "PreCommit1", []uint64{9123446, 9123447}, last(6902), ""),
		sectorInfo(sealing+7, "PreCommit1", []uint64{0}, last(1187), ""),
		sectorInfo(sealing+8, "PreCommit1", []uint64{0}, last(733), ""),
		sectorInfo(sealing+9, "PreCommit1", []uint64{9123452}, last(95), ""),
	}
	for i, n := range terminated.sets.terminated.numbers() {
		infos = append(infos, sectorInfo(n, "Removed", []uint64{0}, last(612044-uint64(i)*3), ""))
	}
	sc.Sectors = map[uint64]lotusapi.SectorInfo{}
	for _, info := range infos {
		sc.Sectors[info.SectorID] = info
		sc.SectorList = append(sc.SectorList, info.SectorID)
	}
	sc.SectorList = append(sc.SectorList, sealing+1) // listed twice, as Lotus sometimes does
	datastoreOrder(sc.SectorList)
	sc.SectorsSummary = sectorsSummary(sc.Sectors, sc.Partitions)

	// Two workers on host sealer-1 (PC1 on CPUs only; PC2 and C1 with a GPU), and a C2
	// host the operator disabled.
	const (
		pc1Worker = "0b9c4e7a-52d1-4f3e-9a86-1c2d3e4f5a6b"
		pc2Worker = "6f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9"
		c2Worker  = "d4c3b2a1-9e8f-4d7c-b6a5-0f1e2d3c4b5a"
	)
	sealer1 := lotusapi.WorkerResources{MemPhysical: 1099511627776, MemUsed: 418759311360, CPUs: 128}
	gpuSealer1 := sealer1
	gpuSealer1.GPUs = []string{"NVIDIA GeForce RTX 3090"}
	sc.Workers = map[string]lotusapi.WorkerStats{
		pc1Worker: {
			Info:    lotusapi.WorkerInfo{Hostname: "sealer-1", Resources: sealer1},
			Tasks:   []string{taskAddPiece, taskFetch, taskFinalize, taskPreCommit1, taskUnseal},
			Enabled: true, MemUsedMin: 60129542144, MemUsedMax: 68719476736, CpuUse: 1,
			TaskCounts: map[string]int{taskCount(taskPreCommit1): 1},
		},
		pc2Worker: {
			Info:    lotusapi.WorkerInfo{Hostname: "sealer-1", Resources: gpuSealer1},
			Tasks:   []string{taskCommit1, taskFetch, taskFinalize, taskPreCommit2},
			Enabled: true, MemUsedMin: 16108224512, MemUsedMax: 16108224512, GpuUsed: 1, CpuUse: 128,
			TaskCounts: map[string]int{taskCount(taskPreCommit2): 1, taskCount(taskFetch): 2},
		},
		c2Worker: {
			Info: lotusapi.WorkerInfo{Hostname: "gpu-2", Resources: lotusapi.WorkerResources{
				MemPhysical: 549755813888, MemUsed: 23622320128, MemSwap: 17179869184, CPUs: 64,
				GPUs: []string{"NVIDIA RTX A6000", "NVIDIA RTX A6000"},
			}},
			Tasks:      []string{taskCommit2, taskProveReplicaUpdate2},
			TaskCounts: map[string]int{},
		},
	}

	sector := func(n uint64) lotusapi.SectorID { return lotusapi.SectorID{Miner: smallMinerActor, Number: n} }
	call := func(n uint64, id string) lotusapi.CallID { return lotusapi.CallID{Sector: sector(n), ID: id} }
	assigned := lotusapi.CallID{ID: allZeroUUID}
	// Start times are the node's local time; calls it tracks by start time have whole seconds.
	at := func(day, hour, minute, sec, nsec int) time.Time {
		return time.Date(2025, 5, day, hour, minute, sec, nsec, cest)
	}
	sc.Jobs = map[string][]lotusapi.WorkerJob{
		pc1Worker: {
			{ID: call(sealing+6, "e1f7a2c4-3b9d-4e60-8f15-7c2a9d4b6e03"), Sector: sector(sealing + 6), Task: taskPreCommit1,
				RunWait: 0, Start: at(26, 23, 41, 33, 414203117)},
			{ID: assigned, Sector: sector(finalizing), Task: taskFinalize, RunWait: 2, Start: at(27, 1, 31, 45, 902871233)},
			{ID: assigned, Sector: sector(sealing + 7), Task: taskPreCommit1, RunWait: 3, Start: at(27, 1, 16, 45, 310557892)},
		},
		// The sealed and cache files of one sector fetched at once: two jobs alike but for the call.
		pc2Worker: {
			{ID: call(sealing+5, "2c8d0e6f-91a3-4b7e-a5c2-8e4f1d7b3a69"), Sector: sector(sealing + 5), Task: taskFetch,
				RunWait: 0, Start: at(27, 1, 29, 36, 71946025)},
			{ID: call(sealing+5, "9f3a7c1e-5d2b-4086-b3e9-1a6c8f0d2e74"), Sector: sector(sealing + 5), Task: taskFetch,
				RunWait: 0, Start: at(27, 1, 29, 37, 250611387)},
			{ID: call(sealing+5, "47b1e9d3-0a6c-4f28-9e5b-3d7a2c8f6b10"), Sector: sector(sealing + 5), Task: taskPreCommit2,
				RunWait: 1, Start: at(27, 1, 29, 38, 6219544)},
		},
		// Finished calls: Lotus keeps them under the all-zero UUID with the worker's hostname.
		allZeroUUID: {
			{ID: call(sealing+1, "c6e2a8f4-7d1b-4935-8a0e-5f9b3c1d7e28"), Sector: sector(sealing + 1), Task: taskCommit2,
				RunWait: -1, Start: at(27, 1, 11, 28, 0), Hostname: "gpu-2"},
			{ID: call(sealing+2, "0e9d4b7a-2f6c-4a13-b8d5-6c1e9a3f0b57"), Sector: sector(sealing + 2), Task: taskCommit1,
				RunWait: -2, Start: at(27, 1, 26, 32, 0), Hostname: "sealer-1"},
			{ID: call(sealing, "83f5c1a9-6e0d-4b72-9f4a-2d8b7e1c5a36"), Sector: sector(sealing), Task: taskCommit2,
				RunWait: -3, Start: at(27, 0, 23, 7, 0), Hostname: "gpu-2"},
		},
	}
	sc.SchedRequests = []lotusapi.SchedRequest{
		{Sector: sector(sealing + 9), TaskType: taskPreCommit1, Priority: dealSectorPriority, SchedId: "5b8e1f0a-6c2d-4e93-b7a4-9d0c3e2f1a58"},
		{Sector: sector(sealing + 2), TaskType: taskCommit2, SchedId: "a7d20c39-1e4b-4f86-9c5a-2b7e0f3d8c61"},
		{Sector: sector(sealing + 8), TaskType: taskPreCommit1, SchedId: "f03b9d6e-8a17-4c25-a4e9-6c1f5b2d7e93"},
	}

	// The miner's seal and store paths, and the seal path of a worker (tests make it
	// unreachable to see a worker that is down).
	const (
		sealPath   = "2f8a6c1e-93d4-4b57-a0e2-6d1c8b3f9a47"
		storePath  = "8d41b7e2-0c6f-4a93-b5d8-e17f2a9c4b06"
		workerPath = "c95e0d3a-7f18-4e2b-9c64-3a8f5b1d2e70"
	)
	minerURL := []string{"http://127.0.0.1:2345/remote"}
	sc.Storage = map[string]StoragePath{
		sealPath: {
			// The operator limits Lotus to 6 TiB of the NVMe (storage.json MaxStorage).
			Info:      lotusapi.StorageInfo{ID: sealPath, URLs: minerURL, Weight: 5, CanSeal: true, MaxStorage: 6597069766656},
			LocalPath: "/mnt/nvme0/lotus-seal",
			Stat: lotusapi.FsStat{Capacity: 7681501126656, Available: 2166471794688, FSAvailable: 3197263945728,
				Reserved: 1030792151040, Max: 6597069766656},
			Sectors: spans{{finalizing, sealing + 10}}.numbers(),
		},
		storePath: {
			Info:      lotusapi.StorageInfo{ID: storePath, URLs: minerURL, Weight: 10, CanStore: true},
			LocalPath: "/mnt/store01",
			Stat:      lotusapi.FsStat{Capacity: 2111062325329920, Available: 217394811027456, FSAvailable: 217394811027456},
			// Every live sector but the one still finalizing on the seal path.
			Sectors: spans{{0, finalizing}}.minus(terminated.sets.terminated).numbers(),
		},
		workerPath: {
			Info: lotusapi.StorageInfo{ID: workerPath, URLs: []string{"http://10.0.0.21:3456/remote"}, Weight: 2, CanSeal: true},
			Stat: lotusapi.FsStat{Capacity: 3840755982336, Available: 1288490188800, FSAvailable: 2395916451840,
				Reserved: 1107426263040, Used: 1073741824},
		},
	}
}
