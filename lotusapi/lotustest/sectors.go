// On-chain sectors: the miner's Sectors AMT as StateMinerSectors answers it, its QA power and expirations.
package lotustest

import (
	"context"
	"errors"
	"iter"
	"math"
	"math/big"
	"strconv"

	"github.com/lotus-farcaster/lotus-farcaster/lotusapi"
)

// Chain parameters of mainnet the sectors depend on.
const (
	epochsPerDay   = 2880
	minSectorLife  = 180 * epochsPerDay // the shortest commitment
	maxSectorLife  = 5 * 365 * epochsPerDay
	upgradeDragon  = 3855360 // nv22: sectors onboarded since get SIMPLE_QA_POWER
	upgradeTeep    = 4878840 // nv25 (build/buildconstants/params_mainnet.go)
	simpleQAPower  = 1       // SectorOnChainInfoFlags::SIMPLE_QA_POWER
	sealProof32GiB = 8       // RegisteredSealProof_StackedDrg32GiBV1_1
	oldestSector   = 2200000 // when the scenarios' miner started onboarding
	sectorHorizon  = 3 * 365 * epochsPerDay
)

// OnChainSectors is a miner's Sectors AMT, as StateMinerSectors answers it: sectors 0 to
// Len()-1 (the scenarios number their sectors densely). It holds every sector of the
// partitions' AllSectors, terminated ones included: the miner actor deletes a sector's info
// only when CompactPartitions removes it from its partition (builtin-actors
// actors/miner/src/lib.rs compact_partitions, state.delete_sectors). Large's million sectors
// are generated as they are sent, not held.
type OnChainSectors struct {
	count uint64
	at    func(n uint64) sectorRecord
}

// Len returns how many sectors StateMinerSectors answers.
func (o *OnChainSectors) Len() int { return int(o.count) }

// All yields every sector, in sector-number order, as the client decodes it.
func (o *OnChainSectors) All() iter.Seq[lotusapi.SectorOnChainInfo] {
	return func(yield func(lotusapi.SectorOnChainInfo) bool) {
		for n := range o.count {
			r := o.at(n)
			if !yield(r.info(n)) {
				return
			}
		}
	}
}

// sectorRecord is one on-chain sector; every amount of a 32 GiB sector fits in a uint64.
type sectorRecord struct {
	activation, expiration, powerBase int64
	dealWeight, verifiedWeight        uint64 // space × (expiration - powerBase)
	pledge                            uint64
	// ExpectedDayReward, ExpectedStoragePledge, ReplacedDayReward: null for sectors
	// activated since nv25, which pay a DailyFee instead (NOTES.md).
	dayReward, storagePledge, replacedDayReward uint64
	sinceNV25                                   bool
	dailyFee                                    uint64
	snapped                                     bool // data added by a replica update: SectorKeyCID is set
	flags                                       uint64
}

// sectorKind is what a sector holds.
type sectorKind int

const (
	ccSector       sectorKind = iota
	dealSector                // deals without DataCap
	verifiedSector            // filled with verified deals: ten times the QA power
	partialSector             // partly filled with verified deals
)

// oldSector is sector n of a miner onboarded before nv25, of the kind kindOf draws for it,
// expiring at a time drawn evenly from the three years after head.
func oldSector(n uint64, head int64) sectorRecord {
	return makeSector(n, head, head+1+int64(mix(n^0xe291)%sectorHorizon), kindOf(n))
}

// kindOf draws what sector n holds: 35% verified, 1% partly verified, 4% deals, 60% CC.
func kindOf(n uint64) sectorKind {
	switch k := mix(n^0x5ec7025) % 100; {
	case k < 35:
		return verifiedSector
	case k == 35:
		return partialSector
	case k < 40:
		return dealSector
	}
	return ccSector
}

