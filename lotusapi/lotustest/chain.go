// Chain history: tipsets with null rounds and the miner's blocks, moving the head, reorgs, and the reward actor.
package lotustest

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"math/big"
	"slices"
	"strconv"
	"strings"

	"github.com/lotus-farcaster/lotus-farcaster/lotusapi"
)

// Epochs describes chain epochs to add: the heights at which the scenario's miner wins a
// block, with its WinCount, and the null rounds (heights without a tipset). Every other
// epoch gets a tipset of two to five blocks of other miners.
type Epochs struct {
	Won  map[int64]int64
	Null []int64
}

// Small's chain history: every epoch from smallHistoryStart to the head has a tipset but the
// null rounds, and f01234 won the blocks of Won (the head's among them).
const smallHistoryStart = smallHeadHeight - 400

var smallHistory = Epochs{
	Won: map[int64]int64{
		4999873: 1, // the head
		4999871: 2,
		4999822: 1, // right after the null rounds 4999820 and 4999821
		4999700: 1,
		4999633: 1, // 240 epochs before the head
		4999632: 3, // 241 epochs before the head
		4999517: 1,
	},
	Null: []int64{4999550, 4999600, 4999777, 4999820, 4999821},
}

// smallChainHistory is Small's history, oldest first. The last two tipsets are literal: the
// head, where f01234 won a block, and its parent.
func smallChainHistory() []*lotusapi.TipSet {
	// The tipset before the history, which the scenario does not hold.
	before := lotusapi.TipSetKey{cid("bafy2bzacebnkgxcdmf4vx4jdgwpoecsmkf4gdxq6ws7t3fdvtlzyxi2odzfpa")}
	chain := extend(before, smallHistoryStart, smallHeadHeight-2, smallMiner, smallHistory, 0)
	parent := newTipSet(smallHeadHeight-1, chain[len(chain)-1].Cids, bigInt("101853"), 1, []blockSpec{
		{miner: "f02182902", winCount: 1, cid: "bafy2bzace4hafcfgwpbbbw65jflha7pe5efcret6wrpm5beavj6ykde7kenjb"},
		{miner: "f03193124", winCount: 1, cid: "bafy2bzacewhjt5c2rclrjtj5cyw7v56c6k44srhl23hg7yqmwgkrju4efznds"},
	})
	head := newTipSet(smallHeadHeight, parent.Cids, bigInt("103417"), 2, []blockSpec{
		{miner: "f01979693", winCount: 1, cid: "bafy2bzacecofut5eqe3mgzm5pxn2lntdwj76viidkjeukadfjnc3zunyrt3uj"},
		{miner: smallMiner, winCount: smallHistory.Won[smallHeadHeight], cid: "bafy2bzacefqr2zrhyrntzdw4o7kytae6zt36lz6ksxwnk56b5gbx6eivwstvs"},
		{miner: "f02830519", winCount: 1, cid: "bafy2bzacemrenvvu5rfhpqxibzccnjuw3etq7owfbvok67iejpkzui4cxex2c"},
	})
	return append(chain, parent, head)
}

// blockSpec is one block of a tipset being built; an empty cid is derived from the seed.
type blockSpec struct {
	miner    string
	winCount int64
	cid      string
}

// extend returns tipsets on top of the tipset with key parent for the heights from to to,
// but e's null rounds; salt makes the block CIDs of a fork differ from the chain it replaces.
func extend(parent lotusapi.TipSetKey, from, to int64, miner string, e Epochs, salt uint64) []*lotusapi.TipSet {
	var out []*lotusapi.TipSet
	for h := from; h <= to; h++ {
		if slices.Contains(e.Null, h) {
			continue
		}
		seed := mix(keySeed(parent) ^ uint64(h) ^ salt)
		ts := newTipSet(h, parent, lotusapi.NewBigInt(int64(100000+seed%9000)), seed, epochBlocks(seed, miner, e.Won[h]))
		out = append(out, ts)
		parent = ts.Cids
	}
	return out
}

