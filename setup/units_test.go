// The files setup writes, byte for byte: the goldens in testdata are what install.sh wrote
// before setup moved into Go.
package setup

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func golden(t *testing.T, name, got string) {
	t.Helper()
	want, err := os.ReadFile(filepath.Join("testdata", name+".golden"))
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("%s:\n%s\nwant\n%s", name, got, want)
	}
}

func TestTexts(t *testing.T) {
	r, _ := testRun(t, Options{}, Report{})
	r.user = lotusUser{Name: "root", Group: "root"}
	r.textfileDir = "/var/lib/prometheus/node-exporter"
	first := job{kind: repoJob, repo: "/home/lotus/.lotusminer", daemon: "/home/lotus/.lotus", minerID: "f01234"}
	r.jobs = []job{first}

	r.log = logPlan{toLogger, "grep lotus-farcaster /var/log/syslog"}
	golden(t, "cron-syslog", r.cronText())
	r.log = logPlan{toFile, logFile}
	golden(t, "cron-file", r.cronText())
	golden(t, "logrotate", r.logrotateText())
	r.log = logPlan{toLogger, "grep lotus-farcaster /var/log/syslog"}
	r.o.Miners, r.jobs = "f01234,f05678", []job{{kind: minersJob}}
	golden(t, "cron-miners", r.cronText())

	r.textfileDir = "/srv/tf"
	golden(t, "service-one", r.serviceText("Environment=LOTUS_MINER_PATH=/home/lotus/.lotusminer\nEnvironment=LOTUS_PATH=/home/lotus/.lotus\n", r.jobArgs(first), ""))
	golden(t, "timer-one", r.timerText(""))
	r.textfileDir = "/var/lib/prometheus/node-exporter"
	golden(t, "service-template", r.serviceText("Environment=LOTUS_MINER_PATH=%f\n", "$LOTUS_FARCASTER_FLAGS --textfile-dir "+r.textfileDir, " (miner repo %f)"))
	golden(t, "timer-template", r.timerText(" (miner repo %f)"))

	// A lotus user other than root gives up every capability.
	r.user.UID = 1000
	if s := r.serviceText("", "", ""); !strings.HasSuffix(s, "\nUMask=0022\nCapabilityBoundingSet=\n") {
		t.Errorf("the service of a lotus user other than root keeps capabilities:\n%s", s)
	}
}

// TestInstallSystemdRecord: several repos under systemd, on a fresh root: the units, their
// drop-ins and links, and the record install.sh kept, entry for entry.
func TestInstallSystemdRecord(t *testing.T) {
	r, _ := testRun(t, Options{Scheduler: Systemd, NoCheck: true}, Report{})
	mkdir(t, r.o.Root, "/usr/sbin") // as on the host of the goldens
	r.user = lotusUser{Name: "root", Group: "root"}
	r.textfileDir = "/var/lib/prometheus/node-exporter"
	r.scheduler = Systemd
	r.log = logPlan{toJournal, "journalctl -u 'lotus-farcaster@*'"}
	r.jobs = []job{
		{kind: repoJob, repo: "/data/miner2", daemon: "/data/lotus2", minerID: "f05678"},
		{kind: repoJob, repo: "/home/lotus/.lotusminer", daemon: "/home/lotus/.lotus", minerID: "f01234"},
	}
	r.desire(Entry{Kind: KindOption, Path: "--systemd"})
	r.desire(Entry{Kind: KindUser, Path: "root"})
	for _, j := range r.jobs {
		r.desire(Entry{Kind: KindRepo, Path: j.repo, Daemon: j.daemon, MinerID: j.minerID})
	}
	r.desire(Entry{Kind: KindTextfile, Path: r.textfileDir})
	bin := filepath.Join(t.TempDir(), "lotus-farcaster")
	if err := os.WriteFile(bin, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, step := range []func() error{r.saveManifest, func() error { return r.installBinary(bin) }, r.saveManifest,
		r.prepareTextfileDir, r.installJobs, r.saveManifest, r.dropStale, r.saveManifest} {
		if err := step(); err != nil {
			t.Fatal(err)
		}
	}
	root := r.o.Root
	golden(t, "manifest-systemd", readFile(t, filepath.Join(root, Manifest)))
	units := filepath.Join(root, unitDir)
	golden(t, "service-template", readFile(t, filepath.Join(units, "lotus-farcaster@.service")))
	for inst, want := range map[string][2]string{"data-miner2": {"/data/lotus2", "f05678"}, "home-lotus-.lotusminer": {"/home/lotus/.lotus", "f01234"}} {
		if got := readFile(t, filepath.Join(units, "lotus-farcaster@"+inst+".service.d/lotus-path.conf")); got != "[Service]\nEnvironment=LOTUS_PATH="+want[0]+"\n" {
			t.Errorf("%s's lotus-path.conf: %q", inst, got)
		}
		if got := readFile(t, filepath.Join(units, "lotus-farcaster@"+inst+".service.d/miner.conf")); got != "[Service]\nEnvironment=\"LOTUS_FARCASTER_FLAGS=--expect-miner "+want[1]+"\"\n" {
			t.Errorf("%s's miner.conf: %q", inst, got)
		}
		if got, err := os.Readlink(filepath.Join(units, "timers.target.wants/lotus-farcaster@"+inst+".timer")); err != nil || got != "/etc/systemd/system/lotus-farcaster@.timer" {
			t.Errorf("%s's timer link: %q, %v", inst, got, err)
		}
	}
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestEscapePath: the instance names systemd-escape --path gives.
func TestEscapePath(t *testing.T) {
	tool, err := exec.LookPath("systemd-escape")
	if err != nil && os.Getenv("CI") != "" {
		t.Fatal("systemd-escape not installed; the test compares with it")
	}
	for p, want := range map[string]string{
		"/home/lotus/.lotusminer": "home-lotus-.lotusminer",
		"/data/miner2/":           "data-miner2",
		"/.hidden/x":              `\x2ehidden-x`,
		"/srv/a-b@c+d":            `srv-a\x2db\x40c\x2bd`,
		"/":                       "-",
	} {
		if got := escapePath(p); got != want {
			t.Errorf("escapePath(%q) = %q, want %q", p, got, want)
		}
		if tool != "" {
			if out, err := exec.Command(tool, "--path", p).Output(); err != nil || strings.TrimSpace(string(out)) != want {
				t.Errorf("systemd-escape --path %s: %q, %v; want %q", p, out, err, want)
			}
		}
	}
}
