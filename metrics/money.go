// Money: balances of the miner's addresses and the node's wallets, available and locked funds.
package metrics

import (
	"context"
	"encoding/json"
	"fmt"

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

// Update implements Collector.
func (Money) Update(ctx context.Context, src *Sources, ch chan<- prometheus.Metric) error {
	if err := src.needDaemon(false); err != nil {
		return err
	}
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

// walletBalances reads each distinct address once and reports it under every role it has.
func walletBalances(ctx context.Context, src *Sources, ch chan<- prometheus.Metric) error {
	var addrs []minerAddress
	var rolesErr error
	if src.MinerID != "" {
		addrs, rolesErr = minerRoles(src)
	}
	var wallets []string
	var defaultWallet string
	err := parallel(
		func() (err error) { wallets, err = src.Daemon.WalletList(ctx); return wrap("WalletList", err) },
		func() (err error) {
			defaultWallet, err = src.Daemon.WalletDefaultAddress(ctx)
			return wrap("WalletDefaultAddress", err)
		},
	)
	for _, w := range wallets {
		name := "wallet"
		if w == defaultWallet {
			name = "default"
		}
		addrs = append(addrs, minerAddress{w, roleLocal, name})
	}

	unique := make([]string, 0, len(addrs))
	for _, a := range addrs {
		unique = append(unique, a.address)
	}
	unique = uniq(unique)
	balances := make([]lotusapi.BigInt, len(unique))
	calls := make([]func() error, len(unique))
	for i, addr := range unique {
		calls[i] = func() error {
			actor, err := src.Daemon.StateGetActor(ctx, addr, src.Head.Key())
			switch {
			case lotusapi.IsActorNotFound(err):
				return nil // a key address that never received funds: balance 0
			case err != nil:
				return fmt.Errorf("StateGetActor %s: %w", addr, err)
			}
			balances[i] = actor.Balance
			return nil
		}
	}
	balanceErr := parallel(calls...)
	failed := balanceErr != nil
	byAddress := make(map[string]lotusapi.BigInt, len(unique))
	for i, addr := range unique {
		byAddress[addr] = balances[i]
	}
	for _, a := range addrs {
		if failed {
			break // which balances are real is unknown: report none rather than false zeros
		}
		ch <- prometheus.MustNewConstMetric(walletBalanceDesc, prometheus.GaugeValue, byAddress[a.address].FIL(), a.address, a.role, a.name)
	}
	return joinErrs(rolesErr, err, balanceErr)
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
				ch <- prometheus.MustNewConstMetric(availableBalanceDesc, prometheus.GaugeValue, available.FIL())
			}
			return wrap("StateMinerAvailableBalance", err)
		},
		func() (err error) { state, err = d.StateReadState(ctx, id, tsk); return wrap("StateReadState", err) },
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
		ch <- prometheus.MustNewConstMetric(lockedFundsDesc, prometheus.GaugeValue, v.FIL(), kind)
	}
	return err
}