// epochBlocks are the blocks of an epoch: two to five of other miners, one in seven with
// WinCount 2 and one in 31 with 3, and the miner's own where it won (winCount > 0).
func epochBlocks(seed uint64, miner string, winCount int64) []blockSpec {
	n := 2 + int(seed%4)
	blocks := make([]blockSpec, 0, n+1)
	for i := range n {
		r := mix(seed + uint64(i) + 1)
		wc := int64(1)
		switch {
		case r%31 == 0:
			wc = 3
		case r%7 == 0:
			wc = 2
		}
		// Each block takes its miner from its own range, so no miner appears twice.
		blocks = append(blocks, blockSpec{miner: "f0" + strconv.FormatUint(uint64(i+1)*1000000+r>>32%1000000, 10), winCount: wc})
	}
	if winCount > 0 {
		blocks = slices.Insert(blocks, int(seed>>16%uint64(n+1)), blockSpec{miner: miner, winCount: winCount})
	}
	return blocks
}

// newTipSet builds a tipset at height on parents, its blocks timestamped like mainnet's.
func newTipSet(height int64, parents lotusapi.TipSetKey, baseFee lotusapi.BigInt, seed uint64, blocks []blockSpec) *lotusapi.TipSet {
	ts := &lotusapi.TipSet{Height: height}
	for i, b := range blocks {
		r := mix(seed ^ uint64(i+1)<<48)
		c := b.cid
		if c == "" {
			c = string(appendBase32([]byte("bafy2bzace"), r, 52))
		}
		ts.Cids = append(ts.Cids, cid(c))
		ts.Blocks = append(ts.Blocks, lotusapi.BlockHeader{
			Miner:         b.miner,
			ElectionProof: &lotusapi.ElectionProof{WinCount: b.winCount, VRFProof: randomBytes(r, 96)},
			Parents:       parents,
			Height:        height,
			Timestamp:     uint64(smallGenesisTime + height*blockDelay),
			ParentBaseFee: baseFee,
		})
	}
	return ts
}

// mix is splitmix64's finalizer: a well-spread deterministic hash of x.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

func keySeed(k lotusapi.TipSetKey) uint64 {
	h := fnv.New64a()
	for _, c := range k {
		h.Write([]byte(c.Root))
	}
	return h.Sum64()
}

// appendBase32 appends n characters of the lower-case base32 alphabet CIDs are written in.
func appendBase32(b []byte, seed uint64, n int) []byte {
	const alphabet = "abcdefghijklmnopqrstuvwxyz234567"
	for i := range n {
		if i%12 == 0 {
			seed = mix(seed)
		}
		b = append(b, alphabet[seed>>(5*(i%12))&31])
	}
	return b
}

func randomBytes(seed uint64, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		if i%8 == 0 {
			seed = mix(seed)
		}
		b[i] = byte(seed >> (8 * (i % 8)))
	}
	return b
}

// keyString identifies a tipset key in a map.
func keyString(k lotusapi.TipSetKey) string {
	var b strings.Builder
	for _, c := range k {
		b.WriteString(c.Root)
		b.WriteByte(',')
	}
	return b.String()
}

// tipSet finds the tipset with key tsk: the genesis, the head or any tipset of Chain,
// replaced forks included, as Lotus keeps them. Lotus takes an empty key as the head; the
// fake refuses it, which proves the client pins the run's tipset.
func (s *Scenario) tipSet(tsk lotusapi.TipSetKey) (*lotusapi.TipSet, error) {
	if len(tsk) == 0 {
		return nil, errors.New("lotustest: state call without a tipset key; pin the run's tipset")
	}
	if slices.Equal(tsk, s.Head.Cids) {
		return s.Head, nil
	}
	if slices.Equal(tsk, s.Genesis.Cids) {
		return s.Genesis, nil
	}
	for _, ts := range slices.Backward(s.Chain) {
		if slices.Equal(tsk, ts.Cids) {
			return ts, nil
		}
	}
	return nil, fmt.Errorf("loading tipset %v: ipld: could not find %s", tsk, tsk[0].Root)
}

