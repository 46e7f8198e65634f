// Sealing workers: CPUs, GPUs and memory of each worker, as lotus-miner's scheduler sees them.
package metrics

import (
	"context"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
)

// Workers reports each worker connected to lotus-miner. A worker is labelled by its
// hostname, with its ID's first 8 characters appended when two workers share a host.
type Workers struct{}

var _ Collector = Workers{}

var (
	workerInfoDesc = prometheus.NewDesc("lotus_miner_worker_info",
		"1 for each worker, with its ID and whether the scheduler may use it.", []string{"worker", "worker_id", "enabled"}, nil)
	workerCPUsDesc = prometheus.NewDesc("lotus_miner_worker_cpus",
		"CPU threads of the worker.", []string{"worker"}, nil)
	workerCPUsUsedDesc = prometheus.NewDesc("lotus_miner_worker_cpus_used",
		"CPU threads reserved by the worker's running tasks.", []string{"worker"}, nil)
	workerGPUsDesc = prometheus.NewDesc("lotus_miner_worker_gpus",
		"GPUs of the worker.", []string{"worker"}, nil)
	workerGPUsUsedDesc = prometheus.NewDesc("lotus_miner_worker_gpus_used",
		"GPUs in use by the worker's running tasks (fractions for shared GPUs).", []string{"worker"}, nil)
	workerMemoryDesc = prometheus.NewDesc("lotus_miner_worker_memory_bytes",
		"Worker memory: physical, used, swap, swap_used, and tasks_min/tasks_max reserved by running tasks.", []string{"worker", "kind"}, nil)
)

// Name implements Collector.
func (Workers) Name() string { return "workers" }

// Needs implements Collector.
func (Workers) Needs() Need { return NeedLotusMiner }

// Update implements Collector.
func (Workers) Update(_ context.Context, src *Sources, ch chan<- prometheus.Metric) error {
	ws, err := src.workers()
	if err != nil {
		return err
	}
	for id, w := range ws.stats {
		name := ws.names[id]
		r := w.Info.Resources
		ch <- constMetric(workerInfoDesc, prometheus.GaugeValue, 1, name, id, strconv.FormatBool(w.Enabled))
		ch <- constMetric(workerCPUsDesc, prometheus.GaugeValue, float64(r.CPUs), name)
		ch <- constMetric(workerCPUsUsedDesc, prometheus.GaugeValue, float64(w.CpuUse), name)
		ch <- constMetric(workerGPUsDesc, prometheus.GaugeValue, float64(len(r.GPUs)), name)
		ch <- constMetric(workerGPUsUsedDesc, prometheus.GaugeValue, w.GpuUsed, name)
		// Lotus no longer reports MemReserved, so there is no "reserved" kind.
		for kind, v := range map[string]uint64{
			"physical":  r.MemPhysical,
			"used":      r.MemUsed,
			"swap":      r.MemSwap,
			"swap_used": r.MemSwapUsed,
			"tasks_min": w.MemUsedMin,
			"tasks_max": w.MemUsedMax,
		} {
			ch <- constMetric(workerMemoryDesc, prometheus.GaugeValue, float64(v), name, kind)
		}
	}
	return nil
}
