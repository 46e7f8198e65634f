// Changes to the host's files, each reported in one line and kept on record.
package setup

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/lotus-farcaster/lotus-farcaster/proc"
)

func (r *run) hasEntry(e Entry) bool { return slices.Contains(r.entries, e) }

func (r *run) addEntry(e Entry) {
	if !r.hasEntry(e) {
		r.entries = append(r.entries, e)
	}
}

// desire records what this run wants; what an earlier run recorded and this one does not
// want is undone at the end (dropStale).
func (r *run) desire(e Entry) {
	r.addEntry(e)
	r.desired = append(r.desired, e)
}

// earlier lists the recorded entries of one kind.
func (r *run) earlier(k Kind) []Entry {
	var es []Entry
	for _, e := range r.entries {
		if e.Kind == k {
			es = append(es, e)
		}
	}
	return es
}

// firstEarlier is the path of the first recorded entry of kind k, "" when none.
func (r *run) firstEarlier(k Kind) string {
	if es := r.earlier(k); len(es) > 0 {
		return es[0].Path
	}
	return ""
}

// loadManifest reads the record; false when there is none.
func (r *run) loadManifest() (bool, error) {
	b, err := os.ReadFile(r.host(Manifest))
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fail("%s: %v", Manifest, withoutRoot(err, r.o.Root))
	}
	r.entries = parseManifest(string(b))
	return true, nil
}

// saveManifest writes the record whenever it changes, so an interrupted run can be undone.
func (r *run) saveManifest() error {
	text := []byte(formatManifest(r.entries))
	if old, err := os.ReadFile(r.host(Manifest)); err == nil && bytes.Equal(old, text) {
		return nil
	}
	r.manifestDirty = true
	if r.o.DryRun {
		return nil
	}
	if err := r.ensureDir(path.Dir(Manifest)); err != nil {
		return err
	}
	return r.replace(Manifest, text, 0o644)
}

// ensureDir creates the missing folders of p, recording each.
func (r *run) ensureDir(p string) error {
	sofar := ""
	for _, part := range strings.Split(strings.TrimPrefix(p, "/"), "/") {
		sofar += "/" + part
		if isDir(r.host(sofar)) || r.dryCreated[sofar] {
			continue
		}
		if err := r.inRoot(path.Dir(sofar)); err != nil {
			return err
		}
		if r.o.DryRun {
			r.dryCreated[sofar] = true
		} else {
			if err := os.Mkdir(r.host(sofar), 0o755); err != nil {
				return fail("cannot create %s: %v", sofar, withoutRoot(err, r.o.Root))
			}
			r.addEntry(Entry{Kind: KindDir, Path: sofar})
		}
		r.did("created", "create", sofar)
	}
	return nil
}

// replace puts content at target atomically: a new file beside it, renamed over it, so a
// link at target is replaced, never followed.
func (r *run) replace(target string, content []byte, mode fs.FileMode) error {
	if err := r.inRoot(path.Dir(target)); err != nil {
		return err
	}
	h := r.host(target)
	tmp, err := os.CreateTemp(filepath.Dir(h), "."+program+"-install.")
	if err != nil {
		return fail("cannot write %s: %v", target, withoutRoot(err, r.o.Root))
	}
	_, err = tmp.Write(content)
	if err == nil {
		err = tmp.Chmod(mode)
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), h)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fail("cannot write %s: %v", target, withoutRoot(err, r.o.Root))
	}
	return nil
}

// putFile makes target a regular file with content and mode, unless it already is one;
// changed says whether it was written. A file under /etc is the administrator's to edit
// (Debian Policy 10.7.3): its hash goes on record, and an edit is kept (keepEdit).
func (r *run) putFile(target string, content []byte, mode fs.FileMode, past, present string) (changed bool, err error) {
	sum := ""
	if strings.HasPrefix(target, "/etc/") {
		sum = sha256Hex(content)
		if kept, err := r.keepEdit(target, content, sum); kept || err != nil {
			return false, err
		}
	}
	return r.writeOver(target, content, mode, past, present, sum)
}

// writeOver is putFile without the regard for edits; sum goes on record.
func (r *run) writeOver(target string, content []byte, mode fs.FileMode, past, present, sum string) (changed bool, err error) {
	r.recordFile(target, sum)
	h := r.host(target)
	if fi, err := os.Lstat(h); err == nil && fi.Mode().IsRegular() && fi.Mode().Perm() == mode {
		if old, err := os.ReadFile(h); err == nil && bytes.Equal(old, content) {
			r.say("unchanged %s", target)
			return false, nil
		}
	}
	if err := r.ensureDir(path.Dir(target)); err != nil {
		return false, err
	}
	if !r.o.DryRun {
		if err := r.replace(target, content, mode); err != nil {
			return false, err
		}
	}
	r.did(past, present, target)
	return true, nil
}

// recordedFile is the record's entry of the file p.
func (r *run) recordedFile(p string) (Entry, bool) {
	for _, e := range r.entries {
		if e.Kind == KindFile && e.Path == p {
			return e, true
		}
	}
	return Entry{}, false
}

// recordFile records that this run wants the file p, with the hash of its content, in the
// place of an earlier run's entry.
func (r *run) recordFile(p, sum string) {
	e := Entry{Kind: KindFile, Path: p, Hash: sum}
	r.desired = append(r.desired, e)
	for i, old := range r.entries {
		if old.Kind == KindFile && old.Path == p {
			r.entries[i] = e
			return
		}
	}
	r.entries = append(r.entries, e)
}