// makeSector is sector n of a miner onboarded before nv25, of kind, expiring at expiration.
// It was activated at least the shortest commitment and at most the longest life before it
// expires; one in four has been extended since, which recomputed its power then.
func makeSector(n uint64, head, expiration int64, kind sectorKind) sectorRecord {
	h := mix(n ^ 0x9a11e7)
	lo := max(oldestSector, expiration-maxSectorLife+epochsPerDay)
	hi := min(upgradeTeep-1, expiration-minSectorLife)
	r := sectorRecord{expiration: expiration, activation: lo + int64(h%uint64(hi-lo+1))}
	r.powerBase = r.activation
	if h>>40%4 == 0 {
		r.powerBase = min(r.activation+(expiration-minSectorLife-r.activation)/2, head-1-int64(h>>20%1000))
	}
	spaceTime := uint64(sectorSize) * uint64(expiration-r.powerBase)
	share := 1 + h>>48%31 // in 32nds of the sector, of a partial fill
	switch kind {
	case verifiedSector:
		r.verifiedWeight = spaceTime
	case partialSector:
		r.verifiedWeight = spaceTime / 32 * share
	case dealSector:
		r.dealWeight = spaceTime / 32 * share
	}
	r.snapped = kind != ccSector && h>>24%5 == 0
	r.pledge = pledge(1+9*float64(r.verifiedWeight)/float64(spaceTime), h)
	r.dayReward = r.pledge/141 + h%1000003
	r.storagePledge = 20*r.dayReward + h%997
	if r.snapped {
		r.replacedDayReward = r.dayReward / 10
	}
	if r.powerBase >= upgradeDragon {
		r.flags = simpleQAPower
	}
	return r
}

// newSector is sector n of a miner, CC or verified, activated at activation after nv25: it
// pays a daily fee and its day reward fields are null.
func newSector(n uint64, activation int64, kind sectorKind, dailyFee uint64) sectorRecord {
	h := mix(n ^ 0x9a11e7)
	r := sectorRecord{
		activation: activation, powerBase: activation, expiration: activation + 540*epochsPerDay + int64(h%epochsPerDay),
		sinceNV25: true, dailyFee: dailyFee, flags: simpleQAPower,
	}
	quality := 1.0
	if kind == verifiedSector {
		r.verifiedWeight, quality = uint64(sectorSize)*uint64(r.expiration-activation), 10
	}
	r.pledge = pledge(quality, h)
	return r
}

// pledge is a sector's initial pledge: about 0.08 FIL per 32 GiB of QA power (quality is
// QA power over raw), give or take 10% as drawn from h.
func pledge(quality float64, h uint64) uint64 {
	return uint64(81137459301237461 * quality * (0.9 + 0.2*float64(h>>8%1000)/1000))
}

// info is the sector as the client decodes it.
func (r *sectorRecord) info(n uint64) lotusapi.SectorOnChainInfo {
	s := lotusapi.SectorOnChainInfo{
		SectorNumber: n, SealProof: sealProof32GiB, SealedCID: cid(string(appendSealedCID(nil, n))),
		Activation: r.activation, Expiration: r.expiration, PowerBaseEpoch: r.powerBase, Flags: r.flags,
		DealWeight: bigU(r.dealWeight), VerifiedDealWeight: bigU(r.verifiedWeight),
		InitialPledge: bigU(r.pledge), DailyFee: bigU(r.dailyFee),
	}
	if !r.sinceNV25 {
		day, storage, replaced := bigU(r.dayReward), bigU(r.storagePledge), bigU(r.replacedDayReward)
		s.ExpectedDayReward, s.ExpectedStoragePledge, s.ReplacedDayReward = &day, &storage, &replaced
	}
	if r.snapped {
		key := cid(string(appendSectorKeyCID(nil, n)))
		s.SectorKeyCID = &key
	}
	return s
}

// qaPower is the sector's qa_power_for_sector.
func (r *sectorRecord) qaPower() *big.Int {
	size := big.NewInt(sectorSize)
	switch spaceTime := uint64(sectorSize) * uint64(r.expiration-r.powerBase); {
	case r.verifiedWeight == 0: // CC or deals: the base and deal multipliers are both 10
		return size
	case r.verifiedWeight == spaceTime:
		return size.Mul(size, big.NewInt(10))
	}
	return qaPowerForWeight(sectorSize, r.expiration-r.powerBase,
		new(big.Int).SetUint64(r.dealWeight), new(big.Int).SetUint64(r.verifiedWeight))
}

