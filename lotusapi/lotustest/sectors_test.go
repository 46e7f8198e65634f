// Tests of the on-chain sectors: their JSON, their consistency with the miner's state, and their cost.
package lotustest

import (
	"context"
	"encoding/json"
	"math/big"
	"slices"
	"testing"

	"github.com/lotus-farcaster/lotus-farcaster/lotusapi"
)

// checkOnChain checks sc's Sectors AMT against its partitions, power, pledge and fees, as the
// miner actor keeps them.
func checkOnChain(t *testing.T, sc *Scenario) {
	t.Helper()
	deadlineOf := map[uint64]int{} // of every sector in a partition
	active, live := map[uint64]bool{}, map[uint64]bool{}
	for dl, parts := range sc.Partitions {
		for _, p := range parts {
			p.AllSectors.ForEach(func(n uint64) bool { deadlineOf[n] = dl; return true })
			p.LiveSectors.ForEach(func(n uint64) bool { live[n] = true; return true })
			p.ActiveSectors.ForEach(func(n uint64) bool { active[n] = true; return true })
		}
	}
	if sc.OnChainSectors.Len() != len(deadlineOf) {
		t.Errorf("%d on-chain sectors, partitions hold %d", sc.OnChainSectors.Len(), len(deadlineOf))
	}
	raw, qa, pledge := new(big.Int), new(big.Int), new(big.Int)
	fees := make([]*big.Int, len(sc.Deadlines))
	for i := range fees {
		fees[i] = new(big.Int)
	}
	next := uint64(0)
	for s := range sc.OnChainSectors.All() {
		if s.SectorNumber != next {
			t.Fatalf("sector %d where %d was expected", s.SectorNumber, next)
		}
		next++
		dl, ok := deadlineOf[s.SectorNumber]
		if !ok {
			t.Errorf("sector %d is in no partition", s.SectorNumber)
		}
		if s.Activation > s.PowerBaseEpoch || s.PowerBaseEpoch >= s.Expiration || s.Activation > sc.Head.Height {
			t.Errorf("sector %d: activation %d, power base %d, expiration %d", s.SectorNumber, s.Activation, s.PowerBaseEpoch, s.Expiration)
		}
		if sinceNV25 := s.ExpectedDayReward == nil; sinceNV25 != (s.DailyFee.Int().Sign() > 0) ||
			sinceNV25 != (s.ExpectedStoragePledge == nil) || sinceNV25 != (s.ReplacedDayReward == nil) {
			t.Errorf("sector %d: null day reward fields must go with a daily fee: %+v", s.SectorNumber, s)
		}
		if s.DealWeight.Int().Sign() > 0 && s.VerifiedDealWeight.Int().Sign() > 0 {
			t.Errorf("sector %d has both deal weights", s.SectorNumber)
		}
		if !live[s.SectorNumber] {
			continue
		}
		// The miner actor expires sectors at the end of their deadline's window, at most a
		// proving period after their Expiration (its expiration queues are quantized).
		if s.Expiration <= sc.Head.Height-wpostProvingPeriod {
			t.Errorf("live sector %d expired at %d", s.SectorNumber, s.Expiration)
		}
		pledge.Add(pledge, s.InitialPledge.Int())
		fees[dl].Add(fees[dl], s.DailyFee.Int())
		if active[s.SectorNumber] {
			raw.Add(raw, big.NewInt(sectorSize))
			qa.Add(qa, QAPower(sectorSize, &s))
		}
	}
	if claim := sc.Power.MinerPower; claim.RawBytePower.Int().Cmp(raw) != 0 || claim.QualityAdjPower.Int().Cmp(qa) != 0 {
		t.Errorf("power %+v, active sectors have %s raw, %s QA", claim, raw, qa)
	}
	if pledge.Cmp(sc.MinerState.InitialPledge.Int()) != 0 {
		t.Errorf("live sectors pledge %s, miner state %s", pledge, sc.MinerState.InitialPledge)
	}
	for dl, fee := range fees {
		if fee.Cmp(sc.Deadlines[dl].DailyFee.Int()) != 0 {
			t.Errorf("deadline %d: daily fee %s, its sectors pay %s", dl, sc.Deadlines[dl].DailyFee, fee)
		}
	}
}

// The answer must be what encoding/json makes of Lotus's SectorOnChainInfo, byte for byte.
func TestSectorsJSONIsEncodingJSON(t *testing.T) {
	sc := Small()
	// The first sectors and the newest hold every kind of sector.
	wire, infos := sc.OnChainSectors.wire(), slices.Collect(sc.OnChainSectors.All())
	for _, r := range [][2]int{{0, 2000}, {len(infos) - 30, len(infos)}} {
		got, err := json.Marshal(wire[r[0]:r[1]])
		if err != nil {
			t.Fatal(err)
		}
		want, err := json.Marshal(infos[r[0]:r[1]])
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Fatalf("sectors %d to %d differ from encoding/json:\n%.600s\n%.600s", r[0], r[1], got, want)
		}
	}
	var kinds struct{ cc, deals, verified, partial, snapped, nulls int }
	for _, s := range infos {
		dw, vw := s.DealWeight.Int(), s.VerifiedDealWeight.Int()
		full := new(big.Int).Mul(big.NewInt(sectorSize), big.NewInt(s.Expiration-s.PowerBaseEpoch))
		switch {
		case dw.Sign() > 0:
			kinds.deals++
		case vw.Cmp(full) == 0:
			kinds.verified++
		case vw.Sign() > 0:
			kinds.partial++
		default:
			kinds.cc++
		}
		if s.SectorKeyCID != nil {
			kinds.snapped++
		}
		if s.ExpectedDayReward == nil {
			kinds.nulls++
		}
	}
	if kinds.cc < 1000 || kinds.deals < 100 || kinds.verified < 1000 || kinds.partial < 100 || kinds.snapped < 100 || kinds.nulls != 23 {
		t.Errorf("sector kinds %+v", kinds)
	}
}

