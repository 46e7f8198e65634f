// The install: decide everything first, then change the host, each change on record.
package setup

import (
	"fmt"
	"os"
	"os/exec"
	"path"
	"strings"
	"syscall"
)

func (r *run) install() (int, error) {
	if _, err := r.loadManifest(); err != nil {
		return exitError, err
	}
	// Everything that can fail without changing the host comes first.
	if err := r.repeatOptions(); err != nil {
		return exitUsage, err
	}
	bin, err := r.binary()
	if err != nil {
		return exitError, err
	}
	r.found = Inspect(r.o.Root, nil, r.env.Secrets)
	for _, decide := range []func() error{r.chooseUser, r.chooseJobs, r.chooseTextfileDir, r.planAccess, r.chooseScheduler} {
		if err := decide(); err != nil {
			return exitError, err
		}
	}
	r.chooseLog()
	r.warnUserCrontab()

	for _, change := range []func() error{
		r.saveManifest, func() error { return r.installBinary(bin) }, r.saveManifest,
		r.prepareTextfileDir, r.setupLogFile, r.installJobs, r.saveManifest,
		r.dropStale, r.startTimers, r.saveManifest,
	} {
		if err := change(); err != nil {
			return exitError, err
		}
	}
	if !r.o.NoCheck {
		for _, j := range r.jobs {
			r.check(j)
		}
	}
	if !r.manifestDirty {
		r.say("unchanged %s", Manifest)
	} else {
		if err := r.ensureDir(path.Dir(Manifest)); err != nil {
			return exitError, err
		}
		r.did("wrote", "write", Manifest)
	}
	switch {
	case r.o.DryRun:
		r.say("dry run: nothing was changed")
	case r.checkFailed:
		r.say("installed %s, but the check found a problem (above); it runs every minute as %s regardless; error lines: %s", program, r.user.Name, r.log.where)
		return exitProblem, nil
	default:
		r.say("done: %s runs every minute as %s via %s (%d job(s)); error lines: %s; remove with %s", program, r.user.Name, r.scheduler, len(r.jobs), r.log.where, r.removeHow)
	}
	return exitOK, nil
}

// binary is the binary to install, --binary or this one, once it ran here.
func (r *run) binary() (string, error) {
	bin := r.o.Binary
	if bin == "" {
		self, err := os.Executable()
		if err != nil {
			return "", fail("cannot find this binary (%v); pass --binary", err)
		}
		bin = self
	}
	if fi, err := os.Stat(bin); err != nil || !fi.Mode().IsRegular() {
		return "", fail("--binary %s: no such file", bin)
	}
	out, _ := exec.Command(bin, "--version").CombinedOutput()
	v, ok := strings.CutPrefix(string(out), program+", version ")
	if !ok {
		first, _, _ := strings.Cut(string(out), "\n")
		return "", fail("%s is not a %s binary for this machine (--version said: %s)", bin, program, first)
	}
	v, _, _ = strings.Cut(v, " ")
	if v == "" {
		v = "(no version stamped)"
	}
	r.say("binary: %s %s (%s)", program, v, bin)
	return bin, nil
}

func (r *run) installBinary(bin string) error {
	target := r.binPath()
	if a, b := statOf(bin), statOf(r.host(target)); a != nil && b != nil && a.Dev == b.Dev && a.Ino == b.Ino {
		r.say("binary in place: %s (its package's, not ours to remove)", target)
		return nil
	}
	content, err := os.ReadFile(bin)
	if err != nil {
		return fail("cannot read %s: %v", bin, err)
	}
	_, err = r.putFile(target, content, 0o755, "installed", "install")
	return err
}

func statOf(p string) *syscall.Stat_t {
	var st syscall.Stat_t
	if syscall.Stat(p, &st) != nil {
		return nil
	}
	return &st
}

// prepareTextfileDir creates the folder and, where planAccess allowed it, gives the lotus
// user's group write access, after the old group and mode are on record.
func (r *run) prepareTextfileDir() error {
	dir := r.textfileDir
	if err := r.ensureDir(dir); err != nil {
		return err
	}
	// Keep the record of the state before an earlier run's change, so uninstall reverts to it.
	recorded := false
	for _, e := range r.entries {
		if e.Kind == KindPerm && e.Path == dir {
			r.desired = append(r.desired, e)
			recorded = true
		}
	}
	if !r.grant {
		r.say("access: %s can write to %s", r.user.Name, dir)
		return nil
	}
	if err := r.inRoot(dir); err != nil {
		return err
	}
	// The folder a link leads to, opened once: what is recorded is what is changed.
	f, err := os.OpenFile(r.host(dir), os.O_RDONLY|syscall.O_DIRECTORY, 0)
	if err != nil {
		if r.o.DryRun {
			r.say("would grant group %s write access to %s", r.user.Group, dir) // a dry run that would create it
			return nil
		}
		return fail("cannot open %s: %v", dir, withoutRoot(err, r.o.Root))
	}
	defer f.Close()
	var st syscall.Stat_t
	if err := syscall.Fstat(int(f.Fd()), &st); err != nil {
		return fail("cannot stat %s: %v", dir, err)
	}
	mode := st.Mode & 0o7777
	if !recorded {
		r.desire(Entry{Kind: KindPerm, Path: dir, GID: int(st.Gid), Mode: mode})
	}
	if !r.o.DryRun {
		if err := r.saveManifest(); err != nil { // the old state is on record before it changes
			return err
		}
		if err := f.Chown(-1, r.user.GID); err != nil {
			return fail("cannot change the group of %s: %v", dir, err)
		}
		if err := syscall.Fchmod(int(f.Fd()), mode|0o070); err != nil {
			return fail("cannot change the mode of %s: %v", dir, err)
		}
	}
	r.did("granted", "grant", fmt.Sprintf("group %s write access to %s (was %s %o; %s reverts it)", r.user.Group, dir, groupName(int(st.Gid)), mode, r.removeHow))
	return nil
}

// setupLogFile: a folder the lotus user owns, so the job can append, and the rotation.
func (r *run) setupLogFile() error {
	if r.log.kind != toFile {
		return nil
	}
	h := r.host(logDir)
	if isDir(h) && !r.hasEntry(Entry{Kind: KindDir, Path: logDir}) {
		if !r.userCanWrite(h) {
			r.warn("%s cannot write to %s, which this installer did not create: error lines are lost until it can", r.user.Name, logDir)
		}
	} else {
		if err := r.ensureDir(logDir); err != nil {
			return err
		}
		if st := statOf(h); st == nil || int(st.Uid) != r.user.UID || int(st.Gid) != r.user.GID {
			if err := r.inRoot(path.Dir(logDir)); err != nil {
				return err
			}
			if !r.o.DryRun {
				if err := os.Lchown(h, r.user.UID, r.user.GID); err != nil {
					return fail("cannot give %s to %s: %v", logDir, r.user.Name, err)
				}
			}
			r.did("granted", "grant", r.user.Name+" the folder "+logDir)
		}
	}
	r.desire(Entry{Kind: KindLogfile, Path: logFile})
	_, err := r.writeFile(logrotateFile, r.logrotateText())
	return err
}
