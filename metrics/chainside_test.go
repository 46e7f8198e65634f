// Rewards, sector lifecycle and market against the fake's chain, across runs; failures as data.
package metrics

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/lotus-farcaster/lotus-farcaster/lotusapi/lotustest"
)

// chainRun runs c once against the fake's current head, as a cron run would: a fresh
// connection, the state kept from earlier runs, the wall clock at now.
func chainRun(t *testing.T, fake *lotustest.Server, c Collector, st *State, now time.Time) (map[string]float64, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	d, m := fake.DaemonEndpoint(), fake.MinerEndpoint()
	src := Connect(ctx, &d, &m, now, MinerSpec{State: st})
	defer src.Close()
	return values(t, &fixture{src: src}, c)
}

// rewardsAre asserts the three counters. The expected rewards are worked out by hand from
// the fake's reward actor: ThisEpochReward at epoch h is 22913648172365190917 −
// 2518637199373 × (h − 4999873) attoFIL, read in the block's tipset (whose epoch is its
// parent's height + 1), and a block is paid WinCount × that ÷ 5, rounded down.
func rewardsAre(t *testing.T, what string, got map[string]float64, blocks, wins, fil float64) {
	t.Helper()
	if got[`lotus_miner_blocks_won_total{}`] != blocks || got[`lotus_miner_win_count_total{}`] != wins || got[`lotus_miner_block_rewards_fil_total{}`] != fil {
		t.Errorf("%s: blocks %v, wins %v, rewards %v FIL; want %v, %v, %v", what,
			got[`lotus_miner_blocks_won_total{}`], got[`lotus_miner_win_count_total{}`], got[`lotus_miner_block_rewards_fil_total{}`], blocks, wins, fil)
	}
}

// Blocks won across runs: state kept, new epochs, a null round, a reorg, a rerun, a restart.
func TestRewardsAcrossRuns(t *testing.T) {
	sc := lotustest.Small()
	fake := lotustest.Start(sc)
	t.Cleanup(fake.Close)
	st := NewState()
	head := sc.Head.Height // 4999873, a block of f01234 with WinCount 1
	now := func() time.Time { return time.Unix(int64(sc.Head.Blocks[0].Timestamp)+5, 0) }

	// The first run starts counting at the head: 22913648172365190917 ÷ 5 = 4582729634473038183.
	got, err := chainRun(t, fake, Rewards{}, st, now())
	if err != nil {
		t.Fatal(err)
	}
	rewardsAre(t, "the first run", got, 1, 1, 4.582729634473038183)
	expectValues(t, got, map[string]float64{
		`lotus_miner_last_block_won_timestamp_seconds{}`:       1598306400 + 4999873*30,
		`lotus_miner_blocks_counted_since_timestamp_seconds{}`: 1598306400 + 4999873*30,
	})

	// Two new blocks, at 4999875 (paid 22913643135090792171 ÷ 5 = 4582728627018158434) and
	// 4999880 with two wins (22913630541904795306 × 2 ÷ 5 = 9165452216761918122).
	fake.Update(func(sc *lotustest.Scenario) {
		sc.Advance(10, lotustest.Epochs{Won: map[int64]int64{head + 2: 1, head + 7: 2}})
	})
	got, err = chainRun(t, fake, Rewards{}, st, now())
	if err != nil {
		t.Fatal(err)
	}
	rewardsAre(t, "after 10 epochs", got, 3, 4, 18.330910478253114739)

	// One at 4999887, right after the null rounds 4999885 and 4999886: its tipset's state is
	// that of epoch 4999885 (22913617948718798441 ÷ 5 = 4582723589743759688).
	fake.Update(func(sc *lotustest.Scenario) {
		sc.Advance(5, lotustest.Epochs{Null: []int64{head + 12, head + 13}, Won: map[int64]int64{head + 14: 1}})
	})
	got, err = chainRun(t, fake, Rewards{}, st, now())
	if err != nil {
		t.Fatal(err)
	}
	rewardsAre(t, "after a null round", got, 4, 5, 22.913634067996874427)
	expectValues(t, got, map[string]float64{`lotus_miner_last_block_won_timestamp_seconds{}`: float64(1598306400 + (head+14)*30)})

	// The same head again: the rescanned epochs are not counted twice.
	got, _ = chainRun(t, fake, Rewards{}, st, now())
	rewardsAre(t, "rerun at the same head", got, 4, 5, 22.913634067996874427)

	// A reorg of the last 3 tipsets (4999884 to 4999888, no null round now) brings blocks at
	// 4999886, a height read before as a null round (22913615430081599068 ÷ 5 =
	// 4582723086016319813), and 4999887, a new block of the fork (22913612911444399695 ÷ 5 =
	// 4582722582288879939). The block of the old 4999887 stays counted: it was seen on chain.
	fake.Update(func(sc *lotustest.Scenario) {
		sc.Reorg(3, lotustest.Epochs{Won: map[int64]int64{head + 13: 1, head + 14: 1}})
	})
	got, err = chainRun(t, fake, Rewards{}, st, now())
	if err != nil {
		t.Fatal(err)
	}
	rewardsAre(t, "after a reorg", got, 6, 7, 32.079079736302074179)

	// A lost state file: counting starts again at the head, 4999888, which holds no block of ours.
	got, _ = chainRun(t, fake, Rewards{}, NewState(), now())
	rewardsAre(t, "after a restart", got, 0, 0, 0)
	expectValues(t, got, map[string]float64{`lotus_miner_blocks_counted_since_timestamp_seconds{}`: 1598306400 + 4999888*30},
		`lotus_miner_last_block_won_timestamp_seconds{}`)
}

