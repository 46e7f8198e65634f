// Curio's sealing pipelines of one miner: sectors by stage, failed ones, and how long the oldest has been in each stage.
package metrics

import (
	"context"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/lotus-farcaster/lotus-farcaster/curio"
)

// CurioPipeline reports the miner's sectors in Curio's porep (sectors_sdr_pipeline) and snap
// (sectors_snap_pipeline) pipelines. Where porep's PoRep starts depends on the chain: without
// the daemon's head only snap is read.
type CurioPipeline struct{}

var _ Collector = CurioPipeline{}

var (
	curioPipelineSectorsDesc = prometheus.NewDesc("lotus_curio_pipeline_sectors",
		"Sectors of Curio's pipeline that have not failed, by the first step not yet done (done: finished, until Curio's cleanup removes them).",
		[]string{"pipeline", "stage"}, nil)
	curioPipelineFailedDesc = prometheus.NewDesc("lotus_curio_pipeline_failed_sectors",
		"Failed sectors of Curio's pipeline, by the step they stopped at.", []string{"pipeline", "stage"}, nil)
	curioPipelineOldestDesc = prometheus.NewDesc("lotus_curio_pipeline_oldest_sector_timestamp_seconds",
		"When the oldest sector now in that stage entered the pipeline; absent for an empty stage.", []string{"pipeline", "stage"}, nil)
	curioFailedSectorDesc = prometheus.NewDesc("lotus_curio_failed_sector_info",
		"1 for each failed sector of Curio's pipelines (the newest 1000, by failed_at), with Curio's reason.",
		[]string{"pipeline", "sector", "stage", "reason"}, nil)
)

// Name implements Collector.
func (CurioPipeline) Name() string { return "curio_pipeline" }

// Needs implements Collector.
func (CurioPipeline) Needs() Need { return NeedCurioDB | NeedMinerID }

// Update implements Collector.
func (CurioPipeline) Update(ctx context.Context, src *Sources, ch chan<- prometheus.Metric) error {
	sp, err := src.spID()
	if err != nil {
		return err
	}
	snap, snapErr := src.Curio.SnapPipeline(ctx, sp)
	sendStages(ch, "snap", snap)
	// The porep stages depend on the head (the seed epoch reached or not).
	if err := src.missing(NeedDaemon); err != nil {
		return joinDistinct(snapErr, err)
	}
	porep, porepErr := src.Curio.PoRepPipeline(ctx, sp, src.Head.Height)
	sendStages(ch, "porep", porep)
	failed, failedErr := src.Curio.FailedSectors(ctx, sp, src.Head.Height)
	for _, f := range failed {
		ch <- constMetric(curioFailedSectorDesc, prometheus.GaugeValue, 1, f.Pipeline, strconv.FormatUint(f.Sector, 10), f.Stage, f.Reason)
	}
	return joinDistinct(snapErr, porepErr, failedErr)
}

func sendStages(ch chan<- prometheus.Metric, pipeline string, stages []curio.StageCount) {
	for _, s := range stages {
		ch <- constMetric(curioPipelineSectorsDesc, prometheus.GaugeValue, float64(s.Active), pipeline, s.Stage)
		ch <- constMetric(curioPipelineFailedDesc, prometheus.GaugeValue, float64(s.Failed), pipeline, s.Stage)
		if s.Stage != "done" && !s.Oldest.IsZero() {
			ch <- constMetric(curioPipelineOldestDesc, prometheus.GaugeValue, unixSeconds(s.Oldest), pipeline, s.Stage)
		}
	}
}
