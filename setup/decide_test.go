// The decisions, each from a host report and an earlier record, on a throw-away root.
package setup

import (
	"bytes"
	"os"
	"os/user"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// testRun is a run on a fresh root that an earlier run recorded entries for.
func testRun(t *testing.T, o Options, found Report, earlier ...Entry) (*run, *bytes.Buffer) {
	t.Helper()
	if o.Root == "" {
		o.Root = t.TempDir()
	}
	if o.Prefix == "" {
		o.Prefix = "/usr/local"
	}
	var out bytes.Buffer
	r := newRun(o, &out, &out, Env{Getenv: func(string) string { return "" }, Secrets: func(...string) {}})
	r.found, r.entries = found, earlier
	return r, &out
}

func me(t *testing.T) *user.User {
	t.Helper()
	u, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func mkdir(t *testing.T, root, p string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(root, p), 0o755); err != nil {
		t.Fatal(err)
	}
}

func TestChooseUser(t *testing.T) {
	name := me(t).Username
	one := []User{{Name: name, Why: []string{"runs lotus-miner (pid 4711)", "owns /home/lotus/.lotusminer"}}}
	for _, tc := range []struct {
		test    string
		user    string
		found   Report
		earlier []Entry
		want    string // the output line, or the error
	}{
		{"--user", name, Report{}, nil, "lotus user: " + name + " (--user)"},
		{"--user over an earlier run", name, Report{}, []Entry{{Kind: KindUser, Path: "nobody"}}, "lotus user: " + name + " (--user)"},
		{"an earlier run's", "", Report{LotusUser: "nobody", Users: one}, []Entry{{Kind: KindUser, Path: name}}, "lotus user: " + name + " (chosen by an earlier run)"},
		{"the host's", "", Report{LotusUser: name, Users: one}, nil, "lotus user: " + name + " (runs lotus-miner (pid 4711); owns /home/lotus/.lotusminer)"},
		{"none", "", Report{MinerRepos: []MinerRepo{{Path: "/home/x/.lotusminer", Skip: "dead"}}}, nil,
			"no lotus user found: no lotus-miner or curio runs, and no ~/.lotusminer* folder with an api file that answers is in /root or /home/*; skipped /home/x/.lotusminer: dead; pass --user"},
		{"several", "", Report{Users: []User{{Name: "a"}, {UID: 1001}}}, nil, "several users run lotus-miner or curio, or own miner repos (a uid 1001); pass --user"},
		{"unknown", "no-such-user-15s", Report{}, nil, "user no-such-user-15s does not exist"},
	} {
		t.Run(tc.test, func(t *testing.T) {
			r, out := testRun(t, Options{User: tc.user}, tc.found, tc.earlier...)
			err := r.chooseUser()
			got := strings.TrimSpace(out.String())
			if err != nil {
				got = err.Error()
			} else if !slices.Contains(r.desired, Entry{Kind: KindUser, Path: r.user.Name}) {
				t.Errorf("the user is not on record: %v", r.desired)
			}
			if got != tc.want {
				t.Errorf("got %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestChooseJobs(t *testing.T) {
	const lotus = "lotus"
	a := MinerRepo{Path: "/home/lotus/.lotusminer", User: lotus, DaemonRepo: "/home/lotus/.lotus", MinerID: "f01234"}
	b := MinerRepo{Path: "/data/miner2", User: lotus, MinerID: "f05678"}
	copyOfA := MinerRepo{Path: "/home/lotus/.lotusminer.bak", User: lotus, MinerID: "f01234", Skip: "a copy of /home/lotus/.lotusminer"}
	others := MinerRepo{Path: "/home/bob/.lotusminer", User: "bob", MinerID: "f09999"}
	down := MinerRepo{Path: "/data/miner2", User: lotus, Error: "connection refused", Skip: "no lotus-miner uses it, and its API did not answer"}
	curio := []CurioProcess{{PID: 4800, User: lotus}}
	for _, tc := range []struct {
		test    string
		o       Options
		found   Report
		earlier []Entry
		want    []job
		lines   []string // in the output, in order
	}{
		{"the lotus user's repos, sorted, copies skipped", Options{}, Report{MinerRepos: []MinerRepo{a, copyOfA, b, others}}, nil,
			[]job{{repo: "/data/miner2", minerID: "f05678"}, {repo: a.Path, daemon: a.DaemonRepo, minerID: "f01234"}},
			[]string{"skipped miner repo: /home/lotus/.lotusminer.bak (a copy of /home/lotus/.lotusminer)", "miner repo: /data/miner2 (miner f05678)", "miner repo: /home/lotus/.lotusminer (miner f01234, daemon repo /home/lotus/.lotus)"}},
		{"a down miner keeps its earlier job and ID", Options{}, Report{MinerRepos: []MinerRepo{a, down}}, []Entry{{Kind: KindRepo, Path: "/data/miner2", Daemon: "/data/lotus2", MinerID: "f05678"}},
			[]job{{repo: "/data/miner2", daemon: "/data/lotus2", minerID: "f05678", problem: "connection refused"}, {repo: a.Path, daemon: a.DaemonRepo, minerID: "f01234"}},
			[]string{"miner repo: /data/miner2 (miner f05678, daemon repo /data/lotus2)"}},
		{"a copy of a job's miner gets no earlier job", Options{}, Report{MinerRepos: []MinerRepo{a}}, []Entry{{Kind: KindRepo, Path: "/data/miner2", MinerID: "f01234"}},
			[]job{{repo: a.Path, daemon: a.DaemonRepo, minerID: "f01234"}}, nil},
		{"--miner-repo", Options{MinerRepos: []string{"/data/miner2", "/srv/unknown"}}, Report{MinerRepos: []MinerRepo{a, b}}, nil,
			[]job{{repo: "/data/miner2", minerID: "f05678"}, {repo: "/srv/unknown"}},
			[]string{"miner repo: /srv/unknown (miner ID unknown: not a repo found on this host)"}},
		{"--miner", Options{Miners: "f01234,f05678"}, Report{MinerRepos: []MinerRepo{a}}, nil,
			[]job{{kind: minersJob}}, []string{"daemon-only: miners f01234,f05678, read from the daemon alone"}},
		{"curio without lotus-miner", Options{}, Report{Curio: curio}, nil,
			[]job{{kind: curioJob}}, []string{"curio: the miners Curio's database serves (curio runs: lotus (pid 4800)); the job finds the database and the daemon as curio has them"}},
		{"curio beside lotus-miner", Options{}, Report{MinerRepos: []MinerRepo{b}, Curio: curio}, nil,
			[]job{{repo: "/data/miner2", minerID: "f05678"}}, []string{"note: curio runs too (lotus (pid 4800)); these jobs export lotus-miner's miners"}},
	} {
		t.Run(tc.test, func(t *testing.T) {
			r, out := testRun(t, tc.o, tc.found, tc.earlier...)
			for _, p := range []string{"/home/lotus/.lotusminer", "/data/miner2", "/srv/unknown"} {
				mkdir(t, r.o.Root, p)
			}
			r.user.Name = lotus
			for i := range tc.want {
				if tc.want[i].kind == repoJob && tc.want[i].problem == "" {
					m, _ := r.repoOf(tc.want[i].repo)
					tc.want[i].problem = m.Error
				}
			}
			if err := r.chooseJobs(); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(r.jobs, tc.want) {
				t.Errorf("jobs\n%+v\nwant\n%+v", r.jobs, tc.want)
			}
			text := out.String()
			for _, l := range tc.lines {
				i := strings.Index(text, l)
				if i < 0 {
					t.Errorf("output lacks %q:\n%s", l, out)
					continue
				}
				text = text[i:]
			}
			for _, j := range r.jobs {
				if j.kind == repoJob && !slices.Contains(r.desired, Entry{Kind: KindRepo, Path: j.repo, Daemon: j.daemon, MinerID: j.minerID}) {
					t.Errorf("job %s not on record: %v", j.repo, r.desired)
				}
			}
		})
	}
}

func TestChooseJobsRefuses(t *testing.T) {
	for _, tc := range []struct {
		test  string
		o     Options
		found Report
		want  string
	}{
		{"no repo", Options{}, Report{MinerRepos: []MinerRepo{{Path: "/home/bob/.lotusminer", User: "bob", MinerID: "f01"}}},
			"no lotus-miner repo of lotus found (LOTUS_MINER_PATH of its lotus-miner, ~/.lotusminer* with an api file); pass --miner-repo, or --miner for daemon-only mode"},
		{"--miner-repo missing", Options{MinerRepos: []string{"/nowhere"}}, Report{}, "--miner-repo /nowhere: no such folder"},
		{"a repo cron cannot quote", Options{}, Report{MinerRepos: []MinerRepo{{Path: "/home/lotus/my miner", User: "lotus"}}},
			"the miner repo /home/lotus/my miner cannot be quoted in a cron line; pass --miner-repo"},
	} {
		t.Run(tc.test, func(t *testing.T) {
			r, _ := testRun(t, tc.o, tc.found)
			r.user.Name = "lotus"
			if err := r.chooseJobs(); err == nil || err.Error() != tc.want {
				t.Errorf("got %v\nwant %s", err, tc.want)
			}
		})
	}
}

func TestChooseTextfileDir(t *testing.T) {
	process := func(dir string) Report {
		var r Report
		r.Textfile.Dir, r.Textfile.Source, r.Textfile.How = dir, "process", "--collector.textfile.directory of running node_exporter (pid 815)"
		return r
	}
	var none, unreachable Report
	none.Textfile.Dir, none.Textfile.Source, none.Textfile.How = "/var/lib/prometheus/node-exporter", "none", "nothing found"
	unreachable.Textfile.Source, unreachable.Textfile.How = "unreachable", "node_exporter (pid 900) runs in a container and reads /scratch from a tmpfs"
	earlier := Entry{Kind: KindTextfile, Path: "/srv/earlier"}
	for _, tc := range []struct {
		test    string
		given   string
		found   Report
		earlier []Entry
		want    string // the chosen folder, or the error
		line    string
	}{
		{"node_exporter's", "", process("/srv/ne"), []Entry{earlier}, "/srv/ne", "textfile folder: /srv/ne (--collector.textfile.directory of running node_exporter (pid 815))"},
		{"--textfile-dir over node_exporter's", "/srv/given", process("/srv/ne"), nil, "/srv/given", "warning: the running node_exporter reads /srv/ne (--collector.textfile.directory of running node_exporter (pid 815)), not /srv/given"},
		{"an earlier run's while node_exporter is down", "", none, []Entry{earlier}, "/srv/earlier", "textfile folder: /srv/earlier (chosen by an earlier run; no running node_exporter reads another)"},
		{"the usual folder", "", none, nil, "/var/lib/prometheus/node-exporter", "note: no node_exporter runs now; it must read /var/lib/prometheus/node-exporter"},
		{"unreachable", "", unreachable, []Entry{earlier}, "node_exporter (pid 900) runs in a container and reads /scratch from a tmpfs; nothing changed", ""},
		{"unquotable", "", process("/srv/my folder"), nil, "node_exporter's textfile folder /srv/my folder cannot be quoted in a cron line; pass --textfile-dir", ""},
	} {
		t.Run(tc.test, func(t *testing.T) {
			r, out := testRun(t, Options{TextfileDir: tc.given}, tc.found, tc.earlier...)
			mkdir(t, r.o.Root, "/srv/earlier")
			got := ""
			if err := r.chooseTextfileDir(); err != nil {
				got = err.Error()
			} else {
				got = r.textfileDir
				if !slices.Contains(r.desired, Entry{Kind: KindTextfile, Path: got}) {
					t.Errorf("the folder is not on record: %v", r.desired)
				}
			}
			if got != tc.want || !strings.Contains(out.String(), tc.line) {
				t.Errorf("got %q, output:\n%s\nwant %q and %q", got, out, tc.want, tc.line)
			}
		})
	}
}

func TestChooseScheduler(t *testing.T) {
	host := func(cronInstalled, cronRunning, systemd bool) Report {
		var r Report
		r.Cron.Installed, r.Cron.Running, r.Cron.How = cronInstalled, cronRunning, "/usr/sbin/cron"
		r.Systemd.Running, r.Systemd.How = systemd, "no /run/systemd/system: systemd is not PID 1"
		return r
	}
	cronFileEntry := Entry{Kind: KindFile, Path: cronFile}
	for _, tc := range []struct {
		test    string
		given   Scheduler
		found   Report
		earlier []Entry
		want    string // the scheduler, or the error
	}{
		{"cron runs", "", host(true, true, true), nil, "cron"},
		{"systemd without cron", "", host(false, false, true), nil, "systemd"},
		{"cron installed, not running", "", host(true, false, false), nil, "cron"},
		{"--systemd", Systemd, host(true, true, true), nil, "systemd"},
		{"--cron without a cron daemon", Cron, host(false, false, true), nil, "cron"},
		{"--systemd without systemd", Systemd, host(true, true, false), []Entry{cronFileEntry},
			"refusing --systemd: no /run/systemd/system: systemd is not PID 1, so no timer would ever run; nothing changed; the cron job stays"},
		{"nothing", "", host(false, false, false), nil,
			"nothing on this host would run the job: no cron daemon (/usr/sbin/cron), and no /run/systemd/system: systemd is not PID 1; install cron (apt install cron) and re-run; nothing changed"},
	} {
		t.Run(tc.test, func(t *testing.T) {
			r, _ := testRun(t, Options{Scheduler: tc.given}, tc.found, tc.earlier...)
			var got string
			if err := r.chooseScheduler(); err != nil {
				got = err.Error()
			} else {
				got = string(r.scheduler)
			}
			if got != tc.want {
				t.Errorf("got %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestChooseLog(t *testing.T) {
	for _, tc := range []struct {
		scheduler Scheduler
		jobs      int
		to        string
		want      logPlan
	}{
		{Systemd, 1, "file", logPlan{toJournal, "journalctl -u lotus-farcaster"}},
		{Systemd, 2, "file", logPlan{toJournal, "journalctl -u 'lotus-farcaster@*'"}},
		{Cron, 1, "journal", logPlan{toLogger, "journalctl -t lotus-farcaster"}},
		{Cron, 2, "syslog", logPlan{toLogger, "grep lotus-farcaster /var/log/syslog"}},
		{Cron, 1, "file", logPlan{toFile, "/var/log/lotus-farcaster/lotus-farcaster.log"}},
	} {
		var found Report
		found.Log.To, found.Log.Logrotate = LogTo(tc.to), true
		r, _ := testRun(t, Options{}, found)
		r.scheduler, r.jobs = tc.scheduler, make([]job, tc.jobs)
		if r.chooseLog(); r.log != tc.want {
			t.Errorf("%s, %d jobs, logger reaches %s: %+v, want %+v", tc.scheduler, tc.jobs, tc.to, r.log, tc.want)
		}
	}
}

// TestPlanAccess: a folder the lotus user cannot write is opened to its group only where
// textfile.MayChange allows it, and only when node_exporter can still read it.
func TestPlanAccess(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("testing access as another user needs root")
	}
	nobody, err := user.Lookup("nobody")
	if err != nil {
		t.Skip("no user nobody")
	}
	for _, tc := range []struct {
		test, dir string
		mode      os.FileMode
		earlier   []Entry
		want      string // "" for a grant, else the error's start
	}{
		{"documented folder", "/var/lib/prometheus/node-exporter", 0o755, nil, ""},
		{"a folder to create", "/srv/new", 0, nil, ""},
		{"an administrator's folder", "/srv/tf", 0o755, nil, "refusing to change the group and mode of /srv/tf for nobody: /srv/tf is neither"},
		{"one an earlier run created", "/srv/tf", 0o755, []Entry{{Kind: KindDir, Path: "/srv/tf"}}, ""},
		{"a system folder", "/etc/tf", 0o755, nil, "refusing to change the group and mode of /etc/tf for nobody: /etc/tf is in /etc, a system folder"},
		{"not readable by all", "/var/lib/prometheus/node-exporter", 0o750, nil, "/var/lib/prometheus/node-exporter (mode 750) is not readable by all"},
	} {
		t.Run(tc.test, func(t *testing.T) {
			r, _ := testRun(t, Options{}, Report{}, tc.earlier...)
			for _, d := range []string{r.o.Root, filepath.Dir(r.o.Root)} { // traversable by nobody, as / is
				if err := os.Chmod(d, 0o755); err != nil {
					t.Fatal(err)
				}
			}
			if tc.mode != 0 {
				mkdir(t, r.o.Root, tc.dir)
				if err := os.Chmod(filepath.Join(r.o.Root, tc.dir), tc.mode); err != nil {
					t.Fatal(err)
				}
			}
			uid, _ := strconv.Atoi(nobody.Uid)
			gid, _ := strconv.Atoi(nobody.Gid)
			r.user = lotusUser{Name: "nobody", UID: uid, GID: gid}
			r.textfileDir = tc.dir
			err := r.planAccess()
			switch {
			case tc.want == "" && (err != nil || !r.grant):
				t.Errorf("no grant: %v", err)
			case tc.want != "" && (err == nil || !strings.HasPrefix(err.Error(), tc.want)):
				t.Errorf("got %v\nwant %s...", err, tc.want)
			}
		})
	}
}

// TestRepeatOptions: a re-run repeats the options an earlier run was given, unless its own
// say otherwise, and records its own.
func TestRepeatOptions(t *testing.T) {
	earlier := []Entry{{Kind: KindOption, Path: "--miner-repo", Value: "/a"}, {Kind: KindOption, Path: "--miner-repo", Value: "/b"},
		{Kind: KindOption, Path: "--textfile-dir", Value: "/srv/tf"}, {Kind: KindOption, Path: "--systemd"}}
	for _, tc := range []struct {
		test string
		o    Options
		want Options
		line string
	}{
		{"all repeated", Options{}, Options{MinerRepos: []string{"/a", "/b"}, TextfileDir: "/srv/tf", Scheduler: Systemd},
			"options of an earlier run, repeated: --miner-repo /a --miner-repo /b --textfile-dir /srv/tf --systemd"},
		{"its own win", Options{Miners: "f01234", Scheduler: Cron}, Options{Miners: "f01234", TextfileDir: "/srv/tf", Scheduler: Cron},
			"options of an earlier run, repeated: --textfile-dir /srv/tf"},
	} {
		t.Run(tc.test, func(t *testing.T) {
			r, out := testRun(t, tc.o, Report{}, earlier...)
			tc.want.Root, tc.want.Prefix = r.o.Root, r.o.Prefix
			if err := r.repeatOptions(); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(r.o, tc.want) || strings.TrimSpace(out.String()) != tc.line {
				t.Errorf("options %+v, output %q\nwant %+v, %q", r.o, out, tc.want, tc.line)
			}
			if n := len(r.desired); n == 0 || r.desired[n-1] != (Entry{Kind: KindOption, Path: "--" + string(tc.want.Scheduler)}) {
				t.Errorf("recorded %v", r.desired)
			}
		})
	}
	r, _ := testRun(t, Options{}, Report{}, Entry{Kind: KindOption, Path: "--miner", Value: "f01234,12"})
	if err := r.repeatOptions(); err == nil || err.Error() != `--miner: "12" is not a miner ID like f01234` {
		t.Errorf("a recorded --miner the binary rejects: %v", err)
	}
}
