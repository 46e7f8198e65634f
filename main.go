// lotus-farcaster: run from cron, read Lotus, write a .prom file for node_exporter's textfile collector.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	logging "github.com/ipfs/go-log/v2"
	"github.com/prometheus/client_golang/prometheus"
	versioncollector "github.com/prometheus/client_golang/prometheus/collectors/version"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"

	"github.com/lotus-farcaster/lotus-farcaster/lotusapi"
	"github.com/lotus-farcaster/lotus-farcaster/lotusapi/lotustest"
	"github.com/lotus-farcaster/lotus-farcaster/metrics"
	"github.com/lotus-farcaster/lotus-farcaster/textfile"
)

// Exit codes; cron mails whatever is printed, and scripts can tell these apart.
const (
	exitOK         = 0 // every collector succeeded
	exitFailed     = 1 // the file was written, but an API was down or a collector failed
	exitUsage      = 2 // bad flags, or an API could not be found or its address is malformed
	exitNotWritten = 3 // nothing written: another run holds the lock, or the file could not be written
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

// exit ends the process when a run overstays --timeout; a variable so tests can see it.
var exit = os.Exit

// config is the parsed command line.
type config struct {
	daemonAPI, minerAPI string
	miners              []string // --miner: daemon-only mode
	textfileDir, output string
	timeout             time.Duration
	collectors          []metrics.Collector
	check, demo         bool
	sectorDetails       bool
	showVersion         bool
	logLevel            slog.Level
	hostInfo            hostInfoFlags // --host-info (hostinfo.go)
	stdout              io.Writer     // where --output - and --demo's note go
	grace               time.Duration // see metrics.Options.Grace
}

// minerIDPattern is a miner actor's ID address, on mainnet (f0) or a testnet (t0).
var minerIDPattern = regexp.MustCompile(`^[ft]0[0-9]{1,19}$`)

// maxMiners bounds --miner: a farm's miners are read in one run, each with its own file.
const maxMiners = 64

// run is main without os.Exit, so deferred cleanup runs and tests can call it.
func run(args []string, stdout, stderr io.Writer) int {
	// go-jsonrpc logs through ipfs/go-log in its own format; our one line per problem replaces it.
	_ = logging.SetLogLevel("rpc", "fatal")
	c, err := parseFlags(args)
	if errors.Is(err, flag.ErrHelp) {
		printUsage(stdout)
		return exitOK
	}
	if err != nil {
		fmt.Fprintf(stderr, "lotus-farcaster: %v (see --help)\n", err)
		return exitUsage
	}
	c.stdout = stdout
	if c.showVersion {
		fmt.Fprintln(stdout, versionString())
		return exitOK
	}
	if c.hostInfo.format != "" {
		return printHostInfo(c.hostInfo, stdout)
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{
		Level: c.logLevel,
		// cron and syslog add their own time stamps.
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		},
	}))
	start := time.Now()
	// Whatever happens, the run ends inside --timeout: a write stuck on a dead disk must not
	// pile runs up behind the lock.
	watchdog := time.AfterFunc(c.timeout, func() {
		log.Error("run exceeded --timeout; stopped", "timeout", c.timeout)
		exit(exitNotWritten)
	})
	defer watchdog.Stop()
	// The reads stop a little before --timeout: a collector may take up to half that margin
	// to return after its deadline, and the file must still be written in time.
	margin := min(2*time.Second, c.timeout/4)
	c.grace = margin / 2
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout-margin)
	defer cancel()

	daemonEP, minerEP, discoveryFailed := endpoints(c, log)
	if c.demo {
		fake := lotustest.Start(lotustest.Small().AtTime(start))
		defer fake.Close()
		d, m := fake.DaemonEndpoint(), fake.MinerEndpoint()
		d.Source, m.Source = "the built-in demo miner", "the built-in demo miner"
		daemonEP, minerEP, discoveryFailed = &d, &m, false
	}
	if c.check {
		return check(ctx, c, daemonEP, minerEP, discoveryFailed, stdout)
	}

	node := metrics.ConnectNode(ctx, daemonEP, minerEP, start)
	defer node.Close()
	logAPIProblems(log, node, daemonEP, minerEP)

	runs := minerRuns(ctx, c, node)
	var wg, collected sync.WaitGroup
	collected.Add(len(runs))
	codes := make([]int, len(runs))
	for i, r := range runs {
		wg.Go(func() { codes[i] = r.run(ctx, c, log, &collected) })
	}
	wg.Wait()
	code := slices.Max(codes)
	switch {
	case code == exitNotWritten:
		return exitNotWritten
	case discoveryFailed:
		return exitUsage
	case node.Daemon == nil || (len(c.miners) == 0 && node.Miner == nil):
		return max(code, exitFailed)
	}
	return code
}

// minerRun is one miner's part of a run: its sources and the file it writes.
type minerRun struct {
	src *metrics.Sources
	// label names the miner on stderr when a run has several.
	label string
}