// A pause of two hours: every missed tipset is read.
func TestRewardsAfterAGap(t *testing.T) {
	sc := lotustest.Small()
	fake := lotustest.Start(sc)
	t.Cleanup(fake.Close)
	head := sc.Head.Height
	now := time.Unix(int64(sc.Head.Blocks[0].Timestamp)+5, 0)

	st := NewState()
	st.update(func(f *stateFile) { f.Rewards = &rewardsState{From: head - 1000, Height: head - 240} })
	got, err := chainRun(t, fake, Rewards{}, st, now)
	if err != nil {
		t.Fatal(err)
	}
	// From 6 epochs before the last one read (rescanned in case of a reorg), the blocks of
	// Small's history, paid:
	//   4999632, 3 wins: 22914255163930239810 × 3 ÷ 5 = 13748553098358143886
	//   4999633:         22914252645293040437 ÷ 5     =  4582850529058608087
	//   4999700:         22914083896600682446 ÷ 5     =  4582816779320136489
	//   4999822, after the null rounds 4999820 and 4999821, the state of 4999820:
	//                    22913781660136757686 ÷ 5     =  4582756332027351537
	//   4999871, 2 wins: 22913653209639589663 × 2 ÷ 5 =  9165461283855835865
	//   4999873:         22913648172365190917 ÷ 5     =  4582729634473038183
	//   in all 41245167657093114047 attoFIL.
	rewardsAre(t, "240-epoch gap", got, 6, 9, 41.245167657093114047)
	if n := fake.Requests("daemon")["ChainGetTipSetByHeight"]; n != 245 {
		t.Errorf("%d tipsets read, want 245 (the gap, 5 rescanned, the head known)", n)
	}
}

// After a pause longer than a day the newest 2880 epochs are read and counted, and the run
// says how many epochs before them were not.
func TestRewardsAfterAPauseOfMoreThanADay(t *testing.T) {
	sc := lotustest.Small()
	fake := lotustest.Start(sc)
	t.Cleanup(fake.Close)
	head := sc.Head.Height // 4999873: f01234 won a block with one win
	now := func() time.Time { return time.Unix(int64(sc.Head.Blocks[0].Timestamp)+5, 0) }
	st := NewState()
	if _, err := chainRun(t, fake, Rewards{}, st, now()); err != nil {
		t.Fatal(err)
	}
	// 3000 epochs later: the newest 2880 are head+121 to head+3000, so the block at head+50
	// falls in the 120 skipped epochs, those at head+500 (2 wins) and head+3000 (3) count.
	fake.Update(func(sc *lotustest.Scenario) {
		sc.Advance(3000, lotustest.Epochs{Won: map[int64]int64{head + 50: 1, head + 500: 2, head + 3000: 3}})
	})
	got, err := chainRun(t, fake, Rewards{}, st, now())
	if err == nil || err.Error() != "3000 epochs since the last run, more than 2880: the newest 2880 were read, blocks won in the 120 epochs before them (4999874 to 4999993) are not counted" {
		t.Errorf("error %v, want the skipped epochs said", err)
	}
	expectValues(t, got, map[string]float64{
		`lotus_miner_blocks_won_total{}`:                 3,
		`lotus_miner_win_count_total{}`:                  6,
		`lotus_miner_last_block_won_timestamp_seconds{}`: 1598306400 + (4999873+3000)*30,
		// Counting began at the first run's head, 4999873.
		`lotus_miner_blocks_counted_since_timestamp_seconds{}`: 1598306400 + 4999873*30,
	})
}

