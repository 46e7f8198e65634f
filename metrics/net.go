// libp2p networking of each Lotus API that serves it: peers, reachability, bandwidth.
package metrics

import (
	"context"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/lotus-farcaster/lotus-farcaster/lotusapi"
)

// Net reports libp2p peers and bandwidth. lotus-miner has no Net* methods since v1.28, so
// there it is skipped without error; older miners that serve them are reported too.
type Net struct{}

var _ Collector = Net{}

var (
	peersDesc = prometheus.NewDesc("lotus_net_peers",
		"Connected libp2p peers.", []string{"api"}, nil)
	reachabilityDesc = prometheus.NewDesc("lotus_net_reachability",
		"AutoNAT reachability: 0 unknown, 1 public, 2 private.", []string{"api"}, nil)
	bandwidthDesc = prometheus.NewDesc("lotus_net_bandwidth_bytes_total",
		"libp2p bytes transferred since the node started.", []string{"api", "direction"}, nil)
	protocolBandwidthDesc = prometheus.NewDesc("lotus_net_protocol_bandwidth_bytes_total",
		"libp2p bytes transferred since the node started, by protocol.", []string{"api", "protocol", "direction"}, nil)
)

// Name implements Collector.
func (Net) Name() string { return "net" }

// Needs implements Collector.
func (Net) Needs() Need { return NeedDaemon }

// Update implements Collector.
func (Net) Update(ctx context.Context, src *Sources, ch chan<- prometheus.Metric) error {
	return parallel(
		func() error { return updateNet(ctx, "daemon", &src.Daemon.CommonAPI, ch) },
		func() error {
			if src.Miner == nil {
				return nil // the miner being down is reported by lotus_up and its own collectors
			}
			err := updateNet(ctx, "miner", &src.Miner.CommonAPI, ch)
			if lotusapi.IsMethodNotFound(err) {
				return nil
			}
			return err
		},
	)
}

func updateNet(ctx context.Context, api string, c *lotusapi.CommonAPI, ch chan<- prometheus.Metric) error {
	// One call first: on a miner without Net* methods it answers method-not-found alone.
	peers, err := c.NetPeers(ctx)
	if err != nil {
		return err
	}
	var (
		nat        lotusapi.NatInfo
		total      lotusapi.BandwidthStats
		byProtocol map[string]lotusapi.BandwidthStats
	)
	err = parallel(
		func() (err error) { nat, err = c.NetAutoNatStatus(ctx); return err },
		func() (err error) { total, err = c.NetBandwidthStats(ctx); return err },
		func() (err error) { byProtocol, err = c.NetBandwidthStatsByProtocol(ctx); return err },
	)
	ch <- constMetric(peersDesc, prometheus.GaugeValue, float64(len(peers)), api)
	if err != nil {
		return err
	}
	if len(byProtocol) > maxItems {
		return fmt.Errorf("%s NetBandwidthStatsByProtocol: %d protocols, more than %d", api, len(byProtocol), maxItems)
	}
	ch <- constMetric(reachabilityDesc, prometheus.GaugeValue, float64(nat.Reachability), api)
	ch <- constMetric(bandwidthDesc, prometheus.CounterValue, float64(total.TotalIn), api, "in")
	ch <- constMetric(bandwidthDesc, prometheus.CounterValue, float64(total.TotalOut), api, "out")
	for proto, s := range byProtocol {
		ch <- constMetric(protocolBandwidthDesc, prometheus.CounterValue, float64(s.TotalIn), api, proto, "in")
		ch <- constMetric(protocolBandwidthDesc, prometheus.CounterValue, float64(s.TotalOut), api, proto, "out")
	}
	return nil
}
