// What setup needs to know about the host, found by the exporter's own discovery code.
package setup

import (
	"context"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/lotus-farcaster/lotus-farcaster/curio"
	"github.com/lotus-farcaster/lotus-farcaster/lotusapi"
	"github.com/lotus-farcaster/lotus-farcaster/proc"
	"github.com/lotus-farcaster/lotus-farcaster/textfile"
)

// Report is what setup knows about the host, and what --host-info json prints:
//
//	{
//	  "lotus_user": "lotus",  // the user to run as: the only owner of running lotus-miner or curio
//	                          // processes, else the only owner of miner repos; "" when none or several
//	  "users": [              // every candidate, and why
//	    {"name": "lotus", "uid": 1000, "home": "/home/lotus", "why": ["runs lotus-miner (pid 4711)"]}],
//	  "miner_repos": [{       // sorted by path
//	    "path": "/home/lotus/.lotusminer",
//	    "user": "lotus",              // owner of its lotus-miner process, else of the folder
//	    "found": "LOTUS_MINER_PATH of lotus-miner (pid 4711)",  // or "~/.lotusminer of lotus-miner (pid N)", "folder with an api file"
//	    "daemon_repo": "/home/lotus/.lotus", // LOTUS_PATH of that process, else .lotus beside the repo,
//	                                         // else ~/.lotus; "" when none of them exists
//	    "miner_id": "f01234",         // ActorAddress of its API; "" when it did not answer...
//	    "error": "",                  // ...and this says why
//	    "skip": ""}],                 // why it gets no job: "a copy of PATH: both answer as miner
//	                                  // f01234, and ...", or dead: "no lotus-miner uses it, and its
//	                                  // API did not answer"
//	  "curio": [{"pid": 4800, "user": "lotus"}],  // running curio processes
//	  "curio_db": {           // Curio's database, as a job run by lotus_user finds it (never with
//	    "source": "...",      // its password); "" when no Curio is found
//	    "url": "postgres://yugabyte:xxxxx@127.0.0.1:5433/yugabyte"},
//	  "textfile": {
//	    "dir": "/var/lib/prometheus/node-exporter",
//	    "source": "process",  // "process": a running node_exporter reads dir (the host folder mounted
//	                          // where it reads, when it runs in a container); "folder": a usual
//	                          // folder that exists; "none": nothing found, dir is the one to create;
//	                          // "unreachable": a node_exporter in a container reads a folder no
//	                          // folder of this host shows, dir is "" and how says why and the fix
//	    "how": "built-in default of running prometheus-node-exporter (pid 815), Debian's build",
//	    "note": "",           // a running node_exporter that reads no folder, when there is one
//	    "changes": [{         // whether setup may change the group and mode of dir and of
//	                          // each --host-info.textfile-dir, so the lotus user can write there
//	      "dir": "/var/lib/prometheus/node-exporter",
//	      "verdict": "yes",   // "yes"; "acl": not this folder's, but an administrator may let the
//	                          // lotus user write there (setfacl); "no": not this folder at all
//	      "why": "/var/lib/prometheus/node-exporter is node_exporter's documented folder"}]},
//	  "systemd": {"running": false, "how": "no /run/systemd/system: systemd is not PID 1"},
//	  "cron": {"installed": true, "running": true, "how": "/usr/sbin/cron, running (pid 12)"},
//	  "log": {                // where a cron job's stderr can go
//	    "to": "journal",      // "journal" or "syslog": logger(1) reaches them through /dev/log;
//	                          // "file": no /dev/log, logger would drop every line
//	    "how": "/dev/log and /run/systemd/journal/socket: logger writes to the journal",
//	    "logrotate": true}    // /usr/sbin/logrotate is installed
//	}
type Report struct {
	LotusUser  string         `json:"lotus_user"`
	Users      []User         `json:"users"`
	MinerRepos []MinerRepo    `json:"miner_repos"`
	Curio      []CurioProcess `json:"curio"`
	CurioDB    struct {
		Source string `json:"source"`
		URL    string `json:"url"`
	} `json:"curio_db"`
	Textfile struct {
		Dir     string            `json:"dir"`
		Source  Source            `json:"source"`
		How     string            `json:"how"`
		Note    string            `json:"note"`
		Changes []textfile.Change `json:"changes"`
	} `json:"textfile"`
	Systemd struct {
		Running bool   `json:"running"`
		How     string `json:"how"`
	} `json:"systemd"`
	Cron struct {
		Installed bool   `json:"installed"`
		Running   bool   `json:"running"`
		How       string `json:"how"`
	} `json:"cron"`
	Log struct {
		To        LogTo  `json:"to"`
		How       string `json:"how"`
		Logrotate bool   `json:"logrotate"`
	} `json:"log"`
}

