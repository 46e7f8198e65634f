// One miner's part of a run: its file, chosen before anything is read, and its collectors, run alike for a run and for --check.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	versioncollector "github.com/prometheus/client_golang/prometheus/collectors/version"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"

	"github.com/lotus-farcaster/lotus-farcaster/metrics"
)

// minerPlan is one file of a run, as known before anything is read: a miner's, or the Curio
// cluster's.
type minerPlan struct {
	id         string // "" when unknown (lotus-miner down, no file of ours to go by), or for the cluster
	cluster    bool   // the Curio cluster's file: no miner, the cluster's collectors
	target     string // the file it writes; "-" for stdout
	err        error  // why it has no target
	label      string // names the miner on stderr when a run has several
	daemonOnly bool
	first      bool // its file also counts the requests made for every miner of the run
}

// curioFile is the file of the Curio cluster's metrics, beside the miners' files.
const curioFile = "lotus-curio.prom"

// planMiners lists the files of the run: the miners of --miner, read from the daemon alone;
// else the one lotus-miner serves (lotusMiner); else those Curio's database serves, or, with
// the database down, those whose files the folder holds; and, where Curio is used, the
// cluster's file. An error says why Curio's miners are not known.
func planMiners(ctx context.Context, c config, dir string, node *metrics.Node, lotusMiner bool) ([]minerPlan, error) {
	ids, daemonOnly := c.miners, true
	var err, wrong error
	switch {
	case len(ids) > 0:
	case lotusMiner || !node.CurioUsed():
		served := node.ServedMiner()
		ids, daemonOnly = []string{served}, false
		if c.expectMiner != "" {
			ids[0] = c.expectMiner
			if served != "" && served != c.expectMiner {
				// The repo now serves another miner: writing either file would mislead.
				wrong = fmt.Errorf("lotus-miner serves %s, not %s (--expect-miner); if the repo changed, re-run install.sh", served, c.expectMiner)
			}
		}
	case node.Curio != nil:
		ids, err = node.Curio.Miners(ctx)
		if err == nil {
			break
		}
		fallthrough
	default:
		ids = ourFiles(dir)
	}
	var plans []minerPlan
	for i, id := range ids {
		p := minerPlan{daemonOnly: daemonOnly, first: i == 0}
		if len(ids) > 1 {
			p.label = id
		}
		p.id, p.target, p.err = outputPath(c, dir, id)
		if wrong != nil {
			p.err = wrong
		}
		if c.output != "" && len(ids) > 1 {
			p.err = fmt.Errorf("--output names one file, and the run has %d miners; use --textfile-dir", len(ids))
		}
		plans = append(plans, p)
	}
	if node.CurioUsed() {
		p := minerPlan{cluster: true, daemonOnly: true, first: len(plans) == 0, target: filepath.Join(dir, curioFile)}
		if c.output != "" {
			// With --output the cluster's metrics go with the miner's: into stdout, or beside FILE.
			p.target = c.output
			if c.output != "-" {
				p.target = filepath.Join(filepath.Dir(c.output), curioFile)
			}
		}
		plans = append(plans, p)
	}
	return plans, err
}

// ourFiles are the miner IDs of the files in dir that runs of ours wrote.
func ourFiles(dir string) []string {
	entries, _ := os.ReadDir(dir)
	var ids []string
	for _, e := range entries {
		if m := textfileName.FindStringSubmatch(e.Name()); m != nil {
			ids = append(ids, m[1])
		}
	}
	return ids
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
	if _, err := os.Stat(dir); err != nil {
		return "", "", err
	}
	ours := ourFiles(dir)
	if len(ours) != 1 {
		return "", "", fmt.Errorf("miner ID unknown (lotus-miner not reached) and %d lotus-*.prom files in %s to choose from; pass --expect-miner ID (install.sh does)", len(ours), dir)
	}
	return ours[0], filepath.Join(dir, "lotus-"+ours[0]+".prom"), nil
}

// collect runs the collectors of p's file, with what earlier runs kept in st: for a run and
// for --check alike.
func collect(ctx context.Context, c config, node *metrics.Node, p minerPlan, st *metrics.State) *metrics.Run {
	src := node.ForMiner(ctx, metrics.MinerSpec{
		MinerID: p.id, DaemonOnly: p.daemonOnly, SaysShared: p.first, State: st,
		Options: metrics.Options{SectorDetails: c.sectorDetails, Grace: c.grace},
	})
	collectors := c.collectors
	if p.cluster {
		collectors = c.clusterCollectors
	}
	return metrics.Execute(ctx, src, collectors)
}

// mergeFamilies joins the families of several files into one exposition, for stdout: a
// metric in several of them (lotus_up, the exporter's own) becomes one family of all their
// series, which differ by miner_id.
func mergeFamilies(files ...[]*dto.MetricFamily) []*dto.MetricFamily {
	byName := map[string]*dto.MetricFamily{}
	var out []*dto.MetricFamily
	for _, families := range files {
		for _, f := range families {
			if have, ok := byName[f.GetName()]; ok {
				have.Metric = append(have.Metric, f.Metric...)
				continue
			}
			byName[f.GetName()] = f
			out = append(out, f)
		}
	}
	slices.SortFunc(out, func(a, b *dto.MetricFamily) int { return strings.Compare(a.GetName(), b.GetName()) })
	return out
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
