// Which scheduler runs the jobs, and where their error lines go. Nothing changes here yet.
package setup

import (
	"os"
	"strings"
)

// chooseScheduler: cron when a cron daemon runs, else a timer when systemd is PID 1; never a
// scheduler that would not run the job.
func (r *run) chooseScheduler() error {
	h := r.found
	switch r.o.Scheduler {
	case Systemd:
		if !h.Systemd.Running {
			keep := ""
			if _, ok := r.recordedFile(cronFile); ok {
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
