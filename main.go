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
	"time"

	logging "github.com/ipfs/go-log/v2"
	"github.com/prometheus/client_golang/prometheus"
	versioncollector "github.com/prometheus/client_golang/prometheus/collectors/version"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/version"

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

// config is the parsed command line.
type config struct {
	daemonAPI, minerAPI string
	textfileDir, output string
	timeout             time.Duration
	collectors          []metrics.Collector
	check, demo         bool
	sectorDetails       bool
	showVersion         bool
	logLevel            slog.Level
	hostInfo            hostInfoFlags // --host-info (hostinfo.go)
}

const usageHead = `Usage: lotus-farcaster [flags]

Reads the Lotus daemon and lotus-miner APIs and writes their metrics to a .prom file in
node_exporter's textfile-collector folder. Run it from cron every minute as the lotus user;
it needs no flags: the APIs are found like the lotus CLI finds them.

Flags:
`

// parseFlags validates the command line. A returned flag.ErrHelp means usage was printed.
func parseFlags(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("lotus-farcaster", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usageHead)
		fs.PrintDefaults()
	}
	fs.StringVar(&c.daemonAPI, "daemon-api", "", "full node API as `TOKEN:MULTIADDR` (default: $FULLNODE_API_INFO, then $LOTUS_PATH or ~/.lotus, then the environment of a running lotus-miner)")
	fs.StringVar(&c.minerAPI, "miner-api", "", "lotus-miner API as `TOKEN:MULTIADDR` (default: $MINER_API_INFO, then $LOTUS_MINER_PATH, $LOTUS_STORAGE_PATH or ~/.lotusminer)")
	fs.StringVar(&c.textfileDir, "textfile-dir", "", "node_exporter textfile `DIR` (default: that of a running node_exporter, then /var/lib/prometheus/node-exporter, then /var/lib/node_exporter/textfile_collector)")
	fs.StringVar(&c.output, "output", "", "write to `FILE` instead of lotus-<miner id>.prom in the textfile folder; - for stdout")
	fs.DurationVar(&c.timeout, "timeout", 40*time.Second, "deadline for the whole run, well inside the cron minute (reading stops up to 2s earlier, so the file is written in time)")
	collectors := fs.String("collectors", "", "collectors to run, comma-separated: `LIST` of names to run only those, or of -names to skip those (all: "+strings.Join(collectorNames(metrics.All), ",")+")")
	fs.BoolVar(&c.sectorDetails, "sector-details", false, "also write one series per proving sector (deadline, partition, state): HIGH CARDINALITY, one series per sector on every scrape")
	fs.BoolVar(&c.check, "check", false, "print where each API and the textfile folder were found, test them, and exit")
	fs.BoolVar(&c.demo, "demo", false, "read a built-in fake miner instead of Lotus and write lotus-f01234.prom in the current folder (or --textfile-dir/--output)")
	fs.BoolVar(&c.showVersion, "version", false, "print the version and exit")
	level := fs.String("log.level", "info", "stderr log `LEVEL`: debug, info, warn or error")
	c.hostInfo.register(fs)
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if c.timeout <= 0 {
		return c, fmt.Errorf("--timeout must be positive, got %s", c.timeout)
	}
	if err := c.logLevel.UnmarshalText([]byte(*level)); err != nil {
		return c, fmt.Errorf("--log.level: %q is not one of debug, info, warn, error", *level)
	}
	var err error
	if c.collectors, err = selectCollectors(*collectors, metrics.All); err != nil {
		return c, err
	}
	if c.output != "" && c.textfileDir != "" {
		return c, errors.New("--output and --textfile-dir exclude each other")
	}
	return c, nil
}

// selectCollectors applies --collectors: "" keeps all, "a,b" only those, "-a,-b" all but those.
func selectCollectors(spec string, all []metrics.Collector) ([]metrics.Collector, error) {
	if spec == "" {
		return all, nil
	}
	names := strings.Split(spec, ",")
	exclude := strings.HasPrefix(names[0], "-")
	known := collectorNames(all)
	chosen := make(map[string]bool)
	for _, n := range names {
		if strings.HasPrefix(n, "-") != exclude {
			return nil, fmt.Errorf("--collectors: mix of names and -names in %q; use one or the other", spec)
		}
		n = strings.TrimPrefix(n, "-")
		if !slices.Contains(known, n) {
			return nil, fmt.Errorf("--collectors: unknown collector %q (known: %s)", n, strings.Join(known, ","))
		}
		chosen[n] = true
	}
	var out []metrics.Collector
	for _, c := range all {
		if chosen[c.Name()] != exclude {
			out = append(out, c)
		}
	}
	return out, nil
}