// minerRuns lists the miners of this run: those of --miner, read from the daemon alone, or
// the one lotus-miner serves.
func minerRuns(ctx context.Context, c config, node *metrics.Node) []minerRun {
	runs := make([]minerRun, len(c.miners))
	for i, id := range c.miners {
		runs[i] = minerRun{src: node.ForMiner(ctx, id, true)}
		if len(c.miners) > 1 {
			runs[i].label = id
		}
	}
	if len(runs) == 0 {
		runs = []minerRun{{src: node.ForMiner(ctx, node.MinerID(), false)}}
	}
	// One file counts the requests made for every miner, so the files sum to the run's.
	runs[0].src.SaysShared = true
	return runs
}

// run collects this miner's metrics and writes its file and state. The first miner's file
// counts the requests made for every miner, ChainGetGenesis among them (asked by whichever
// miner's collector needs it first), so it waits for collected: every miner's collectors done.
func (r minerRun) run(ctx context.Context, c config, log *slog.Logger, collected *sync.WaitGroup) int {
	done := sync.OnceFunc(collected.Done)
	defer done()
	if r.label != "" {
		log = log.With("miner", r.label)
	}
	src := r.src
	src.Options = metrics.Options{SectorDetails: c.sectorDetails, Grace: c.grace}
	target, err := outputPath(c, src)
	if err != nil {
		log.Error("nothing written", "err", err)
		return exitNotWritten
	}
	// The demo writes into the current folder and keeps nothing else there: no lock, no state.
	keep := target != "-" && !c.demo
	statePath := ""
	if keep {
		unlock, err := textfile.Lock(target)
		if err != nil {
			log.Error("nothing written", "err", err)
			return exitNotWritten
		}
		defer unlock()
		statePath = textfile.StatePath(target)
		src.State = loadState(log, statePath, src.MinerID)
	}

	collectors := c.collectors
	if src.DaemonOnly {
		collectors = slices.DeleteFunc(slices.Clone(collectors), metrics.NeedsLotusMiner)
	}
	result := metrics.Execute(ctx, src, collectors)
	done()
	if src.SaysShared {
		collected.Wait()
	}
	failed := logFailures(log, result, c.timeout)

	families, err := gather(result, src.MinerID)
	if err != nil {
		failed = true
		log.Error("inconsistent metrics left out", "err", err)
	}
	write := func(w io.Writer) error { return encode(w, families, c.demo) }
	if target == "-" {
		err = write(c.stdout)
	} else {
		err = textfile.Write(target, write)
	}
	if err != nil {
		log.Error("writing metrics failed", "file", target, "err", err)
		return exitNotWritten
	}
	if statePath != "" {
		if err := textfile.Write(statePath, func(w io.Writer) error { return src.State.Encode(w, src.MinerID) }); err != nil {
			log.Error("keeping the counters for the next run failed", "file", statePath, "err", err)
			failed = true
		}
	}
	if c.demo && target != "-" {
		fmt.Fprintf(c.stdout, "wrote %s: demo data from a built-in fake miner (node_exporter does not read this folder)\n", target)
	}
	log.Debug("metrics written", "file", target, "duration", time.Since(src.Now))
	if failed {
		return exitFailed
	}
	return exitOK
}

// loadState reads the miner's state; a missing or unreadable file starts afresh.
func loadState(log *slog.Logger, path, minerID string) *metrics.State {
	f, err := textfile.OpenNoFollow(path, os.O_RDONLY)
	if err != nil {
		if !errors.Is(err, os.ErrNotExist) {
			log.Debug("state not read; counting starts again", "file", path, "err", err)
		}
		return metrics.NewState()
	}
	defer f.Close()
	st, err := metrics.ReadState(f, minerID)
	if err != nil {
		log.Debug("state not read; counting starts again", "file", path, "err", err)
	}
	return st
}

// logAPIProblems says once per API why it is not usable, in words that name the fix.
func logAPIProblems(log *slog.Logger, node *metrics.Node, daemonEP, minerEP *lotusapi.Endpoint) {
	if daemonEP != nil && node.Daemon == nil {
		log.Error("daemon API "+apiProblem(node.DaemonErr), "url", daemonEP.URL, "source", daemonEP.Source)
	}
	if minerEP != nil && node.Miner == nil {
		log.Error("miner API "+apiProblem(node.MinerErr), "url", minerEP.URL, "source", minerEP.Source)
	}
}

// apiProblem describes why an API could not be used: a refused token is not an outage.
func apiProblem(err error) string {
	switch lotusapi.KindOf(err) {
	case lotusapi.KindUnauthorized:
		return "refused the token (HTTP 401): the token is not this node's; take it from the node's repo or `lotus auth api-info --perm admin`"
	case lotusapi.KindPermission:
		return "token lacks a permission: " + err.Error()
	case lotusapi.KindUnreachable:
		return "unreachable: " + err.Error()
	case lotusapi.KindTimeout:
		return "did not answer in time"
	}
	return "not usable: " + err.Error()
}

