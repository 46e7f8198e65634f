// Undoing: what an earlier run installed and this one no longer wants, or all of it.
package setup

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
)

// dropStale undoes what an earlier run installed and this one no longer wants (another
// scheduler, prefix, textfile folder or log destination, a miner repo that is gone).
func (r *run) dropStale() error {
	var kept []Entry
	for _, e := range r.entries {
		if e.Kind == KindDir || e.Kind == KindData || slices.Contains(r.desired, e) {
			kept = append(kept, e)
			continue
		}
		if err := r.undo(e); err != nil {
			return err
		}
	}
	r.entries = kept
	return nil
}

var (
	jobLock      = regexp.MustCompile(`^\.lotus-farcaster\.[0-9a-f]{16}\.lock$`)
	exporterName = regexp.MustCompile(`^\.?lotus-([ft]0[0-9]+|curio)\.prom`)
)

// exporterFiles are the files lotus-farcaster writes into dir: for each miner ID (or only
// id; and "curio", a Curio cluster's file) lotus-ID.prom, .lotus-ID.prom.lock,
// .lotus-ID.prom.state (and .state.bad, one set aside), the .tmp files a killed run leaves;
// and, without id, each job's .lotus-farcaster.HASH.lock.
func (r *run) exporterFiles(dir, id string) []string {
	var files []string
	names := func(pattern string) []string {
		m, _ := filepath.Glob(filepath.Join(r.host(dir), pattern))
		return m
	}
	if id == "" {
		for _, f := range names(".lotus-farcaster.*.lock") {
			if jobLock.MatchString(filepath.Base(f)) {
				files = append(files, dir+"/"+filepath.Base(f))
			}
		}
	}
	for _, f := range append(names("lotus-*.prom"), names(".lotus-*.prom.*")...) {
		name := filepath.Base(f)
		m := exporterName.FindStringSubmatch(name)
		if m == nil || id != "" && m[1] != id {
			continue
		}
		base := "lotus-" + m[1] + ".prom"
		switch {
		case name == base, name == "."+base+".lock", name == "."+base+".state", name == "."+base+".state.bad",
			strings.HasPrefix(name, "."+base+".") && strings.HasSuffix(name, ".tmp"):
			files = append(files, dir+"/"+name)
		}
	}
	return files
}

// logFiles are the log file and its rotations.
func (r *run) logFiles(p string) []string {
	var files []string
	if _, err := os.Lstat(r.host(p)); err == nil {
		files = append(files, p)
	}
	m, _ := filepath.Glob(r.host(p) + ".*")
	for _, f := range m {
		files = append(files, strings.TrimPrefix(f, r.o.Root))
	}
	return files
}

func (r *run) removeAll(paths []string) error {
	for _, p := range paths {
		if err := r.removePath(p); err != nil {
			return err
		}
	}
	return nil
}

// undo removes what one entry describes (folders are removed at the very end).
func (r *run) undo(e Entry) error {
	switch e.Kind {
	case KindFile, KindLink:
		if strings.HasPrefix(e.Path, unitDir+"/") {
			r.unitsChanged = true
			if name := filepath.Base(e.Path); r.liveSystemd() && strings.HasSuffix(name, ".timer") && !strings.HasSuffix(name, "@.timer") {
				r.systemctl("stop", name) // a timer already stopped is no error
				r.did("stopped", "stop", name)
			}
		}
		return r.removePath(e.Path)
	case KindTextfile:
		return r.removeAll(r.exporterFiles(e.Path, ""))
	case KindLogfile:
		return r.removeAll(r.logFiles(e.Path))
	case KindRepo:
		// A miner no longer set up (its repo gone): its files go too, unless a job exports it
		// now. (Uninstall removes them with the textfile entry, or keeps the counters.)
		if r.o.Uninstall || r.textfileDir == "" || e.MinerID == "" || r.serves(e.MinerID) {
			return nil
		}
		return r.removeAll(r.exporterFiles(r.textfileDir, e.MinerID))
	case KindData:
		return r.removePath(e.Path)
	case KindPerm:
		return r.restorePerm(e)
	}
	return nil
}