func TestExpectedBlocksPerDay(t *testing.T) {
	f := newFixture(t, nil, nil)
	got, err := values(t, f, Rewards{})
	if err != nil {
		t.Fatal(err)
	}
	// lotus-miner info's projection for 7964725866397696 of 21983776254881652736 QA bytes.
	want := 2880 * -math.Expm1(-5*7964725866397696.0/21983776254881652736.0)
	if g := got[`lotus_miner_expected_blocks_per_day{}`]; math.Abs(g-want) > 1e-9*want || math.Abs(g-5.21) > 0.01 {
		t.Errorf("expected blocks per day %v, want %v (about 5.21)", g, want)
	}

	sc := lotustest.Small()
	sc.Power.HasMinPower = false
	got, _ = values(t, newFixture(t, sc, nil), Rewards{})
	expectValues(t, got, map[string]float64{`lotus_miner_expected_blocks_per_day{}`: 0})
}

// Small's expirations, pinned, and the hourly refresh. Pencil's (pencil_test.go) are worked
// out by hand; Small's 55,084 sectors check the streaming at size, and their pinned sums
// the exact big-integer arithmetic.
func TestLifecycle(t *testing.T) {
	sc := lotustest.Small()
	fake := lotustest.Start(sc)
	t.Cleanup(fake.Close)
	st := NewState()
	now := runAt(sc)
	got, err := chainRun(t, fake, Lifecycle{}, st, now)
	if err != nil {
		t.Fatal(err)
	}
	expectValues(t, got, map[string]float64{
		`lotus_miner_expiring_sectors{within_days="7"}`:              336,
		`lotus_miner_expiring_qa_power_bytes{within_days="7"}`:       50160923049984,
		`lotus_miner_expiring_initial_pledge_fil{within_days="7"}`:   118.409636103601135413,
		`lotus_miner_expiring_sectors{within_days="30"}`:             1387,
		`lotus_miner_expiring_qa_power_bytes{within_days="30"}`:      202787954622464,
		`lotus_miner_expiring_initial_pledge_fil{within_days="30"}`:  476.711427342664903066,
		`lotus_miner_expiring_sectors{within_days="365"}`:            18372,
		`lotus_miner_expiring_qa_power_bytes{within_days="365"}`:     2646210955444224,
		`lotus_miner_expiring_initial_pledge_fil{within_days="365"}`: 6218.909535213947063749,
		`lotus_miner_sector_schedule_timestamp_seconds{}`:            float64(now.Unix()),
	})
	// Every live sector in one content kind: 55,081 (55,084 on chain, 3 terminated).
	if n := got[`lotus_miner_live_sectors_by_content{content="cc"}`] + got[`lotus_miner_live_sectors_by_content{content="deals"}`] +
		got[`lotus_miner_live_sectors_by_content{content="verified"}`]; n != 55081 {
		t.Errorf("%v live sectors by content, want 55081", n)
	}

	// Within the hour: the kept figures, unchanged, and no StateMinerSectors.
	fake.ResetRequests()
	again, err := chainRun(t, fake, Lifecycle{}, st, now.Add(59*time.Minute))
	if err != nil || fake.Requests("daemon")["StateMinerSectors"] != 0 {
		t.Errorf("second run: %v, %d StateMinerSectors calls; want the kept figures", err, fake.Requests("daemon")["StateMinerSectors"])
	}
	for k, v := range got {
		if again[k] != v {
			t.Errorf("%s: %v, then %v within the hour", k, v, again[k])
		}
	}
	// An hour on: read again.
	if _, err := chainRun(t, fake, Lifecycle{}, st, now.Add(61*time.Minute)); err != nil || fake.Requests("daemon")["StateMinerSectors"] != 1 {
		t.Errorf("after an hour: %v, %d StateMinerSectors calls; want one refresh", err, fake.Requests("daemon")["StateMinerSectors"])
	}
}