// TestSmallSectors pins the on-chain facts of Small that tests elsewhere rely on.
func TestSmallSectors(t *testing.T) {
	sc := Small()
	if sc.OnChainSectors.Len() != 55084 {
		t.Errorf("%d on-chain sectors, want 55084 (3 of them terminated)", sc.OnChainSectors.Len())
	}
	if p := sc.Power.MinerPower; p.RawBytePower.String() != "1891366158204928" || p.QualityAdjPower.String() != "7964725866397696" {
		t.Errorf("power %+v", p)
	}
	want := []struct {
		days            int64
		sectors         int
		qaPower, pledge string
	}{
		{7, 336, "50160923049984", "118409636103601135413"},
		{30, 1387, "202787954622464", "476711427342664903066"},
		{90, 4367, "635977282355200", "1497337067148587217297"},
		{180, 9066, "1321079326900224", "3105738020217006969334"},
		{365, 18372, "2646210955444224", "6218909535213947063749"},
	}
	got := sc.ExpirationBuckets()
	for i, w := range want {
		g := got[i]
		if g.Days != w.days || g.Sectors != w.sectors || g.QAPower.String() != w.qaPower || g.Pledge.String() != w.pledge {
			t.Errorf("bucket %d days: %d sectors, %s QA, %s pledge; want %+v", g.Days, g.Sectors, g.QAPower, g.Pledge, w)
		}
	}
	// Sectors 0 to 9 sit on and one epoch past each bucket's edge.
	sectors := slices.Collect(sc.OnChainSectors.All())
	for i, days := range []int64{7, 30, 90, 180, 365} {
		edge := sc.Head.Height + days*2880
		if sectors[2*i].Expiration != edge || sectors[2*i+1].Expiration != edge+1 {
			t.Errorf("%d days: sectors %d and %d expire at %d and %d, edge %d",
				days, 2*i, 2*i+1, sectors[2*i].Expiration, sectors[2*i+1].Expiration, edge)
		}
	}
	// The terminated sectors are listed, with the expirations they had, within 90 days.
	terminated := terminatedSectors(sc.Partitions)
	for n := range terminated {
		if e := sectors[n].Expiration; e <= sc.Head.Height+30*2880 || e > sc.Head.Height+90*2880 {
			t.Errorf("terminated sector %d expires at %d", n, e)
		}
	}
	if len(terminated) != 3 {
		t.Errorf("%d terminated sectors", len(terminated))
	}
}

func TestStateMinerSectorsThroughClient(t *testing.T) {
	srv, sc := start(t)
	d := dialDaemon(t, srv.DaemonEndpoint())
	ctx := context.Background()
	var n int
	pledge := new(big.Int)
	err := d.StateMinerSectors(ctx, sc.MinerID, sc.Head.Key(), func(s *lotusapi.SectorOnChainInfo) error {
		n++
		pledge.Add(pledge, s.InitialPledge.Int())
		return nil
	})
	if err != nil || n != 55084 {
		t.Errorf("StateMinerSectors: %d sectors, %v", n, err)
	}
	if err := d.StateMinerSectors(ctx, "f09999", sc.Head.Key(), func(*lotusapi.SectorOnChainInfo) error { return nil }); !lotusapi.IsActorNotFound(err) {
		t.Errorf("StateMinerSectors of an unknown miner: %v", err)
	}
	resp := rawCall(t, srv.DaemonURL, srv.DaemonToken, "StateMinerSectors", []any{sc.MinerID, []uint64{0, 1}, sc.Head.Cids})
	if resp.Error == nil {
		t.Error("a filter is not modelled, and must not be ignored")
	}
}

// BenchmarkStateMinerSectorsMillion serves a million sectors (about 430 MB of JSON) through
// go-jsonrpc's server to the streaming client, as the scale tests need them. Most of the
// time is go-jsonrpc's: it encodes the whole answer, then its Encoder scans it again.
func BenchmarkStateMinerSectorsMillion(b *testing.B) {
	sc := Large(LargeParams{Sectors: 1000000, Workers: 2, Sealing: 1, Jobs: 1, StoragePaths: 3})
	srv := Start(sc)
	b.Cleanup(srv.Close)
	d, closer, err := lotusapi.DialDaemon(context.Background(), srv.DaemonEndpoint(), nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(closer)
	want := sc.ExpirationBuckets(7)[0].Sectors
	for b.Loop() {
		var n, expiring int
		err := d.StateMinerSectors(context.Background(), sc.MinerID, sc.Head.Key(), func(s *lotusapi.SectorOnChainInfo) error {
			n++
			if s.Expiration <= sc.Head.Height+7*2880 {
				expiring++
			}
			return nil
		})
		if err != nil || n != 1000000 || expiring != want {
			b.Fatalf("%d sectors, %d within 7 days (want %d), %v", n, expiring, want, err)
		}
	}
}
