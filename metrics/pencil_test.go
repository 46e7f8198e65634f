// The Pencil scenario: every expected value below is worked out by hand from the sector table in lotustest/pencil.go.
package metrics

import (
	"testing"

	"github.com/lotus-farcaster/lotus-farcaster/lotusapi/lotustest"
)

// Pencil's head time is 1598306400 + 4999873 × 30 = 1748302590; the run is 45 s later.
func TestPencilLifecycle(t *testing.T) {
	f := newFixture(t, lotustest.Pencil(), nil)
	got, err := values(t, f, Lifecycle{})
	if err != nil {
		t.Fatal(err)
	}
	// Live sectors: all but 6 (terminated). Cumulative, expiration <= head + days × 2880:
	//   7:   0                   1 sector, QA 1 × 34359738368, pledge 0.1
	//   30:  + 1, 2              3,  QA 3 × 34359738368 = 103079215104, pledge 0.6
	//   90:  + 7 (verified)      4,  QA 103079215104 + 343597383680 = 446676598784, pledge 1.5
	//   180: + 3 (verified), 8   6,  QA 446676598784 + 343597383680 + 34359738368 = 824633720832, pledge 2.9
	//   365: + 4 (verified), 9   8,  QA 824633720832 + 343597383680 + 34359738368 = 1202590842880, pledge 4.6
	// (5 expires after a year.) By content: cc 0, 1, 5, 8; deals 2, 9; verified 3, 4, 7.
	expectValues(t, got, map[string]float64{
		`lotus_miner_expiring_sectors{within_days="7"}`:              1,
		`lotus_miner_expiring_sectors{within_days="30"}`:             3,
		`lotus_miner_expiring_sectors{within_days="90"}`:             4,
		`lotus_miner_expiring_sectors{within_days="180"}`:            6,
		`lotus_miner_expiring_sectors{within_days="365"}`:            8,
		`lotus_miner_expiring_qa_power_bytes{within_days="7"}`:       34359738368,
		`lotus_miner_expiring_qa_power_bytes{within_days="30"}`:      103079215104,
		`lotus_miner_expiring_qa_power_bytes{within_days="90"}`:      446676598784,
		`lotus_miner_expiring_qa_power_bytes{within_days="180"}`:     824633720832,
		`lotus_miner_expiring_qa_power_bytes{within_days="365"}`:     1202590842880,
		`lotus_miner_expiring_initial_pledge_fil{within_days="7"}`:   0.1,
		`lotus_miner_expiring_initial_pledge_fil{within_days="30"}`:  0.6,
		`lotus_miner_expiring_initial_pledge_fil{within_days="90"}`:  1.5,
		`lotus_miner_expiring_initial_pledge_fil{within_days="180"}`: 2.9,
		`lotus_miner_expiring_initial_pledge_fil{within_days="365"}`: 4.6,
		`lotus_miner_live_sectors_by_content{content="cc"}`:          4,
		`lotus_miner_live_sectors_by_content{content="deals"}`:       2,
		`lotus_miner_live_sectors_by_content{content="verified"}`:    3,
		`lotus_miner_sector_schedule_timestamp_seconds{}`:            1748302635,
	})
	if len(got) != 19 {
		t.Errorf("%d series, want 19: %v", len(got), got)
	}
}

