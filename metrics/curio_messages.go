// The messages Curio sent that have not executed yet.
package metrics

import (
	"context"

	"github.com/prometheus/client_golang/prometheus"
)

// CurioMessages reports message_waits' messages not executed yet, of every miner and wallet
// of the cluster.
type CurioMessages struct{}

var _ Collector = CurioMessages{}

var (
	curioPendingMessagesDesc = prometheus.NewDesc("lotus_curio_pending_messages",
		"Messages Curio sent that have not executed yet.", nil, nil)
	curioOldestPendingDesc = prometheus.NewDesc("lotus_curio_oldest_pending_message_timestamp_seconds",
		"When the oldest message Curio sent that has not executed yet was sent.", nil, nil)
)

// Name implements Collector.
func (CurioMessages) Name() string { return "curio_messages" }

// Needs implements Collector.
func (CurioMessages) Needs() Need { return NeedCurioDB }

// Update implements Collector.
func (CurioMessages) Update(ctx context.Context, src *Sources, ch chan<- prometheus.Metric) error {
	p, err := src.Curio.PendingMessages(ctx)
	if err != nil {
		return err
	}
	ch <- constMetric(curioPendingMessagesDesc, prometheus.GaugeValue, float64(p.Count))
	if !p.Oldest.IsZero() {
		ch <- constMetric(curioOldestPendingDesc, prometheus.GaugeValue, unixSeconds(p.Oldest))
	}
	return nil
}
