// Package textfile writes node_exporter textfile-collector files safely: one writer at a time, atomic replace.
package textfile

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// ErrLocked is returned by Lock when another run holds the lock.
var ErrLocked = errors.New("lock is held")

// Lock takes an exclusive, non-blocking flock on a lock file beside target
// (same folder, named "." + base(target) + ".lock", created 0644 if missing).
// The lock file is never removed: deleting it would let a later run lock a
// new file while an older run still holds the old one.
//
// When another process holds the lock, Lock returns an error wrapping
// ErrLocked at once, so an overlapping cron run gives up instead of piling up.
// Call unlock when done; the kernel also drops the lock if the process dies.
func Lock(target string) (unlock func(), err error) {
	path := filepath.Join(filepath.Dir(target), "."+filepath.Base(target)+".lock")
	f, err := OpenNoFollow(path, os.O_RDONLY|os.O_CREATE)
	if err != nil {
		return nil, fmt.Errorf("open lock file: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("another lotus-farcaster run is still writing %s: %w", target, ErrLocked)
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	// Closing the descriptor releases the flock.
	return func() { f.Close() }, nil
}

// StatePath is where the exporter keeps what it carries from one run to the next for the
// miner of target: beside it, hidden, and not ending in .prom, so node_exporter ignores it.
func StatePath(target string) string {
	return filepath.Join(filepath.Dir(target), "."+filepath.Base(target)+".state")
}

// OpenNoFollow opens path without following a symlink (the textfile folder is often
// writable by a group: a planted link must not make the lotus user open another file) and
// without blocking on a FIFO; anything but a regular file is refused.
func OpenNoFollow(path string, flag int) (*os.File, error) {
	f, err := os.OpenFile(path, flag|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0o644)
	if err != nil {
		return nil, err
	}
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("%s is not a regular file", path)
	}
	return f, nil
}

// Owner returns the uid owning the open file f.
func Owner(f *os.File) (uid int, ok bool) {
	fi, err := f.Stat()
	if err != nil {
		return -1, false
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return -1, false
	}
	return int(st.Uid), true
}

// Write atomically replaces target with what write produces, so node_exporter
// never scrapes a partial or empty file.
//
// The content goes to a temp file in the same folder (rename is only atomic
// within one filesystem) named "." + base + ".<random>.tmp", so node_exporter,
// which reads only *.prom, ignores it. The temp file is fsynced, made 0644,
// renamed over target, and the folder is fsynced so the rename survives a
// crash. On any error before the rename the temp file is removed and target
// is left as it was.
//
// Temp files of this target left behind by a killed earlier run are removed
// first. The caller must hold Lock(target), so no live run owns them.
func Write(target string, write func(io.Writer) error) error {
	dir, base := filepath.Dir(target), filepath.Base(target)
	if err := removeStale(dir, base); err != nil {
		return err
	}
	tmp, err := writeTemp(dir, base, write)
	if err != nil {
		return err
	}
	if err := os.Rename(tmp, target); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("replace %s: %w", target, err)
	}
	return syncDir(dir)
}

// writeTemp writes a complete, synced, 0644 temp file and returns its name.
// It removes the file itself on failure.
func writeTemp(dir, base string, write func(io.Writer) error) (name string, err error) {
	f, err := os.CreateTemp(dir, "."+base+".*.tmp")
	if err != nil {
		return "", fmt.Errorf("create temp file: %w", err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()

	// Buffer because metric encoders tend to make many small writes.
	w := bufio.NewWriter(f)
	if err := write(w); err != nil {
		return "", err
	}
	if err := w.Flush(); err != nil {
		return "", fmt.Errorf("write %s: %w", f.Name(), err)
	}
	if err := f.Sync(); err != nil {
		return "", fmt.Errorf("sync %s: %w", f.Name(), err)
	}
	// CreateTemp makes 0600; node_exporter may run as another user.
	if err := f.Chmod(0o644); err != nil {
		return "", fmt.Errorf("chmod %s: %w", f.Name(), err)
	}
	if err := f.Close(); err != nil {
		return "", fmt.Errorf("close %s: %w", f.Name(), err)
	}
	return f.Name(), nil
}

// removeStale deletes temp files that an earlier, killed Write of the same
// target left in dir.
func removeStale(dir, base string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("list %s: %w", dir, err)
	}
	for _, e := range entries {
		if !e.Type().IsRegular() || !isTempOf(e.Name(), base) {
			continue
		}
		if err := os.Remove(filepath.Join(dir, e.Name())); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("remove stale temp file: %w", err)
		}
	}
	return nil
}

// isTempOf reports whether name is "." + base + ".<random>.tmp". The random
// part from os.CreateTemp has no dots; requiring that keeps the temp files of
// a target such as "a.prom.x" from matching base "a.prom".
func isTempOf(name, base string) bool {
	rest, ok := strings.CutPrefix(name, "."+base+".")
	if !ok {
		return false
	}
	random, ok := strings.CutSuffix(rest, ".tmp")
	return ok && random != "" && !strings.Contains(random, ".")
}

// syncDir fsyncs a folder so a rename inside it is durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("open folder for sync: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}
