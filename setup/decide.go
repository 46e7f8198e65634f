// The decisions: which user, which jobs, which textfile folder, whether it may be opened to
// the lotus user, which scheduler and where error lines go. Nothing changes here yet.
package setup

import (
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"github.com/lotus-farcaster/lotus-farcaster/proc"
	"github.com/lotus-farcaster/lotus-farcaster/textfile"
)

// lotusUser is the user the jobs run as.
type lotusUser struct {
	Name, Group, Home string
	UID, GID          int
}

// jobKind tells the three kinds of job apart.
type jobKind int

const (
	repoJob   jobKind = iota // one lotus-miner repo, run with LOTUS_MINER_PATH (and LOTUS_PATH)
	minersJob                // daemon-only mode: --miner, read from the daemon alone
	curioJob                 // a Curio host without lotus-miner: the job finds Curio's database
)

// job is one line of the cron file, or one timer.
type job struct {
	kind    jobKind
	repo    string // repoJob: the lotus-miner repo
	daemon  string // repoJob: its daemon repo, "" when unknown
	minerID string // repoJob: its miner, "" when unknown
	problem string // repoJob: why its miner ID is unknown
}

// name is how the output names the job.
func (j job) name() string {
	switch j.kind {
	case minersJob:
		return "miners"
	case curioJob:
		return "curio"
	}
	return j.repo
}

// repeatOptions: a re-run (the package's too) repeats the choices given to an earlier one,
// unless its own options say otherwise; this run's choices are recorded in turn.
func (r *run) repeatOptions() {
	var repeated []string
	o := &r.o
	options := r.earlier(KindOption)
	if o.Miners == "" && len(o.MinerRepos) == 0 {
		for _, e := range options {
			switch e.Path {
			case "--miner":
				o.Miners = e.Value
				repeated = append(repeated, e.Path+" "+e.Value)
			case "--miner-repo":
				o.MinerRepos = append(o.MinerRepos, e.Value)
				repeated = append(repeated, e.Path+" "+e.Value)
			}
		}
	}
	for _, e := range options {
		switch e.Path {
		case "--textfile-dir":
			if o.TextfileDir == "" {
				o.TextfileDir = e.Value
				repeated = append(repeated, e.Path+" "+e.Value)
			}
		case "--cron", "--systemd":
			if o.Scheduler == "" {
				o.Scheduler = Scheduler(strings.TrimPrefix(e.Path, "--"))
				repeated = append(repeated, e.Path)
			}
		}
	}
	if len(repeated) > 0 {
		r.say("options of an earlier run, repeated: %s", strings.Join(repeated, " "))
	}
	if o.Miners != "" {
		r.desire(Entry{Kind: KindOption, Path: "--miner", Value: o.Miners})
	}
	for _, m := range o.MinerRepos {
		r.desire(Entry{Kind: KindOption, Path: "--miner-repo", Value: m})
	}
	if o.TextfileDir != "" {
		r.desire(Entry{Kind: KindOption, Path: "--textfile-dir", Value: o.TextfileDir})
	}
	if o.Scheduler != "" {
		r.desire(Entry{Kind: KindOption, Path: "--" + string(o.Scheduler)})
	}
}

// chooseUser: --user, else an earlier run's, else the one the host names.
func (r *run) chooseUser() error {
	name, how := r.o.User, "--user"
	if name == "" {
		name, how = r.firstEarlier(KindUser), "chosen by an earlier run"
	}
	if name == "" {
		var skipped, names []string
		for _, m := range r.found.MinerRepos {
			if m.Skip != "" {
				skipped = append(skipped, "; skipped "+m.Path+": "+m.Skip)
			}
		}
		for _, u := range r.found.Users {
			names = append(names, orUID(u))
		}
		switch {
		case len(r.found.Users) == 0:
			return fail("no lotus user found: no lotus-miner or curio runs, and no ~/.lotusminer* folder with an api file that answers is in /root or /home/*%s; pass --user", strings.Join(skipped, ""))
		case r.found.LotusUser == "":
			return fail("several users run lotus-miner or curio, or own miner repos (%s); pass --user", strings.Join(names, " "))
		}
		name = r.found.LotusUser
		for _, u := range r.found.Users {
			if u.Name == name {
				how = strings.Join(u.Why, "; ")
			}
		}
	}
	pw, err := user.Lookup(name)
	if err != nil {
		return fail("user %s does not exist", name)
	}
	r.user = lotusUser{Name: name, Home: pw.HomeDir}
	r.user.UID, _ = strconv.Atoi(pw.Uid)
	r.user.GID, _ = strconv.Atoi(pw.Gid)
	r.user.Group = groupName(r.user.GID)
	r.say("lotus user: %s (%s)", name, how)
	r.desire(Entry{Kind: KindUser, Path: name})
	return nil
}

