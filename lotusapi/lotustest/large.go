// The Large scenario: a big miner generated from a few counts, for scale tests and the benchmark.
package lotustest

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/lotus-farcaster/lotus-farcaster/lotusapi"
)

// LargeParams sizes the Large scenario. Values below the minimums are raised to them.
type LargeParams struct {
	Sectors      int // proving sectors
	Workers      int // at least 2, two of them on one host
	Sealing      int // sectors in the sealing pipeline, at least 1 (the stuck one)
	Jobs         int
	StoragePaths int // at least 3: a seal path, store paths, an unreachable worker path
}

// LargeDefault sizes a big miner: 100,000 proving sectors, 200 sealing, 20 workers,
// 300 jobs, 6 storage paths.
func LargeDefault() LargeParams {
	return LargeParams{Sectors: 100000, Workers: 20, Sealing: 200, Jobs: 300, StoragePaths: 6}
}

// largeSealingStates are the states of the sealing sectors, in turn.
var largeSealingStates = []string{
	"PreCommit1", "PreCommit2", "WaitSeed", "PreCommit1", "Committing", "SubmitPreCommitBatch",
	"PreCommitBatchWait", "WaitSeed", "SubmitCommitAggregate", "PreCommit1", "CommitAggregateWait",
	"SealPreCommit1Failed",
}

// largeWorkerKinds are the kinds of workers, in turn: the tasks they take and their host.
var largeWorkerKinds = []struct {
	tasks     []string
	cpus, gib uint64
	gpus      []string
}{
	{[]string{taskAddPiece, taskFetch, taskFinalize, taskPreCommit1, taskUnseal}, 96, 768, nil},
	{[]string{taskCommit1, taskFetch, taskFinalize, taskPreCommit2}, 64, 512, []string{"NVIDIA GeForce RTX 4090"}},
	{[]string{taskCommit2, taskProveReplicaUpdate2, taskReplicaUpdate}, 64, 512, []string{"NVIDIA RTX A6000", "NVIDIA RTX A6000"}},
	{[]string{taskAddPiece, taskFetch, taskFinalize, taskPreCommit1, taskUnseal}, 96, 768, nil},
}

