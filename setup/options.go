// setup's command line: the options of `lotus-farcaster setup`, and their checks.
package setup

import (
	"cmp"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/lotus-farcaster/lotus-farcaster/lotusapi"
)

// Scheduler runs the jobs every minute.
type Scheduler string

// The schedulers setup can write for.
const (
	Cron    Scheduler = "cron"
	Systemd Scheduler = "systemd"
)

// Options are setup's command line.
type Options struct {
	User        string    // --user: the lotus user
	MinerRepos  []string  // --miner-repo, repeatable
	Miners      string    // --miner: daemon-only mode, as given (checked)
	TextfileDir string    // --textfile-dir
	Scheduler   Scheduler // --cron or --systemd; "" to choose
	Prefix      string    // --prefix: the binary goes to PREFIX/bin
	Binary      string    // --binary: the binary to install (default: this one)
	NoCheck     bool
	Uninstall   bool
	KeepData    bool
	DryRun      bool
	Root        string // --root: the host's files are under it (for tests and dpkg --root)
}

const usage = `Usage: lotus-farcaster setup [options]

Installs lotus-farcaster and runs it every minute as the lotus user, one job per lotus-miner
repo, writing into node_exporter's textfile folder; all of them as found on this host unless
an option says otherwise. Run it again to update: it repeats an earlier run's options.
Details: docs/install.md.

  --binary PATH        install this binary (default: this one; left in place if it already is PREFIX/bin/lotus-farcaster)
  --prefix DIR         install to DIR/bin/lotus-farcaster (default: /usr/local)
  --user NAME          the lotus user
  --miner-repo DIR     a lotus-miner repo to export; repeat for several
  --miner ID[,ID...]   daemon-only mode (Curio, or no lotus-miner): one job reading these miners from the daemon
  --textfile-dir DIR   node_exporter's textfile folder
  --cron               run it from /etc/cron.d/lotus-farcaster (default when a cron daemon runs)
  --systemd            run it from a systemd timer (default when systemd is PID 1 and no cron
                       daemon runs); refused when systemd is not PID 1
  --no-check           do not run lotus-farcaster --check at the end
  --uninstall          remove what earlier runs installed, and every file the exporter wrote
  --keep-data          with --uninstall: keep the exporter's counters and state and the job's
                       log, until an --uninstall without it (the .deb's remove, then purge)
  --dry-run            print what would be done; change nothing
  --root DIR           for tests and packaging: the host's files are under DIR, its processes
                       in DIR/proc; the files written still name the paths without DIR

Exit status: 0 done and the check passed, 1 error (nothing changed if it came before the first
change), 2 usage error, 3 installed but lotus-farcaster --check reported a problem.
`

// PrintUsage writes setup's --help.
func PrintUsage(w io.Writer) { fmt.Fprint(w, usage) }

// safePath is an absolute path with nothing that needs quoting in a cron line or a unit file.
var safePath = regexp.MustCompile(`^/[A-Za-z0-9._/@+-]*$`)

func isSafePath(p string) bool { return safePath.MatchString(p) && !strings.Contains(p, "//") }

// ParseOptions checks setup's command line. flag.ErrHelp means --help was asked for.
func ParseOptions(args []string) (Options, error) {
	o := Options{Prefix: "/usr/local"}
	fs := flag.NewFlagSet("setup", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	var empty error // the flag package would wrap it in its own words
	value := func(name string, set func(string)) {
		fs.Func(name, "", func(v string) error {
			if v == "" {
				empty = fmt.Errorf("--%s needs a value", name)
				return empty
			}
			set(v)
			return nil
		})
	}
	value("user", func(v string) { o.User = v })
	value("miner-repo", func(v string) { o.MinerRepos = append(o.MinerRepos, trimSlash(v)) })
	value("miner", func(v string) { o.Miners = v })
	value("textfile-dir", func(v string) { o.TextfileDir = trimSlash(v) })
	value("prefix", func(v string) { o.Prefix = trimSlash(v) })
	value("binary", func(v string) { o.Binary = v })
	value("root", func(v string) { o.Root = trimSlash(v) })
	fs.BoolFunc("cron", "", func(string) error { o.Scheduler = Cron; return nil })
	fs.BoolFunc("systemd", "", func(string) error { o.Scheduler = Systemd; return nil })
	fs.BoolVar(&o.NoCheck, "no-check", false, "")
	fs.BoolVar(&o.Uninstall, "uninstall", false, "")
	fs.BoolVar(&o.KeepData, "keep-data", false, "")
	fs.BoolVar(&o.DryRun, "dry-run", false, "")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) || empty != nil {
			return o, cmp.Or(empty, err)
		}
		if name, ok := strings.CutPrefix(err.Error(), "flag provided but not defined: -"); ok {
			return o, fmt.Errorf("unknown option --%s", name)
		}
		if name, ok := strings.CutPrefix(err.Error(), "flag needs an argument: -"); ok {
			return o, fmt.Errorf("--%s needs a value", name)
		}
		return o, err
	}
	switch {
	case fs.NArg() > 0:
		return o, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	case o.KeepData && !o.Uninstall:
		return o, errors.New("--keep-data goes with --uninstall")
	case o.Miners != "" && len(o.MinerRepos) > 0:
		return o, errors.New("--miner and --miner-repo exclude each other")
	}
	// The job's flag parser decides what a miner ID is, so a job never rejects what setup took;
	// the list is written back without blanks, which would split it in a cron line.
	ids, err := lotusapi.ParseMiners(o.Miners)
	if err != nil {
		return o, err
	}
	o.Miners = strings.Join(ids, ",")
	if o.Root != "" {
		abs, err := filepath.Abs(o.Root)
		if err == nil {
			abs, err = filepath.EvalSymlinks(abs)
		}
		if fi, serr := os.Stat(abs); err != nil || serr != nil || !fi.IsDir() {
			return o, fmt.Errorf("--root %s is not a folder", o.Root)
		}
		o.Root = abs
	}
	for _, p := range append([]string{o.Prefix, o.TextfileDir}, o.MinerRepos...) {
		if p != "" && !isSafePath(p) {
			return o, fmt.Errorf("%s: give an absolute path of letters, digits and ._/@+-", p)
		}
	}
	return o, nil
}

// trimSlash drops a trailing slash, as the paths are compared and written without one.
func trimSlash(p string) string {
	if len(p) > 1 {
		return strings.TrimSuffix(p, "/")
	}
	return p
}
