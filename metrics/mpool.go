// Message pool: all pending messages, and those sent by the miner's own addresses.
package metrics

import (
	"context"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// Mpool reports the daemon's pending messages. Stuck messages from the worker or a
// control address delay PoSt and pre-commits, so those are counted per address.
type Mpool struct{}

var _ Collector = Mpool{}

var (
	mpoolPendingDesc = prometheus.NewDesc("lotus_mpool_pending_messages",
		"All pending messages in the daemon's message pool.", nil, nil)
	mpoolLocalDesc = prometheus.NewDesc("lotus_mpool_local_pending_messages",
		"Pending messages sent by the miner's own addresses (address is the ID address).", []string{"address", "role"}, nil)
)

// Name implements Collector.
func (Mpool) Name() string { return "mpool" }

// Needs implements Collector.
func (Mpool) Needs() Need { return NeedDaemon }

// Update implements Collector.
func (Mpool) Update(ctx context.Context, src *Sources, ch chan<- prometheus.Metric) error {
	// A busy pool is streamed: only each sender's count is kept.
	pending := 0
	bySender := make(map[string]int)
	err := src.Daemon.MpoolPending(ctx, src.Head.Key(), func(from []byte) {
		pending++
		bySender[string(from)]++
	})
	if err != nil {
		return err
	}
	ch <- constMetric(mpoolPendingDesc, prometheus.GaugeValue, float64(pending))

	if src.MinerID == "" {
		return errNoMinerID
	}
	roles, err := minerRoles(src)
	if err != nil {
		return err
	}
	keys, err := src.AccountKeys()
	if err != nil {
		return err
	}
	// A sender appears as its key address or, less often, its ID address.
	idOf := make(map[string]string)
	for _, r := range roles {
		idOf[r.address] = r.address
		if key := keys[r.address]; key != "" {
			idOf[key] = r.address
		}
	}
	count := make(map[string]int)
	for from, n := range bySender {
		if id, ok := idOf[from]; ok {
			count[id] += n
		}
	}
	seen := make(map[minerAddress]bool)
	for _, r := range roles {
		r.name = "" // one series per address and role
		if r.role == roleBeneficiary || seen[r] {
			continue // the beneficiary only receives; its messages are not the miner's
		}
		seen[r] = true
		ch <- constMetric(mpoolLocalDesc, prometheus.GaugeValue, float64(count[r.address]), r.address, r.role)
	}
	return nil
}

// Roles of the miner's addresses, as used in the role label.
const (
	roleOwner       = "owner"
	roleWorker      = "worker"
	roleControl     = "control"
	roleBeneficiary = "beneficiary"
	roleLocal       = "local"
)

// maxControlAddresses bounds the control addresses read (Lotus's policy allows 10).
const maxControlAddresses = 100

// minerAddress is one of the miner's addresses in one role; name tells controls apart.
type minerAddress struct {
	address, role, name string
}

// minerRoles lists the miner's owner, worker, control and beneficiary ID addresses.
func minerRoles(src *Sources) ([]minerAddress, error) {
	info, err := src.MinerInfo()
	if err != nil {
		return nil, err
	}
	roles := []minerAddress{
		{info.Owner, roleOwner, roleOwner},
		{info.Worker, roleWorker, roleWorker},
	}
	// Lotus allows a handful of control addresses (MaxControlAddresses); a longer list is not real.
	for i, c := range info.ControlAddresses[:min(len(info.ControlAddresses), maxControlAddresses)] {
		roles = append(roles, minerAddress{c, roleControl, fmt.Sprintf("control-%d", i)})
	}
	return append(roles, minerAddress{info.Beneficiary, roleBeneficiary, roleBeneficiary}), nil
}
