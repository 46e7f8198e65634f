// Lotus's own alerts (LogAlerts) from the daemon and lotus-miner.
package metrics

import (
	"context"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/lotus-farcaster/lotus-farcaster/lotusapi"
)

// Alerts reports every alert type Lotus knows, 1 while active and 0 otherwise, so an alert
// rule can fire on the value and a dashboard can list them.
type Alerts struct{}

var _ Collector = Alerts{}

var alertActiveDesc = prometheus.NewDesc("lotus_alert_active",
	"1 for each alert Lotus reports active (LogAlerts), 0 for known inactive ones.", []string{"api", "system", "subsystem"}, nil)

// Name implements Collector.
func (Alerts) Name() string { return "alerts" }

// Needs implements Collector: either API will do; what one of them answers is written.
func (Alerts) Needs() Need { return 0 }

// Update implements Collector.
func (Alerts) Update(ctx context.Context, src *Sources, ch chan<- prometheus.Metric) error {
	report := func(api string, c *lotusapi.CommonAPI) func() error {
		return func() error {
			if c == nil {
				return nil
			}
			alerts, err := c.LogAlerts(ctx)
			if err != nil {
				return err
			}
			for _, a := range alerts[:min(len(alerts), maxItems)] {
				ch <- constMetric(alertActiveDesc, prometheus.GaugeValue, boolValue(a.Active), api, a.Type.System, a.Type.Subsystem)
			}
			return nil
		}
	}
	var daemon, miner *lotusapi.CommonAPI
	if src.Daemon != nil {
		daemon = &src.Daemon.CommonAPI
	}
	if src.Miner != nil {
		miner = &src.Miner.CommonAPI
	}
	err := parallel(report("daemon", daemon), report("miner", miner))
	switch {
	case err != nil:
		return err
	case daemon == nil:
		return errDaemonDown
	case miner == nil && !src.DaemonOnly:
		return errMinerDown
	}
	return nil
}
