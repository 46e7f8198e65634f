// Market and DataCap: the miner's storage-market escrow, and the DataCap its addresses and local wallets hold.
package metrics

import (
	"context"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/lotus-farcaster/lotus-farcaster/lotusapi"
)

// Market reports the miner's storage-market account and verified-client DataCap.
type Market struct{}

var _ Collector = Market{}

var (
	marketBalanceDesc = prometheus.NewDesc("lotus_market_balance_fil",
		"The miner's storage-market account (StateMarketBalance): escrow, and the part locked for deals, in FIL.", []string{"kind"}, nil)
	datacapDesc = prometheus.NewDesc("lotus_wallet_datacap_bytes",
		"Verified-client DataCap of the miner's addresses and the node's local wallets that hold any.", []string{"address", "role", "name"}, nil)
)

// Name implements Collector.
func (Market) Name() string { return "market" }

// Needs implements Collector.
func (Market) Needs() Need { return NeedDaemon }

// Update implements Collector.
func (Market) Update(ctx context.Context, src *Sources, ch chan<- prometheus.Metric) error {
	return parallel(
		func() error {
			if src.MinerID == "" {
				return errNoMinerID
			}
			balance, err := src.Daemon.StateMarketBalance(ctx, src.MinerID, src.Head.Key())
			if err != nil {
				return err
			}
			ch <- constMetric(marketBalanceDesc, prometheus.GaugeValue, balance.Escrow.FIL(), "escrow")
			ch <- constMetric(marketBalanceDesc, prometheus.GaugeValue, balance.Locked.FIL(), "locked")
			return nil
		},
		func() error { return datacap(ctx, src, ch) },
	)
}

// datacap reports the DataCap of each address with an entry: no entry (null) and an address
// not on chain hold none and get no series.
func datacap(ctx context.Context, src *Sources, ch chan<- prometheus.Metric) error {
	return perAddress(src, ch, datacapDesc, func(addr string) (float64, bool, error) {
		dc, err := src.Daemon.StateVerifiedClientStatus(ctx, addr, src.Head.Key())
		switch {
		case lotusapi.IsActorNotFound(err):
			return 0, false, nil
		case err != nil:
			return 0, false, fmt.Errorf("DataCap of %s: %w", addr, err)
		}
		if dc == nil {
			return 0, false, nil
		}
		return dc.Float64(), true, nil
	})
}
