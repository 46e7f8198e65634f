// Daemon and chain: version, start time, network, head, expected epoch, base fee, sync workers.
package metrics

import (
	"context"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/lotus-farcaster/lotus-farcaster/lotusapi"
)

// Chain reports the daemon and the chain as it sees it.
type Chain struct{}

var _ Collector = Chain{}

var (
	daemonInfoDesc = prometheus.NewDesc("lotus_daemon_info",
		"Lotus daemon version and network, value 1.", []string{"version", "network"}, nil)
	startTimeDesc = prometheus.NewDesc("lotus_start_timestamp_seconds",
		"Unix time the Lotus process started (StartTime); a change means a restart.", []string{"api"}, nil)
	networkVersionDesc = prometheus.NewDesc("lotus_chain_network_version",
		"Network version at the head (StateNetworkVersion).", nil, nil)
	headEpochDesc = prometheus.NewDesc("lotus_chain_head_epoch",
		"Height of the head tipset.", nil, nil)
	headTimestampDesc = prometheus.NewDesc("lotus_chain_head_timestamp_seconds",
		"Unix time of the head tipset.", nil, nil)
	expectedEpochDesc = prometheus.NewDesc("lotus_chain_expected_epoch",
		"Epoch the wall clock says the chain should be at (genesis time plus one block delay per epoch).", nil, nil)
	baseFeeDesc = prometheus.NewDesc("lotus_chain_basefee_attofil",
		"Parent base fee of the head tipset, in attoFIL per gas unit.", nil, nil)
	syncEpochDesc = prometheus.NewDesc("lotus_chain_sync_worker_epoch",
		"Height each chain sync worker has reached.", []string{"worker"}, nil)
	syncStageDesc = prometheus.NewDesc("lotus_chain_sync_worker_stage",
		"Stage of each chain sync worker: 0 idle, 1 headers, 2 persist headers, 3 messages, 4 complete, 5 error, 6 fetching messages.", []string{"worker"}, nil)
)

// Name implements Collector.
func (Chain) Name() string { return "chain" }

// Needs implements Collector.
func (Chain) Needs() Need { return NeedDaemon }

// Update implements Collector.
func (Chain) Update(ctx context.Context, src *Sources, ch chan<- prometheus.Metric) error {
	d, head := src.Daemon, src.Head
	var (
		network  string
		started  time.Time
		nv       uint
		genesis  *lotusapi.TipSet
		syncInfo *lotusapi.SyncState
	)
	err := parallel(
		func() (err error) { network, err = d.StateNetworkName(ctx); return err },
		func() (err error) { started, err = d.StartTime(ctx); return err },
		func() (err error) { nv, err = d.StateNetworkVersion(ctx, head.Key()); return err },
		func() (err error) { genesis, err = src.Genesis(); return err },
		func() (err error) { syncInfo, err = d.SyncState(ctx); return err },
	)

	block := head.Blocks[0]
	ch <- constMetric(headEpochDesc, prometheus.GaugeValue, float64(head.Height))
	ch <- constMetric(headTimestampDesc, prometheus.GaugeValue, float64(block.Timestamp))
	ch <- constMetric(baseFeeDesc, prometheus.GaugeValue, block.ParentBaseFee.Float64())
	if network != "" {
		ch <- constMetric(daemonInfoDesc, prometheus.GaugeValue, 1, src.DaemonVersion.Version, network)
	}
	if !started.IsZero() {
		ch <- constMetric(startTimeDesc, prometheus.GaugeValue, unixSeconds(started), "daemon")
	}
	if nv != 0 {
		ch <- constMetric(networkVersionDesc, prometheus.GaugeValue, float64(nv))
	}
	if genesis != nil {
		ch <- constMetric(expectedEpochDesc, prometheus.GaugeValue,
			float64(expectedEpoch(genesis.Blocks[0].Timestamp, src.blockDelay(), src.Now)))
	}
	if syncInfo != nil {
		for _, w := range syncInfo.ActiveSyncs[:min(len(syncInfo.ActiveSyncs), maxItems)] {
			id := strconv.FormatUint(w.WorkerID, 10)
			ch <- constMetric(syncEpochDesc, prometheus.GaugeValue, float64(w.Height), id)
			ch <- constMetric(syncStageDesc, prometheus.GaugeValue, float64(w.Stage), id)
		}
	}
	return err
}

// expectedEpoch is the epoch the wall clock implies.
func expectedEpoch(genesis uint64, blockDelay int64, now time.Time) int64 {
	elapsed := now.Unix() - int64(genesis)
	if elapsed < 0 {
		return 0
	}
	return elapsed / blockDelay
}

// blockDelay is the chain's epoch length in seconds. Lotus reports it in Version; 30 s is
// mainnet's, used if an old node leaves it out (or a hostile one sends more than a day).
func (n *Node) blockDelay() int64 {
	if d := n.DaemonVersion.BlockDelay; d > 0 && d <= 86400 {
		return int64(d)
	}
	return 30
}

// epochTime is the Unix time of epoch on a chain that started at genesis: where the wall
// clock is when the chain reaches it, however far the node lags.
func (n *Node) epochTime(genesis *lotusapi.TipSet, epoch int64) float64 {
	return float64(int64(genesis.Blocks[0].Timestamp) + epoch*n.blockDelay())
}

func unixSeconds(t time.Time) float64 { return float64(t.Unix()) }
