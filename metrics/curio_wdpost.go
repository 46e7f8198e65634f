// Curio's WindowPoSt of one miner: how the messages of each deadline's newest proving period fared.
package metrics

import (
	"context"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
)

// CurioWdPost reports, for each deadline with proofs in Curio's wdpost_proofs, the messages of
// its newest proving period by their outcome in message_waits.
type CurioWdPost struct{}

var _ Collector = CurioWdPost{}

var curioWdPostMessagesDesc = prometheus.NewDesc("lotus_curio_wdpost_messages",
	"WindowPoSt messages Curio sent for the deadline's newest proving period, by outcome: landed (exit code 0), failed (non-zero), pending (not executed yet).",
	[]string{"deadline", "result"}, nil)

// Name implements Collector.
func (CurioWdPost) Name() string { return "curio_wdpost" }

// Needs implements Collector.
func (CurioWdPost) Needs() Need { return NeedCurioDB | NeedMinerID }

// Update implements Collector.
func (CurioWdPost) Update(ctx context.Context, src *Sources, ch chan<- prometheus.Metric) error {
	sp, err := src.spID()
	if err != nil {
		return err
	}
	deadlines, err := src.Curio.WdPostMessages(ctx, sp)
	for _, d := range deadlines {
		dl := strconv.FormatUint(d.Deadline, 10)
		ch <- constMetric(curioWdPostMessagesDesc, prometheus.GaugeValue, float64(d.Landed), dl, "landed")
		ch <- constMetric(curioWdPostMessagesDesc, prometheus.GaugeValue, float64(d.Failed), dl, "failed")
		ch <- constMetric(curioWdPostMessagesDesc, prometheus.GaugeValue, float64(d.Pending), dl, "pending")
	}
	return err
}
