// Curio's tasks: the queue now, and the attempts finished since counting began, by task name.
package metrics

import (
	"context"
	"slices"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/lotus-farcaster/lotus-farcaster/curio"
)

// CurioTasks reports harmony_task (queued and running) and counts harmony_task_history's
// finished attempts across runs in the run's state, reading only the rows added since the
// last run. Every task name seen, in the queue or counted, gets every state and result, 0
// written.
type CurioTasks struct{}

var _ Collector = CurioTasks{}

var (
	curioTasksDesc = prometheus.NewDesc("lotus_curio_tasks",
		"Tasks in Curio's queue (harmony_task) by name: queued (no machine took it yet) or running.", []string{"task", "state"}, nil)
	curioTaskOldestQueuedDesc = prometheus.NewDesc("lotus_curio_task_oldest_queued_timestamp_seconds",
		"When the oldest queued task of that name was posted.", []string{"task"}, nil)
	curioTaskResultsDesc = prometheus.NewDesc("lotus_curio_task_results_total",
		"Finished task attempts (harmony_task_history) since counting began; a retried or preempted attempt is a failure.", []string{"task", "result"}, nil)
	curioTaskSecondsDesc = prometheus.NewDesc("lotus_curio_task_seconds_total",
		"Run time (work_end - work_start) of those attempts, summed.", []string{"task", "result"}, nil)
)

// Name implements Collector.
func (CurioTasks) Name() string { return "curio_tasks" }

// Needs implements Collector.
func (CurioTasks) Needs() Need { return NeedCurioDB }

// Update implements Collector.
func (CurioTasks) Update(ctx context.Context, src *Sources, ch chan<- prometheus.Metric) error {
	var prev curio.TaskHistory
	src.State.update(func(f *stateFile) {
		if f.CurioTasks != nil {
			prev = *f.CurioTasks
		}
	})
	next, historyErr := src.Curio.TaskHistory(ctx, prev)
	src.State.update(func(f *stateFile) { f.CurioTasks = &next })
	names := next.Names()
	if historyErr == nil {
		for _, name := range names {
			t := next.Tasks[name]
			for result, a := range map[string]curio.Attempts{"success": t.Success, "failure": t.Failure} {
				ch <- constMetric(curioTaskResultsDesc, prometheus.CounterValue, float64(a.Count), name, result)
				ch <- constMetric(curioTaskSecondsDesc, prometheus.CounterValue, a.Seconds, name, result)
			}
		}
	}

	queue, queueErr := src.Curio.Tasks(ctx)
	if queueErr == nil {
		for _, q := range queue {
			if !slices.Contains(names, q.Name) {
				names = append(names, q.Name)
			}
		}
		for _, name := range names {
			q := curio.TaskQueue{Name: name}
			if i := slices.IndexFunc(queue, func(q curio.TaskQueue) bool { return q.Name == name }); i >= 0 {
				q = queue[i]
			}
			ch <- constMetric(curioTasksDesc, prometheus.GaugeValue, float64(q.Queued), name, "queued")
			ch <- constMetric(curioTasksDesc, prometheus.GaugeValue, float64(q.Running), name, "running")
			if !q.OldestQueued.IsZero() {
				ch <- constMetric(curioTaskOldestQueuedDesc, prometheus.GaugeValue, unixSeconds(q.OldestQueued), name)
			}
		}
	}
	return joinDistinct(historyErr, queueErr)
}