// restorePerm gives the textfile folder back the group and mode it had before.
func (r *run) restorePerm(e Entry) error {
	if err := r.inRoot(e.Path); err != nil {
		return err
	}
	f, err := os.OpenFile(r.host(e.Path), os.O_RDONLY|syscall.O_DIRECTORY, 0)
	if err != nil {
		return nil // gone, or no folder: nothing to restore
	}
	defer f.Close()
	if !r.o.DryRun {
		if err := f.Chown(-1, e.GID); err != nil {
			return fail("cannot restore the group of %s: %v", e.Path, err)
		}
		if err := syscall.Fchmod(int(f.Fd()), e.Mode); err != nil {
			return fail("cannot restore the mode of %s: %v", e.Path, err)
		}
	}
	r.did("restored", "restore", "group "+groupName(e.GID)+" and mode "+octal(e.Mode)+" of "+e.Path)
	return nil
}

func octal(m uint32) string { return strconv.FormatUint(uint64(m), 8) }

// keep records a data entry once.
func (r *run) keep(p string) {
	if e := (Entry{Kind: KindData, Path: p}); !slices.Contains(r.kept, e) {
		r.kept = append(r.kept, e)
	}
}

// keepData, for --keep-data: keep what an entry holds of the exporter's data (its counters
// and state, the log) as data entries, and undo the rest of it. Debian keeps a package's
// data on remove and deletes it on purge; the .deb's postrm purge reads them.
func (r *run) keepData(e Entry) error {
	switch e.Kind {
	case KindTextfile:
		for _, f := range r.exporterFiles(e.Path, "") {
			if strings.HasSuffix(f, ".prom.state") || strings.HasSuffix(f, ".prom.state.bad") {
				r.keep(f)
			} else if err := r.removePath(f); err != nil {
				return err
			}
		}
	case KindLogfile:
		for _, f := range r.logFiles(e.Path) {
			r.keep(f)
		}
	case KindData:
		if _, err := os.Lstat(r.host(e.Path)); err == nil {
			r.keep(e.Path)
		}
	default:
		return r.undo(e)
	}
	return nil
}

func (r *run) uninstall() error {
	ok, err := r.loadManifest()
	if err != nil {
		return err
	}
	if !ok {
		r.say("nothing to uninstall: %s does not exist", Manifest)
		return nil
	}
	var dirs, keptDirs []Entry
	for _, e := range r.entries {
		switch {
		case e.Kind == KindDir:
			dirs = append(dirs, e)
		case r.o.KeepData:
			err = r.keepData(e)
		default:
			err = r.undo(e)
		}
		if err != nil {
			return err
		}
	}
	for _, e := range r.kept {
		r.say("kept %s (removed by %s)", e.Path, r.purgeHow)
	}
	if len(r.kept) == 0 {
		if err := r.removePath(Manifest); err != nil {
			return err
		}
	}
	for i := len(dirs) - 1; i >= 0; i-- {
		d := dirs[i].Path
		switch {
		case !isDir(r.host(d)):
		case r.o.DryRun:
			r.say("would remove %s if empty", d)
		case syscall.Rmdir(r.host(d)) == nil:
			r.say("removed %s", d)
		default:
			r.say("kept %s: not empty", d)
			// On record in their first order, so that purge removes them once empty.
			keptDirs = append([]Entry{dirs[i]}, keptDirs...)
		}
	}
	if len(r.kept) > 0 {
		r.entries = append(keptDirs, r.kept...)
		if err := r.saveManifest(); err != nil {
			return err
		}
		r.did("wrote", "write", Manifest+" (what purge removes)")
	}
	if r.unitsChanged && r.liveSystemd() {
		if err := r.systemctl("daemon-reload"); err != nil {
			return err
		}
		r.did("reloaded", "reload", "systemd")
	}
	if r.o.DryRun {
		r.say("dry run: nothing was changed")
	} else {
		r.say("uninstalled %s", program)
	}
	return nil
}
