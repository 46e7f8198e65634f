// Tests of the chain history: tipsets by height, null rounds, moving the head, reorgs and block rewards.
package lotustest

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/lotus-farcaster/lotus-farcaster/lotusapi"
)

// checkChain checks sc's chain as Lotus would have it: each tipset on its parent, blocks at
// its height and time, one block per miner, every CID once.
func checkChain(t *testing.T, sc *Scenario) {
	t.Helper()
	if sc.Chain[len(sc.Chain)-1] != sc.Head {
		t.Errorf("the head is not the last tipset of Chain")
	}
	chain := sc.canonical()
	if span := sc.Head.Height - chain[0].Height; span < 300 {
		t.Errorf("the history covers %d epochs before the head, want at least 300", span)
	}
	cids := map[string]bool{}
	for _, ts := range sc.Chain {
		for _, c := range ts.Cids {
			if cids[c.Root] {
				t.Errorf("block %s twice", c.Root)
			}
			cids[c.Root] = true
		}
	}
	for i, ts := range chain {
		miners := map[string]bool{}
		if len(ts.Cids) != len(ts.Blocks) || len(ts.Blocks) == 0 {
			t.Fatalf("tipset at %d: %d CIDs, %d blocks", ts.Height, len(ts.Cids), len(ts.Blocks))
		}
		for _, b := range ts.Blocks {
			if b.Height != ts.Height || b.Timestamp != 1598306400+30*uint64(ts.Height) || miners[b.Miner] ||
				b.ElectionProof == nil || b.ElectionProof.WinCount < 1 || len(b.ElectionProof.VRFProof) != 96 ||
				i > 0 && !slices.Equal(b.Parents, chain[i-1].Cids) {
				t.Errorf("tipset at %d: block %+v", ts.Height, b)
			}
			miners[b.Miner] = true
		}
		if i > 0 && ts.Height <= chain[i-1].Height {
			t.Errorf("tipset at %d after one at %d", ts.Height, chain[i-1].Height)
		}
	}
	for _, w := range sc.SyncState.ActiveSyncs {
		if w.Target != nil && w.Height != w.Target.Height {
			t.Errorf("sync worker %d at %d, its target at %d", w.WorkerID, w.Height, w.Target.Height)
		}
	}
}

// TestSmallChain pins the chain facts of Small that tests elsewhere rely on.
func TestSmallChain(t *testing.T) {
	sc := Small()
	var nulls []int64
	chain := sc.canonical()
	for i := 1; i < len(chain); i++ {
		for h := chain[i-1].Height + 1; h < chain[i].Height; h++ {
			nulls = append(nulls, h)
		}
	}
	if chain[0].Height != 4999473 || !slices.Equal(nulls, []int64{4999550, 4999600, 4999777, 4999820, 4999821}) {
		t.Errorf("history from %d, null rounds %v", chain[0].Height, nulls)
	}
	type won struct {
		height, winCount int64
		read, paid       string
	}
	var got []won
	for _, b := range sc.WonBlocks(0, sc.Head.Height) {
		got = append(got, won{b.Height, b.WinCount, b.ThisEpochReward.String(), b.Paid.String()})
	}
	want := []won{
		{4999517, 1, "22914544807208167705", "4582908961441633541"},
		{4999632, 3, "22914255163930239810", "13748553098358143886"},
		{4999633, 1, "22914252645293040437", "4582850529058608087"},
		{4999700, 1, "22914083896600682446", "4582816779320136489"},
		// After two null rounds: the state at its tipset was computed for 4999820.
		{4999822, 1, "22913781660136757686", "4582755324572471788"},
		{4999871, 2, "22913653209639589663", "9165461283855835865"},
		{4999873, 1, "22913648172365190917", "4582729634473038183"},
	}
	if !slices.Equal(got, want) {
		t.Errorf("won blocks\n%v\nwant\n%v", got, want)
	}
	if r := ThisEpochReward(4999822); blockReward(r, 1).String() != "4582755324572471788" {
		t.Errorf("reward at 4999822: %s", r)
	}
	if n := len(sc.WonBlocks(sc.Head.Height-239, sc.Head.Height)); n != 4 {
		t.Errorf("%d blocks won in the last 240 epochs, want 4", n)
	}
}

func TestChainGetTipSetByHeight(t *testing.T) {
	srv, sc := start(t)
	d := dialDaemon(t, srv.DaemonEndpoint())
	ctx := context.Background()
	head := sc.Head.Key()
	for _, c := range []struct{ height, want int64 }{
		{sc.Head.Height, sc.Head.Height},
		{4999822, 4999822},
		{4999821, 4999819}, // null rounds: the tipset below them
		{4999820, 4999819},
		{4999473, 4999473},
		{0, 0},
	} {
		ts, err := d.ChainGetTipSetByHeight(ctx, c.height, head)
		if err != nil || ts.Height != c.want {
			t.Errorf("ChainGetTipSetByHeight(%d) = %v, %v; want height %d", c.height, ts, err, c.want)
		}
	}
	// From an older tipset, on its chain.
	old, err := d.ChainGetTipSetByHeight(ctx, 4999700, head)
	if err != nil {
		t.Fatal(err)
	}
	if ts, err := d.ChainGetTipSetByHeight(ctx, 4999699, old.Key()); err != nil || ts.Height != 4999699 {
		t.Errorf("from 4999700: %v, %v", ts, err)
	}
	var ce *lotusapi.CallError
	_, err = d.ChainGetTipSetByHeight(ctx, 4999701, old.Key())
	if !errors.As(err, &ce) || ce.Detail != "looking for tipset with height greater than start point, req: 4999701, head: 4999700" {
		t.Errorf("a height above the tipset: %v", err)
	}
	if _, err := d.ChainGetTipSetByHeight(ctx, 4999000, head); err == nil {
		t.Error("a height before the history: no error")
	}
	// Any key of the history pins state calls.
	if _, err := d.StateMinerPower(ctx, sc.MinerID, old.Key()); err != nil {
		t.Errorf("state call at an older tipset: %v", err)
	}
}

