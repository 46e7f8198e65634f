// --check: find the APIs and the textfile folder, run every collector once without writing, and say what to fix.
package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/lotus-farcaster/lotus-farcaster/lotusapi"
	"github.com/lotus-farcaster/lotus-farcaster/metrics"
	"github.com/lotus-farcaster/lotus-farcaster/textfile"
)

// check prints one block per source, one per file with every collector's result, then a
// verdict. Discovery problems were already logged by discover.
func check(ctx context.Context, c config, f found, out io.Writer) int {
	node := connect(ctx, f, time.Now())
	defer node.Close()
	if line := runAsOwner(c, f, node); line != "" {
		return sayRunAs(c, nil, line)
	}
	problems := 0
	if f.failed {
		problems++
	}
	problems += checkAPI(out, "daemon", f.daemon, c.daemonAPI != "", node.DaemonVersion, node.DaemonErr, node.Daemon != nil)
	if node.Head != nil {
		fmt.Fprintf(out, "  head epoch: %d\n", node.Head.Height)
	}
	switch {
	case len(c.miners) > 0:
		fmt.Fprintf(out, "miner API:\n  not used:   daemon-only mode (--miner)\n")
	case f.miner == nil && (f.curio != nil || f.curioRuns):
		fmt.Fprintf(out, "miner API:\n  not used:   no lotus-miner; the miners are those Curio's database serves\n")
	default:
		problems += checkAPI(out, "miner", f.miner, c.minerAPI != "", node.MinerVersion, node.MinerErr, node.Miner != nil)
	}
	if f.curio == nil && f.curioRuns && f.miner == nil {
		fmt.Fprintln(out, "curio database:\n  PROBLEM:    not found (the reason is on stderr)")
		problems++
	}
	if f.curio != nil {
		fmt.Fprintf(out, "curio database:\n  found via:  %s\n  address:    %s\n", f.curio.Source, f.curio.Redacted())
		if c.curioDB != "" && f.curio.Secret() != "" {
			fmt.Fprintln(out, "  note:       the password in --curio-db is visible to every local user (ps); set CURIO_DB_PASSWORD in the lotus user's crontab or a 0600 EnvironmentFile instead")
		}
		if node.Curio == nil {
			fmt.Fprintf(out, "  PROBLEM:    %s\n", oneLine(node.CurioErr))
			if fix := advice(node.CurioErr); fix != "" {
				fmt.Fprintf(out, "  fix:        %s\n", fix)
			}
			problems++
		}
	}

	dir, how, dirErr := outputDir(c)
	plans, err := planMiners(ctx, c, dir, node, f.miner != nil)
	if err != nil {
		fmt.Fprintf(out, "curio miners:\n  PROBLEM:    %s\n", oneLine(err))
		problems++
	}
	for _, p := range plans {
		if dirErr != nil {
			p.err = dirErr // no file can be written: the miner's block says why
		}
		problems += checkMiner(ctx, c, node, p, how, out)
	}

	if problems > 0 {
		fmt.Fprintf(out, "verdict: PROBLEM (%d, see above)\n", problems)
		if f.failed {
			return exitUsage
		}
		return exitFailed
	}
	fmt.Fprintln(out, "verdict: OK")
	return exitOK
}

// checkAPI prints where one API was found (in its flag when fromFlag) and whether it
// answered; it returns the problems.
func checkAPI(out io.Writer, name string, ep *lotusapi.Endpoint, fromFlag bool, v lotusapi.Version, err error, up bool) int {
	fmt.Fprintf(out, "%s API:\n", name)
	if ep == nil {
		fmt.Fprintln(out, "  PROBLEM:    not found (the reason is on stderr)")
		return 1
	}
	fmt.Fprintf(out, "  found via:  %s\n  address:    %s\n", ep.Source, ep.URL)
	if fromFlag && ep.Token != "" {
		fmt.Fprintf(out, "  note:       %s\n", flagTokenNote(name))
	}
	if !up {
		fmt.Fprintf(out, "  PROBLEM:    %s\n", apiProblem(err))
		return 1
	}
	fmt.Fprintf(out, "  version:    %s (API %s)\n", v.Version, apiVersion(v.APIVersion))
	return 0
}