// Source is how the textfile folder was found.
type Source string

// The ways the textfile folder is found.
const (
	SourceProcess     Source = "process"     // a running node_exporter reads it
	SourceFolder      Source = "folder"      // a usual folder that exists
	SourceNone        Source = "none"        // nothing found: the usual folder, to create
	SourceUnreachable Source = "unreachable" // node_exporter in a container reads a folder no host folder shows
)

// LogTo is where a cron job's stderr can go.
type LogTo string

// The destinations of a cron job's stderr.
const (
	LogJournal LogTo = "journal" // logger(1), through /dev/log, into journald
	LogSyslog  LogTo = "syslog"  // logger(1), through /dev/log, into syslog
	LogFile    LogTo = "file"    // no /dev/log: a log file
)

// User is a candidate for the lotus user.
type User struct {
	Name string   `json:"name"`
	UID  int      `json:"uid"`
	Home string   `json:"home"`
	Why  []string `json:"why"`
	runs bool     // owns a running lotus-miner or curio
}

// MinerRepo is a lotus-miner repo found on the host.
type MinerRepo struct {
	Path       string `json:"path"`
	User       string `json:"user"`
	Found      string `json:"found"`
	DaemonRepo string `json:"daemon_repo"`
	MinerID    string `json:"miner_id"`
	Error      string `json:"error"`
	Skip       string `json:"skip"` // why it gets no job: a copy of another repo, or dead; "" for a job
	running    bool   // a running lotus-miner uses it
	owner      int    // uid of the folder, for a repo found as a folder
	apiTime    int64  // modification time of its api file, in ns: lotus-miner writes it at start
}

// CurioProcess is a running curio.
type CurioProcess struct {
	PID  int    `json:"pid"`
	User string `json:"user"`
}

// Where the facts are, relative to the host's root.
const (
	systemdRunDir = "/run/systemd/system" // exists when systemd is PID 1 (sd_booted(3))
	devLog        = "/dev/log"            // the syslog socket logger(1) writes to
	journalSocket = "/run/systemd/journal/socket"
	logrotateBin  = "/usr/sbin/logrotate"
)

// cronDaemons are where Debian's cron and cronie put their daemon.
var cronDaemons = []string{"/usr/sbin/cron", "/usr/sbin/crond", "/usr/bin/crond"}

