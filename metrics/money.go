// Money: balances of the miner's addresses and the node's wallets, available and locked funds.
package metrics

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/lotus-farcaster/lotus-farcaster/lotusapi"
)

// Money reports balances in FIL. An empty worker or control address stops WindowPoSt,
// so every address the miner sends from is here.
type Money struct{}

var _ Collector = Money{}

var (
	walletBalanceDesc = prometheus.NewDesc("lotus_wallet_balance_fil",
		"Balance of each of the miner's addresses (ID address) and of the node's local wallets (key address), in FIL.",
		[]string{"address", "role", "name"}, nil)
	availableBalanceDesc = prometheus.NewDesc("lotus_miner_available_balance_fil",
		"Miner actor balance that can be withdrawn (StateMinerAvailableBalance), in FIL.", nil, nil)
	lockedFundsDesc = prometheus.NewDesc("lotus_miner_locked_funds_fil",
		"Funds locked in the miner actor, by kind, in FIL.", []string{"kind"}, nil)
)

// Name implements Collector.
func (Money) Name() string { return "money" }

// Needs implements Collector.
func (Money) Needs() Need { return NeedDaemon }

// Update implements Collector.
func (Money) Update(ctx context.Context, src *Sources, ch chan<- prometheus.Metric) error {
	err := parallel(
		func() error { return walletBalances(ctx, src, ch) },
		func() error {
			if src.MinerID == "" {
				return errNoMinerID
			}
			return minerFunds(ctx, src, ch)
		},
	)
	return err
}

// walletBalances reports the balance of the miner's addresses and the local wallets. An
// address not on chain (a key that never received funds) holds 0.
func walletBalances(ctx context.Context, src *Sources, ch chan<- prometheus.Metric) error {
	return perAddress(src, ch, walletBalanceDesc, func(addr string) (float64, bool, error) {
		actor, err := src.Daemon.StateGetActor(ctx, addr, src.Head.Key())
		switch {
		case lotusapi.IsActorNotFound(err):
			return 0, true, nil
		case err != nil:
			return 0, false, fmt.Errorf("balance of %s: %w", addr, err)
		}
		return actor.Balance.FIL(), true, nil
	})
}

// perAddress reads a value of each distinct address of the miner and the node once, in
// parallel, and reports it under every role the address has. read says whether the address
// has a value; one whose read fails loses only its own series.
func perAddress(src *Sources, ch chan<- prometheus.Metric, desc *prometheus.Desc, read func(addr string) (float64, bool, error)) error {
	addrs, addrErr := src.addresses()
	var unique []string
	for _, a := range addrs {
		unique = append(unique, a.address)
	}
	values := make(map[string]float64)
	var mu sync.Mutex
	var calls []func() error
	for _, addr := range uniq(unique) {
		calls = append(calls, func() error {
			v, ok, err := read(addr)
			if ok {
				mu.Lock()
				values[addr] = v
				mu.Unlock()
			}
			return err
		})
	}
	err := parallel(calls...)
	for _, a := range addrs {
		if v, ok := values[a.address]; ok {
			ch <- constMetric(desc, prometheus.GaugeValue, v, a.address, a.role, a.name)
		}
	}
	return joinErrs(addrErr, err)
}

// allAddresses lists the miner's addresses in their roles and the node's local wallets. What
// it could read is returned with the error of what it could not: a token without the write
// permission cannot list the wallets, but the miner's own addresses still count.
func (s *Sources) allAddresses(ctx context.Context) ([]minerAddress, error) {
	var addrs []minerAddress
	var rolesErr error
	if s.MinerID != "" {
		addrs, rolesErr = minerRoles(s)
	}
	var wallets []string
	var defaultWallet string
	err := parallel(
		func() (err error) { wallets, err = s.Daemon.WalletList(ctx); return err },
		func() (err error) { defaultWallet, err = s.Daemon.WalletDefaultAddress(ctx); return err },
	)
	if err != nil {
		wallets = nil // without the default wallet, the name labels would be wrong
	}
	for _, w := range uniq(wallets[:min(len(wallets), maxItems)]) {
		name := "wallet"
		if w == defaultWallet {
			name = "default"
		}
		addrs = append(addrs, minerAddress{w, roleLocal, name})
	}
	return addrs, joinErrs(rolesErr, firstErr(err))
}

// minerFunds reports the miner actor's available and locked funds.
func minerFunds(ctx context.Context, src *Sources, ch chan<- prometheus.Metric) error {
	d, id, tsk := src.Daemon, src.MinerID, src.Head.Key()
	var available lotusapi.BigInt
	var state *lotusapi.ActorState
	err := parallel(
		func() (err error) {
			available, err = d.StateMinerAvailableBalance(ctx, id, tsk)
			if err == nil {
				ch <- constMetric(availableBalanceDesc, prometheus.GaugeValue, available.FIL())
			}
			return err
		},
		func() (err error) { state, err = d.StateReadState(ctx, id, tsk); return err },
	)
	if state == nil {
		return err
	}
	var funds lotusapi.MinerState
	if jerr := json.Unmarshal(state.State, &funds); jerr != nil {
		return joinErrs(err, fmt.Errorf("StateReadState %s: decoding miner state: %w", id, jerr))
	}
	for kind, v := range map[string]lotusapi.BigInt{
		"vesting":            funds.LockedFunds,
		"initial_pledge":     funds.InitialPledge,
		"precommit_deposits": funds.PreCommitDeposits,
		"fee_debt":           funds.FeeDebt,
	} {
		ch <- constMetric(lockedFundsDesc, prometheus.GaugeValue, v.FIL(), kind)
	}
	return err
}
