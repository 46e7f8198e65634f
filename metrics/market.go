// Market and DataCap: the miner's storage-market escrow, and the DataCap its addresses and local wallets hold.
package metrics

import (
	"context"
	"fmt"
	"sync"

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

// Update implements Collector.
func (Market) Update(ctx context.Context, src *Sources, ch chan<- prometheus.Metric) error {
	if err := src.needDaemon(false); err != nil {
		return err
	}
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

// datacap reads each distinct address once. No entry (null) and an address not on chain
// hold no DataCap and get no series.
func datacap(ctx context.Context, src *Sources, ch chan<- prometheus.Metric) error {
	addrs, addrErr := src.addresses()
	caps := make(map[string]float64)
	var mu sync.Mutex
	var calls []func() error
	for _, addr := range uniq(addressesOf(addrs)) {
		calls = append(calls, func() error {
			dc, err := src.Daemon.StateVerifiedClientStatus(ctx, addr, src.Head.Key())
			switch {
			case lotusapi.IsActorNotFound(err):
				return nil
			case err != nil:
				return fmt.Errorf("DataCap of %s: %w", addr, err)
			case dc != nil:
				mu.Lock()
				caps[addr] = dc.Float64()
				mu.Unlock()
			}
			return nil
		})
	}
	err := parallel(calls...)
	for _, a := range addrs {
		if c, ok := caps[a.address]; ok {
			ch <- constMetric(datacapDesc, prometheus.GaugeValue, c, a.address, a.role, a.name)
		}
	}
	return joinErrs(addrErr, err)
}

func addressesOf(addrs []minerAddress) []string {
	out := make([]string, len(addrs))
	for i, a := range addrs {
		out[i] = a.address
	}
	return out
}