// A refresh that fails keeps the last figures with their time and waits before it tries
// again; without figures to keep, the collector fails and writes none.
func TestLifecycleRefreshFails(t *testing.T) {
	sc := lotustest.Small()
	fake := lotustest.Start(sc)
	t.Cleanup(fake.Close)
	st := NewState()
	now := runAt(sc)
	if _, err := chainRun(t, fake, Lifecycle{}, st, now); err != nil {
		t.Fatal(err)
	}
	fake.SetFault("daemon", "StateMinerSectors", lotustest.Fault{Kind: lotustest.FaultHTTP500})
	later := now.Add(2 * time.Hour)
	got, err := chainRun(t, fake, Lifecycle{}, st, later)
	if err != nil {
		t.Errorf("refresh failed with figures 2 h old: %v, want the kept ones written without error", err)
	}
	expectValues(t, got, map[string]float64{`lotus_miner_sector_schedule_timestamp_seconds{}`: float64(now.Unix())})
	fake.ResetRequests()
	chainRun(t, fake, Lifecycle{}, st, later.Add(5*time.Minute))
	if n := fake.Requests("daemon")["StateMinerSectors"]; n != 0 {
		t.Errorf("%d refreshes 5 minutes after a failed one, want none before 10 minutes", n)
	}
	_, err = chainRun(t, fake, Lifecycle{}, st, now.Add(4*time.Hour))
	if err == nil || !strings.Contains(err.Error(), "sector schedule is 4h0m0s old") {
		t.Errorf("figures 4 h old: %v, want the age said", err)
	}

	got, err = chainRun(t, fake, Lifecycle{}, NewState(), now)
	if err == nil || len(got) != 0 {
		t.Errorf("no figures and a failed read: %v, %v; want an error and no series", got, err)
	}
}

// A refresh that does not fit in the run's deadline never costs the other figures: the run
// ends on time with the kept schedule.
func TestLifecycleSlowDaemon(t *testing.T) {
	sc := lotustest.Small()
	fake := lotustest.Start(sc)
	t.Cleanup(fake.Close)
	st := NewState()
	now := runAt(sc)
	if _, err := chainRun(t, fake, Lifecycle{}, st, now); err != nil {
		t.Fatal(err)
	}
	fake.SetFault("daemon", "StateMinerSectors", lotustest.Fault{Kind: lotustest.FaultDelay, Delay: time.Hour})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	d, m := fake.DaemonEndpoint(), fake.MinerEndpoint()
	src := Connect(ctx, &d, &m, now.Add(2*time.Hour), MinerSpec{State: st})
	defer src.Close()
	run := Execute(ctx, src, []Collector{Lifecycle{}, Chain{}})
	for _, o := range run.Outcomes {
		if o.Err != nil {
			t.Errorf("%s: %v", o.Name, o.Err)
		}
	}
	if n := len(run.metrics); n < 20 {
		t.Errorf("%d series, want the kept schedule and the chain's", n)
	}
}

func TestMarket(t *testing.T) {
	f := newFixture(t, nil, nil)
	got, err := values(t, f, Market{})
	if err != nil {
		t.Fatal(err)
	}
	expectValues(t, got, map[string]float64{
		`lotus_market_balance_fil{kind="escrow"}`: 3.172816402981736591,
		`lotus_market_balance_fil{kind="locked"}`: 1.209874512376091823,
		// Control address f0102 and its key, a local wallet, hold DataCap; the others none.
		`lotus_wallet_datacap_bytes{address="f0102",name="control-0",role="control"}`:                                1124628596523008,
		`lotus_wallet_datacap_bytes{address="f1qc55lcze4jeqozp3ubnimvswxpkqdugrigbcwoi",name="wallet",role="local"}`: 1124628596523008,
	})
	if n := len(got); n != 4 {
		t.Errorf("%d series, want 4: no DataCap series for addresses without an entry", n)
	}
}

