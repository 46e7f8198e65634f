// Which jobs: one per miner repo of the lotus user, daemon-only mode, or Curio's; and the
// options a re-run repeats. Nothing changes here yet.
package setup

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/lotus-farcaster/lotus-farcaster/lotusapi"
)

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
func (r *run) repeatOptions() error {
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
	ids, err := lotusapi.ParseMiners(o.Miners) // a repeated --miner too
	if err != nil {
		return usageError{err.Error()}
	}
	o.Miners = strings.Join(ids, ",")
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
	return nil
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

// repoJob is the job of a repo. Whatever its lotus-miner does not say now (it is down), an
// earlier run's record does: the job keeps its miner, so its file keeps saying it is down.
func (r *run) repoJob(path string) job {
	m, _ := r.repoOf(path)
	j := job{kind: repoJob, repo: path, daemon: m.DaemonRepo, minerID: m.MinerID, problem: m.Error}
	for _, e := range r.earlier(KindRepo) {
		if e.Path == path {
			j.minerID = cmp.Or(j.minerID, e.MinerID)
			j.daemon = cmp.Or(j.daemon, e.Daemon)
		}
	}
	return j
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
				r.jobs = append(r.jobs, r.repoJob(e.Path))
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
