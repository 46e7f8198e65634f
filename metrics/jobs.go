// Sealing jobs on the workers and requests waiting in the scheduler, by task and state.
package metrics

import (
	"context"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/lotus-farcaster/lotus-farcaster/lotusapi"
)

// Jobs reports the sealing scheduler: how many jobs of each task are in each state, and
// how long each one has been going.
type Jobs struct{}

var _ Collector = Jobs{}

func (Jobs) needsLotusMiner() {}

var (
	jobsDesc = prometheus.NewDesc("lotus_miner_jobs",
		"Sealing jobs by task and state; queued are scheduler requests not yet assigned to a worker.", []string{"task", "state"}, nil)
	jobStartDesc = prometheus.NewDesc("lotus_miner_job_start_timestamp_seconds",
		"Unix time each sealing job started.", []string{"worker", "task", "sector", "state"}, nil)
)

// taskShortNames are Lotus's own abbreviations (sealtasks.TaskType.Short); a task not
// listed keeps its full name.
var taskShortNames = map[string]string{
	"seal/v0/datacid":                "DC",
	"seal/v0/addpiece":               "AP",
	"seal/v0/precommit/1":            "PC1",
	"seal/v0/precommit/2":            "PC2",
	"seal/v0/commit/1":               "C1",
	"seal/v0/commit/2":               "C2",
	"seal/v0/finalize":               "FIN",
	"seal/v0/fetch":                  "GET",
	"seal/v0/unseal":                 "UNS",
	"seal/v0/replicaupdate":          "RU",
	"seal/v0/provereplicaupdate/1":   "PR1",
	"seal/v0/provereplicaupdate/2":   "PR2",
	"seal/v0/regensectorkey":         "GSK",
	"seal/v0/finalize/replicaupdate": "FRU",
	"seal/v0/finalizeunsealed":       "FUS",
	"seal/v0/download":               "DL",
	"post/v0/windowproof":            "WDP",
	"post/v0/winningproof":           "WNP",
}

func shortTask(task string) string {
	if s, ok := taskShortNames[task]; ok {
		return s
	}
	return task
}

// jobState names WorkerJob.RunWait as the contract does.
func jobState(runWait int) string {
	switch {
	case runWait == 0:
		return "running"
	case runWait == 1:
		return "prepared"
	case runWait > 1:
		return "assigned" // the value is the position in the worker's queue
	case runWait == -1:
		return "ret-wait"
	case runWait == -2:
		return "returned"
	case runWait == -3:
		return "ret-done"
	}
	return "unknown"
}

// Name implements Collector.
func (Jobs) Name() string { return "jobs" }

// Update implements Collector.
func (Jobs) Update(ctx context.Context, src *Sources, ch chan<- prometheus.Metric) error {
	if src.Miner == nil {
		return errMinerDown
	}
	var (
		jobs    map[string][]lotusapi.WorkerJob
		diag    *lotusapi.SchedDiag
		workers workerSet
		diagErr error
		nameErr error
	)
	err := parallel(
		func() (err error) { jobs, err = src.Miner.WorkerJobs(ctx); return err },
		func() error {
			// false: only look; true would make the scheduler run a pass.
			diag, diagErr = src.Miner.SealingSchedDiag(ctx, false)
			return nil
		},
		func() error { workers, nameErr = src.workers(); return nil },
	)
	if err != nil {
		return joinErrs(err, diagErr)
	}

	type key struct{ task, state string }
	counts := make(map[key]int)
	type series struct{ worker, task, sector, state string }
	started := make(map[series]float64)
	for workerID, list := range jobs {
		worker, known := workers.names[workerID]
		if !known {
			// Lotus lists ret-wait jobs under worker IDs WorkerStats does not know.
			worker = "unknown"
		}
		for _, j := range list {
			k := key{shortTask(j.Task), jobState(j.RunWait)}
			counts[k]++
			s := series{worker, k.task, strconv.FormatUint(j.Sector.Number, 10), k.state}
			// Two jobs can share all labels (two fetches of one sector): keep the oldest.
			start := float64(j.Start.Unix()) + float64(j.Start.Nanosecond())/1e9
			if t, seen := started[s]; !seen || start < t {
				started[s] = start
			}
		}
	}
	if diag != nil {
		for _, r := range diag.SchedInfo.Requests {
			counts[key{shortTask(r.TaskType), "queued"}]++
		}
	}
	for k, n := range counts {
		ch <- constMetric(jobsDesc, prometheus.GaugeValue, float64(n), k.task, k.state)
	}
	if nameErr == nil { // without WorkerStats every job would be "unknown": leave them out
		for s, v := range started {
			ch <- constMetric(jobStartDesc, prometheus.GaugeValue, v, s.worker, s.task, s.sector, s.state)
		}
	}
	return joinErrs(diagErr, nameErr)
}