func orUID(u User) string {
	if u.Name == "" {
		return "uid " + strconv.Itoa(u.UID)
	}
	return u.Name
}

// groupName is gid's name, or its number when no group has it (one since deleted).
func groupName(gid int) string {
	if g, err := user.LookupGroupId(strconv.Itoa(gid)); err == nil {
		return g.Name
	}
	return strconv.Itoa(gid)
}

// repoOf is what the host says about a repo path.
func (r *run) repoOf(path string) (MinerRepo, bool) {
	i := slices.IndexFunc(r.found.MinerRepos, func(m MinerRepo) bool { return m.Path == path })
	if i < 0 {
		return MinerRepo{}, false
	}
	return r.found.MinerRepos[i], true
}

// serves says whether a job of this run exports miner id.
func (r *run) serves(id string) bool {
	return id != "" && slices.ContainsFunc(r.jobs, func(j job) bool { return j.minerID == id })
}

func (r *run) repoJob(path string) job {
	m, _ := r.repoOf(path)
	return job{kind: repoJob, repo: path, daemon: m.DaemonRepo, minerID: m.MinerID, problem: m.Error}
}

// chooseJobs: one job per miner repo of the lotus user, or the one job of daemon-only mode,
// or, on a Curio host without lotus-miner, the one job that finds Curio's database.
func (r *run) chooseJobs() error {
	if r.o.Miners != "" {
		r.jobs = []job{{kind: minersJob}}
		r.say("daemon-only: miners %s, read from the daemon alone", r.o.Miners)
		return nil
	}
	var curio []string
	for _, c := range r.found.Curio {
		curio = append(curio, fmt.Sprintf("%s (pid %d)", c.User, c.PID))
	}
	if len(r.o.MinerRepos) > 0 {
		for _, repo := range r.o.MinerRepos {
			if !isDir(r.host(repo)) {
				return fail("--miner-repo %s: no such folder", repo)
			}
			r.jobs = append(r.jobs, r.repoJob(repo))
		}
	} else {
		// One job per miner (the host's report skips a copy of a repo, and a dead one).
		for _, m := range r.found.MinerRepos {
			if m.User == r.user.Name && m.Skip == "" {
				r.jobs = append(r.jobs, r.repoJob(m.Path))
			}
		}
		// A miner that is down now (its API silent) keeps the job an earlier run gave it; a
		// copy of another job's repo does not.
		for _, e := range r.earlier(KindRepo) {
			m, _ := r.repoOf(e.Path)
			inJobs := slices.ContainsFunc(r.jobs, func(j job) bool { return j.repo == e.Path })
			if isDir(r.host(e.Path)) && m.MinerID == "" && !inJobs && !r.serves(e.MinerID) {
				j := r.repoJob(e.Path)
				if j.daemon == "" {
					j.daemon = e.Daemon
				}
				j.minerID = e.MinerID
				r.jobs = append(r.jobs, j)
			}
		}
		for _, m := range r.found.MinerRepos {
			inJobs := slices.ContainsFunc(r.jobs, func(j job) bool { return j.repo == m.Path })
			if m.Skip != "" && m.User == r.user.Name && !inJobs {
				r.say("skipped miner repo: %s (%s)", m.Path, m.Skip)
			}
		}
		if len(r.jobs) == 0 && len(curio) > 0 {
			r.jobs = []job{{kind: curioJob}}
			r.say("curio: the miners Curio's database serves (curio runs: %s); the job finds the database and the daemon as curio has them", strings.Join(curio, " "))
			return nil
		}
		if len(r.jobs) == 0 {
			return fail("no lotus-miner repo of %s found (LOTUS_MINER_PATH of its lotus-miner, ~/.lotusminer* with an api file); pass --miner-repo, or --miner for daemon-only mode", r.user.Name)
		}
		slices.SortFunc(r.jobs, func(a, b job) int { return strings.Compare(a.repo, b.repo) })
	}
	for _, j := range r.jobs {
		if !isSafePath(j.repo) {
			return fail("the miner repo %s cannot be quoted in a cron line; pass --miner-repo", j.repo)
		}
		if j.daemon != "" && !isSafePath(j.daemon) {
			return fail("the daemon repo %s cannot be quoted in a cron line", j.daemon)
		}
		switch {
		case j.minerID != "" && j.daemon != "":
			r.say("miner repo: %s (miner %s, daemon repo %s)", j.repo, j.minerID, j.daemon)
		case j.minerID != "":
			r.say("miner repo: %s (miner %s)", j.repo, j.minerID)
		default:
			daemon, problem := "", j.problem
			if j.daemon != "" {
				daemon = "daemon repo " + j.daemon + "; "
			}
			if problem == "" {
				problem = "not a repo found on this host"
			}
			r.say("miner repo: %s (%sminer ID unknown: %s)", j.repo, daemon, problem)
		}
		r.desire(Entry{Kind: KindRepo, Path: j.repo, Daemon: j.daemon, MinerID: j.minerID})
	}
	if len(curio) > 0 {
		r.say("note: curio runs too (%s); these jobs export lotus-miner's miners, and Curio's database is read only by a job without lotus-miner", strings.Join(curio, " "))
	}
	return nil
}

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

