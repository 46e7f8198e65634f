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

// Update implements Collector.
func (Chain) Update(ctx context.Context, src *Sources, ch chan<- prometheus.Metric) error {
	if err := src.needDaemon(false); err != nil {
		return err
	}
	d, head := src.Daemon, src.Head
	var (
		network  string
		started  time.Time
		nv       uint
		genesis  *lotusapi.TipSet
		syncInfo *lotusapi.SyncState
	)
	err := parallel(
		func() (err error) { network, err = d.StateNetworkName(ctx); return wrap("StateNetworkName", err) },
		func() (err error) { started, err = d.StartTime(ctx); return wrap("StartTime", err) },
		func() (err error) {
			nv, err = d.StateNetworkVersion(ctx, head.Key())
			return wrap("StateNetworkVersion", err)
		},
		func() (err error) { genesis, err = d.ChainGetGenesis(ctx); return wrap("ChainGetGenesis", err) },
		func() (err error) { syncInfo, err = d.SyncState(ctx); return wrap("SyncState", err) },
	)

	block := head.Blocks[0]
	ch <- prometheus.MustNewConstMetric(headEpochDesc, prometheus.GaugeValue, float64(head.Height))
	ch <- prometheus.MustNewConstMetric(headTimestampDesc, prometheus.GaugeValue, float64(block.Timestamp))
	ch <- prometheus.MustNewConstMetric(baseFeeDesc, prometheus.GaugeValue, block.ParentBaseFee.Float64())
	if network != "" {
		ch <- prometheus.MustNewConstMetric(daemonInfoDesc, prometheus.GaugeValue, 1, src.DaemonVersion.Version, network)
	}
	if !started.IsZero() {
		ch <- prometheus.MustNewConstMetric(startTimeDesc, prometheus.GaugeValue, unixSeconds(started), "daemon")
	}
	if nv != 0 {
		ch <- prometheus.MustNewConstMetric(networkVersionDesc, prometheus.GaugeValue, float64(nv))
	}
	if genesis != nil && len(genesis.Blocks) > 0 {
		ch <- prometheus.MustNewConstMetric(expectedEpochDesc, prometheus.GaugeValue,
			float64(expectedEpoch(genesis.Blocks[0].Timestamp, src.DaemonVersion.BlockDelay, src.Now)))
	}
	if syncInfo != nil {
		for _, w := range syncInfo.ActiveSyncs {
			id := strconv.FormatUint(w.WorkerID, 10)
			ch <- prometheus.MustNewConstMetric(syncEpochDesc, prometheus.GaugeValue, float64(w.Height), id)
			ch <- prometheus.MustNewConstMetric(syncStageDesc, prometheus.GaugeValue, float64(w.Stage), id)
		}
	}
	return err
}

// expectedEpoch is the epoch the wall clock implies. Lotus reports its block delay in
// Version; 30 s is mainnet's, used if an old node leaves it out.
func expectedEpoch(genesis, blockDelay uint64, now time.Time) int64 {
	if blockDelay == 0 {
		blockDelay = 30
	}
	elapsed := now.Unix() - int64(genesis)
	if elapsed < 0 {
		return 0
	}
	return elapsed / int64(blockDelay)
}

func unixSeconds(t time.Time) float64 { return float64(t.Unix()) }
