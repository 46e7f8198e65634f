// The closing check: lotus-farcaster --check as the lotus user, with the environment its job has.
package setup

import (
	"errors"
	"os"
	"os/exec"
	"strings"
)

// check runs one job's check. Only its exit status is used; its text is for the person reading.
func (r *run) check(j job) {
	env := []string{"HOME=" + r.host(r.user.Home), "PATH=/usr/bin:/bin"}
	args := []string{"--check", "--textfile-dir", r.host(r.textfileDir)}
	var ids []string
	switch j.kind {
	case minersJob:
		args = append(args, "--miner", r.o.Miners)
		ids = strings.Split(r.o.Miners, ",")
	case repoJob:
		env = append(env, "LOTUS_MINER_PATH="+r.host(j.repo))
		if j.daemon != "" {
			env = append(env, "LOTUS_PATH="+r.host(j.daemon))
		}
		if j.minerID != "" {
			ids = []string{j.minerID}
		}
	}
	files := " " + r.textfileDir + "/lotus-<miner id>.prom"
	if len(ids) > 0 {
		files = ""
		for _, id := range ids {
			files += " " + r.textfileDir + "/lotus-" + id + ".prom"
		}
	}
	if r.o.DryRun {
		r.say("would run %s --check as %s for %s", program, r.user.Name, j.name())
		return
	}
	// env -i inside runuser or su: the job's environment alone, whatever they set.
	cmd := r.asLotusUser(exec.Command("env", append(append(append([]string{"-i"}, env...), r.host(r.binPath())), args...)...))
	cmd.Dir = "/"
	if devNull, err := os.Open(os.DevNull); err == nil {
		defer devNull.Close()
		cmd.Stdin = devNull
	}
	out, err := cmd.CombinedOutput()
	if err == nil {
		r.say("check %s: verdict OK; metrics file%s (written every minute)", j.name(), files)
		return
	}
	r.checkFailed = true
	code := -1
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		code = exit.ExitCode()
	} else {
		out = []byte(err.Error())
	}
	r.say("check %s: PROBLEM (lotus-farcaster --check exit %d):", j.name(), code)
	for _, line := range strings.Split(strings.TrimRight(string(out), "\n"), "\n") {
		r.say("    %s", line)
	}
	how := ""
	if env := j.env(); len(env) > 0 {
		how = "env " + strings.Join(env, " ") + " "
	}
	r.say("    fix the above, then check again: sudo -u %s %s%s --check %s", r.user.Name, how, r.binPath(), r.jobArgs(j))
}
