// Which textfile folder, and whether setup may open it to the lotus user. Nothing changes here yet.
package setup

import (
	"os/exec"
	"os/user"
	"syscall"

	"github.com/lotus-farcaster/lotus-farcaster/proc"
	"github.com/lotus-farcaster/lotus-farcaster/textfile"
)

// chooseTextfileDir: --textfile-dir, else the folder node_exporter reads, else an earlier
// run's (node_exporter may just be down), else the usual folder.
func (r *run) chooseTextfileDir() error {
	tf := r.found.Textfile
	before := r.firstEarlier(KindTextfile)
	dir, how := r.o.TextfileDir, "--textfile-dir"
	switch {
	case dir != "":
		if tf.Source == SourceProcess && tf.Dir != dir {
			r.warn("the running node_exporter reads %s (%s), not %s", tf.Dir, tf.How, dir)
		}
	case tf.Source == SourceUnreachable:
		return fail("%s; nothing changed", tf.How)
	case tf.Source != SourceProcess && before != "" && isDir(r.host(before)):
		dir, how = before, "chosen by an earlier run; no running node_exporter reads another"
	default:
		dir, how = tf.Dir, tf.How
		if !isSafePath(dir) {
			return fail("node_exporter's textfile folder %s cannot be quoted in a cron line; pass --textfile-dir", dir)
		}
	}
	r.textfileDir = dir
	r.say("textfile folder: %s (%s)", dir, how)
	switch {
	case tf.Note != "":
		r.warn("%s; start it with --collector.textfile.directory=%s", tf.Note, dir)
	case tf.Source == SourceNone || tf.Source == SourceFolder:
		r.say("note: no node_exporter runs now; it must read %s (Debian/Ubuntu: apt install prometheus-node-exporter reads it by default)", dir)
	}
	r.desire(Entry{Kind: KindTextfile, Path: dir})
	return nil
}

// planAccess: must the lotus user be given write access to the textfile folder, and may
// setup give it? textfile.MayChange decides which folders it may change.
func (r *run) planAccess() error {
	dir, h, name := r.textfileDir, r.host(r.textfileDir), r.user.Name
	if r.user.UID == 0 {
		return nil
	}
	if isDir(h) && r.userCanWrite(h) {
		return nil
	}
	c := textfile.MayChange(r.o.Root, dir, proc.LoadTrust(r.o.Root))
	switch {
	case c.Verdict == "yes":
	case c.Verdict == "acl" && r.hasEntry(Entry{Kind: KindDir, Path: dir}):
		// A folder an earlier run created stays setup's to change.
	case c.Verdict == "acl":
		return fail("refusing to change the group and mode of %s for %s: %s; let %s write to it yourself (setfacl -m u:%s:rwx %s) and re-run, or pass --textfile-dir with a folder %s can write; nothing changed", dir, name, c.Why, name, name, dir, name)
	default:
		return fail("refusing to change the group and mode of %s for %s: %s; pass --textfile-dir with a folder node_exporter reads that %s can write; nothing changed", dir, name, c.Why, name)
	}
	var st syscall.Stat_t
	if syscall.Stat(h, &st) == nil { // stat -L: the folder a link leads to, which chgrp changes
		if mode := st.Mode & 0o7777; mode&0o005 != 0o005 {
			return fail("%s (mode %o) is not readable by all, so changing its group could lock node_exporter out; let %s write to it yourself (e.g. setfacl -m u:%s:rwx %s) and re-run", dir, mode, name, name, dir)
		}
	}
	r.grant = true // a folder this run creates is root's
	return nil
}

// userCanWrite asks, as the lotus user, whether it may create files in folder h: only the
// kernel knows (ACLs, supplementary groups).
func (r *run) userCanWrite(h string) bool {
	return r.asLotusUser(exec.Command("test", "-w", h, "-a", "-x", h)).Run() == nil
}

// asLotusUser makes cmd run as the lotus user: itself when that is who runs setup, else with
// runuser, else su.
func (r *run) asLotusUser(cmd *exec.Cmd) *exec.Cmd {
	if me, err := user.Current(); err == nil && me.Username == r.user.Name {
		return cmd
	}
	var args []string
	if runuser, err := exec.LookPath("runuser"); err == nil {
		args = append([]string{runuser, "-u", r.user.Name, "--"}, cmd.Args...)
	} else {
		args = append([]string{"su", "-s", "/bin/sh", r.user.Name, "-c", `exec "$@"`, "sh"}, cmd.Args...)
	}
	wrapped := exec.Command(args[0], args[1:]...)
	wrapped.Env, wrapped.Dir, wrapped.Stdin = cmd.Env, cmd.Dir, cmd.Stdin
	return wrapped
}