func TestRewardState(t *testing.T) {
	srv, sc := start(t)
	d := dialDaemon(t, srv.DaemonEndpoint())
	ctx := context.Background()
	ts, err := d.ChainGetTipSetByHeight(ctx, 4999822, sc.Head.Key())
	if err != nil {
		t.Fatal(err)
	}
	rs, err := d.StateReadState(ctx, lotusapi.RewardActor, ts.Key())
	if err != nil {
		t.Fatal(err)
	}
	var state lotusapi.RewardState
	if err := json.Unmarshal(rs.State, &state); err != nil {
		t.Fatal(err)
	}
	if state.ThisEpochReward.String() != "22913781660136757686" || rs.Balance.String() != sc.Actors[lotusapi.RewardActor].Balance.String() {
		t.Errorf("reward state at 4999822: %s, balance %s", state.ThisEpochReward, rs.Balance)
	}
	var fields map[string]any
	if err := json.Unmarshal(rs.State, &fields); err != nil {
		t.Fatal(err)
	}
	want := []string{"BaselineTotal", "CumsumBaseline", "CumsumRealized", "EffectiveBaselinePower", "EffectiveNetworkTime",
		"Epoch", "SimpleTotal", "ThisEpochBaselinePower", "ThisEpochReward", "ThisEpochRewardSmoothed", "TotalStoragePowerReward"}
	if got := slices.Sorted(func(yield func(string) bool) {
		for k := range fields {
			if !yield(k) {
				return
			}
		}
	}); !slices.Equal(got, want) || fields["Epoch"] != float64(4999820) {
		t.Errorf("reward state fields %v, Epoch %v", got, fields["Epoch"])
	}
}

func TestAdvance(t *testing.T) {
	srv, sc := start(t)
	d := dialDaemon(t, srv.DaemonEndpoint())
	ctx := context.Background()
	oldHead, oldDeadline := sc.Head, sc.ProvingDeadline
	srv.Update(func(sc *Scenario) {
		sc.Advance(240, Epochs{Won: map[int64]int64{smallHeadHeight + 10: 1, smallHeadHeight + 101: 2}, Null: []int64{smallHeadHeight + 100}})
	})
	head, err := d.ChainHead(ctx)
	if err != nil || head.Height != smallHeadHeight+240 {
		t.Fatalf("head %v, %v", head, err)
	}
	if ts, err := d.ChainGetTipSetByHeight(ctx, smallHeadHeight+100, head.Key()); err != nil || ts.Height != smallHeadHeight+99 {
		t.Errorf("null round: %v, %v", ts, err)
	}
	won := sc.WonBlocks(smallHeadHeight+1, head.Height)
	if len(won) != 2 || won[0].Height != smallHeadHeight+10 || won[1].WinCount != 2 {
		t.Errorf("blocks won since the old head: %+v", won)
	}
	if pd := sc.ProvingDeadline; pd.Index != oldDeadline.Index || pd.CurrentEpoch != head.Height || pd.Open != oldDeadline.Open+240 {
		t.Errorf("proving deadline %+v", pd)
	}
	// The old head's key still pins calls.
	if _, err := d.StateMinerInfo(ctx, sc.MinerID, oldHead.Key()); err != nil {
		t.Error(err)
	}
	checkConsistency(t, sc)
}

func TestReorg(t *testing.T) {
	sc := Small()
	replaced := sc.Head
	// The miner's block at 4999871 vanishes; it wins at 4999872 instead, not at the head.
	sc.Reorg(3, Epochs{Won: map[int64]int64{4999872: 1}})
	if sc.Head.Height != smallHeadHeight || slices.Equal(sc.Head.Cids, replaced.Cids) {
		t.Errorf("head after the reorg: %+v", sc.Head)
	}
	var heights []int64
	for _, b := range sc.WonBlocks(4999860, smallHeadHeight) {
		heights = append(heights, b.Height)
	}
	if !slices.Equal(heights, []int64{4999872}) {
		t.Errorf("blocks won after the reorg at %v", heights)
	}
	if _, err := sc.tipSet(replaced.Cids); err != nil {
		t.Errorf("the replaced head is forgotten: %v", err)
	}
	if parent := sc.canonical()[len(sc.canonical())-4]; parent.Height != 4999870 {
		t.Errorf("fork point at %d", parent.Height)
	}
	checkConsistency(t, sc)
}

func TestAtTimeMovesChain(t *testing.T) {
	sc := Small()
	at := sc.AtTime(time.Unix(1598306400+30*5100000, 0))
	delta := int64(5100000 - smallHeadHeight)
	if len(at.Chain) != len(sc.Chain) || at.Chain[0].Height != sc.Chain[0].Height+delta || !slices.Equal(at.Chain[0].Cids, sc.Chain[0].Cids) {
		t.Errorf("AtTime chain from %d", at.Chain[0].Height)
	}
	if b := at.WonBlocks(0, at.Head.Height); len(b) != 7 || b[0].Height != 4999517+delta {
		t.Errorf("won blocks after AtTime: %+v", b)
	}
	if w := at.SyncState.ActiveSyncs[1]; w.Height != 5100000 || w.Target != at.Head {
		t.Errorf("sync worker after AtTime: %+v", w)
	}
	if sc.SyncState.ActiveSyncs[1].Height != smallHeadHeight {
		t.Errorf("AtTime moved the original's sync worker")
	}
}
