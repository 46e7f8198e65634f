// The command line: flags, their checks, --help and --version.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"regexp"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/version"

	"github.com/lotus-farcaster/lotus-farcaster/lotusapi"
	"github.com/lotus-farcaster/lotus-farcaster/metrics"
)

const usageHead = `Usage: lotus-farcaster [flags]

Reads the Lotus daemon and lotus-miner APIs and writes their metrics to a .prom file in
node_exporter's textfile-collector folder. Run it from cron every minute as the lotus user;
it needs no flags: the APIs are found like the lotus CLI finds them.
To install it so: sudo lotus-farcaster setup (see lotus-farcaster setup --help).

Flags:
`

// newFlagSet declares the flags into c. Parse errors are reported by the caller, in one line.
func newFlagSet(c *config) (*flag.FlagSet, *string, *string, *string) {
	fs := flag.NewFlagSet("lotus-farcaster", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	fs.StringVar(&c.daemonAPI, "daemon-api", "", "full node API as `TOKEN:MULTIADDR`; every local user can read a token here (ps): prefer FULLNODE_API_INFO or the repo's token file (default: $FULLNODE_API_INFO, then $LOTUS_PATH or ~/.lotus, then the environment of a running lotus-miner or curio)")
	fs.StringVar(&c.minerAPI, "miner-api", "", "lotus-miner API as `TOKEN:MULTIADDR`; every local user can read a token here (ps): prefer MINER_API_INFO or the repo's token file (default: $MINER_API_INFO, then $LOTUS_MINER_PATH, $LOTUS_STORAGE_PATH or ~/.lotusminer)")
	miners := fs.String("miner", "", "daemon-only mode, for Curio and hosts without lotus-miner: read these miner actors (`f0…,f0…`) from the daemon alone, one file each")
	fs.StringVar(&c.expectMiner, "expect-miner", "", "the miner `ID` lotus-miner serves, as setup records it: while lotus-miner is down its file still says so (lotus_up{api=\"miner\"} 0), and a lotus-miner serving another miner is refused")
	fs.StringVar(&c.curioDB, "curio-db", "", "Curio's database as a postgres:// `URL` (default: $CURIO_DB_HOST and the other CURIO_DB_* variables, then those and the --db-* flags of a running curio, then Curio's defaults when curio runs); a password in it is visible to every local user: prefer CURIO_DB_PASSWORD")
	fs.StringVar(&c.textfileDir, "textfile-dir", "", "node_exporter textfile `DIR` (default: that of a running node_exporter of root, a system user or this user, then /var/lib/prometheus/node-exporter, then /var/lib/node_exporter/textfile_collector)")
	fs.StringVar(&c.output, "output", "", "write to `FILE` instead of lotus-<miner id>.prom in the textfile folder; - for stdout")
	c.timeout = 40 * time.Second
	fs.Var(durationFlag{&c.timeout}, "timeout", "the whole run, writing included, ends within `D`, a duration with its unit (40s, 1m); keep it well inside the cron minute")
	collectors := fs.String("collectors", "", "collectors to run, comma-separated: `LIST` of names to run only those, or of -names to skip those (all: "+strings.Join(collectorNames(allCollectors()), ",")+")")
	fs.BoolVar(&c.sectorDetails, "sector-details", false, "also write one series per proving sector (deadline, partition, state): HIGH CARDINALITY, one series per sector on every scrape")
	fs.BoolVar(&c.check, "check", false, "find the APIs and the textfile folder, run every collector once without writing, print what works and what to fix, and exit")
	fs.BoolVar(&c.demo, "demo", false, "read a built-in fake miner instead of Lotus and write lotus-f01234.prom in the current folder (or --textfile-dir/--output)")
	fs.BoolVar(&c.showVersion, "version", false, "print the version and exit")
	level := fs.String("log.level", "info", "stderr log `LEVEL`: debug, info, warn or error")
	c.hostInfo.register(fs)
	return fs, miners, collectors, level
}

// parseFlags validates the command line. flag.ErrHelp means --help was asked for.
func parseFlags(args []string) (config, error) {
	var c config
	fs, miners, collectors, level := newFlagSet(&c)
	if err := fs.Parse(args); err != nil {
		return c, flagError(fs, err)
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
	chosen, err := selectCollectors(*collectors, allCollectors())
	if err != nil {
		return c, err
	}
	for _, col := range chosen {
		if slices.Contains(metrics.CurioCluster, col) {
			c.clusterCollectors = append(c.clusterCollectors, col)
		} else {
			c.collectors = append(c.collectors, col)
		}
	}
	if c.miners, err = lotusapi.ParseMiners(*miners); err != nil {
		return c, err
	}
	if c.expectMiner != "" && !lotusapi.IsMinerID(c.expectMiner) {
		return c, fmt.Errorf("--expect-miner: %q is not a miner ID like f01234", c.expectMiner)
	}
	switch {
	case c.expectMiner != "" && (len(c.miners) > 0 || c.demo):
		return c, errors.New("--expect-miner names lotus-miner's miner; it excludes --miner and --demo")
	case c.output != "" && c.textfileDir != "":
		return c, errors.New("--output and --textfile-dir exclude each other")
	case len(c.miners) > 0 && c.minerAPI != "":
		return c, errors.New("--miner reads the daemon alone; it excludes --miner-api")
	case len(c.miners) > 1 && c.output != "":
		return c, errors.New("--output names one file; with several --miner use --textfile-dir")
	case len(c.miners) > 0 && c.demo:
		return c, errors.New("--demo has its own miner; it excludes --miner")
	}
	return c, nil
}

// durationFlag is --timeout: a number without its unit ("--timeout 5") is the usual
// mistake, and the flag package would only say "parse error".
type durationFlag struct{ d *time.Duration }

func (f durationFlag) String() string {
	if f.d == nil { // flag.PrintDefaults' zero value
		return ""
	}
	return f.d.String()
}

func (f durationFlag) Set(s string) error {
	d, err := time.ParseDuration(s)
	if err != nil {
		if _, isNumber := strconv.ParseFloat(s, 64); isNumber == nil {
			return fmt.Errorf("a duration needs its unit, like %ss, 40s or 1m", s)
		}
		return errors.New("not a duration like 40s or 1m")
	}
	*f.d = d
	return nil
}

// flagError rewrites the flag package's messages in the --flag form --help uses, and
// suggests the nearest flag for one that does not exist.
func flagError(fs *flag.FlagSet, err error) error {
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "flag provided but not defined: -"); ok {
		var names []string
		fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
		if near := nearest(name, names); near != "" {
			return fmt.Errorf("unknown flag --%s; did you mean --%s?", name, near)
		}
		return fmt.Errorf("unknown flag --%s", name)
	}
	if m := flagValueError.FindStringSubmatch(msg); m != nil {
		if m[1] != "" { // a boolean's only error is the flag package's bare "parse error"
			m[4] = "give true or false"
		}
		return fmt.Errorf("--%s %s: %s", m[3], m[2], m[4])
	}
	if name, ok := strings.CutPrefix(msg, "flag needs an argument: -"); ok {
		return fmt.Errorf("--%s needs a value", name)
	}
	return err
}

var flagValueError = regexp.MustCompile(`^invalid (boolean )?value (".*") for (?:flag )?-(\S+): (.*)$`)

// nearest is the name in names closest to a mistyped one, or "" when none is close: at
// most a third of its letters changed (at least one), or one name starting the other.
func nearest(typed string, names []string) string {
	best, bestDist := "", len(typed)/3+1
	for _, n := range names {
		d := editDistance(typed, n)
		if len(typed) >= 4 && (strings.HasPrefix(n, typed) || strings.HasPrefix(typed, n)) {
			d = min(d, bestDist-1)
		}
		if d < bestDist {
			best, bestDist = n, d
		}
	}
	return best
}

// editDistance is Levenshtein's: the fewest letters inserted, deleted or replaced.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

// printUsage writes --help in the --flag style the README uses.
func printUsage(w io.Writer) {
	var c config
	fs, _, _, _ := newFlagSet(&c)
	fmt.Fprint(w, usageHead)
	fs.VisitAll(func(f *flag.Flag) {
		name, usage := flag.UnquoteUsage(f)
		line := "  --" + f.Name
		if name != "" {
			line += " " + name
		}
		fmt.Fprintf(w, "%s\n      %s", line, usage)
		if f.DefValue != "" && f.DefValue != "false" {
			fmt.Fprintf(w, " (default %s)", f.DefValue)
		}
		fmt.Fprintln(w)
	})
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
			if near := nearest(n, known); near != "" {
				return nil, fmt.Errorf("--collectors: unknown collector %q; did you mean %s?", n, near)
			}
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

// allCollectors are the collectors of a miner's file, Lotus's and Curio's (run where Curio
// is used), then those of the Curio cluster's file.
func allCollectors() []metrics.Collector {
	return slices.Concat(metrics.All, metrics.CurioMiner, metrics.CurioCluster)
}

func collectorNames(cs []metrics.Collector) []string {
	names := make([]string, len(cs))
	for i, c := range cs {
		names[i] = c.Name()
	}
	return names
}

// versionString describes the build. A release stamps version.Version with -ldflags; a plain
// `go build` or `go install` still knows its module version and VCS revision.
func versionString() string {
	if version.Version != "" {
		return version.Print("lotus-farcaster")
	}
	v, revision, when, modified := "(devel)", "unknown", "", false
	if info, ok := debug.ReadBuildInfo(); ok {
		if info.Main.Version != "" {
			v = info.Main.Version
		}
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				revision = s.Value[:min(12, len(s.Value))]
			case "vcs.time":
				when = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
	}
	if modified {
		revision += "+changes"
	}
	out := fmt.Sprintf("lotus-farcaster, version %s (revision: %s", v, revision)
	if when != "" {
		out += ", committed " + when
	}
	return out + ")\n  go version: " + runtime.Version() + "\n  platform: " + runtime.GOOS + "/" + runtime.GOARCH
}
