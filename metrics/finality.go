// Chain finality and F3: the epochs the daemon treats as final, and whether F3 runs with the miner.
package metrics

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/lotus-farcaster/lotus-farcaster/lotusapi"
)

// Finality reports the finalized epochs of ChainGetTipSetFinalityStatus (/rpc/v2) and F3's
// state. A daemon without that method (before v1.35.1) or without F3 has no such series,
// and the collector succeeds, as Net does for a lotus-miner without Net* methods.
type Finality struct{}

var _ Collector = Finality{}

var (
	finalizedEpochDesc = prometheus.NewDesc("lotus_chain_finalized_epoch",
		"Height of the finalized tipset: any = the one the daemon treats as final, f3 = by the newest F3 certificate, ec = by the EC finality calculator.", []string{"kind"}, nil)
	ecFinalityDepthDesc = prometheus.NewDesc("lotus_chain_ec_finality_threshold_depth",
		"Depth in epochs at which EC finality's reorg guarantee is met (ecFinalityThresholdDepth); -1 when it is not: EC finality degraded.", nil, nil)
	f3RunningDesc = prometheus.NewDesc("lotus_f3_running",
		"1 when F3 runs on the daemon (F3IsRunning), else 0: enabled but stopped, or disabled.", nil, nil)
	f3InstanceDesc = prometheus.NewDesc("lotus_f3_latest_instance",
		"GPBFT instance of the newest F3 certificate.", nil, nil)
	f3ParticipatingDesc = prometheus.NewDesc("lotus_miner_f3_participating",
		"1 when the daemon lists the miner among its F3 participants (F3ListParticipants), else 0; written while F3 runs.", nil, nil)
)

// Name implements Collector.
func (Finality) Name() string { return "finality" }

// Needs implements Collector.
func (Finality) Needs() Need { return NeedDaemon }

// Update implements Collector.
func (Finality) Update(_ context.Context, src *Sources, ch chan<- prometheus.Metric) error {
	v, err := src.finality()
	if st := v.status; st != nil {
		ch <- constMetric(finalizedEpochDesc, prometheus.GaugeValue, float64(st.FinalizedTipSet.Height), "any")
		if st.F3FinalizedTipSet != nil {
			ch <- constMetric(finalizedEpochDesc, prometheus.GaugeValue, float64(st.F3FinalizedTipSet.Height), "f3")
		}
		if st.ECFinalizedTipSet != nil {
			ch <- constMetric(finalizedEpochDesc, prometheus.GaugeValue, float64(st.ECFinalizedTipSet.Height), "ec")
		}
		ch <- constMetric(ecFinalityDepthDesc, prometheus.GaugeValue, float64(st.ECFinalityThresholdDepth))
	}
	if v.f3Running != nil {
		ch <- constMetric(f3RunningDesc, prometheus.GaugeValue, boolValue(*v.f3Running))
	}
	if v.cert != nil {
		ch <- constMetric(f3InstanceDesc, prometheus.GaugeValue, float64(v.cert.GPBFTInstance))
	}
	if v.participants != nil {
		actor, idErr := actorID(src.MinerID)
		if idErr == nil {
			ch <- constMetric(f3ParticipatingDesc, prometheus.GaugeValue, boolValue(v.participants[actor]))
		}
		err = joinErrs(err, idErr)
	}
	return err
}

// finalityView is what the daemon says about finality and F3, read once per run for all
// the miners of the run; what could not be read, or the daemon does not serve, is nil.
type finalityView struct {
	status       *lotusapi.FinalityStatus
	f3Running    *bool
	cert         *lotusapi.F3Certificate
	participants map[uint64]bool // by actor ID; read only while F3 runs
}

// readFinality makes at most four calls, each once: the finality status beside F3IsRunning,
// then, while F3 runs, its certificate and participants.
func readFinality(ctx context.Context, d *lotusapi.Daemon) (*finalityView, error) {
	v := &finalityView{}
	err := parallel(
		func() error {
			st, err := d.ChainGetTipSetFinalityStatus(ctx)
			switch {
			case lotusapi.IsMethodNotFound(err):
				return nil // Lotus before v1.35.1
			case err != nil:
				return err
			// Lotus always sets the finalized tipset, and the EC one whenever the depth is
			// known (node/impl/full/chain_v2.go).
			case st.FinalizedTipSet == nil:
				return errors.New("daemon ChainGetTipSetFinalityStatus: finalizedTipSet is null")
			case st.ECFinalizedTipSet == nil && st.ECFinalityThresholdDepth >= 0:
				return fmt.Errorf("daemon ChainGetTipSetFinalityStatus: ecFinalizedTipSet is null at depth %d", st.ECFinalityThresholdDepth)
			}
			v.status = st
			return nil
		},
		func() error { return v.readF3(ctx, d) },
	)
	return v, err
}

// readF3 reads F3's state: nothing more where F3 is disabled or stopped.
func (v *finalityView) readF3(ctx context.Context, d *lotusapi.Daemon) error {
	running, err := d.F3IsRunning(ctx)
	switch {
	case lotusapi.KindOf(err) == lotusapi.KindF3Disabled:
		v.f3Running = &running // false: a disabled F3 does not run
		return nil
	case err != nil:
		return err
	}
	v.f3Running = &running
	if !running {
		return nil
	}
	return parallel(
		func() error {
			cert, err := d.F3GetLatestCertificate(ctx)
			if lotusapi.KindOf(err) == lotusapi.KindF3NotRunning {
				return nil // stopped since F3IsRunning
			}
			v.cert = cert // nil before F3's first certificate
			return err
		},
		func() error {
			participants, err := d.F3ListParticipants(ctx)
			if err != nil {
				return err
			}
			v.participants = make(map[uint64]bool, len(participants))
			for _, p := range participants {
				v.participants[p.MinerID] = true
			}
			return nil
		},
	)
}

// actorID is the number of a miner's ID address (f01234 → 1234), as F3 names miners.
func actorID(minerID string) (uint64, error) {
	if minerID == "" {
		return 0, errNoMinerID
	}
	n, err := strconv.ParseUint(minerID[min(2, len(minerID)):], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("miner %q is not an ID address (f0...)", minerID)
	}
	return n, nil
}