// checkMiner runs every collector once for the miner of p, as a real run would, and proves
// the file it would write fits in its folder, chosen as how says. Nothing is left behind.
func checkMiner(ctx context.Context, c config, node *metrics.Node, p minerPlan, how string, out io.Writer) int {
	problems := 0
	if p.cluster {
		fmt.Fprintln(out, "curio cluster:")
	} else {
		fmt.Fprintf(out, "miner %s:\n", orUnknown(p.id))
	}
	if p.err != nil {
		fmt.Fprintf(out, "  PROBLEM:    %v\n", p.err)
		return 1
	}
	fmt.Fprintf(out, "  file:       %s\n  chosen by:  %s\n", p.target, how)
	st := metrics.NewState()
	if p.target != "-" {
		// The counters kept by real runs, read only: a check changes nothing.
		var bad error
		if st, bad = loadState(textfile.StatePath(p.target), p.id, node.Head); bad != nil {
			fmt.Fprintf(out, "  note:       the state file will be set aside and counting start again: %v\n", bad)
		}
	}
	result := collect(ctx, c, node, p, st)
	fmt.Fprintln(out, "  collectors:")
	var refused []string
	for _, o := range result.Outcomes {
		if o.Err == nil {
			fmt.Fprintf(out, "    %-10s ok (%.2fs)\n", o.Name, o.Duration.Seconds())
			continue
		}
		problems++
		fmt.Fprintf(out, "    %-10s PROBLEM: %s\n", o.Name, oneLine(o.Err))
		if fix := advice(o.Err); fix != "" {
			fmt.Fprintf(out, "               fix: %s\n", fix)
		}
		if lotusapi.KindOf(o.Err) == lotusapi.KindPermission {
			refused = append(refused, o.Name)
		}
	}
	for _, name := range leftOut(c, node, p) {
		fmt.Fprintf(out, "    %-10s left out (--collectors)\n", name)
	}
	if refused != nil {
		fmt.Fprintf(out, "  fix:        or leave out what the tokens cannot serve (docs/permissions.md): %s\n", leaveOut(c, refused))
	}

	families, err := gather(result, p.id)
	var content bytes.Buffer
	if err == nil {
		err = c.secrets.hiding(func(w io.Writer) error { return encode(w, families, c.demo) })(&content)
	}
	if err != nil {
		fmt.Fprintf(out, "  PROBLEM:    the metrics do not encode: %v\n", err)
		return problems + 1
	}
	if p.target != "-" {
		if err := tryWrite(filepath.Dir(p.target), content.Bytes()); err != nil {
			fmt.Fprintf(out, "  PROBLEM:    %v\n", err)
			return problems + 1
		}
	}
	fmt.Fprintf(out, "  output:     %d series, %d bytes\n", seriesCount(families), content.Len())
	return problems
}

// leftOut names the collectors that --collectors leaves out of p's file: those it would
// otherwise run.
func leftOut(c config, node *metrics.Node, p minerPlan) []string {
	would, chosen := metrics.All, c.collectors
	switch {
	case p.cluster:
		would, chosen = metrics.CurioCluster, c.clusterCollectors
	case node.CurioUsed():
		would = slices.Concat(metrics.All, metrics.CurioMiner)
	}
	var names []string
	for _, col := range would {
		if !slices.Contains(chosen, col) && !(p.daemonOnly && col.Needs()&metrics.NeedLotusMiner != 0) {
			names = append(names, col.Name())
		}
	}
	return names
}

// flagTokenNote says where a token given in an API flag belongs instead: every local user
// can read a command line (ps), but not the lotus user's crontab, a 0600 EnvironmentFile, or
// the repo's token file.
func flagTokenNote(api string) string {
	flag, envVar := "--daemon-api", "FULLNODE_API_INFO"
	if api == "miner" {
		flag, envVar = "--miner-api", "MINER_API_INFO"
	}
	return fmt.Sprintf("the token in %s is visible to every local user (ps); set %s in the lotus user's crontab or a 0600 EnvironmentFile instead, or leave the token to the repo's token file", flag, envVar)
}

// tryWrite writes what a run would write into a temp file in dir, synced, then removes it:
// a read-only folder, a full disk or a quota shows now rather than at the first cron run.
func tryWrite(dir string, content []byte) error {
	f, err := os.CreateTemp(dir, ".lotus-farcaster-check-*.tmp")
	if err != nil {
		if errors.Is(err, fs.ErrPermission) {
			return fmt.Errorf("cannot write in %s: %v; %s", dir, withoutPath(err), writeFix(dir))
		}
		return fmt.Errorf("cannot write in %s: %v", dir, withoutPath(err))
	}
	defer os.Remove(f.Name())
	_, err = f.Write(content)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		var st syscall.Statfs_t
		free := "unknown"
		if syscall.Statfs(dir, &st) == nil {
			free = fmt.Sprintf("%d bytes", st.Bavail*uint64(st.Bsize))
		}
		return fmt.Errorf("cannot write %d bytes in %s: %v (free: %s); free some space on that filesystem", len(content), dir, withoutPath(err), free)
	}
	return nil
}

func withoutPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func seriesCount(families []*dto.MetricFamily) int {
	n := 0
	for _, f := range families {
		n += len(f.Metric)
	}
	return n
}

func orUnknown(id string) string {
	if id == "" {
		return "(ID unknown)"
	}
	return id
}

// apiVersion renders Lotus's packed semver (major<<16 | minor<<8 | patch).
func apiVersion(v uint32) string {
	return fmt.Sprintf("%d.%d.%d", v>>16, (v>>8)&0xff, v&0xff)
}
