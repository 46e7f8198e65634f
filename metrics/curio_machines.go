// The machines of a Curio cluster: how many, what each is, when it last reported and started.
package metrics

import (
	"context"

	"github.com/prometheus/client_golang/prometheus"
)

// CurioMachines reports harmony_machines. Curio deletes a machine about ten minutes after its
// last contact: a dead machine shows as a drop of lotus_curio_machines, not as a stale row.
type CurioMachines struct{}

var _ Collector = CurioMachines{}

var (
	curioMachinesDesc = prometheus.NewDesc("lotus_curio_machines",
		"Machines of the Curio cluster (harmony_machines); a dead one is removed about 10 minutes after its last contact.", nil, nil)
	curioMachineInfoDesc = prometheus.NewDesc("lotus_curio_machine_info",
		"1 for each machine of the Curio cluster (machine: its name, else host_and_port).", []string{"machine", "host_and_port", "version"}, nil)
	curioMachineContactDesc = prometheus.NewDesc("lotus_curio_machine_last_contact_timestamp_seconds",
		"When the machine last reported to the database.", []string{"machine"}, nil)
	curioMachineStartupDesc = prometheus.NewDesc("lotus_curio_machine_startup_timestamp_seconds",
		"When the machine's curio process started: a change is a restart.", []string{"machine"}, nil)
	curioMachineUnschedulableDesc = prometheus.NewDesc("lotus_curio_machine_unschedulable",
		"1 when the machine is cordoned (takes no new tasks), else 0.", []string{"machine"}, nil)
	curioMachineCPUsDesc = prometheus.NewDesc("lotus_curio_machine_cpus",
		"CPUs of the machine.", []string{"machine"}, nil)
	curioMachineGPUsDesc = prometheus.NewDesc("lotus_curio_machine_gpus",
		"GPUs of the machine.", []string{"machine"}, nil)
	curioMachineMemoryDesc = prometheus.NewDesc("lotus_curio_machine_memory_bytes",
		"Memory of the machine.", []string{"machine"}, nil)
)

// Name implements Collector.
func (CurioMachines) Name() string { return "curio_machines" }

// Needs implements Collector.
func (CurioMachines) Needs() Need { return NeedCurioDB }

// Update implements Collector.
func (CurioMachines) Update(ctx context.Context, src *Sources, ch chan<- prometheus.Metric) error {
	machines, err := src.Curio.Machines(ctx)
	if err != nil {
		return err
	}
	ch <- constMetric(curioMachinesDesc, prometheus.GaugeValue, float64(len(machines)))
	for _, m := range machines {
		ch <- constMetric(curioMachineInfoDesc, prometheus.GaugeValue, 1, m.Name, m.HostAndPort, m.Version)
		ch <- constMetric(curioMachineContactDesc, prometheus.GaugeValue, unixSeconds(m.LastContact), m.Name)
		if !m.Startup.IsZero() {
			ch <- constMetric(curioMachineStartupDesc, prometheus.GaugeValue, unixSeconds(m.Startup), m.Name)
		}
		ch <- constMetric(curioMachineUnschedulableDesc, prometheus.GaugeValue, boolValue(m.Unschedulable), m.Name)
		ch <- constMetric(curioMachineCPUsDesc, prometheus.GaugeValue, float64(m.CPUs), m.Name)
		ch <- constMetric(curioMachineGPUsDesc, prometheus.GaugeValue, m.GPUs, m.Name)
		ch <- constMetric(curioMachineMemoryDesc, prometheus.GaugeValue, float64(m.MemoryBytes), m.Name)
	}
	return nil
}
