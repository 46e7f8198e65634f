// Miner identity and power: info, sector size, miner and network power, mining eligibility.
package metrics

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/lotus-farcaster/lotus-farcaster/lotusapi"
)

// Miner reports who the miner is and whether it can win blocks.
type Miner struct{}

var _ Collector = Miner{}

var (
	minerInfoDesc = prometheus.NewDesc("lotus_miner_info",
		"lotus-miner version and the miner's addresses, value 1; *_addr are key addresses, the others ID addresses.",
		[]string{"version", "owner", "owner_addr", "worker", "worker_addr", "beneficiary", "peer_id"}, nil)
	sectorSizeDesc = prometheus.NewDesc("lotus_miner_sector_size_bytes",
		"Sector size of the miner.", nil, nil)
	minerPowerDesc = prometheus.NewDesc("lotus_miner_power_bytes",
		"The miner's power, raw bytes and quality-adjusted.", []string{"kind"}, nil)
	networkPowerDesc = prometheus.NewDesc("lotus_network_power_bytes",
		"The whole network's power, raw bytes and quality-adjusted.", []string{"kind"}, nil)
	hasMinPowerDesc = prometheus.NewDesc("lotus_miner_has_min_power",
		"1 when the miner meets the consensus minimum power.", nil, nil)
	miningEligibleDesc = prometheus.NewDesc("lotus_miner_mining_eligible",
		"1 when the miner is eligible to win blocks at the head (MinerGetBaseInfo).", nil, nil)
)

// Name implements Collector.
func (Miner) Name() string { return "miner" }

// Needs implements Collector.
func (Miner) Needs() Need { return NeedDaemon | NeedMinerID }

// Update implements Collector.
func (Miner) Update(ctx context.Context, src *Sources, ch chan<- prometheus.Metric) error {
	d, tsk := src.Daemon, src.Head.Key()
	var (
		info     lotusapi.MinerInfo
		keys     map[string]string
		power    *lotusapi.MinerPower
		base     *lotusapi.MiningBaseInfo
		baseErr  error
		started  time.Time
		startErr error
	)
	err := parallel(
		func() (err error) {
			// AccountKeys looks up MinerInfo first, and reports its error; without the keys
			// the *_addr labels would be wrong, so there is no info series then.
			if keys, err = src.AccountKeys(); err == nil {
				info, _ = src.MinerInfo()
			}
			return err
		},
		func() (err error) { power, err = src.Power(); return err },
		func() error {
			// At the head's own epoch its beacon entry is already in the head; a later epoch
			// could make the daemon wait for drand.
			base, baseErr = d.MinerGetBaseInfo(ctx, src.MinerID, src.Head.Height, tsk)
			return baseErr
		},
		func() error {
			if src.Miner == nil {
				return nil // lotus_up says why, once
			}
			started, startErr = src.Miner.StartTime(ctx)
			return nil
		},
	)
	// The version is lotus-miner's; without one (daemon-only mode) the addresses still matter.
	if info.Owner != "" && (src.Miner != nil || src.DaemonOnly) {
		peerID := ""
		if info.PeerId != nil {
			peerID = *info.PeerId
		}
		ch <- constMetric(minerInfoDesc, prometheus.GaugeValue, 1, src.MinerVersion.Version,
			info.Owner, keys[info.Owner], info.Worker, keys[info.Worker], info.Beneficiary, peerID)
	}
	if info.SectorSize != 0 {
		ch <- constMetric(sectorSizeDesc, prometheus.GaugeValue, float64(info.SectorSize))
	}
	if power != nil {
		ch <- constMetric(minerPowerDesc, prometheus.GaugeValue, power.MinerPower.RawBytePower.Float64(), "raw")
		ch <- constMetric(minerPowerDesc, prometheus.GaugeValue, power.MinerPower.QualityAdjPower.Float64(), "qa")
		ch <- constMetric(networkPowerDesc, prometheus.GaugeValue, power.TotalPower.RawBytePower.Float64(), "raw")
		ch <- constMetric(networkPowerDesc, prometheus.GaugeValue, power.TotalPower.QualityAdjPower.Float64(), "qa")
		ch <- constMetric(hasMinPowerDesc, prometheus.GaugeValue, boolValue(power.HasMinPower))
	}
	if baseErr == nil {
		// Lotus answers null for a miner without power at the lookback: not eligible.
		ch <- constMetric(miningEligibleDesc, prometheus.GaugeValue, boolValue(base != nil && base.EligibleForMining))
	}
	if !started.IsZero() {
		ch <- constMetric(startTimeDesc, prometheus.GaugeValue, unixSeconds(started), "miner")
	}
	if err != nil {
		return err
	}
	return startErr
}
