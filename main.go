// lotus-farcaster: run from cron, read Lotus, write a .prom file for node_exporter's textfile collector.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	logging "github.com/ipfs/go-log/v2"
	dto "github.com/prometheus/client_model/go"

	"github.com/lotus-farcaster/lotus-farcaster/lotusapi"
	"github.com/lotus-farcaster/lotus-farcaster/lotusapi/lotustest"
	"github.com/lotus-farcaster/lotus-farcaster/metrics"
	"github.com/lotus-farcaster/lotus-farcaster/proc"
	"github.com/lotus-farcaster/lotus-farcaster/setup"
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
	expectMiner         string   // --expect-miner: the miner lotus-miner serves, known to the job
	textfileDir, output string
	timeout             time.Duration
	curioDB             string              // --curio-db
	collectors          []metrics.Collector // of a miner's file
	clusterCollectors   []metrics.Collector // of the Curio cluster's file
	check, demo         bool
	sectorDetails       bool
	showVersion         bool
	logLevel            slog.Level
	hostInfo            hostInfoFlags // --host-info (hostinfo.go)
	trust               proc.Trust    // whose processes and folders to believe
	secrets             *redaction    // the tokens found, hidden from all output
	stdout              io.Writer     // where --output - and --demo's note go
	args                []string      // the command line, to name it in advice
	grace               time.Duration // see metrics.Options.Grace
}

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
	if len(args) > 0 && args[0] == "setup" {
		return setup.Main(args[1:], stdout, stderr, setup.Env{Getenv: os.Getenv, Secrets: secrets.add})
	}
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
	c.args = args
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

	f := discover(c, log)
	if c.demo {
		fake := lotustest.Start(lotustest.Small().AtTime(start))
		defer fake.Close()
		d, m := fake.DaemonEndpoint(), fake.MinerEndpoint()
		d.Source, m.Source = "the built-in demo miner", "the built-in demo miner"
		secrets.add(d.Token, m.Token)
		f = found{daemon: &d, miner: &m}
	}
	if line := runAsOwner(c, f, nil); line != "" {
		return sayRunAs(c, log, line)
	}
	f.sayProblems(log)
	if c.check {
		return check(ctx, c, f, stdout)
	}

	dir, _, err := outputDir(c)
	if err != nil {
		log.Error("nothing written", "err", err)
		return exitNotWritten
	}
	if !c.demo && c.output != "-" {
		// Before any call: a run that overlaps the last one costs the node nothing.
		unlock, err := textfile.Lock(jobLockPath(c, dir, f))
		if err != nil {
			log.Error("nothing written", "err", err)
			return exitNotWritten
		}
		defer unlock()
	}

	node := connect(ctx, f, start)
	defer node.Close()
	if line := runAsOwner(c, f, node); line != "" {
		return sayRunAs(c, log, line)
	}
	logAPIProblems(log, node, f)

	plans, err := planMiners(ctx, c, dir, node, f.miner != nil)
	if err != nil {
		log.Error("Curio's miners unknown; the files of the folder's miners are written", "err", err)
	}
	var wg, collected sync.WaitGroup
	collected.Add(len(plans))
	codes := make([]int, len(plans))
	toStdout := make([][]*dto.MetricFamily, len(plans))
	for i, p := range plans {
		wg.Go(func() { codes[i] = runMiner(ctx, c, node, p, log, &collected, &toStdout[i]) })
	}
	wg.Wait()
	if c.output == "-" {
		if err := c.secrets.hiding(func(w io.Writer) error { return encode(w, mergeFamilies(toStdout...), c.demo) })(c.stdout); err != nil {
			log.Error("writing metrics failed", "file", "-", "err", err)
			return exitNotWritten
		}
	}
	code := slices.Max(append(codes, exitOK))
	switch {
	case code == exitNotWritten:
		return exitNotWritten
	case f.failed:
		return exitUsage
	case node.Daemon == nil || f.miner != nil && node.Miner == nil || node.CurioUsed() && node.Curio == nil || err != nil:
		return max(code, exitFailed)
	}
	return code
}

// runMiner collects the metrics of the miner of p and writes its file and state. The first
// miner's file counts the requests shared by every miner, ChainGetGenesis among them (asked
// by whichever miner's collector needs it first), so it waits for collected: every miner's
// collectors done.
func runMiner(ctx context.Context, c config, node *metrics.Node, p minerPlan, log *slog.Logger, collected *sync.WaitGroup, toStdout *[]*dto.MetricFamily) int {
	done := sync.OnceFunc(collected.Done)
	defer done()
	switch {
	case p.cluster:
		log = log.With("cluster", "curio")
	case p.label != "":
		log = log.With("miner", p.label)
	}
	if p.err != nil {
		log.Error("nothing written", "err", p.err)
		return exitNotWritten
	}
	target := p.target
	// The demo writes into the current folder and keeps nothing else there: no lock, no state.
	keep := target != "-" && !c.demo
	statePath := ""
	st := metrics.NewState()
	if keep {
		unlock, err := textfile.Lock(target)
		if err != nil {
			logNotWritten(log, "nothing written", target, err)
			return exitNotWritten
		}
		defer unlock()
		statePath = textfile.StatePath(target)
		var bad error
		if st, bad = loadState(statePath, p.id, node.Head); bad != nil {
			// Kept for a look, out of the way: the next run finds no state and counts on.
			if err := os.Rename(statePath, statePath+".bad"); err != nil {
				log.Warn("state file unusable and could not be set aside; counting starts again, and nothing is kept", "file", statePath, "reason", bad, "err", err)
				statePath = "" // writing it would fail the same way every run
			} else {
				log.Warn("state file set aside; counting starts again", "file", statePath, "reason", bad, "set_aside", statePath+".bad")
			}
		}
	}

	result := collect(ctx, c, node, p, st)
	done()
	if p.first {
		collected.Wait()
	}
	failed := logFailures(log, result, p.id, c)

	families, err := gather(result, p.id)
	if err != nil {
		failed = true
		log.Error("inconsistent metrics left out", "err", err)
	}
	if target == "-" {
		*toStdout = families // one exposition of every file's, written by run
	} else {
		err = textfile.Write(target, c.secrets.hiding(func(w io.Writer) error { return encode(w, families, c.demo) }))
	}
	if err != nil {
		logNotWritten(log, "writing metrics failed", target, err)
		return exitNotWritten
	}
	if statePath != "" {
		if err := textfile.Write(statePath, c.secrets.hiding(func(w io.Writer) error { return st.Encode(w, p.id) })); err != nil {
			log.Error("keeping the counters for the next run failed", "file", statePath, "err", err)
			failed = true
		}
	}
	if c.demo && target != "-" {
		fmt.Fprintf(c.stdout, "wrote %s: demo data from a built-in fake miner (node_exporter does not read this folder)\n", target)
	}
	log.Debug("metrics written", "file", target, "duration", time.Since(node.Now))
	if failed {
		return exitFailed
	}
	return exitOK
}

// logNotWritten says why target could not be written and, for a folder this user may not
// write in, the command that lets it.
func logNotWritten(log *slog.Logger, msg, target string, err error) {
	if errors.Is(err, fs.ErrPermission) {
		log.Error(msg, "file", target, "err", err, "fix", writeFix(filepath.Dir(target)))
		return
	}
	log.Error(msg, "file", target, "err", err)
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
		return metrics.NewState(), fmt.Errorf("owned by %s, not by %s, who runs lotus-farcaster", userName(owner), userName(os.Getuid()))
	}
	return metrics.ReadState(f, minerID, head)
}

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