// chooseScheduler: cron when a cron daemon runs, else a timer when systemd is PID 1; never a
// scheduler that would not run the job.
func (r *run) chooseScheduler() error {
	h := r.found
	switch r.o.Scheduler {
	case Systemd:
		if !h.Systemd.Running {
			keep := ""
			if r.hasEntry(Entry{Kind: KindFile, Path: cronFile}) {
				keep = "; the cron job stays"
			}
			return fail("refusing --systemd: %s, so no timer would ever run; nothing changed%s", h.Systemd.How, keep)
		}
		r.scheduler = Systemd
	case Cron:
		if !h.Cron.Running {
			r.warn("no cron daemon runs (%s): nothing runs %s until one does (apt install cron)", h.Cron.How, cronFile)
		}
		r.scheduler = Cron
	default:
		switch {
		case h.Cron.Running:
			r.scheduler = Cron
		case h.Systemd.Running:
			r.scheduler = Systemd
		case h.Cron.Installed:
			r.scheduler = Cron
			r.warn("cron is installed but not running (%s): start it, or nothing runs %s", h.Cron.How, cronFile)
		default:
			return fail("nothing on this host would run the job: no cron daemon (%s), and %s; install cron (apt install cron) and re-run; nothing changed", h.Cron.How, h.Systemd.How)
		}
	}
	r.say("schedule: every minute via %s", r.scheduler)
	return nil
}

// logKind is where a job's error lines go.
type logKind int

const (
	toJournal logKind = iota // a systemd service's stderr
	toLogger                 // logger(1), to the journal or syslog
	toFile                   // a log file of the lotus user's, rotated
)

// logPlan is where error lines go, and where a person looks (the same words as the alert
// runbooks in grafana/alerts.yml).
type logPlan struct {
	kind  logKind
	where string
}

func (r *run) chooseLog() {
	switch {
	case r.scheduler == Systemd && len(r.jobs) == 1:
		r.log = logPlan{toJournal, "journalctl -u " + program}
	case r.scheduler == Systemd:
		r.log = logPlan{toJournal, "journalctl -u '" + program + "@*'"}
	case r.found.Log.To == LogJournal:
		r.log = logPlan{toLogger, "journalctl -t " + program}
	case r.found.Log.To == LogSyslog:
		r.log = logPlan{toLogger, "grep " + program + " /var/log/syslog"}
	default:
		r.log = logPlan{toFile, logFile}
		r.say("note: %s; so the job appends to %s", r.found.Log.How, logFile)
		if !r.found.Log.Logrotate {
			r.warn("logrotate is not installed, so %s is never rotated (apt install logrotate)", logFile)
		}
	}
	r.say("error lines: %s", r.log.where)
}

// warnUserCrontab: the README's manual setup would run a second copy every minute.
func (r *run) warnUserCrontab() {
	for _, f := range []string{"/var/spool/cron/crontabs/" + r.user.Name, "/var/spool/cron/" + r.user.Name} {
		if b, err := os.ReadFile(r.host(f)); err == nil && strings.Contains(string(b), program) {
			r.warn("%s's crontab (%s) also runs %s; remove that line (crontab -e -u %s)", r.user.Name, f, program, r.user.Name)
		}
	}
}