// parents indexes Chain by key, to walk from a tipset to its parent.
func (s *Scenario) parents() map[string]*lotusapi.TipSet {
	byKey := make(map[string]*lotusapi.TipSet, len(s.Chain))
	for _, ts := range s.Chain {
		byKey[keyString(ts.Cids)] = ts
	}
	return byKey
}

// byFirstBlock indexes Chain by the CID of each tipset's first block, which no other tipset
// shares: a walk of thousands of parents then builds no key string per step.
func (s *Scenario) byFirstBlock() map[string]*lotusapi.TipSet {
	out := make(map[string]*lotusapi.TipSet, len(s.Chain))
	for _, ts := range s.Chain {
		out[ts.Cids[0].Root] = ts
	}
	return out
}

// canonical returns the tipsets of Chain on the chain of the head, oldest first.
func (s *Scenario) canonical() []*lotusapi.TipSet {
	byKey := s.parents()
	var out []*lotusapi.TipSet
	for ts := s.Head; ts != nil; ts = byKey[keyString(ts.Blocks[0].Parents)] {
		out = append(out, ts)
	}
	slices.Reverse(out)
	return out
}

// ChainGetTipSetByHeight walks back from tsk like Lotus's ChainStore.GetTipsetByHeight with
// prev set (node/impl/full/chain.go, chain/store/store.go): the tipset at height on the
// chain of tsk or, for a null round, the one at the next lower height.
func (h *daemonHandler) ChainGetTipSetByHeight(_ context.Context, height int64, tsk lotusapi.TipSetKey) (*lotusapi.TipSet, error) {
	ts, err := h.s.tipSet(tsk)
	switch {
	case err != nil:
		return nil, err
	case height < 0:
		return nil, fmt.Errorf("height %d is negative", height)
	case height > ts.Height:
		return nil, fmt.Errorf("looking for tipset with height greater than start point, req: %d, head: %d", height, ts.Height)
	case height == 0:
		return h.s.Genesis, nil
	}
	byFirst := h.s.byFirstBlock()
	for ts.Height > height {
		parent, ok := byFirst[ts.Blocks[0].Parents[0].Root]
		if !ok {
			return nil, fmt.Errorf("lotustest: the scenario holds no tipset before height %d", ts.Height)
		}
		ts = parent
	}
	return ts, nil
}

// Advance moves the head n epochs on: a tipset for every new epoch but e's null rounds,
// with the miner's blocks where e says it won. The proving deadline moves along with the
// head as AtTime moves it, so the same deadline stays open, and sync workers at the head
// follow it. The new head's epoch cannot be a null round.
func (s *Scenario) Advance(n int64, e Epochs) {
	old := s.Head
	to := old.Height + n
	if n < 1 || slices.Contains(e.Null, to) {
		panic(fmt.Sprintf("lotustest: Advance(%d) must add epochs and end with a tipset", n))
	}
	added := extend(old.Cids, old.Height+1, to, s.MinerID, e, 0)
	s.Chain = append(s.Chain, added...)
	s.moveHead(old, added[len(added)-1])
}

// Reorg replaces the last k tipsets of the head's chain with a fork up to the same height:
// other block CIDs and miners, e's null rounds, and the miner's blocks where e says it won,
// so a block of the miner can vanish from one height and appear at another. The replaced
// tipsets stay known, as Lotus keeps them: calls still accept their keys. The fork cannot
// end in a null round.
func (s *Scenario) Reorg(k int, e Epochs) {
	chain := s.canonical()
	old := s.Head
	if k < 1 || k >= len(chain) || slices.Contains(e.Null, old.Height) {
		panic(fmt.Sprintf("lotustest: Reorg(%d) must replace tipsets of the history and end with a tipset", k))
	}
	base := chain[len(chain)-1-k]
	added := extend(base.Cids, base.Height+1, old.Height, s.MinerID, e, keySeed(old.Cids))
	s.Chain = append(s.Chain, added...)
	s.moveHead(old, added[len(added)-1])
}