// One address that cannot be read loses only its own series.
func TestMoneyOneAddressFails(t *testing.T) {
	f := newFixture(t, nil, func(s *lotustest.Server) {
		s.SetFault("daemon", "StateGetActor", lotustest.Fault{Match: `"f0103"`, Message: "blockstore: block not found"})
	})
	got, err := values(t, f, Money{})
	if err == nil || !strings.Contains(err.Error(), "balance of f0103: daemon StateGetActor: blockstore: block not found") {
		t.Errorf("error %v, want the address's", err)
	}
	expectValues(t, got, map[string]float64{
		`lotus_wallet_balance_fil{address="f0101",name="worker",role="worker"}`:                                    3.891274506129384756,
		`lotus_wallet_balance_fil{address="f1wq7qnyd7xhk2vieeg4w7imasqokiieb73pkq32e",name="wallet",role="local"}`: 0,
	}, `lotus_wallet_balance_fil{address="f0103",name="control-1",role="control"}`)
}

// One deadline that cannot be read loses only that deadline's counts.
func TestProvingOneDeadlineFails(t *testing.T) {
	f := newFixture(t, nil, func(s *lotustest.Server) {
		s.SetFault("daemon", "StateMinerPartitions", lotustest.Fault{Match: `"f01234",9,`, Message: "blockstore: block not found"})
	})
	got, err := values(t, f, Proving{})
	if err == nil || !strings.Contains(err.Error(), "deadline 9: daemon StateMinerPartitions: blockstore: block not found") {
		t.Errorf("error %v, want deadline 9's", err)
	}
	expectValues(t, got, map[string]float64{
		`lotus_miner_deadline_sectors{deadline="17",state="live"}`: 2349 + 2349 + 1163,
		`lotus_miner_deadline_partitions_proven{deadline="9"}`:     0,
	}, `lotus_miner_deadline_sectors{deadline="9",state="faulty"}`, `lotus_miner_deadline_partitions{deadline="9"}`)
}

// A null from a method that never answers null is a failure, not zeros.
func TestNullIsNotZero(t *testing.T) {
	f := newFixture(t, nil, func(s *lotustest.Server) {
		s.SetFault("daemon", "StateMinerSectorCount", lotustest.Fault{Kind: lotustest.FaultNull})
	})
	got, err := values(t, f, Proving{})
	if err == nil || !strings.Contains(err.Error(), "StateMinerSectorCount: answered null") {
		t.Errorf("error %v, want the null said", err)
	}
	expectValues(t, got, map[string]float64{`lotus_miner_proving_deadline_index{}`: 17}, `lotus_miner_onchain_sectors{state="faulty"}`)

	f = newFixture(t, nil, func(s *lotustest.Server) {
		s.SetFault("daemon", "StateMinerDeadlines", lotustest.Fault{Kind: lotustest.FaultNull})
	})
	got, err = values(t, f, Proving{})
	if err == nil || len(got) > 3 {
		t.Errorf("StateMinerDeadlines null: %d series, error %v; want a failure and no deadline series", len(got), err)
	}
}

// Null is StateMinerPartitions' answer for an empty deadline; null for every deadline of a
// miner whose chain counts 55081 live sectors contradicts the chain: a failure, not zeros.
func TestPartitionsContradictingTheChain(t *testing.T) {
	f := newFixture(t, nil, func(s *lotustest.Server) {
		s.SetFault("daemon", "StateMinerPartitions", lotustest.Fault{Kind: lotustest.FaultNull})
	})
	got, err := values(t, f, Proving{})
	if err == nil || !strings.Contains(err.Error(), "the partitions hold 0 live, 0 active, 0 faulty sectors, but StateMinerSectorCount counts 55081, 55046, 12") {
		t.Errorf("error %v, want the contradiction said", err)
	}
	expectValues(t, got, map[string]float64{
		`lotus_miner_onchain_sectors{state="live"}`:             55081,
		`lotus_miner_deadline_partitions_proven{deadline="17"}`: 2,
	}, `lotus_miner_deadline_partitions{deadline="9"}`, `lotus_miner_deadline_sectors{deadline="0",state="live"}`,
		`lotus_miner_deadline_partitions_provable{deadline="17"}`)
}