// Inspect gathers the report for the host whose files are under root ("" for this one);
// textfileDirs are folders setup may choose other than the one found.
func Inspect(root string, textfileDirs []string, secrets func(...string)) Report {
	var r Report
	procs := proc.Find(root+"/proc", "lotus-miner", "curio", "cron", "crond")
	users := map[int]*User{}
	addUser := func(uid int, why string, runs bool) *User {
		u := users[uid]
		if u == nil {
			pw := lookupUser(uid)
			u = &pw
			users[uid] = u
		}
		u.Why = append(u.Why, why)
		u.runs = u.runs || runs
		return u
	}

	repos := map[string]*MinerRepo{}
	cronPID := 0
	// The lotus user is usually an ordinary user: whoever runs lotus-miner or curio is a candidate.
	for _, p := range procs {
		switch p.Name {
		case "curio":
			u := addUser(p.EUID, fmt.Sprintf("runs curio (pid %d)", p.PID), true)
			r.Curio = append(r.Curio, CurioProcess{PID: p.PID, User: u.Name})
		case "lotus-miner":
			u := addUser(p.EUID, fmt.Sprintf("runs lotus-miner (pid %d)", p.PID), true)
			env := p.Env()
			home := processHome(env, u.Home)
			path, found := processRepo(p.PID, env, home)
			if path == "" || repos[path] != nil {
				continue
			}
			repos[path] = &MinerRepo{Path: path, User: u.Name, Found: found, running: true,
				DaemonRepo: daemonRepo(root, path, expandHome(env["LOTUS_PATH"], home), home)}
		case "cron", "crond":
			cronPID = p.PID
		}
	}

	// Repo folders in the home folders, and in those of the users found so far.
	homes := []string{"/root"}
	if matches, err := filepath.Glob(root + "/home/*"); err == nil {
		for _, m := range matches {
			homes = append(homes, strings.TrimPrefix(m, root))
		}
	}
	for _, u := range users {
		if u.Home != "" && !slices.Contains(homes, u.Home) {
			homes = append(homes, u.Home)
		}
	}
	for _, home := range homes {
		matches, _ := filepath.Glob(root + home + "/.lotusminer*")
		for _, m := range matches {
			path := strings.TrimPrefix(m, root)
			fi, err := os.Stat(m)
			if err != nil || !fi.IsDir() || !exists(m+"/api") || repos[path] != nil {
				continue
			}
			pw := lookupUser(ownerOf(fi))
			repos[path] = &MinerRepo{Path: path, User: pw.Name, Found: "folder with an api file", owner: pw.UID,
				DaemonRepo: daemonRepo(root, path, "", pw.Home)}
		}
	}
	for _, m := range repos {
		m.MinerID, m.Error = askMinerID(root, m.Path, secrets)
		if api, err := os.Stat(root + m.Path + "/api"); err == nil {
			m.apiTime = api.ModTime().UnixNano()
		}
	}
	skipCopiesAndDead(repos)
	for _, m := range repos {
		// A copy or a dead repo says nothing about who the lotus user is.
		if !m.running && m.Skip == "" {
			addUser(m.owner, "owns "+m.Path, false)
		}
		r.MinerRepos = append(r.MinerRepos, *m)
	}
	sort.Slice(r.MinerRepos, func(i, j int) bool { return r.MinerRepos[i].Path < r.MinerRepos[j].Path })

	r.Users, r.LotusUser = chooseUser(users)
	r.CurioDB.Source, r.CurioDB.URL = curioDB(root, r.Users, r.LotusUser, secrets)
	r.Textfile.Dir, r.Textfile.Source, r.Textfile.How, r.Textfile.Note = textfileDir(root)
	r.Textfile.Changes = []textfile.Change{}
	trust := proc.LoadTrust(root)
	for _, d := range append([]string{r.Textfile.Dir}, textfileDirs...) {
		if d != "" && !slices.ContainsFunc(r.Textfile.Changes, func(c textfile.Change) bool { return c.Dir == d }) {
			r.Textfile.Changes = append(r.Textfile.Changes, textfile.MayChange(root, d, trust))
		}
	}
	r.Systemd.Running = isDir(root + systemdRunDir)
	r.Systemd.How = "no " + systemdRunDir + ": systemd is not PID 1"
	if r.Systemd.Running {
		r.Systemd.How = systemdRunDir + " exists: systemd is PID 1"
	}
	r.Cron.Running = cronPID != 0
	r.Cron.Installed, r.Cron.How = cronReport(root, cronPID)
	r.Log.To, r.Log.How = logDestination(root)
	r.Log.Logrotate = exists(root + logrotateBin)
	if r.Curio == nil { // JSON lists are [], never null
		r.Curio = []CurioProcess{}
	}
	if r.MinerRepos == nil {
		r.MinerRepos = []MinerRepo{}
	}
	return r
}

// lookupUser is uid's name and home folder, as far as the password database knows them.
func lookupUser(uid int) User {
	u := User{UID: uid}
	if pw, err := user.LookupId(strconv.Itoa(uid)); err == nil {
		u.Name, u.Home = pw.Username, pw.HomeDir
	}
	return u
}