// logFailures writes one stderr line per cause, not per collector: an API that was down is
// already said, a slow node that made several collectors run out of time is one line, a
// token that lacks a permission is one line per API, and one failed lookup shared by
// several collectors (StateMinerInfo, say) is one line.
func logFailures(log *slog.Logger, result *metrics.Run, timeout time.Duration) (failed bool) {
	type cause struct{ msg, fix string }
	var order []cause
	byCause := map[cause][]string{}
	// A token short of permissions is one line per API, naming the strongest one missing.
	need := map[string]string{}
	for _, o := range result.Failed() {
		var ce *lotusapi.CallError
		if errors.As(o.Err, &ce) && ce.Kind == lotusapi.KindPermission && permissionRank(ce.Need) > permissionRank(need[ce.API]) {
			need[ce.API] = ce.Need
		}
	}
	for _, o := range result.Failed() {
		var c cause
		var ce *lotusapi.CallError
		switch {
		case metrics.IsConsequence(o.Err):
			continue
		case errors.Is(o.Err, context.DeadlineExceeded):
			c = cause{"collectors ran out of time; raise --timeout or look at the slow Lotus API", ""}
		case errors.As(o.Err, &ce) && ce.Kind == lotusapi.KindPermission:
			c = cause{fmt.Sprintf("the %s API token lacks the %q permission", ce.API, need[ce.API]), permissionFix(ce.API)}
		default:
			c = cause{oneLine(o.Err), ""}
		}
		if _, seen := byCause[c]; !seen {
			order = append(order, c)
		}
		byCause[c] = append(byCause[c], o.Name)
	}
	for _, c := range order {
		names := strings.Join(byCause[c], ",")
		switch {
		case c.fix != "":
			log.Error(c.msg, "collectors", names, "fix", c.fix)
		case strings.HasPrefix(c.msg, "collectors ran out of time"):
			log.Error(c.msg, "timeout", timeout, "collectors", names)
		case len(byCause[c]) > 1:
			log.Error("collectors failed", "collectors", names, "err", c.msg)
		default:
			log.Error("collector failed", "collector", names, "err", c.msg)
		}
	}
	return len(result.Failed()) > 0
}

// permissionRank orders Lotus's permissions; each includes those before it.
func permissionRank(p string) int { return slices.Index([]string{"read", "write", "sign", "admin"}, p) }

// permissionFix names the token that has every permission the exporter uses.
func permissionFix(api string) string {
	if api == "miner" {
		return "use lotus-miner's admin token: the repo's token file, or `lotus-miner auth api-info --perm admin`"
	}
	return "use the daemon's admin token: the repo's token file, or `lotus auth api-info --perm admin`"
}

// endpoints finds the APIs; a failure is logged in one line and leaves that endpoint nil.
// In daemon-only mode (--miner) lotus-miner is not looked for.
func endpoints(c config, log *slog.Logger) (daemon, miner *lotusapi.Endpoint, failed bool) {
	if c.demo {
		return nil, nil, false
	}
	env := lotusapi.OSEnv()
	if ep, err := lotusapi.DiscoverDaemon(c.daemonAPI, env); err != nil {
		log.Error("daemon API not usable", "err", err)
		failed = true
	} else {
		daemon = &ep
		log.Debug("daemon API found", "endpoint", ep.String())
	}
	if len(c.miners) > 0 {
		return daemon, nil, failed
	}
	if ep, err := lotusapi.DiscoverMiner(c.minerAPI, env); err != nil {
		log.Error("miner API not usable", "err", err)
		failed = true
	} else {
		miner = &ep
		log.Debug("miner API found", "endpoint", ep.String())
	}
	return daemon, miner, failed
}

// oneLine joins the lines of an error that holds several (errors.Join), for a single log line.
func oneLine(err error) string { return strings.ReplaceAll(err.Error(), "\n", "; ") }

// textfileName is what outputPath writes; the miner ID keeps two miners on one host apart.
var textfileName = regexp.MustCompile(`^lotus-([ft]0[0-9]+)\.prom$`)

// outputPath resolves --output / --textfile-dir. When lotus-miner is down its ID is
// unknown; if the folder holds exactly one file of ours, that miner's file is rewritten
// (with lotus_up{api="miner"} 0) so its alerts fire instead of going stale silently.
func outputPath(c config, src *metrics.Sources) (string, error) {
	if c.output != "" {
		return c.output, nil
	}
	dir := c.textfileDir
	switch {
	case dir != "":
	case c.demo:
		dir = "." // never put demo data where node_exporter would serve it
	default:
		d, err := textfile.DetectDir("/proc", textfile.DefaultCandidates)
		if err != nil {
			return "", err
		}
		dir = d.Path
	}
	if src.MinerID != "" {
		return filepath.Join(dir, "lotus-"+src.MinerID+".prom"), nil
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return "", err
	}
	var ours []string
	for _, e := range entries {
		if m := textfileName.FindStringSubmatch(e.Name()); m != nil {
			ours = append(ours, m[1])
		}
	}
	if len(ours) != 1 {
		return "", fmt.Errorf("miner ID unknown (lotus-miner not reached) and %d lotus-*.prom files in %s to choose from; pass --output", len(ours), dir)
	}
	src.MinerID = ours[0]
	return filepath.Join(dir, "lotus-"+src.MinerID+".prom"), nil
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