// moveHead makes head the head in place of old, moving what follows the head.
func (s *Scenario) moveHead(old, head *lotusapi.TipSet) {
	s.Head = head
	s.ProvingDeadline = provingDeadline(head.Height, s.ProvingDeadline.PeriodStart+head.Height-old.Height)
	parent := s.parents()[keyString(head.Blocks[0].Parents)]
	for i := range s.SyncState.ActiveSyncs {
		if w := &s.SyncState.ActiveSyncs[i]; w.Target != nil && slices.Equal(w.Target.Cids, old.Cids) {
			w.Base, w.Target, w.Height = parent, head, head.Height
		}
	}
}

// shiftChain returns copies of chain's tipsets moved by delta epochs, with their timestamps.
func shiftChain(chain []*lotusapi.TipSet, delta int64) []*lotusapi.TipSet {
	out := make([]*lotusapi.TipSet, len(chain))
	for i, ts := range chain {
		c := *ts
		c.Height += delta
		c.Blocks = slices.Clone(ts.Blocks)
		for j := range c.Blocks {
			c.Blocks[j].Height = c.Height
			c.Blocks[j].Timestamp = uint64(smallGenesisTime + c.Height*blockDelay)
		}
		out[i] = &c
	}
	return out
}

// WonBlock is a block of the scenario's miner on the chain of the head.
type WonBlock struct {
	Height   int64
	WinCount int64
	TipSet   lotusapi.TipSetKey // the tipset holding the block
	// ThisEpochReward is what StateReadState(f02, TipSet) answers (see rewardState).
	ThisEpochReward lotusapi.BigInt
	// Paid is the block reward the block earned, without its gas reward:
	// ThisEpochReward(Height) × WinCount / 5. It differs from ThisEpochReward × WinCount / 5
	// only for a block after null rounds.
	Paid lotusapi.BigInt
}

// WonBlocks returns the blocks of the scenario's miner at heights from to to (both
// included) on the chain of the head, oldest first.
func (s *Scenario) WonBlocks(from, to int64) []WonBlock {
	var out []WonBlock
	for _, ts := range s.canonical() {
		if ts.Height < from || ts.Height > to {
			continue
		}
		for _, b := range ts.Blocks {
			if b.Miner == s.MinerID {
				out = append(out, WonBlock{
					Height: ts.Height, WinCount: b.ElectionProof.WinCount, TipSet: ts.Cids,
					ThisEpochReward: s.rewardState(ts).ThisEpochReward,
					Paid:            blockReward(ThisEpochReward(ts.Height), b.ElectionProof.WinCount),
				})
			}
		}
	}
	return out
}

// Reward actor parameters: ThisEpochReward at Small's head, and how much it falls every
// epoch (the simple minting's half-life of six years, about 1.1e-7 a epoch).
var (
	rewardAtHead = bigInt("22913648172365190917")
	rewardDecay  = big.NewInt(2518637199373)
)

// ThisEpochReward is the reward actor's ThisEpochReward computed for epoch: what the blocks
// of a tipset at that epoch are paid per WinCount, times 5 (the expected winners per epoch).
func ThisEpochReward(epoch int64) lotusapi.BigInt {
	r := new(big.Int).Mul(rewardDecay, big.NewInt(smallHeadHeight-epoch))
	return bigOf(r.Add(r, rewardAtHead.Int()))
}

// blockReward is what a block with winCount wins is paid of reward:
// reward × winCount / EXPECTED_LEADERS_PER_EPOCH, rounded down (builtin-actors
// actors/reward/src/lib.rs award_block_reward).
func blockReward(reward lotusapi.BigInt, winCount int64) lotusapi.BigInt {
	r := reward.Int()
	r.Mul(r, big.NewInt(winCount))
	return bigOf(r.Div(r, big.NewInt(5)))
}