// QAPower is a sector's quality-adjusted power as builtin-actors computes it
// (actors/miner/src/policy.rs qa_power_for_sector), for sectors of sectorSize bytes.
func QAPower(sectorSize uint64, s *lotusapi.SectorOnChainInfo) *big.Int {
	return qaPowerForWeight(sectorSize, s.Expiration-s.PowerBaseEpoch, s.DealWeight.Int(), s.VerifiedDealWeight.Int())
}

// qaPowerForWeight is builtin-actors' qa_power_for_weight: the space-time of the sector
// weighted 10 for the base and deals and 100 for verified deals, over 10, in fixed point
// with SECTOR_QUALITY_PRECISION 20 bits, both divisions rounding down.
func qaPowerForWeight(size uint64, duration int64, dealWeight, verifiedWeight *big.Int) *big.Int {
	sz := new(big.Int).SetUint64(size)
	spaceTime := new(big.Int).Mul(sz, big.NewInt(duration))
	base := new(big.Int).Sub(spaceTime, dealWeight)
	base.Sub(base, verifiedWeight)
	sum := base.Mul(base, big.NewInt(10))
	sum.Add(sum, new(big.Int).Mul(dealWeight, big.NewInt(10)))
	sum.Add(sum, new(big.Int).Mul(verifiedWeight, big.NewInt(100)))
	quality := sum.Lsh(sum, 20)
	quality.Div(quality, spaceTime)
	quality.Div(quality, big.NewInt(10))
	return quality.Rsh(quality.Mul(quality, sz), 20)
}

// sectorWire is a sector as Lotus's JSON, for encoding/json to write natively: the output
// of a json.Marshaler would cost go-jsonrpc's server one more scan of the 430 MB a million
// sectors make. Its pointers point into the element itself and its sealed CID into one
// string of them all, so a million of them cost no allocation each.
type sectorWire struct {
	SectorNumber          uint64
	SealProof             int64
	SealedCID             lotusapi.Cid
	Activation            int64
	Expiration            int64
	DealWeight            uint64  `json:",string"`
	VerifiedDealWeight    uint64  `json:",string"`
	InitialPledge         uint64  `json:",string"`
	ExpectedDayReward     *uint64 `json:",string"`
	ExpectedStoragePledge *uint64 `json:",string"`
	PowerBaseEpoch        int64
	ReplacedDayReward     *uint64 `json:",string"`
	SectorKeyCID          *lotusapi.Cid
	Flags                 uint64
	DailyFee              uint64 `json:",string"`

	dayReward, storagePledge, replacedDayReward uint64
	sectorKey                                   lotusapi.Cid
}

// wire returns the sectors as StateMinerSectors writes them (about 180 bytes each, held
// until go-jsonrpc's server has encoded the whole answer, about 430 bytes a sector).
func (o *OnChainSectors) wire() []sectorWire {
	if o == nil {
		return []sectorWire{} // [], never null
	}
	const cidLen = uint64(len("bagboea4b5abc") + 51)
	cids := make([]byte, 0, cidLen*o.count)
	for n := range o.count {
		cids = appendSealedCID(cids, n)
	}
	sealed := string(cids)
	out := make([]sectorWire, o.count)
	for n := range o.count {
		r, w := o.at(n), &out[n]
		*w = sectorWire{
			SectorNumber: n, SealProof: sealProof32GiB, SealedCID: cid(sealed[n*cidLen : (n+1)*cidLen]),
			Activation: r.activation, Expiration: r.expiration, PowerBaseEpoch: r.powerBase, Flags: r.flags,
			DealWeight: r.dealWeight, VerifiedDealWeight: r.verifiedWeight, InitialPledge: r.pledge, DailyFee: r.dailyFee,
			dayReward: r.dayReward, storagePledge: r.storagePledge, replacedDayReward: r.replacedDayReward,
		}
		if !r.sinceNV25 {
			w.ExpectedDayReward, w.ExpectedStoragePledge, w.ReplacedDayReward = &w.dayReward, &w.storagePledge, &w.replacedDayReward
		}
		if r.snapped {
			w.sectorKey = cid(string(appendSectorKeyCID(nil, n)))
			w.SectorKeyCID = &w.sectorKey
		}
	}
	return out
}