// skipCopiesAndDead leaves one job per miner. Repos that answer as the same miner are copies
// (a backup taken with its api file, say): the one a running lotus-miner uses is the miner's,
// else the one whose api file lotus-miner wrote last. A folder no lotus-miner uses whose API
// does not answer is dead: a down miner that had a job keeps it (setup remembers it).
func skipCopiesAndDead(repos map[string]*MinerRepo) {
	byMiner := map[string]*MinerRepo{}
	for _, m := range repos {
		if m.MinerID == "" {
			if !m.running {
				m.Skip = "no lotus-miner uses it, and its API did not answer"
			}
			continue
		}
		if kept := byMiner[m.MinerID]; kept == nil || isRatherTheMiners(m, kept) {
			byMiner[m.MinerID] = m
		}
	}
	for _, m := range repos {
		if kept := byMiner[m.MinerID]; m.MinerID != "" && kept != m {
			why := "the api file here is older"
			if kept.running {
				why = "lotus-miner runs on that one"
			}
			m.Skip = fmt.Sprintf("a copy of %s: both answer as miner %s, and %s", kept.Path, m.MinerID, why)
		}
	}
}

// isRatherTheMiners orders two repos of one miner: the running one, else the newer api file,
// else (for a result that does not depend on map order) the first path.
func isRatherTheMiners(a, b *MinerRepo) bool {
	switch {
	case a.running != b.running:
		return a.running
	case a.apiTime != b.apiTime:
		return a.apiTime > b.apiTime
	}
	return a.Path < b.Path
}

// curioDB is where a job run by the lotus user finds Curio's database: from cron, with no
// variable of its own, so from a curio process the lotus user (or root) runs, or Curio's
// defaults. Nothing is reported without the lotus user, or without Curio.
func curioDB(root string, users []User, lotusUser string, secrets func(...string)) (source, url string) {
	i := slices.IndexFunc(users, func(u User) bool { return u.Name == lotusUser })
	if lotusUser == "" || i < 0 {
		return "", ""
	}
	trust := proc.LoadTrust(root)
	trust.UID = users[i].UID
	s, err := curio.Discover("", curio.Env{Getenv: func(string) string { return "" }, ProcDir: root + "/proc", Trust: trust})
	if err != nil {
		return "", ""
	}
	secrets(s.Secret())
	return s.Source, s.Redacted()
}

// processHome is the home folder a process expands "~/" with: its HOME, else its owner's.
func processHome(env map[string]string, ownerHome string) string {
	if h := env["HOME"]; h != "" {
		return h
	}
	return ownerHome
}

// processRepo is the repo a lotus-miner process uses, chosen as lotus-miner does.
func processRepo(pid int, env map[string]string, home string) (path, found string) {
	for _, v := range []string{"LOTUS_MINER_PATH", "LOTUS_STORAGE_PATH"} {
		if r := env[v]; r != "" {
			return filepath.Clean(expandHome(r, home)), fmt.Sprintf("%s of lotus-miner (pid %d)", v, pid)
		}
	}
	if home == "" {
		return "", ""
	}
	return filepath.Join(home, ".lotusminer"), fmt.Sprintf("~/.lotusminer of lotus-miner (pid %d)", pid)
}

// expandHome expands a leading "~/" as Lotus does in its repo variables.
func expandHome(p, home string) string {
	if rest, ok := strings.CutPrefix(p, "~/"); ok {
		return filepath.Join(home, rest)
	}
	return p
}

// daemonRepo is the daemon repo that goes with a miner repo: LOTUS_PATH of its process, else
// a .lotus beside it, else ~/.lotus; "" when none exists (then a run finds the daemon in
// FULLNODE_API_INFO of the running lotus-miner, or not at all).
func daemonRepo(root, minerRepo, lotusPath, home string) string {
	if lotusPath != "" {
		return lotusPath
	}
	candidates := []string{filepath.Join(filepath.Dir(minerRepo), ".lotus")}
	if home != "" {
		candidates = append(candidates, filepath.Join(home, ".lotus"))
	}
	for _, p := range candidates {
		if isDir(root + p) {
			return p
		}
	}
	return ""
}