// rewardActorState is the reward actor's state as Lotus's StateReadState writes it
// (go-state-types builtin/v17/reward State).
type rewardActorState struct {
	CumsumBaseline          lotusapi.BigInt
	CumsumRealized          lotusapi.BigInt
	EffectiveNetworkTime    int64
	EffectiveBaselinePower  lotusapi.BigInt
	ThisEpochReward         lotusapi.BigInt
	ThisEpochRewardSmoothed filterEstimate
	ThisEpochBaselinePower  lotusapi.BigInt
	Epoch                   int64
	TotalStoragePowerReward lotusapi.BigInt
	SimpleTotal             lotusapi.BigInt
	BaselineTotal           lotusapi.BigInt
}

// filterEstimate is a smoothed value and its velocity, as Q.128 fixed-point integers.
type filterEstimate struct {
	PositionEstimate lotusapi.BigInt
	VelocityEstimate lotusapi.BigInt
}

// rewardState is the reward actor's state that StateReadState(f02, ts) reads: the parent
// state of ts, left by the cron at the end of its parent's epoch, whose UpdateNetworkKPI
// computed Epoch = parent height + 1 and that epoch's ThisEpochReward.
//
// Which state pays a block's reward (lotus chain/consensus/compute_state.go ApplyBlocks,
// builtin-actors actors/reward/src/lib.rs): executing tipset T starts from T's
// ParentStateRoot; Lotus first runs the cron of every null round between T's parent and T,
// each moving the reward actor one epoch on, then T's messages, and pays every block of T
// ThisEpochReward × WinCount / 5 plus its gas reward. So the value read at T's own key is
// what T's blocks were paid when T follows no null round; after null rounds they were paid
// ThisEpochReward(T.Height), which no tipset's parent state shows.
func (s *Scenario) rewardState(ts *lotusapi.TipSet) rewardActorState {
	// The history's first tipset, whose parent the scenario does not hold, is taken to
	// follow an epoch with a tipset, and so is the genesis.
	epoch := ts.Height
	if parent, ok := s.parents()[keyString(ts.Blocks[0].Parents)]; ok {
		epoch = parent.Height + 1
	}
	since := big.NewInt(epoch - smallHeadHeight)
	linear := func(atHead, perEpoch string) lotusapi.BigInt {
		v := new(big.Int).Mul(since, bigInt(perEpoch).Int())
		return bigOf(v.Add(v, bigInt(atHead).Int()))
	}
	reward := ThisEpochReward(epoch)
	q128 := new(big.Int).Lsh(big.NewInt(1), 128)
	return rewardActorState{
		CumsumBaseline:         linear("118720934871203948712034981", "26317894512340987123"),
		CumsumRealized:         linear("118720931209348712309487123", "26317894512340981877"),
		EffectiveNetworkTime:   3873125 + (epoch-smallHeadHeight)/2,
		EffectiveBaselinePower: linear("18374561029384756102", "12098417234"),
		ThisEpochReward:        reward,
		ThisEpochRewardSmoothed: filterEstimate{
			PositionEstimate: bigOf(new(big.Int).Mul(reward.Int(), q128)),
			VelocityEstimate: bigOf(new(big.Int).Mul(new(big.Int).Neg(rewardDecay), q128)),
		},
		ThisEpochBaselinePower:  linear("26317894512340987123", "17364598012345"),
		Epoch:                   epoch,
		TotalStoragePowerReward: linear("433918236501239874651234567", "22913648172365190917"),
		SimpleTotal:             bigInt("330000000000000000000000000"),
		BaselineTotal:           bigInt("770000000000000000000000000"),
	}
}

// bigOf converts x to the client's big integer type.
func bigOf(x *big.Int) lotusapi.BigInt { return bigInt(x.String()) }
