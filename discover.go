// Where a run's sources are, found with zero flags: the daemon, lotus-miner, Curio's database.
package main

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/lotus-farcaster/lotus-farcaster/curio"
	"github.com/lotus-farcaster/lotus-farcaster/lotusapi"
	"github.com/lotus-farcaster/lotus-farcaster/metrics"
	"github.com/lotus-farcaster/lotus-farcaster/proc"
)

// found is what discovery found; a nil source was not found, or not usable.
type found struct {
	daemon, miner *lotusapi.Endpoint
	curio         *curio.Settings
	// curioRuns says a curio process runs, whoever its user: a Curio host, which needs no
	// lotus-miner.
	curioRuns bool
	// failed is set when a source was there but not usable (a malformed address, a token
	// file that cannot be read), or not found: problems says why, on stderr once the run
	// knows they are the cause (see sayProblems), and the run exits 2.
	failed   bool
	problems []discoveryProblem
}

// discoveryProblem is one source discovery could not use, and why.
type discoveryProblem struct {
	msg string
	err error
}

// sayProblems writes one stderr line per source discovery could not use.
func (f found) sayProblems(log *slog.Logger) {
	for _, p := range f.problems {
		log.Error(p.msg, "err", p.err)
	}
}

// nothing says discovery found no source at all.
func (f found) nothing() bool { return f.daemon == nil && f.miner == nil && f.curio == nil }

// hostRoot is where the host's files are, "" for this host: tests point it at a fake one
// (its proc and home folders).
var hostRoot = ""

// discover finds the run's sources; each failure is one of f.problems. lotus-miner is not
// looked for in daemon-only mode (--miner); where Curio is found, none is needed: Curio's
// database names the miners. Curio's database is read unless lotus-miner serves the run's
// miner. Every secret found is hidden before anything is said.
func discover(c config, log *slog.Logger) (f found) {
	if c.demo {
		return f
	}
	problem := func(msg string, err error) {
		f.problems = append(f.problems, discoveryProblem{msg, err})
		f.failed = true
	}
	procDir := hostRoot + "/proc"
	f.curioRuns = len(proc.Find(procDir, "curio")) > 0
	var curioErr error
	switch s, err := curio.Discover(c.curioDB, curio.Env{Getenv: os.Getenv, ProcDir: procDir, Trust: c.trust}); {
	case errors.Is(err, curio.ErrNotFound):
		curioErr = err
	case err != nil:
		problem("Curio's database not usable", err)
	default:
		c.secrets.add(s.Secret())
		f.curio = &s
		log.Debug("Curio's database found", "url", s.Redacted(), "source", s.Source)
	}
	env := lotusapi.OSEnv()
	env.ProcDir = procDir
	if ep, err := lotusapi.DiscoverDaemon(c.daemonAPI, env); err != nil {
		problem("daemon API not usable", err)
	} else {
		c.secrets.add(ep.Token)
		f.daemon = &ep
		log.Debug("daemon API found", "endpoint", ep.String())
	}
	if len(c.miners) > 0 {
		return f
	}
	switch ep, err := lotusapi.DiscoverMiner(c.minerAPI, env); {
	case lotusapi.IsNotFound(err) && f.curio != nil:
		log.Debug("no lotus-miner: the miners are those Curio's database serves")
	case lotusapi.IsNotFound(err) && f.curioRuns && curioErr != nil:
		// A Curio host needs no lotus-miner: what is missing is Curio's database.
		problem("no lotus-miner, and curio runs but its database was not found", curioErr)
	case err != nil:
		problem("miner API not usable", err)
	default:
		c.secrets.add(ep.Token)
		f.miner = &ep
		log.Debug("miner API found", "endpoint", ep.String())
		if f.curio != nil {
			// A host moving from lotus-miner to Curio: each lotus-miner repo has its own job,
			// and the job without one reads Curio's cluster, once.
			log.Debug("Curio's database not read: lotus-miner serves this job's miner")
			f.curio = nil
		}
	}
	return f
}

// connect reaches what f found, all at once: the APIs and Curio's database.
func connect(ctx context.Context, f found, now time.Time) *metrics.Node {
	node := metrics.ConnectNode(ctx, f.daemon, f.miner, now)
	if f.curio != nil {
		node.ConnectCurio(ctx, *f.curio)
	}
	return node
}

// jobLockPath is the lock of this job: the runs of one cron line, whatever miner IDs they
// will learn from lotus-miner or Curio. It names the sources and the output, never a secret.
func jobLockPath(c config, dir string, f found) string {
	h := sha256.New()
	parts := []string{endpointURL(f.daemon), endpointURL(f.miner), c.output}
	if f.curio != nil {
		parts = append(parts, f.curio.Redacted())
	}
	for _, part := range append(parts, c.miners...) {
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
