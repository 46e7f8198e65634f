// Package setup installs lotus-farcaster on a storage provider's host, or removes it: it
// decides (which user, which jobs, which textfile folder, which scheduler, where error lines
// go) from what the exporter's own discovery finds, changes the host, records each change in
// /var/lib/lotus-farcaster/installed, and undoes exactly that.
package setup

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"syscall"
)

// Exit codes of setup.
const (
	exitOK      = 0
	exitError   = 1 // nothing changed when it came before the first change
	exitUsage   = 2
	exitProblem = 3 // installed, but lotus-farcaster --check reported a problem
)

const program = "lotus-farcaster"

// Where setup writes, relative to the host's root.
const (
	cronFile       = "/etc/cron.d/lotus-farcaster"
	unitDir        = "/etc/systemd/system"
	wantsDir       = "/etc/systemd/system/timers.target.wants"
	packageUnitDir = "/usr/lib/systemd/system"
	logDir         = "/var/log/lotus-farcaster"
	logFile        = "/var/log/lotus-farcaster/lotus-farcaster.log"
	logrotateFile  = "/etc/logrotate.d/lotus-farcaster"
)

// Env is what setup takes from its process.
type Env struct {
	Getenv  func(string) string
	Secrets func(...string) // tokens setup finds, which the caller hides from all output
}

// failure ends a run with "error: ..." and exit 1; usage ends it with exit 2.
type failure struct{ msg string }

func (f failure) Error() string { return f.msg }

type usageError struct{ msg string }

func (u usageError) Error() string { return u.msg }

func fail(format string, a ...any) error { return failure{fmt.Sprintf(format, a...)} }

// Main is `lotus-farcaster setup ARGS`.
func Main(args []string, stdout, stderr io.Writer, env Env) int {
	o, err := ParseOptions(args)
	if errors.Is(err, flag.ErrHelp) {
		PrintUsage(stdout)
		return exitOK
	}
	if err != nil {
		fmt.Fprintf(stderr, "%s setup: %v (see --help)\n", program, err)
		return exitUsage
	}
	r := newRun(o, stdout, stderr, env)
	code, err := r.main()
	var u usageError
	switch {
	case errors.As(err, &u):
		fmt.Fprintf(stderr, "%s setup: %v (see --help)\n", program, err)
		return exitUsage
	case err != nil:
		fmt.Fprintf(stderr, "error: %v\n", err)
		return exitError
	}
	return code
}

// run is one setup run: its options, what it found and decided, and its record.
type run struct {
	o             Options
	stdout, errw  io.Writer
	env           Env
	packaged      bool
	removeHow     string // how to take the job away again
	purgeHow      string // how to take the kept data away too
	writtenBy     string // the comment atop each file written
	entries       []Entry
	desired       []Entry // what this run wants; earlier entries not among them are undone
	kept          []Entry // --keep-data: the data entries kept
	dryCreated    map[string]bool
	manifestDirty bool
	unitsChanged  bool
	timers        []string
	timerDir      string

	found       Report // what the host inspection found
	user        lotusUser
	jobs        []job
	textfileDir string
	grant       bool
	scheduler   Scheduler
	log         logPlan
	checkFailed bool
}

// newRun starts a run. install.sh hands over to setup, so its users keep running install.sh:
// the messages name it, and the files written are byte for byte those of earlier versions.
func newRun(o Options, stdout, stderr io.Writer, env Env) *run {
	r := &run{o: o, stdout: stdout, errw: stderr, env: env, dryCreated: map[string]bool{},
		removeHow: "install.sh --uninstall", purgeHow: "install.sh --uninstall",
		writtenBy: "Written by lotus-farcaster's install.sh; re-run it to update, or remove with install.sh --uninstall."}
	// The package's users are told apt's commands, since an uninstall behind dpkg's back would
	// leave the package installed but not scheduled. dpkg and dpkg-reconfigure set
	// DPKG_MAINTSCRIPT_PACKAGE for the maintainer scripts.
	if env.Getenv("DPKG_MAINTSCRIPT_PACKAGE") == program {
		r.packaged = true
		r.removeHow, r.purgeHow = "apt remove "+program, "apt purge "+program
		r.writtenBy = "Written by the " + program + " package for this host (options: /etc/default/" + program + ", then dpkg-reconfigure " + program + "); remove with apt remove " + program + "."
	}
	return r
}

func (r *run) main() (int, error) {
	syscall.Umask(0o022)
	if r.o.Root == "" && os.Geteuid() != 0 {
		if !r.o.DryRun {
			return exitError, fail("run as root (sudo); --dry-run works without")
		}
		r.warn("not root: processes and repos of other users cannot be read")
	}
	if r.o.DryRun {
		r.say("dry run: nothing will be changed")
	}
	if r.o.Uninstall {
		return exitOK, r.uninstall()
	}
	return r.install()
}

// host is where a path of the installed system is on this machine (under --root).
func (r *run) host(p string) string { return r.o.Root + p }

func (r *run) say(format string, a ...any) { fmt.Fprintf(r.stdout, format+"\n", a...) }

func (r *run) warn(format string, a ...any) { fmt.Fprintf(r.errw, "warning: "+format+"\n", a...) }

// did says one change: "PAST WHAT", or "would PRESENT WHAT" in a dry run.
func (r *run) did(past, present, what string) {
	if r.o.DryRun {
		r.say("would %s %s", present, what)
	} else {
		r.say("%s %s", past, what)
	}
}
