// The schedule on the host: the cron file, or the systemd units, their links and systemctl.
package setup

import (
	"os/exec"
	"strings"
)

func (r *run) installJobs() error {
	if r.scheduler == Cron {
		_, err := r.writeFile(cronFile, r.cronText())
		return err
	}
	return r.installSystemd()
}

func (r *run) putUnit(name, content string) error {
	changed, err := r.writeFile(unitDir+"/"+name, content)
	r.unitsChanged = r.unitsChanged || changed
	return err
}

// placeTimer writes a timer unit, or uses the package's. A timer is the same on every host,
// so the .deb ships it in /usr/lib/systemd/system, where dpkg knows it, and the package's
// run only enables it; a service names the host's user, repos and folder, so it is written
// into /etc/systemd/system, as without the package.
func (r *run) placeTimer(name, suffix string) error {
	if r.packaged && exists(r.host(packageUnitDir+"/"+name)) {
		r.timerDir = packageUnitDir
		r.say("timer unit: %s/%s (the package's)", packageUnitDir, name)
		r.unitsChanged = true // the new version's unit may differ: systemd reloads it
		return nil
	}
	r.timerDir = unitDir
	return r.putUnit(name, r.timerText(suffix))
}

// installSystemd: one job gets lotus-farcaster.service and .timer; several get the templates
// lotus-farcaster@.service and .timer, one instance per repo named after its path, whose %f
// is the repo; a LOTUS_PATH and the repo's miner ID (as $LOTUS_FARCASTER_FLAGS, which
// systemd splits into zero or more words) go into drop-ins.
func (r *run) installSystemd() error {
	if len(r.jobs) == 1 {
		j := r.jobs[0]
		env := ""
		if j.kind == repoJob {
			env = "Environment=LOTUS_MINER_PATH=" + j.repo + "\n"
		}
		if j.daemon != "" {
			env += "Environment=LOTUS_PATH=" + j.daemon + "\n"
		}
		if err := r.putUnit(program+".service", r.serviceText(env, r.jobArgs(j), "")); err != nil {
			return err
		}
		if err := r.placeTimer(program+".timer", ""); err != nil {
			return err
		}
		r.timers = []string{program + ".timer"}
		return r.makeLink(wantsDir+"/"+program+".timer", r.timerDir+"/"+program+".timer")
	}
	if err := r.putUnit(program+"@.service", r.serviceText("Environment=LOTUS_MINER_PATH=%f\n", "$LOTUS_FARCASTER_FLAGS --textfile-dir "+r.textfileDir, " (miner repo %f)")); err != nil {
		return err
	}
	if err := r.placeTimer(program+"@.timer", " (miner repo %f)"); err != nil {
		return err
	}
	for _, j := range r.jobs {
		inst := program + "@" + escapePath(j.repo)
		if j.daemon != "" {
			if err := r.putUnit(inst+".service.d/lotus-path.conf", "[Service]\nEnvironment=LOTUS_PATH="+j.daemon+"\n"); err != nil {
				return err
			}
		}
		if j.minerID != "" {
			if err := r.putUnit(inst+".service.d/miner.conf", "[Service]\nEnvironment=\"LOTUS_FARCASTER_FLAGS=--expect-miner "+j.minerID+"\"\n"); err != nil {
				return err
			}
		}
		if err := r.makeLink(wantsDir+"/"+inst+".timer", r.timerDir+"/"+program+"@.timer"); err != nil {
			return err
		}
		r.timers = append(r.timers, inst+".timer")
	}
	return nil
}

// liveSystemd: systemd runs this host (never under --root), so it is told of the changes.
func (r *run) liveSystemd() bool { return r.o.Root == "" && isDir(systemdRunDir) }

// startTimers: on a live systemd, reloaded after the units changed, the timers (re)started.
func (r *run) startTimers() error {
	if !r.liveSystemd() { // also after a switch to cron: the units removed are forgotten
		return nil
	}
	if r.unitsChanged {
		if err := r.systemctl("daemon-reload"); err != nil {
			return err
		}
		r.did("reloaded", "reload", "systemd")
	}
	for _, t := range r.timers {
		if r.unitsChanged || exec.Command("systemctl", "is-active", "--quiet", t).Run() != nil {
			if err := r.systemctl("restart", t); err != nil {
				return err
			}
			r.did("started", "start", t)
		}
	}
	return nil
}

func (r *run) systemctl(args ...string) error {
	if r.o.DryRun {
		return nil
	}
	if out, err := exec.Command("systemctl", args...).CombinedOutput(); err != nil {
		return fail("systemctl %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}
