// Whole runs against each Lotus release the fake serves, and against a daemon and a lotus-miner of different releases.
package main

import (
	"testing"

	"github.com/lotus-farcaster/lotus-farcaster/lotusapi/lotustest"
	"github.com/lotus-farcaster/lotus-farcaster/metrics"
)

// Lotus v1.35.0 moved "actor not found" from code 3 to code 11. A local wallet key that
// never received funds gets it, on every run: it must stay a fact (a balance of 0, no
// DataCap), whichever release the daemon runs, or a healthy miner fails every minute.
func TestVersions(t *testing.T) {
	const unfunded = "f1wq7qnyd7xhk2vieeg4w7imasqokiieb73pkq32e"
	for _, tc := range []struct {
		name                    string
		daemon, miner           lotustest.LotusVersion
		daemonBuild, minerBuild string // what each API's Version answers
	}{
		{"v1.34", lotustest.V1_34, lotustest.V1_34, "1.34.2+mainnet+git.3d7e5a1", "1.34.1+mainnet+git.b6c40f9"},
		{"v1.36", lotustest.V1_36, lotustest.V1_36, "1.36.2+mainnet+git.0f1d2e3", "1.36.1+mainnet+git.9a8b7c6"},
		{"daemon v1.36, miner v1.34", lotustest.V1_36, lotustest.V1_34, "1.36.2+mainnet+git.0f1d2e3", "1.34.1+mainnet+git.b6c40f9"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sc := lotustest.Small()
			sc.DaemonVersion, sc.MinerVersion = tc.daemon, tc.miner
			fake := lotustest.Start(sc)
			defer fake.Close()
			r := runWith(t, fake)
			if r.code != exitOK || r.stderr != "" {
				t.Errorf("exit %d, stderr:\n%s\nwant 0 and silence", r.code, r.stderr)
			}
			got := parseFile(t, r.file)
			wantValue(t, got, "lotus_daemon_info", map[string]string{"version": tc.daemonBuild}, 1)
			wantValue(t, got, "lotus_miner_info", map[string]string{"version": tc.minerBuild}, 1)
			for _, c := range metrics.All {
				wantValue(t, got, "lotus_exporter_collector_success", map[string]string{"collector": c.Name()}, 1)
			}
			wantValue(t, got, "lotus_wallet_balance_fil", map[string]string{"address": unfunded}, 0)
			if hasSeries(got, "lotus_wallet_datacap_bytes", map[string]string{"address": unfunded}) {
				t.Errorf("DataCap of %s, which is not on chain", unfunded)
			}
			wantValue(t, got, "lotus_wallet_datacap_bytes", map[string]string{"address": "f0102"}, 1124628596523008)
			wantValue(t, got, "lotus_market_balance_fil", map[string]string{"kind": "escrow"}, 3.172816402981736591)
		})
	}
}