func TestPencilProving(t *testing.T) {
	f := newFixture(t, lotustest.Pencil(), nil)
	got, err := values(t, f, Proving{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]float64{
		// The period started at 4999776; deadline 1 opened at 4999836 (1598306400 + 4999836 × 30).
		`lotus_miner_proving_deadline_index{}`:        1,
		`lotus_miner_proving_period_start_epoch{}`:    4999776,
		`lotus_miner_onchain_sectors{state="live"}`:   9,
		`lotus_miner_onchain_sectors{state="active"}`: 6,
		`lotus_miner_onchain_sectors{state="faulty"}`: 2,
		// Deadline 0: sectors 0 to 5, all active; it opens next in the next period, 4999776 + 2880.
		`lotus_miner_deadline_open_timestamp_seconds{deadline="0"}`:     1748386080,
		`lotus_miner_deadline_partitions{deadline="0"}`:                 1,
		`lotus_miner_deadline_partitions_provable{deadline="0"}`:        1,
		`lotus_miner_deadline_partitions_proven{deadline="0"}`:          0,
		`lotus_miner_deadline_daily_fee_fil{deadline="0"}`:              0,
		`lotus_miner_deadline_sectors{deadline="0",state="all"}`:        6,
		`lotus_miner_deadline_sectors{deadline="0",state="live"}`:       6,
		`lotus_miner_deadline_sectors{deadline="0",state="active"}`:     6,
		`lotus_miner_deadline_sectors{deadline="0",state="faulty"}`:     0,
		`lotus_miner_deadline_sectors{deadline="0",state="recovering"}`: 0,
		// Deadline 1: 6 terminated, 7 faulty, 8 recovering, 9 unproven; provable: 8 and 9.
		`lotus_miner_deadline_open_timestamp_seconds{deadline="1"}`:     1748301480,
		`lotus_miner_deadline_partitions{deadline="1"}`:                 1,
		`lotus_miner_deadline_partitions_provable{deadline="1"}`:        1,
		`lotus_miner_deadline_partitions_proven{deadline="1"}`:          1,
		`lotus_miner_deadline_daily_fee_fil{deadline="1"}`:              0.000012345678901234,
		`lotus_miner_deadline_sectors{deadline="1",state="all"}`:        4,
		`lotus_miner_deadline_sectors{deadline="1",state="live"}`:       3,
		`lotus_miner_deadline_sectors{deadline="1",state="active"}`:     0,
		`lotus_miner_deadline_sectors{deadline="1",state="faulty"}`:     2,
		`lotus_miner_deadline_sectors{deadline="1",state="recovering"}`: 1,
		// Deadline 2 has no partition (null): zeros, and it opens at 4999896.
		`lotus_miner_deadline_open_timestamp_seconds{deadline="2"}`:  1748303280,
		`lotus_miner_deadline_partitions{deadline="2"}`:              0,
		`lotus_miner_deadline_partitions_provable{deadline="2"}`:     0,
		`lotus_miner_deadline_sectors{deadline="2",state="live"}`:    0,
		`lotus_miner_deadline_open_timestamp_seconds{deadline="47"}`: 1748301480 + 46*60*30,
	}
	expectValues(t, got, want)
	// 5 miner-wide series, and 48 deadlines × (open, partitions, provable, proven, fee, 5 sector states).
	if n := 5 + 48*10; len(got) != n {
		t.Errorf("%d series, want %d", len(got), n)
	}
}

func TestPencilMinerAndMoney(t *testing.T) {
	f := newFixture(t, lotustest.Pencil(), nil)
	got, err := values(t, f, Miner{})
	if err != nil {
		t.Fatal(err)
	}
	expectValues(t, got, map[string]float64{
		// Six active sectors: raw 6 × 34359738368; QA 4 × 34359738368 + 2 × 343597383680.
		`lotus_miner_power_bytes{kind="raw"}`: 206158430208,
		`lotus_miner_power_bytes{kind="qa"}`:  824633720832,
		`lotus_miner_has_min_power{}`:         0,
		`lotus_miner_mining_eligible{}`:       0,
	})
	got, err = values(t, f, Money{})
	if err != nil {
		t.Fatal(err)
	}
	expectValues(t, got, map[string]float64{
		`lotus_miner_available_balance_fil{}`:                     3.65,
		`lotus_miner_locked_funds_fil{kind="initial_pledge"}`:     4.85,
		`lotus_miner_locked_funds_fil{kind="vesting"}`:            1.5,
		`lotus_miner_locked_funds_fil{kind="precommit_deposits"}`: 0,
		`lotus_miner_locked_funds_fil{kind="fee_debt"}`:           0,
	})
	got, err = values(t, f, Rewards{})
	if err != nil {
		t.Fatal(err)
	}
	// Below the consensus minimum power: no block is expected.
	expectValues(t, got, map[string]float64{`lotus_miner_expected_blocks_per_day{}`: 0})
}
