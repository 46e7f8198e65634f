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
)

// found is what discovery found; a nil source was not found, or not usable.
type found struct {
	daemon, miner *lotusapi.Endpoint
	curio         *curio.Settings
	// failed is set when a source was there but not usable (a malformed address, a token
	// file that cannot be read): that is said on stderr, and the run exits 2.
	failed bool
}

// discover finds the run's sources, each failure in one stderr line. lotus-miner is not
// looked for in daemon-only mode (--miner); where Curio is found, none is needed: Curio's
// database names the miners. Curio's database is read unless lotus-miner serves the run's
// miner. Every secret found is hidden before anything is said.
func discover(c config, log *slog.Logger) (f found) {
	if c.demo {
		return f
	}
	switch s, err := curio.Discover(c.curioDB, curio.Env{Getenv: os.Getenv, ProcDir: "/proc", Trust: c.trust}); {
	case errors.Is(err, curio.ErrNotFound):
	case err != nil:
		log.Error("Curio's database not usable", "err", err)
		f.failed = true
	default:
		c.secrets.add(s.Secret())
		f.curio = &s
		log.Debug("Curio's database found", "url", s.Redacted(), "source", s.Source)
	}
	env := lotusapi.OSEnv()
	if ep, err := lotusapi.DiscoverDaemon(c.daemonAPI, env); err != nil {
		log.Error("daemon API not usable", "err", err)
		f.failed = true
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
	case err != nil:
		log.Error("miner API not usable", "err", err)
		f.failed = true
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