// Large returns Small's chain, node, wallets, market funds and DataCap with a miner of the
// size p, generated deterministically. Proving sectors exist only as bitfield runs, storage
// declarations and on-chain sectors generated as they are sent (expiring evenly over three
// years, so in every expiration bucket): about 0.5% of them faulty, some of those
// recovering. The oldest sealing sector has been stuck for 3 days; the last worker is
// disabled; the last storage path is unreachable.
func Large(p LargeParams) *Scenario {
	p.Workers = max(p.Workers, 2)
	p.Sealing = max(p.Sealing, 1)
	p.StoragePaths = max(p.StoragePaths, 3)
	sc := smallChain()
	headUnix := sc.Head.Blocks[0].Timestamp
	headTime := time.Unix(int64(headUnix), 0).In(cest)
	rng := rand.New(rand.NewPCG(0x1a26e, 0x5ca1e))
	uuid := func() string {
		a, b := rng.Uint64(), rng.Uint64()
		return fmt.Sprintf("%08x-%04x-4%03x-%04x-%012x", a>>32, a>>16&0xffff, a&0xfff, 0x8000|b>>48&0x3fff, b&0xffffffffffff)
	}

	// Sectors 0..n-1 are dealt out in chunks, about 8 per deadline, as onboarding batches
	// spread over the deadlines and the store paths.
	n := uint64(max(p.Sectors, 0))
	stores := p.StoragePaths - 2
	chunk := max(1, (n+8*wpostPeriodDeadlines-1)/(8*wpostPeriodDeadlines))
	var byDeadline [wpostPeriodDeadlines]spans
	byStore := make([]spans, stores)
	var faulty, recovering spans
	for c, lo := 0, uint64(0); lo < n; c, lo = c+1, lo+chunk {
		s := span{lo, min(lo+chunk, n)}
		byDeadline[c%wpostPeriodDeadlines] = append(byDeadline[c%wpostPeriodDeadlines], s)
		byStore[c%stores] = append(byStore[c%stores], s)
		// Every 40th chunk lost a fifth of its sectors (a failed disk), about 0.5% in all;
		// every other such failure is repaired and declared recovering.
		if c%40 == 7 {
			bad := span{s.lo, s.lo + max(1, (s.hi-s.lo)/5)}
			faulty = append(faulty, bad)
			if c/40%2 == 0 {
				recovering = append(recovering, span{bad.lo, bad.lo + max(1, (bad.hi-bad.lo)/3)})
			}
		}
	}
	sc.ProvingDeadline = provingDeadline(sc.Head.Height, smallPeriodStart)
	sc.Partitions = make([][]lotusapi.Partition, wpostPeriodDeadlines)
	sc.Deadlines = make([]lotusapi.Deadline, wpostPeriodDeadlines)
	for dl, sectors := range byDeadline {
		for _, all := range cut(sectors, partitionSectors) {
			sets := partitionSets{all: all, faulty: all.and(faulty), recovering: all.and(recovering)}
			sc.Partitions[dl] = append(sc.Partitions[dl], sets.partition())
			sc.Deadlines[dl].DisputableProofCount = 1
		}
	}
	if len(sc.Partitions[sc.ProvingDeadline.Index]) > 0 {
		sc.Deadlines[sc.ProvingDeadline.Index].PostSubmissions = lotusapi.BitFieldOf(0)
	}
	sc.SectorCount = sectorCount(sc.Partitions)
	// The sectors are generated as they are read; their pledges make the miner state's.
	head := sc.Head.Height
	sc.OnChainSectors = &OnChainSectors{count: n, at: func(m uint64) sectorRecord { return oldSector(m, head) }}
	sc.Power = claimOf(sc.OnChainSectors, sc.Partitions, sc.Power.TotalPower)
	sc.BaseInfo.MinerPower = sc.Power.MinerPower.QualityAdjPower
	sc.BaseInfo.EligibleForMining = sc.Power.HasMinPower
	ms := &sc.MinerState
	ms.InitialPledge = bigOf(livePledge(sc.OnChainSectors, sc.Partitions))
	balance := ms.LockedFunds.Int()
	for _, b := range []lotusapi.BigInt{ms.InitialPledge, ms.PreCommitDeposits, sc.AvailableBalance} {
		balance.Add(balance, b.Int())
	}
	miner := sc.Actors[sc.MinerID]
	miner.Balance = bigOf(balance)
	sc.Actors[sc.MinerID] = miner

	// Sealing sectors follow the proving ones; a third of them have deals.
	var sealing []lotusapi.SectorInfo
	sc.Sectors = map[uint64]lotusapi.SectorInfo{}
	for i := range p.Sealing {
		num := n + uint64(i)
		state, ago := largeSealingStates[i%len(largeSealingStates)], uint64(60+i*7919%14400)
		if i == 0 {
			state, ago = "Committing", 3*24*60*60
		}
		deals := []uint64{0}
		if i%3 == 0 {
			deals = []uint64{9200000 + 2*num, 9200001 + 2*num, 0}
		}
		var lastErr string
		if state == "SealPreCommit1Failed" {
			lastErr = "seal pre commit(1) failed: storage call error 0: open /mnt/nvme0/seal/cache/s-t01234-" + fmt.Sprint(num) + "/tree-d.dat: no space left on device"
		}
		info := sectorInfo(num, state, deals, headUnix-ago, lastErr)
		sealing = append(sealing, info)
		sc.Sectors[num] = info
		sc.SectorList = append(sc.SectorList, num)
	}
	datastoreOrder(sc.SectorList)
	sc.SectorsSummary = sectorsSummary(sc.Sectors, sc.Partitions)

	sector := func(num uint64) lotusapi.SectorID { return lotusapi.SectorID{Miner: smallMinerActor, Number: num} }
	for i, info := range sealing {
		task := map[string]string{"PreCommit1": taskPreCommit1, "Committing": taskCommit2}[info.State]
		if task == "" || i%2 == 1 {
			continue
		}
		prio := 0
		if info.Deals[0] != 0 {
			prio = dealSectorPriority
		}
		sc.SchedRequests = append(sc.SchedRequests, lotusapi.SchedRequest{Sector: sector(info.SectorID), TaskType: task, Priority: prio, SchedId: uuid()})
	}
	// The queue runs the highest priority first.
	slices.SortStableFunc(sc.SchedRequests, func(a, b lotusapi.SchedRequest) int { return b.Priority - a.Priority })

	// Workers 0 and 1 share host worker-01; then worker-02 and on.
	ids := make([]string, p.Workers)
	sc.Workers = map[string]lotusapi.WorkerStats{}
	for i := range ids {
		ids[i] = uuid()
		kind := largeWorkerKinds[i%len(largeWorkerKinds)]
		sc.Workers[ids[i]] = lotusapi.WorkerStats{
			Info: lotusapi.WorkerInfo{Hostname: fmt.Sprintf("worker-%02d", max(i, 1)), Resources: lotusapi.WorkerResources{
				MemPhysical: kind.gib << 30, MemUsed: kind.gib << 30 / 3, CPUs: kind.cpus, GPUs: kind.gpus,
			}},
			Tasks:      kind.tasks,
			Enabled:    i < p.Workers-1,
			TaskCounts: map[string]int{},
		}
	}
	// Jobs go to the workers in turn, with RunWait: 11 in 20 running, then 2 each prepared,
	// assigned at 2 and at 3, and one each of the finished states under the all-zero UUID.
	runWaits := []int{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 2, 2, 3, 3, -1, -2, -3}
	sc.Jobs = map[string][]lotusapi.WorkerJob{}
	for j := range p.Jobs {
		w := ids[j%p.Workers]
		stats := sc.Workers[w]
		job := lotusapi.WorkerJob{
			Sector:  sector(n + uint64(j*7%p.Sealing)),
			Task:    stats.Tasks[j/p.Workers%len(stats.Tasks)],
			RunWait: runWaits[j%len(runWaits)],
			Start:   headTime.Add(-time.Duration(30+j*53%10800)*time.Second - time.Duration(j*7919%1e9)),
		}
		job.ID = lotusapi.CallID{Sector: job.Sector, ID: uuid()}
		under := w
		switch {
		case job.RunWait < 0:
			job.Hostname = stats.Info.Hostname
			job.Start = job.Start.Truncate(time.Second)
			under = allZeroUUID
		case job.RunWait > 1:
			job.ID = lotusapi.CallID{ID: allZeroUUID}
		default: // running or prepared: holding resources
			stats.TaskCounts[taskCount(job.Task)]++
			stats.CpuUse++
			sc.Workers[w] = stats
		}
		sc.Jobs[under] = append(sc.Jobs[under], job)
	}

	minerURL := []string{"http://127.0.0.1:2345/remote"}
	sc.Storage = map[string]StoragePath{}
	seal := uuid()
	sc.Storage[seal] = StoragePath{
		Info:      lotusapi.StorageInfo{ID: seal, URLs: minerURL, Weight: 5, CanSeal: true},
		LocalPath: "/mnt/nvme0/seal",
		Stat: lotusapi.FsStat{Capacity: 15362991652864, Available: 3951369912320, FSAvailable: 6012954214400,
			Reserved: 2061584302080},
		Sectors: spans{{n, n + uint64(p.Sealing)}}.numbers(),
	}
	for i, sectors := range byStore {
		id := uuid()
		used := int64(sectors.count() * sectorSize)
		capacity := used/7*8 + 7<<40
		sc.Storage[id] = StoragePath{
			Info:      lotusapi.StorageInfo{ID: id, URLs: minerURL, Weight: 10, CanStore: true},
			LocalPath: fmt.Sprintf("/mnt/store%02d", i+1),
			Stat:      lotusapi.FsStat{Capacity: capacity, Available: capacity - used - used/97, FSAvailable: capacity - used - used/97},
			Sectors:   sectors.numbers(),
		}
	}
	down := uuid()
	sc.Storage[down] = StoragePath{
		Info:        lotusapi.StorageInfo{ID: down, URLs: []string{"http://10.0.0.37:3456/remote"}, Weight: 2, CanSeal: true},
		Unreachable: true,
	}
	return sc
}

// cut splits s into sets of size numbers, the last one smaller.
func cut(s spans, size uint64) []spans {
	var out []spans
	var cur spans
	var have uint64
	for _, sp := range s {
		for sp.lo < sp.hi {
			take := min(sp.hi-sp.lo, size-have)
			cur = append(cur, span{sp.lo, sp.lo + take})
			have += take
			sp.lo += take
			if have == size {
				out = append(out, cur)
				cur, have = nil, 0
			}
		}
	}
	if have > 0 {
		out = append(out, cur)
	}
	return out
}
