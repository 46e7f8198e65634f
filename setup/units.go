// The texts setup writes: the cron file, systemd units and drop-ins, the logrotate file.
package setup

import (
	"fmt"
	"path"
	"strings"
)

// jobEnv is the environment that points one job at its repos, as VAR=VALUE words.
func (j job) env() []string {
	if j.kind != repoJob {
		return nil
	}
	var env []string
	if j.daemon != "" {
		env = append(env, "LOTUS_PATH="+j.daemon)
	}
	return append(env, "LOTUS_MINER_PATH="+j.repo)
}

// args are the flags that export one job's miners.
func (r *run) jobArgs(j job) string {
	var args []string
	if j.kind == minersJob {
		args = append(args, "--miner", r.o.Miners)
	}
	if j.minerID != "" {
		args = append(args, "--expect-miner", j.minerID)
	}
	return strings.Join(append(args, "--textfile-dir", r.textfileDir), " ")
}

func (r *run) binPath() string { return r.o.Prefix + "/bin/" + program }

// cronText is the cron file: one line per job.
func (r *run) cronText() string {
	out := "2>&1 | logger -t " + program
	if r.log.kind == toFile {
		// awk stamps each line with the time, as syslog would; strftime() without a format
		// needs no %, which cron would turn into a newline.
		out = "2>&1 | awk '{ print strftime(), $0; fflush() }' >>" + logFile
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# lotus-farcaster: Lotus metrics for node_exporter, every minute, one line per job.\n# Error lines: %s\n# %s\nSHELL=/bin/sh\nPATH=/usr/bin:/bin\n", r.log.where, r.writtenBy)
	for _, j := range r.jobs {
		words := append([]string{"* * * * *", r.user.Name}, j.env()...)
		words = append(words, r.binPath(), r.jobArgs(j), out)
		b.WriteString(strings.Join(words, " ") + "\n")
	}
	return b.String()
}

// serviceText is a service unit. A root lotus user keeps its capabilities, since it may
// reach files of other owners only through them.
func (r *run) serviceText(envLines, args, suffix string) string {
	text := fmt.Sprintf(`# %s
[Unit]
Description=lotus-farcaster: Lotus metrics for node_exporter%s
Documentation=https://github.com/lotus-farcaster/lotus-farcaster
After=network-online.target

[Service]
Type=oneshot
User=%s
%sExecStart=%s %s
# Error lines go to the journal: journalctl -u %s
SyslogIdentifier=%s
TimeoutStartSec=55
# Hardening. It reads the Lotus repos (so home is read-only, not hidden), talks TCP to
# loopback and the LAN, reads /proc of other processes (lotus-miner's environment,
# node_exporter's flags), and writes only the textfile folder.
NoNewPrivileges=yes
ProtectSystem=strict
ProtectHome=read-only
ReadWritePaths=%s
PrivateTmp=yes
PrivateDevices=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectClock=yes
ProtectHostname=yes
RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX
RestrictNamespaces=yes
RestrictRealtime=yes
RestrictSUIDSGID=yes
LockPersonality=yes
MemoryDenyWriteExecute=yes
SystemCallArchitectures=native
UMask=0022
`, r.writtenBy, suffix, r.user.Name, envLines, r.binPath(), args, program, program, r.textfileDir)
	if r.user.UID != 0 {
		text += "CapabilityBoundingSet=\n"
	}
	return text
}

// timerText is a timer unit; the .deb ships the same (packaging/*.timer).
func (r *run) timerText(suffix string) string {
	return fmt.Sprintf(`# %s
[Unit]
Description=Run lotus-farcaster every minute%s

[Timer]
OnCalendar=*-*-* *:*:00
AccuracySec=1s

[Install]
WantedBy=timers.target
`, r.writtenBy, suffix)
}

// logrotateText rotates the job's log file. su: rotate as the folder's owner. create: every
// run opens the file anew, so no copytruncate.
func (r *run) logrotateText() string {
	u, g := r.user.Name, r.user.Group
	return fmt.Sprintf("# lotus-farcaster's error lines. %s\n%s {\n\tsu %s %s\n\tweekly\n\tmaxsize 10M\n\trotate 4\n\tcompress\n\tdelaycompress\n\tmissingok\n\tnotifempty\n\tcreate 0644 %s %s\n}\n", r.writtenBy, logFile, u, g, u, g)
}

// escapePath is `systemd-escape --path`: the instance name of a repo's timer, whose %f is
// the repo again.
func escapePath(p string) string {
	p = strings.Trim(path.Clean(p), "/")
	if p == "" {
		return "-"
	}
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '/':
			b.WriteByte('-')
		case c == '.' && i == 0, !isUnitChar(c):
			fmt.Fprintf(&b, `\x%02x`, c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func isUnitChar(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == ':' || c == '_' || c == '.'
}
