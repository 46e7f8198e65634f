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

var (
	jobsDesc = prometheus.NewDesc("lotus_miner_jobs",
		"Sealing jobs by task and state; queued are scheduler requests not yet assigned to a worker. Every state of every task a worker offers is written, 0 when there is none.", []string{"task", "state"}, nil)
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

// jobStates are the states of the contract, in the order a job goes through them.
var jobStates = []string{"queued", "assigned", "prepared", "running", "ret-wait", "returned", "ret-done"}

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

// Needs implements Collector.
func (Jobs) Needs() Need { return NeedLotusMiner }

// Update implements Collector.
func (Jobs) Update(ctx context.Context, src *Sources, ch chan<- prometheus.Metric) error {
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
	// A task a worker offers has a count in every state, 0 when idle, so a panel or an alert
	// sees "none" rather than "no data".
	for _, w := range workers.stats {
		for _, task := range w.Tasks[:min(len(w.Tasks), maxItems)] {
			for _, state := range jobStates {
				if state == "queued" && diag == nil {
					continue // the scheduler did not answer: unknown, not 0
				}
				k := key{shortTask(task), state}
				counts[k] = counts[k] // an entry, 0 unless jobs count below
			}
		}
	}
	for workerID, list := range jobs {
		for _, j := range list {
			worker, known := workers.names[workerID]
			switch {
			case known:
			case j.Hostname != "":
				// Finished calls sit under the all-zero worker ID, with the hostname of the
				// worker that ran them (lotus storage/sealer/stats.go WorkerJobs).
				worker = j.Hostname
			default:
				worker = "unknown"
			}
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