func collectorNames(cs []metrics.Collector) []string {
	names := make([]string, len(cs))
	for i, c := range cs {
		names[i] = c.Name()
	}
	return names
}

// run is main without os.Exit, so deferred cleanup runs and tests can call it.
func run(args []string, stdout, stderr io.Writer) int {
	// go-jsonrpc logs through ipfs/go-log in its own format; our one line per problem replaces it.
	_ = logging.SetLogLevel("rpc", "fatal")
	c, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if err != nil {
		fmt.Fprintf(stderr, "lotus-farcaster: %v (see --help)\n", err)
		return exitUsage
	}
	if c.showVersion {
		fmt.Fprintln(stdout, version.Print("lotus-farcaster"))
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
	// The reads stop a little before --timeout: a collector may take up to a second to
	// return after its deadline, and the file must still be written in time.
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout-min(2*time.Second, c.timeout/4))
	defer cancel()

	daemonEP, minerEP, discoveryFailed := endpoints(c, log)
	if c.demo {
		fake := lotustest.Start(lotustest.Small().AtTime(start))
		defer fake.Close()
		daemonEP, minerEP, discoveryFailed = ptr(fake.DaemonEndpoint()), ptr(fake.MinerEndpoint()), false
		if c.output == "" && c.textfileDir == "" {
			c.textfileDir = "." // never put demo data where node_exporter would serve it
		}
	}
	if c.check {
		return check(ctx, c, daemonEP, minerEP, discoveryFailed, stdout)
	}

	src := metrics.Connect(ctx, daemonEP, minerEP, start)
	defer src.Close()
	src.Options = metrics.Options{SectorDetails: c.sectorDetails}
	if daemonEP != nil && src.Daemon == nil {
		log.Error("daemon API unreachable", "url", daemonEP.URL, "err", src.DaemonErr)
	}
	if minerEP != nil && src.Miner == nil {
		log.Error("miner API unreachable", "url", minerEP.URL, "err", src.MinerErr)
	}

	target, err := outputPath(c, src)
	if err != nil {
		log.Error("nothing written", "err", err)
		if discoveryFailed {
			return exitUsage
		}
		return exitNotWritten
	}
	if target != "-" {
		unlock, err := textfile.Lock(target)
		if err != nil {
			log.Error("nothing written", "err", err)
			return exitNotWritten
		}
		defer unlock()
	}

	result := metrics.Execute(ctx, src, c.collectors)
	failed := logFailures(log, result, c.timeout)

	families, err := gather(result, src.MinerID)
	if err != nil {
		failed = true
		log.Error("inconsistent metrics left out", "err", err)
	}
	write := func(w io.Writer) error { return encode(w, families, c.demo) }
	if target == "-" {
		err = write(stdout)
	} else {
		err = textfile.Write(target, write)
	}
	if err != nil {
		log.Error("writing metrics failed", "file", target, "err", err)
		return exitNotWritten
	}
	log.Debug("metrics written", "file", target, "duration", time.Since(start))
	switch {
	case discoveryFailed:
		return exitUsage
	case failed || src.Daemon == nil || src.Miner == nil:
		return exitFailed
	}
	return exitOK
}

// logFailures writes one stderr line per failed collector, except where the cause is already
// said once: an API that was down, or a slow node that made several collectors run out of time.
func logFailures(log *slog.Logger, result *metrics.Run, timeout time.Duration) (failed bool) {
	var timedOut []string
	for _, o := range result.Failed() {
		switch {
		case metrics.IsConsequence(o.Err):
		case errors.Is(o.Err, context.DeadlineExceeded):
			timedOut = append(timedOut, o.Name)
		default:
			log.Error("collector failed", "collector", o.Name, "err", oneLine(o.Err))
		}
	}
	if len(timedOut) > 0 {
		log.Error("collectors ran out of time; raise --timeout or look at the slow Lotus API", "timeout", timeout, "collectors", strings.Join(timedOut, ","))
	}
	return len(result.Failed()) > 0
}

// endpoints finds both APIs; a failure is logged in one line and leaves that endpoint nil.
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
	if ep, err := lotusapi.DiscoverMiner(c.minerAPI, env); err != nil {
		log.Error("miner API not usable", "err", err)
		failed = true
	} else {
		miner = &ep
		log.Debug("miner API found", "endpoint", ep.String())
	}
	return daemon, miner, failed
}

func ptr[T any](v T) *T { return &v }

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
	if dir == "" {
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
