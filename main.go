// lotus-farcaster: run from cron, read Lotus, write a .prom file for node_exporter's textfile collector.
package main

import (
	"context"
	"crypto/sha256"
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
	"github.com/lotus-farcaster/lotus-farcaster/proc"
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
	trust               proc.Trust    // whose processes and folders to believe
	secrets             *redaction    // the tokens found, hidden from all output
	stdout              io.Writer     // where --output - and --demo's note go
	grace               time.Duration // see metrics.Options.Grace
}

// minerIDPattern is a miner actor's ID address, on mainnet (f0) or a testnet (t0).
var minerIDPattern = regexp.MustCompile(`^[ft]0[0-9]{1,19}$`)

// maxMiners bounds --miner: a farm's miners are read in one run, each with its own file.
const maxMiners = 64

// run is main without os.Exit, so deferred cleanup runs and tests can call it.
func run(args []string, stdout, stderr io.Writer) int {
	// No token the run finds leaves it: every line out passes through secrets.
	secrets := &redaction{}
	hiddenOut, hiddenErr := secrets.writer(stdout), secrets.writer(stderr)
	defer hiddenOut.Close()
	defer hiddenErr.Close()
	stdout, stderr = hiddenOut, hiddenErr
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
	c.trust = proc.LoadTrust("")
	c.secrets = secrets
	if c.showVersion {
		fmt.Fprintln(stdout, versionString())
		return exitOK
	}
	if c.hostInfo.format != "" {
		return printHostInfo(c.hostInfo, stdout, secrets)
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
		secrets.add(d.Token, m.Token)
		daemonEP, minerEP, discoveryFailed = &d, &m, false
	}
	if c.check {
		return check(ctx, c, daemonEP, minerEP, discoveryFailed, stdout)
	}

	dir, _, err := outputDir(c)
	if err != nil {
		log.Error("nothing written", "err", err)
		return exitNotWritten
	}
	if !c.demo && c.output != "-" {
		// Before any call: a run that overlaps the last one costs the node nothing.
		unlock, err := textfile.Lock(jobLockPath(c, dir, daemonEP, minerEP))
		if err != nil {
			log.Error("nothing written", "err", err)
			return exitNotWritten
		}
		defer unlock()
	}

	node := metrics.ConnectNode(ctx, daemonEP, minerEP, start)
	defer node.Close()
	logAPIProblems(log, node, daemonEP, minerEP)

	runs := minerRuns(ctx, c, node)
	var wg, collected sync.WaitGroup
	collected.Add(len(runs))
	codes := make([]int, len(runs))
	for i, r := range runs {
		wg.Go(func() { codes[i] = r.run(ctx, c, dir, log, &collected) })
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

// run collects this miner's metrics and writes its file into dir (see outputPath) and its
// state. The first miner's file counts the requests shared by every miner, ChainGetGenesis
// among them (asked by whichever miner's collector needs it first), so it waits for
// collected: every miner's collectors done.
func (r minerRun) run(ctx context.Context, c config, dir string, log *slog.Logger, collected *sync.WaitGroup) int {
	done := sync.OnceFunc(collected.Done)
	defer done()
	if r.label != "" {
		log = log.With("miner", r.label)
	}
	src := r.src
	src.Options = metrics.Options{SectorDetails: c.sectorDetails, Grace: c.grace}
	target, err := outputPath(c, dir, src)
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
		var bad error
		if src.State, bad = loadState(statePath, src.MinerID, src.Head); bad != nil {
			// Kept for a look, out of the way: the next run finds no state and counts on.
			if err := os.Rename(statePath, statePath+".bad"); err != nil {
				log.Warn("state file unusable and could not be set aside; counting starts again, and nothing is kept", "file", statePath, "reason", bad, "err", err)
				statePath = "" // writing it would fail the same way every run
			} else {
				log.Warn("state file set aside; counting starts again", "file", statePath, "reason", bad, "set_aside", statePath+".bad")
			}
		}
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
	failed := logFailures(log, result, src.MinerID, c.timeout)

	families, err := gather(result, src.MinerID)
	if err != nil {
		failed = true
		log.Error("inconsistent metrics left out", "err", err)
	}
	write := c.secrets.hiding(func(w io.Writer) error { return encode(w, families, c.demo) })
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
		if err := textfile.Write(statePath, c.secrets.hiding(func(w io.Writer) error { return src.State.Encode(w, src.MinerID) })); err != nil {
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

// loadState reads the miner's state. A missing file starts afresh; so does one that cannot be
// believed, and bad says why: not a regular file of this user's (in a folder others reach,
// a planted state would set the counters), unreadable, or contradicting itself or the chain.
func loadState(path, minerID string, head *lotusapi.TipSet) (st *metrics.State, bad error) {
	f, err := textfile.OpenNoFollow(path, os.O_RDONLY)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return metrics.NewState(), nil
	case err != nil:
		return metrics.NewState(), err
	}
	defer f.Close()
	if owner, ok := textfile.Owner(f); !ok || owner != os.Getuid() {
		return metrics.NewState(), fmt.Errorf("owned by uid %d, not by the user running lotus-farcaster (%d)", owner, os.Getuid())
	}
	return metrics.ReadState(f, minerID, head)
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
// token that lacks a permission is one line per API, a miner ID the chain has no miner for
// is one line, and one method that failed for several collectors (StateMinerInfo, say) is
// one line.
func logFailures(log *slog.Logger, result *metrics.Run, minerID string, timeout time.Duration) (failed bool) {
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
		case metrics.IsNotAMiner(o.Err):
			c = cause{fmt.Sprintf("the daemon knows no miner %s at its head", minerID), notAMinerFix}
		case errors.As(o.Err, &ce):
			// One failed method is one cause, whatever each collector was reading with it.
			c = cause{oneLine(ce), ""}
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

// notAMinerFix says what to look at when the chain has no miner of the ID the run reads.
const notAMinerFix = "check the miner ID (--miner), and that the daemon runs on the miner's network"

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
// In daemon-only mode (--miner) lotus-miner is not looked for. A token found is hidden
// before anything is said about its API.
func endpoints(c config, log *slog.Logger) (daemon, miner *lotusapi.Endpoint, failed bool) {
	if c.demo {
		return nil, nil, false
	}
	env := lotusapi.OSEnv()
	if ep, err := lotusapi.DiscoverDaemon(c.daemonAPI, env); err != nil {
		log.Error("daemon API not usable", "err", err)
		failed = true
	} else {
		c.secrets.add(ep.Token)
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
		c.secrets.add(ep.Token)
		miner = &ep
		log.Debug("miner API found", "endpoint", ep.String())
	}
	return daemon, miner, failed
}

// oneLine joins the lines of an error that holds several (errors.Join), for a single log line.
func oneLine(err error) string { return strings.ReplaceAll(err.Error(), "\n", "; ") }

// textfileName is what outputPath writes; the miner ID keeps two miners on one host apart.
var textfileName = regexp.MustCompile(`^lotus-([ft]0[0-9]+)\.prom$`)

// outputDir is the folder a run writes into, and how it was chosen: --output's, else
// --textfile-dir, else the current one for --demo (never put demo data where node_exporter
// would serve it), else node_exporter's textfile folder. A folder whose files another user
// could replace is refused; the demo's, never read back, is not checked.
func outputDir(c config) (dir, how string, err error) {
	switch {
	case c.output == "-":
		return "", "--output (stdout)", nil
	case c.output != "":
		dir, how = filepath.Dir(c.output), "--output"
	case c.textfileDir != "":
		dir, how = c.textfileDir, "--textfile-dir"
	case c.demo:
		return ".", "--demo writes to the current folder", nil
	default:
		d, err := textfile.DetectDir("/proc", textfile.DefaultCandidates, c.trust)
		if err != nil {
			return "", "", err
		}
		dir, how = d.Path, d.How
	}
	return dir, how, textfile.CheckDir(dir, c.trust)
}

// jobLockPath is the lock of this job: the runs of one cron line, whatever miner ID they
// will learn from lotus-miner. It names the APIs and the output, never a token.
func jobLockPath(c config, dir string, daemon, miner *lotusapi.Endpoint) string {
	h := sha256.New()
	for _, part := range append([]string{endpointURL(daemon), endpointURL(miner), c.output}, c.miners...) {
		fmt.Fprintf(h, "%q\n", part)
	}
	return filepath.Join(dir, fmt.Sprintf("lotus-farcaster.%x", h.Sum(nil)[:8])) // Lock adds the dot and .lock
}

func endpointURL(ep *lotusapi.Endpoint) string {
	if ep == nil {
		return ""
	}
	return ep.URL
}

// outputPath is the file a run writes: --output, else lotus-<miner id>.prom in dir. When
// lotus-miner is down its ID is unknown; if the folder holds exactly one file of ours, that
// miner's file is rewritten (with lotus_up{api="miner"} 0) so its alerts fire instead of
// going stale silently.
func outputPath(c config, dir string, src *metrics.Sources) (string, error) {
	if c.output != "" {
		return c.output, nil
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
