// Each collector against the fake Lotus's small scenario, with exact expected values.
package metrics

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/lotus-farcaster/lotus-farcaster/lotusapi/lotustest"
)

// fixture is a fake Lotus and the Sources of one run against it.
type fixture struct {
	sc   *lotustest.Scenario
	fake *lotustest.Server
	src  *Sources
}

// runAt is the wall-clock time of every test run: 45 s after the small scenario's head,
// so the expected epoch is one past the head.
func runAt(sc *lotustest.Scenario) time.Time {
	return time.Unix(int64(sc.Head.Blocks[0].Timestamp)+45, 0)
}

// newFixture serves sc (lotustest.Small() when nil) and connects to it. modify, if
// given, runs after the server starts and before connecting, e.g. to inject faults.
func newFixture(t *testing.T, sc *lotustest.Scenario, modify func(*lotustest.Server)) *fixture {
	t.Helper()
	if sc == nil {
		sc = lotustest.Small()
	}
	fake := lotustest.Start(sc)
	t.Cleanup(fake.Close)
	if modify != nil {
		modify(fake)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	d, m := fake.DaemonEndpoint(), fake.MinerEndpoint()
	src := Connect(ctx, &d, &m, runAt(sc), MinerSpec{})
	t.Cleanup(src.Close)
	return &fixture{sc: sc, fake: fake, src: src}
}

// one wraps a single collector as a prometheus.Collector for testutil, recording its error.
type one struct {
	c   Collector
	src *Sources
	err error
}

func (o *one) Describe(chan<- *prometheus.Desc) {}
func (o *one) Collect(ch chan<- prometheus.Metric) {
	o.err = o.c.Update(context.Background(), o.src, ch)
}

// expectCollector asserts c's complete output and its error (empty want error = success).
func expectCollector(t *testing.T, f *fixture, c Collector, want, wantErr string) {
	t.Helper()
	o := &one{c: c, src: f.src}
	if err := testutil.CollectAndCompare(o, strings.NewReader(want)); err != nil {
		t.Error(err)
	}
	switch {
	case wantErr == "" && o.err != nil:
		t.Errorf("%s: unexpected error: %v", c.Name(), o.err)
	case wantErr != "" && (o.err == nil || !strings.Contains(o.err.Error(), wantErr)):
		t.Errorf("%s: error %v, want one containing %q", c.Name(), o.err, wantErr)
	}
}

func TestChain(t *testing.T) {
	f := newFixture(t, nil, nil)
	expectCollector(t, f, Chain{}, `
# HELP lotus_chain_basefee_attofil Parent base fee of the head tipset, in attoFIL per gas unit.
# TYPE lotus_chain_basefee_attofil gauge
lotus_chain_basefee_attofil 103417
# HELP lotus_chain_expected_epoch Epoch the wall clock says the chain should be at (genesis time plus one block delay per epoch).
# TYPE lotus_chain_expected_epoch gauge
lotus_chain_expected_epoch 4999874
# HELP lotus_chain_head_epoch Height of the head tipset.
# TYPE lotus_chain_head_epoch gauge
lotus_chain_head_epoch 4999873
# HELP lotus_chain_head_timestamp_seconds Unix time of the head tipset.
# TYPE lotus_chain_head_timestamp_seconds gauge
lotus_chain_head_timestamp_seconds 1748302590
# HELP lotus_chain_network_version Network version at the head (StateNetworkVersion).
# TYPE lotus_chain_network_version gauge
lotus_chain_network_version 27
# HELP lotus_chain_sync_worker_epoch Height each chain sync worker has reached.
# TYPE lotus_chain_sync_worker_epoch gauge
lotus_chain_sync_worker_epoch{worker="1"} 0
lotus_chain_sync_worker_epoch{worker="2"} 4999873
# HELP lotus_chain_sync_worker_stage Stage of each chain sync worker: 0 idle, 1 headers, 2 persist headers, 3 messages, 4 complete, 5 error, 6 fetching messages.
# TYPE lotus_chain_sync_worker_stage gauge
lotus_chain_sync_worker_stage{worker="1"} 0
lotus_chain_sync_worker_stage{worker="2"} 4
# HELP lotus_daemon_info Lotus daemon version and network, value 1.
# TYPE lotus_daemon_info gauge
lotus_daemon_info{network="mainnet",version="1.36.2+mainnet+git.0f1d2e3"} 1
# HELP lotus_start_timestamp_seconds Unix time the Lotus process started (StartTime); a change means a restart.
# TYPE lotus_start_timestamp_seconds gauge
lotus_start_timestamp_seconds{api="daemon"} 1747721667
`, "")
}

func TestNet(t *testing.T) {
	f := newFixture(t, nil, nil)
	// lotus-miner v1.36 has no Net* methods: only the daemon is reported, without error.
	expectCollector(t, f, Net{}, `
# HELP lotus_net_bandwidth_bytes_total libp2p bytes transferred since the node started.
# TYPE lotus_net_bandwidth_bytes_total counter
lotus_net_bandwidth_bytes_total{api="daemon",direction="in"} 918273645501
lotus_net_bandwidth_bytes_total{api="daemon",direction="out"} 1203948576213
# HELP lotus_net_peers Connected libp2p peers.
# TYPE lotus_net_peers gauge
lotus_net_peers{api="daemon"} 4
# HELP lotus_net_protocol_bandwidth_bytes_total libp2p bytes transferred since the node started, by protocol.
# TYPE lotus_net_protocol_bandwidth_bytes_total counter
lotus_net_protocol_bandwidth_bytes_total{api="daemon",direction="in",protocol="/fil/hello/1.0.0"} 174023
lotus_net_protocol_bandwidth_bytes_total{api="daemon",direction="in",protocol="/fil/sync/blk/0.0.1"} 81726354091
lotus_net_protocol_bandwidth_bytes_total{api="daemon",direction="in",protocol="/meshsub/1.1.0"} 836547291387
lotus_net_protocol_bandwidth_bytes_total{api="daemon",direction="out",protocol="/fil/hello/1.0.0"} 12517
lotus_net_protocol_bandwidth_bytes_total{api="daemon",direction="out",protocol="/fil/sync/blk/0.0.1"} 2983746512
lotus_net_protocol_bandwidth_bytes_total{api="daemon",direction="out",protocol="/meshsub/1.1.0"} 1200964829184
# HELP lotus_net_reachability AutoNAT reachability: 0 unknown, 1 public, 2 private.
# TYPE lotus_net_reachability gauge
lotus_net_reachability{api="daemon"} 1
`, "")
}

func TestMpool(t *testing.T) {
	f := newFixture(t, nil, nil)
	// Worker: two from its key address; owner: one from its ID address; control-0: one from its key.
	expectCollector(t, f, Mpool{}, `
# HELP lotus_mpool_local_pending_messages Pending messages sent by the miner's own addresses (address is the ID address).
# TYPE lotus_mpool_local_pending_messages gauge
lotus_mpool_local_pending_messages{address="f0100",role="owner"} 1
lotus_mpool_local_pending_messages{address="f0101",role="worker"} 2
lotus_mpool_local_pending_messages{address="f0102",role="control"} 1
lotus_mpool_local_pending_messages{address="f0103",role="control"} 0
# HELP lotus_mpool_pending_messages All pending messages in the daemon's message pool.
# TYPE lotus_mpool_pending_messages gauge
lotus_mpool_pending_messages 7
`, "")
}

func TestAlerts(t *testing.T) {
	f := newFixture(t, nil, nil)
	expectCollector(t, f, Alerts{}, `
# HELP lotus_alert_active 1 for each alert Lotus reports active (LogAlerts), 0 for known inactive ones.
# TYPE lotus_alert_active gauge
lotus_alert_active{api="daemon",subsystem="fd-limit",system="process"} 1
lotus_alert_active{api="daemon",subsystem="udp-r-buffer",system="process"} 0
lotus_alert_active{api="miner",subsystem="fd-limit",system="process"} 0
lotus_alert_active{api="miner",subsystem="precommit-batch",system="sealing"} 1
`, "")
}

const minerWant = `
# HELP lotus_miner_has_min_power 1 when the miner meets the consensus minimum power.
# TYPE lotus_miner_has_min_power gauge
lotus_miner_has_min_power 1
# HELP lotus_miner_info lotus-miner version and the miner's addresses, value 1; *_addr are key addresses, the others ID addresses.
# TYPE lotus_miner_info gauge
lotus_miner_info{beneficiary="f0100",owner="f0100",owner_addr="f3rrfc6u4gdpcnfgzzxvgrmiwxr6c5c3bmhtlq3ks7eemv5g5h77zsse2octj7q7upp4gzhfmdytpzlmmiphat",peer_id="12D3KooWWaZL1t38qYQnECMjA34X7bF8JKtBtK22Wzmv59Em5Yqw",version="1.36.1+mainnet+git.9a8b7c6",worker="f0101",worker_addr="f3rnidsyu4pkj37iuki74vwlonhqx6snzfxzzyomwqkii3q5r3pzzfeutdcgbe6qoqlgehvbxti54g34h6k4iw"} 1
# HELP lotus_miner_mining_eligible 1 when the miner is eligible to win blocks at the head (MinerGetBaseInfo).
# TYPE lotus_miner_mining_eligible gauge
lotus_miner_mining_eligible %s
# HELP lotus_miner_power_bytes The miner's power, raw bytes and quality-adjusted.
# TYPE lotus_miner_power_bytes gauge
lotus_miner_power_bytes{kind="qa"} 7964725866397696
lotus_miner_power_bytes{kind="raw"} 1891366158204928
# HELP lotus_miner_sector_size_bytes Sector size of the miner.
# TYPE lotus_miner_sector_size_bytes gauge
lotus_miner_sector_size_bytes 34359738368
# HELP lotus_network_power_bytes The whole network's power, raw bytes and quality-adjusted.
# TYPE lotus_network_power_bytes gauge
lotus_network_power_bytes{kind="qa"} 21983776254881652736
lotus_network_power_bytes{kind="raw"} 3361452287329271808
# HELP lotus_start_timestamp_seconds Unix time the Lotus process started (StartTime); a change means a restart.
# TYPE lotus_start_timestamp_seconds gauge
lotus_start_timestamp_seconds{api="miner"} 1747847035
`

func TestMiner(t *testing.T) {
	f := newFixture(t, nil, nil)
	expectCollector(t, f, Miner{}, strings.Replace(minerWant, "%s", "1", 1), "")
}

func TestMinerWithoutBaseInfoIsNotEligible(t *testing.T) {
	sc := lotustest.Small()
	sc.BaseInfo = nil // Lotus answers null for a miner without power at the lookback
	f := newFixture(t, sc, nil)
	expectCollector(t, f, Miner{}, strings.Replace(minerWant, "%s", "0", 1), "")
}

func TestMoney(t *testing.T) {
	f := newFixture(t, nil, nil)
	// Exact attoFIL, e.g. owner 12345678901234567891 → 12.345678901234567891 FIL rounded once to float64.
	expectCollector(t, f, Money{}, `
# HELP lotus_miner_available_balance_fil Miner actor balance that can be withdrawn (StateMinerAvailableBalance), in FIL.
# TYPE lotus_miner_available_balance_fil gauge
lotus_miner_available_balance_fil 4425.734703727591310144
# HELP lotus_miner_locked_funds_fil Funds locked in the miner actor, by kind, in FIL.
# TYPE lotus_miner_locked_funds_fil gauge
lotus_miner_locked_funds_fil{kind="fee_debt"} 0
lotus_miner_locked_funds_fil{kind="initial_pledge"} 18734.509812347650981234
lotus_miner_locked_funds_fil{kind="precommit_deposits"} 3.120987654321098765
lotus_miner_locked_funds_fil{kind="vesting"} 1523.984712093847561234
# HELP lotus_wallet_balance_fil Balance of each of the miner's addresses (ID address) and of the node's local wallets (key address), in FIL.
# TYPE lotus_wallet_balance_fil gauge
lotus_wallet_balance_fil{address="f0100",name="beneficiary",role="beneficiary"} 12.345678901234567891
lotus_wallet_balance_fil{address="f0100",name="owner",role="owner"} 12.345678901234567891
lotus_wallet_balance_fil{address="f0101",name="worker",role="worker"} 3.891274506129384756
lotus_wallet_balance_fil{address="f0102",name="control-0",role="control"} 0.987654321098765433
lotus_wallet_balance_fil{address="f0103",name="control-1",role="control"} 42.000000000000000017
lotus_wallet_balance_fil{address="f1qc55lcze4jeqozp3ubnimvswxpkqdugrigbcwoi",name="wallet",role="local"} 0.987654321098765433
lotus_wallet_balance_fil{address="f1wq7qnyd7xhk2vieeg4w7imasqokiieb73pkq32e",name="wallet",role="local"} 0
lotus_wallet_balance_fil{address="f3rnidsyu4pkj37iuki74vwlonhqx6snzfxzzyomwqkii3q5r3pzzfeutdcgbe6qoqlgehvbxti54g34h6k4iw",name="default",role="local"} 3.891274506129384756
`, "")
}

// panicky stands for a collector with a bug.
type panicky struct{}

func (panicky) Name() string { return "panicky" }
func (panicky) Needs() Need  { return 0 }
func (panicky) Update(context.Context, *Sources, chan<- prometheus.Metric) error {
	panic("unexpected shape")
}

func TestPanickingCollectorFailsAlone(t *testing.T) {
	f := newFixture(t, nil, nil)
	run := Execute(context.Background(), f.src, []Collector{panicky{}, Chain{}})
	if err := run.Outcomes[0].Err; err == nil || !strings.Contains(err.Error(), "collector panicked: unexpected shape") {
		t.Errorf("panicky: %v", err)
	}
	if err := run.Outcomes[1].Err; err != nil {
		t.Errorf("chain: %v", err)
	}
	if n := testutil.CollectAndCount(run, "lotus_chain_head_epoch"); n != 1 {
		t.Errorf("chain's head epoch: %d series, want 1", n)
	}
}