// keepEdit keeps an administrator's edit of target, as dpkg keeps an edited conffile: edited
// means its content is neither what setup last wanted there (the hash on record) nor what it
// wants now. Only when this run wants something other than the last one did does that go
// beside it as target.dpkg-dist: else there is nothing new to merge. Nothing reads that name:
// cron(8) ignores files in /etc/cron.d whose names contain a dot (Debian Policy 9.5.1);
// systemd.unit(5) loads units by their type suffix and drop-ins ending in ".conf" only;
// logrotate(8)'s taboo extension list holds .dpkg-dist. kept is false when the file is not
// edited, or the record has no hash (an earlier version's): the caller writes it as ever.
func (r *run) keepEdit(target string, content []byte, sum string) (kept bool, err error) {
	earlier, ok := r.recordedFile(target)
	if !ok || earlier.Hash == "" {
		return false, nil
	}
	h := r.host(target)
	fi, err := os.Lstat(h)
	if err != nil || !fi.Mode().IsRegular() {
		return false, nil
	}
	current, err := os.ReadFile(h)
	if err != nil || sha256Hex(current) == earlier.Hash || bytes.Equal(current, content) {
		return false, nil
	}
	r.recordFile(target, sum)
	dist := target + ".dpkg-dist"
	if sum == earlier.Hash {
		// Nothing new to merge: a .dpkg-dist an earlier run left stays until it is deleted.
		if _, onRecord := r.recordedFile(dist); onRecord && exists(r.host(dist)) {
			r.recordFile(dist, "")
		}
		r.say("kept your edit of %s", target)
		return true, nil
	}
	if _, err := r.writeOver(dist, content, fi.Mode().Perm(), "wrote", "write", ""); err != nil {
		return true, err
	}
	then := "delete it"
	if strings.HasPrefix(target, unitDir+"/") {
		then = "delete it and run systemctl daemon-reload"
	}
	if r.o.DryRun {
		r.say("would keep your edit of %s", target)
	} else {
		r.warn("kept your edit of %s; what this run would write is in %s: merge it into yours, then %s", target, dist, then)
	}
	return true, nil
}

func sha256Hex(b []byte) string { return fmt.Sprintf("%x", sha256.Sum256(b)) }

func (r *run) writeFile(target, content string) (bool, error) {
	return r.putFile(target, []byte(content), 0o644, "wrote", "write")
}

// makeLink makes target a symbolic link to dest.
func (r *run) makeLink(target, dest string) error {
	r.desire(Entry{Kind: KindLink, Path: target})
	h := r.host(target)
	if got, err := os.Readlink(h); err == nil && got == dest {
		r.say("unchanged %s", target)
		return nil
	}
	if err := r.ensureDir(path.Dir(target)); err != nil {
		return err
	}
	if err := r.inRoot(path.Dir(target)); err != nil {
		return err
	}
	if !r.o.DryRun {
		// A new link beside it, renamed over it: whatever is at target is replaced, not followed.
		tmp := filepath.Join(filepath.Dir(h), "."+program+"-install.link")
		os.Remove(tmp)
		if err := os.Symlink(dest, tmp); err != nil {
			return fail("cannot link %s: %v", target, withoutRoot(err, r.o.Root))
		}
		if err := os.Rename(tmp, h); err != nil {
			os.Remove(tmp)
			return fail("cannot link %s: %v", target, withoutRoot(err, r.o.Root))
		}
	}
	r.did("linked", "link", target+" -> "+dest)
	return nil
}

// removePath removes a file or link, if it is there; a link is removed, not followed.
func (r *run) removePath(p string) error {
	if _, err := os.Lstat(r.host(p)); err != nil {
		return nil
	}
	if err := r.inRoot(path.Dir(p)); err != nil {
		return err
	}
	if !r.o.DryRun {
		if err := os.Remove(r.host(p)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fail("cannot remove %s: %v", p, withoutRoot(err, r.o.Root))
		}
	}
	r.did("removed", "remove", p)
	return nil
}

// inRoot refuses, under --root, a path that leads out of the root through a symbolic link:
// the root of a test or of dpkg --root must never reach this machine's own files. A path
// that does not exist yet is judged by the folders on its way that do.
func (r *run) inRoot(p string) error {
	if r.o.Root == "" {
		return nil
	}
	for h := r.host(p); ; h = filepath.Dir(h) {
		real, err := filepath.EvalSymlinks(h)
		if err == nil {
			if !proc.Within(r.o.Root, real) {
				return fail("%s leads out of --root %s, to %s; nothing changed there", p, r.o.Root, real)
			}
			return nil
		}
		if h == r.o.Root || h == "/" {
			return nil
		}
	}
}

// withoutRoot names the host's paths in an error as the host knows them.
func withoutRoot(err error, root string) string {
	if root == "" {
		return err.Error()
	}
	return strings.ReplaceAll(err.Error(), root+"/", "/")
}

func exists(p string) bool { _, err := os.Stat(p); return err == nil }

func isDir(p string) bool { fi, err := os.Stat(p); return err == nil && fi.IsDir() }

func isSocket(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode()&os.ModeSocket != 0
}