// CommR and CommR-before-update CIDs: bagboea4b5abc and 51 more characters.
func appendSealedCID(b []byte, n uint64) []byte {
	return appendBase32(append(b, "bagboea4b5abc"...), mix(n^0xc077), 51)
}

func appendSectorKeyCID(b []byte, n uint64) []byte {
	return appendBase32(append(b, "bagboea4b5abc"...), mix(n^0x5ec7), 51)
}

func bigU(x uint64) lotusapi.BigInt {
	if x <= math.MaxInt64 {
		return lotusapi.NewBigInt(int64(x))
	}
	return bigInt(strconv.FormatUint(x, 10))
}

// StateMinerSectors answers every sector of the Sectors AMT; Lotus answers [] for a miner
// without sectors, never null (chain/actors/builtin/miner/v17.go LoadSectors).
func (h *daemonHandler) StateMinerSectors(_ context.Context, addr string, filter *lotusapi.BitField, tsk lotusapi.TipSetKey) ([]sectorWire, error) {
	if err := h.checkMiner(addr, tsk); err != nil {
		return nil, err
	}
	if filter != nil {
		return nil, errors.New("lotustest: StateMinerSectors with a filter is not modelled")
	}
	return h.s.OnChainSectors.wire(), nil
}

// ExpirationBucket counts the live sectors expiring within Days days of the head
// (Expiration <= head + Days×2880), with the sums of their qa_power_for_sector and
// InitialPledge.
type ExpirationBucket struct {
	Days    int64
	Sectors int
	QAPower *big.Int
	Pledge  *big.Int
}

// ExpirationBuckets returns cumulative expiration buckets over the miner's live sectors
// (faulty and unproven ones included), for 7, 30, 90, 180 and 365 days unless days are
// given. StateMinerSectors also lists the terminated sectors the partitions still hold: they
// are in no bucket.
func (s *Scenario) ExpirationBuckets(days ...int64) []ExpirationBucket {
	if len(days) == 0 {
		days = []int64{7, 30, 90, 180, 365}
	}
	out := make([]ExpirationBucket, len(days))
	for i, d := range days {
		out[i] = ExpirationBucket{Days: d, QAPower: new(big.Int), Pledge: new(big.Int)}
	}
	terminated := terminatedSectors(s.Partitions)
	for n := range s.OnChainSectors.count {
		if terminated[n] {
			continue
		}
		r := s.OnChainSectors.at(n)
		var qa *big.Int
		for i := range out {
			if r.expiration > s.Head.Height+out[i].Days*epochsPerDay {
				continue
			}
			if qa == nil {
				qa = r.qaPower()
			}
			out[i].Sectors++
			out[i].QAPower.Add(out[i].QAPower, qa)
			out[i].Pledge.Add(out[i].Pledge, new(big.Int).SetUint64(r.pledge))
		}
	}
	return out
}

// terminatedSectors are the sectors of partitions that are not live.
func terminatedSectors(partitions [][]lotusapi.Partition) map[uint64]bool {
	out := map[uint64]bool{}
	for _, dl := range partitions {
		for _, p := range dl {
			if p.AllSectors.Count() == p.LiveSectors.Count() {
				continue
			}
			live := map[uint64]bool{}
			p.LiveSectors.ForEach(func(n uint64) bool { live[n] = true; return true })
			p.AllSectors.ForEach(func(n uint64) bool {
				if !live[n] {
					out[n] = true
				}
				return true
			})
		}
	}
	return out
}

// shifted returns the sectors moved by delta epochs, as AtTime moves the chain.
func (o *OnChainSectors) shifted(delta int64) *OnChainSectors {
	if o == nil {
		return nil
	}
	return &OnChainSectors{count: o.count, at: func(n uint64) sectorRecord {
		r := o.at(n)
		r.activation, r.expiration, r.powerBase = r.activation+delta, r.expiration+delta, r.powerBase+delta
		return r
	}}
}