// askMinerID asks the repo's lotus-miner for its actor address, as a run would find it.
func askMinerID(root, repo string, secrets func(...string)) (id, problem string) {
	env := lotusapi.Env{Getenv: func(k string) string {
		if k == "LOTUS_MINER_PATH" {
			return root + repo
		}
		return ""
	}}
	ep, err := lotusapi.DiscoverMiner("", env)
	if err != nil {
		return "", err.Error()
	}
	secrets(ep.Token) // a hostile lotus-miner may answer with it
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	m, closer, err := lotusapi.DialMiner(ctx, ep, nil) // nothing to count: no file is written
	if err != nil {
		return "", err.Error()
	}
	defer closer()
	id, err = m.ActorAddress(ctx)
	switch {
	case err != nil:
		return "", "miner API at " + ep.URL + ": " + err.Error()
	case !lotusapi.IsMinerID(id):
		return "", fmt.Sprintf("miner API at %s answered the actor address %q, not an ID address like f01234", ep.URL, id)
	}
	return id, ""
}

// chooseUser lists the candidates by uid and picks the lotus user when it is unambiguous.
func chooseUser(users map[int]*User) (list []User, chosen string) {
	var running, all []string
	for _, u := range users {
		list = append(list, *u)
		if u.runs {
			running = append(running, u.Name)
		}
		all = append(all, u.Name)
	}
	sort.Slice(list, func(i, j int) bool { return list[i].UID < list[j].UID })
	switch {
	case len(running) == 1:
		chosen = running[0]
	case len(running) == 0 && len(all) == 1:
		chosen = all[0]
	}
	if list == nil {
		list = []User{}
	}
	return list, chosen
}

// textfileDir finds node_exporter's folder with textfile.DetectDir, as a run does.
func textfileDir(root string) (dir string, source Source, how, note string) {
	d, err := textfile.DetectDirUnder(root)
	switch {
	case err != nil && d.PID != 0:
		return "", SourceUnreachable, d.How, d.Note
	case err != nil:
		return textfile.DefaultCandidates[0], SourceNone, "no running node_exporter reads a folder, and none of " + strings.Join(textfile.DefaultCandidates, ", ") + " exists", d.Note
	case d.PID != 0:
		return d.Path, SourceProcess, d.How, d.Note
	}
	return d.Path, SourceFolder, d.How, d.Note
}

// cronReport says whether a cron daemon is installed, and how that and cronPID were found.
func cronReport(root string, cronPID int) (installed bool, how string) {
	running := "not running"
	if cronPID != 0 {
		running = fmt.Sprintf("running (pid %d)", cronPID)
	}
	for _, c := range cronDaemons {
		if fi, err := os.Stat(root + c); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return true, c + ", " + running
		}
	}
	return false, "none of " + strings.Join(cronDaemons, ", ") + " is installed; a cron daemon is " + running
}

// logDestination says where logger(1) in a cron line puts its lines. logger writes only to
// /dev/log and, when that is missing, drops every line and exits 0; so without /dev/log the
// job needs a log file, even when journald runs.
func logDestination(root string) (to LogTo, how string) {
	journal := isSocket(root + journalSocket)
	switch {
	case isSocket(root+devLog) && journal:
		return LogJournal, devLog + " and " + journalSocket + ": logger writes to the journal (journalctl -t lotus-farcaster)"
	case isSocket(root + devLog):
		return LogSyslog, devLog + " without journald: logger writes to syslog (grep lotus-farcaster /var/log/syslog)"
	case journal:
		return LogFile, "journald runs but " + devLog + " is missing, and logger writes only there"
	}
	return LogFile, "no " + devLog + ": logger would drop every line"
}

func ownerOf(fi os.FileInfo) int {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return int(st.Uid)
	}
	return -1
}
