// The Pencil scenario: a miner of ten sectors whose every figure can be checked by hand.
package lotustest

import (
	"github.com/lotus-farcaster/lotus-farcaster/lotusapi"
)

// Pencil returns a miner small enough to check with a pencil: Small's chain, node, addresses,
// balances, market and blocks won, with a miner f01234 of ten 32 GiB sectors (34359738368
// bytes) of its own instead of Small's 55,084. Head 4999873; its days end at the epochs
// 4999873 + days × 2880: 7 → 5020033, 30 → 5086273, 90 → 5259073, 180 → 5518273,
// 365 → 6051073. The sectors, by number:
//
//	n  expiration  holds     pledge FIL  partition            state
//	0  5020033     cc        0.1         deadline 0, part. 0  active
//	1  5020034     cc        0.2         deadline 0, part. 0  active
//	2  5086273     deals     0.3         deadline 0, part. 0  active
//	3  5259074     verified  1.0         deadline 0, part. 0  active
//	4  6051073     verified  1.1         deadline 0, part. 0  active
//	5  6051074     cc        0.25        deadline 0, part. 0  active
//	6  5020000     cc        0.5         deadline 1, part. 0  terminated, not yet compacted
//	7  5259073     verified  0.9         deadline 1, part. 0  faulty
//	8  5518273     cc        0.4         deadline 1, part. 0  faulty, recovering
//	9  5518274     deals     0.6         deadline 1, part. 0  not yet proven; onboarded since nv25
//
// A verified sector is filled with verified deals: ten times the QA power, 343597383680.
// Deadline 1 is open (since epoch 4999836, 37 epochs before the head) and its partition 0 is
// proven; sector 9 pays a daily fee of 12345678901234 attoFIL, the deadline's. lotus-miner has
// nine sectors Proving, one Removed (a day ago), no worker and no job, and one store path.
func Pencil() *Scenario {
	sc := smallChain()
	const (
		activation = 4000000
		periodOpen = 4999776 // the proving period's start: deadline 1 opens 60 epochs on
		dailyFee   = 12345678901234
		milliFIL   = 1_000_000_000_000_000
	)
	cc := func(expiration int64, pledge uint64) sectorRecord {
		return sectorRecord{activation: activation, powerBase: activation, expiration: expiration, pledge: pledge * milliFIL}
	}
	deals := func(expiration int64, pledge uint64) sectorRecord {
		r := cc(expiration, pledge)
		r.dealWeight = sectorSize * uint64(expiration-activation) / 2
		return r
	}
	verified := func(expiration int64, pledge uint64) sectorRecord {
		r := cc(expiration, pledge)
		r.verifiedWeight = sectorSize * uint64(expiration-activation)
		return r
	}
	records := []sectorRecord{
		cc(5020033, 100), cc(5020034, 200), deals(5086273, 300), verified(5259074, 1000), verified(6051073, 1100),
		cc(6051074, 250), cc(5020000, 500), verified(5259073, 900), cc(5518273, 400), deals(5518274, 600),
	}
	newest := &records[9]
	newest.activation, newest.powerBase = sc.Head.Height-200, sc.Head.Height-200
	newest.dealWeight = sectorSize * uint64(newest.expiration-newest.activation) / 2
	newest.sinceNV25, newest.dailyFee, newest.flags = true, dailyFee, simpleQAPower
	sc.OnChainSectors = &OnChainSectors{count: uint64(len(records)), at: func(n uint64) sectorRecord { return records[n] }}

	sc.ProvingDeadline = provingDeadline(sc.Head.Height, periodOpen)
	sc.Deadlines = make([]lotusapi.Deadline, wpostPeriodDeadlines)
	sc.Partitions = make([][]lotusapi.Partition, wpostPeriodDeadlines)
	sc.Partitions[0] = []lotusapi.Partition{partitionSets{all: spans{{0, 6}}}.partition()}
	sc.Partitions[1] = []lotusapi.Partition{partitionSets{
		all: spans{{6, 10}}, terminated: spans{{6, 7}}, faulty: spans{{7, 9}}, recovering: spans{{8, 9}}, unproven: spans{{9, 10}},
	}.partition()}
	sc.Deadlines[1].PostSubmissions = lotusapi.BitFieldOf(0)
	sc.Deadlines[1].DailyFee = bigU(dailyFee)
	sc.SectorCount = lotusapi.MinerSectors{Live: 9, Active: 6, Faulty: 2}

	// Active sectors 0 to 5: six of 32 GiB raw; QA four of 32 GiB and two verified of 320 GiB.
	sc.Power.MinerPower = lotusapi.Claim{RawBytePower: bigInt("206158430208"), QualityAdjPower: bigInt("824633720832")}
	sc.Power.HasMinPower = false // 192 GiB is below the consensus minimum of 10 TiB
	sc.BaseInfo.MinerPower, sc.BaseInfo.EligibleForMining = bigInt("824633720832"), false
	// InitialPledge is the live sectors' pledges: 4.85 FIL. Available: 10 − 1.5 − 4.85.
	sc.MinerState = lotusapi.MinerState{
		LockedFunds: bigInt("1500000000000000000"), InitialPledge: bigInt("4850000000000000000"),
		PreCommitDeposits: bigInt("0"), FeeDebt: bigInt("0"),
	}
	miner := sc.Actors[smallMiner]
	miner.Balance = bigInt("10000000000000000000")
	sc.Actors[smallMiner] = miner
	sc.AvailableBalance = bigInt("3650000000000000000")

	sc.SectorsSummary = map[string]int{"Proving": 9, "Removed": 1}
	removed := sectorInfo(6, "Removed", []uint64{0}, sc.Head.Blocks[0].Timestamp-86400, "")
	sc.Sectors, sc.SectorList = map[uint64]lotusapi.SectorInfo{6: removed}, []uint64{6}
	sc.Workers = map[string]lotusapi.WorkerStats{}
	const store = "5a1c3e9b-7d24-4f60-8b13-c2e4f6a8d0b2"
	sc.Storage = map[string]StoragePath{store: {
		Info:      lotusapi.StorageInfo{ID: store, URLs: []string{"http://127.0.0.1:2345/remote"}, Weight: 10, CanStore: true},
		LocalPath: "/mnt/store01",
		Stat:      lotusapi.FsStat{Capacity: 1099511627776, Available: 755914244096, FSAvailable: 755914244096},
		Sectors:   spans{{0, 6}, {7, 10}}.numbers(),
	}}
	return sc
}