// smallSectors is Small's Sectors AMT: count sectors onboarded before nv25, but for the
// unproven ones, the newest, onboarded since and paying Small's daily fee between them.
// Sectors 0 to 9 (active, in deadline 0) expire exactly at and one epoch after each edge
// of the 7, 30, 90, 180 and 365 day buckets; the terminated sectors keep the expiration
// they had, within 90 days; the Available sector is CC. Their pledges add up to the miner
// state's InitialPledge.
func smallSectors(sc *Scenario, count uint64, terminated, unproven spans, available uint64, dailyFee uint64) *OnChainSectors {
	head := sc.Head.Height
	records := make([]sectorRecord, count)
	for n := range count {
		records[n] = oldSector(n, head)
	}
	for i, d := range []int64{7, 30, 90, 180, 365} {
		edge := head + d*epochsPerDay
		for j, n := range []uint64{uint64(2 * i), uint64(2*i + 1)} {
			records[n] = makeSector(n, head, edge+int64(j), kindOf(n))
		}
	}
	for i, n := range terminated.numbers() {
		records[n] = makeSector(n, head, head+30*epochsPerDay+1000+int64(7*i), kindOf(n))
	}
	records[available] = makeSector(available, head, records[available].expiration, ccSector)
	newest := unproven.numbers()
	for i, n := range newest {
		kind, fee := ccSector, dailyFee/uint64(len(newest))
		if i%3 == 0 {
			kind = verifiedSector
		}
		if i == len(newest)-1 {
			fee = dailyFee - fee*uint64(len(newest)-1)
		}
		records[n] = newSector(n, head-250+int64(5*i), kind, fee)
	}

	// Scale the live sectors' pledges to the miner state's, spreading what rounding leaves.
	target := sc.MinerState.InitialPledge.Int()
	o := &OnChainSectors{count: count, at: func(n uint64) sectorRecord { return records[n] }}
	sum := livePledge(o, sc.Partitions)
	dead := terminatedSectors(sc.Partitions)
	left := new(big.Int).Set(target)
	for n := range records {
		if dead[uint64(n)] {
			continue
		}
		p := new(big.Int).SetUint64(records[n].pledge)
		p.Div(p.Mul(p, target), sum)
		records[n].pledge = p.Uint64()
		left.Sub(left, p)
	}
	for n := 0; left.Sign() > 0; n++ {
		if !dead[uint64(n)] {
			records[n].pledge++
			left.Sub(left, big.NewInt(1))
		}
	}
	return o
}

// claimOf is StateMinerPower's answer for the miner of sectors and partitions: its claim,
// the network's total power, and whether the miner has mainnet's consensus minimum of
// 10 TiB raw.
func claimOf(o *OnChainSectors, partitions [][]lotusapi.Partition, total lotusapi.Claim) *lotusapi.MinerPower {
	claim := minerPowerOf(o, partitions)
	return &lotusapi.MinerPower{
		MinerPower:  claim,
		TotalPower:  total,
		HasMinPower: claim.RawBytePower.Int().Cmp(big.NewInt(10<<40)) >= 0,
	}
}

// minerPowerOf is the miner's claim in the power actor: the QA power of its active sectors
// (live, not faulty, proven once), as the miner actor declares it to the power actor.
func minerPowerOf(o *OnChainSectors, partitions [][]lotusapi.Partition) lotusapi.Claim {
	raw, qa := new(big.Int), new(big.Int)
	for _, dl := range partitions {
		for _, p := range dl {
			p.ActiveSectors.ForEach(func(n uint64) bool {
				r := o.at(n)
				raw.Add(raw, big.NewInt(sectorSize))
				qa.Add(qa, r.qaPower())
				return true
			})
		}
	}
	return lotusapi.Claim{RawBytePower: bigOf(raw), QualityAdjPower: bigOf(qa)}
}

// livePledge sums the InitialPledge of the live sectors: the miner state's InitialPledge.
func livePledge(o *OnChainSectors, partitions [][]lotusapi.Partition) *big.Int {
	sum := new(big.Int)
	terminated := terminatedSectors(partitions)
	for n := range o.count {
		if !terminated[n] {
			sum.Add(sum, new(big.Int).SetUint64(o.at(n).pledge))
		}
	}
	return sum
}
