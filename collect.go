// One miner's part of a run: its file, chosen before anything is read, and its collectors, run alike for a run and for --check.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"

	"github.com/prometheus/client_golang/prometheus"
	versioncollector "github.com/prometheus/client_golang/prometheus/collectors/version"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"

	"github.com/lotus-farcaster/lotus-farcaster/metrics"
)

// minerPlan is one miner of a run as known before anything is read about it.
type minerPlan struct {
	id         string // "" when unknown: lotus-miner down, and no file of ours to go by
	target     string // the file it writes; "-" for stdout
	err        error  // why it has no target
	label      string // names the miner on stderr when a run has several
	daemonOnly bool
	first      bool // its file also counts the requests made for every miner of the run
}

// planMiners lists the miners of the run: those of --miner, read from the daemon alone, or
// the one lotus-miner serves; each with the file it writes in dir.
func planMiners(c config, dir string, node *metrics.Node) []minerPlan {
	ids, daemonOnly := c.miners, true
	if len(ids) == 0 {
		ids, daemonOnly = []string{node.ServedMiner()}, false
	}
	plans := make([]minerPlan, len(ids))
	for i, id := range ids {
		p := minerPlan{daemonOnly: daemonOnly, first: i == 0}
		if len(ids) > 1 {
			p.label = id
		}
		p.id, p.target, p.err = outputPath(c, dir, id)
		plans[i] = p
	}
	return plans
}

// textfileName is what outputPath writes; the miner ID keeps two miners on one host apart.
var textfileName = regexp.MustCompile(`^lotus-([ft]0[0-9]+)\.prom$`)

// outputPath is the file a run writes for miner id: --output, else lotus-<miner id>.prom in
// dir. When lotus-miner is down its ID is unknown; if the folder holds exactly one file of
// ours, that miner's file is rewritten (with lotus_up{api="miner"} 0) so its alerts fire
// instead of going stale silently: its ID is the miner's.
func outputPath(c config, dir, id string) (minerID, target string, err error) {
	switch {
	case c.output != "":
		return id, c.output, nil
	case id != "":
		return id, filepath.Join(dir, "lotus-"+id+".prom"), nil
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return "", "", err
	}
	var ours []string
	for _, e := range entries {
		if m := textfileName.FindStringSubmatch(e.Name()); m != nil {
			ours = append(ours, m[1])
		}
	}
	if len(ours) != 1 {
		return "", "", fmt.Errorf("miner ID unknown (lotus-miner not reached) and %d lotus-*.prom files in %s to choose from; pass --output", len(ours), dir)
	}
	return ours[0], filepath.Join(dir, "lotus-"+ours[0]+".prom"), nil
}

// collect runs the collectors of the miner of p, with what earlier runs kept in st: for a
// run and for --check alike.
func collect(ctx context.Context, c config, node *metrics.Node, p minerPlan, st *metrics.State) *metrics.Run {
	src := node.ForMiner(ctx, metrics.MinerSpec{
		MinerID: p.id, DaemonOnly: p.daemonOnly, SaysShared: p.first, State: st,
		Options: metrics.Options{SectorDetails: c.sectorDetails, Grace: c.grace},
	})
	return metrics.Execute(ctx, src, c.collectors)
}

// gather labels every series with the miner and adds build info. An error means
// inconsistent metrics (a bug); the consistent ones are still returned.
func gather(result *metrics.Run, minerID string) ([]*dto.MetricFamily, error) {
	reg := prometheus.NewRegistry()
	var r prometheus.Registerer = reg
	if minerID != "" {
		r = prometheus.WrapRegistererWith(prometheus.Labels{"miner_id": minerID}, reg)
	}
	r.MustRegister(result, versioncollector.NewCollector("lotus_exporter"))
	return reg.Gather()
}

// encode writes the families in the text exposition format node_exporter reads.
func encode(w io.Writer, families []*dto.MetricFamily, demo bool) error {
	if demo {
		if _, err := fmt.Fprintln(w, "# DEMO DATA from lotus-farcaster --demo: a built-in fake miner, not a real one."); err != nil {
			return err
		}
	}
	enc := expfmt.NewEncoder(w, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, f := range families {
		if err := enc.Encode(f); err != nil {
			return err
		}
	}
	return nil
}
