// The alert conditions Curio's alert manager holds active.
package metrics

import (
	"context"

	"github.com/prometheus/client_golang/prometheus"
)

// CurioAlerts reports alert_conditions, which a Curio before 20260702-alert-lifecycle.sql
// does not have: then the collector fails and writes nothing.
type CurioAlerts struct{}

var _ Collector = CurioAlerts{}

var curioAlertActiveDesc = prometheus.NewDesc("lotus_curio_alert_active",
	"1 for each condition Curio's alert manager holds active.", []string{"system", "subsystem", "condition"}, nil)

// Name implements Collector.
func (CurioAlerts) Name() string { return "curio_alerts" }

// Needs implements Collector.
func (CurioAlerts) Needs() Need { return NeedCurioDB }

// Update implements Collector.
func (CurioAlerts) Update(ctx context.Context, src *Sources, ch chan<- prometheus.Metric) error {
	alerts, err := src.Curio.Alerts(ctx)
	for _, a := range alerts {
		ch <- constMetric(curioAlertActiveDesc, prometheus.GaugeValue, 1, a.System, a.Subsystem, a.Condition)
	}
	return err
}
