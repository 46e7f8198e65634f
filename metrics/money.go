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
// An address that cannot be read loses only its own series.
func walletBalances(ctx context.Context, src *Sources, ch chan<- prometheus.Metric) error {
	addrs, addrErr := src.addresses()
	unique := make([]string, 0, len(addrs))
	for _, a := range addrs {
		unique = append(unique, a.address)
	}
	unique = uniq(unique)
	balances := make(map[string]float64, len(unique))
	var mu sync.Mutex
	calls := make([]func() error, len(unique))
	for i, addr := range unique {
		calls[i] = func() error {
			var balance float64 // an address not on chain (a key that never received funds) holds 0
			actor, err := src.Daemon.StateGetActor(ctx, addr, src.Head.Key())
			switch {
			case lotusapi.IsActorNotFound(err):
			case err != nil:
				return fmt.Errorf("balance of %s: %w", addr, err)
			default:
				balance = actor.Balance.FIL()
			}
			mu.Lock()
			balances[addr] = balance
			mu.Unlock()
			return nil
		}
	}
	balanceErr := parallel(calls...)
	for _, a := range addrs {
		if b, ok := balances[a.address]; ok {
			ch <- constMetric(walletBalanceDesc, prometheus.GaugeValue, b, a.address, a.role, a.name)
		}
	}
	return joinErrs(addrErr, balanceErr)
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
