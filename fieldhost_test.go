package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lotus-farcaster/lotus-farcaster/lotusapi/lotustest"
	"github.com/lotus-farcaster/lotus-farcaster/proc/proctest"
)

// fieldHost is the host providers run, as issue 15 found it: Debian with cron; node_exporter
// in a container (as nobody), reading a bind mount of /srv/ne/textfile as /host/textfile; two
// lotus-miners of the lotus user for two miners (f01234 in ~/.lotusminer, f05678 in
// /data/miner2); a backup copy of the first repo; and a dead repo of another user.
func fieldHost(t *testing.T) (root string, first, second *lotustest.Server) {
	t.Helper()
	if os.Geteuid() != 0 {
		if os.Getenv("CI") != "" {
			t.Fatal("another user's repo needs root to give it its owner; CI runs as root")
		}
		t.Skip("another user's repo needs root to give it its owner")
	}
	first, root = debianHost(t)
	second = secondMiner(t, root)
	procDir := filepath.Join(root, "proc")
	if err := os.RemoveAll(filepath.Join(procDir, "815")); err != nil { // Debian's node_exporter: not here
		t.Fatal(err)
	}
	proctest.Write(t, procDir, proctest.Process{PID: "900", UID: 65534, EUID: 65534,
		MountInfo: "1520 1430 0:112 / / rw,relatime master:520 - overlay overlay rw\n" +
			"1530 1520 8:1 /srv/ne/textfile /host/textfile ro,relatime - ext4 /dev/sda1 rw\n",
		Argv: []string{"/bin/node_exporter", "--path.rootfs=/host", "--collector.textfile.directory=/host/textfile"}})
	writeFakeProcess(t, procDir, "4711", []string{"/usr/local/bin/lotus-miner", "run"},
		[]string{"HOME=/home/lotus", "LOTUS_MINER_PATH=/data/miner2", "LOTUS_PATH=/data/lotus2"})
	for _, f := range []string{"api", "token"} {
		writeHostFile(t, root, "home/lotus/.lotusminer.bak-2025/"+f, readFile(t, filepath.Join(root, "home/lotus/.lotusminer", f)), 0o600)
	}
	lastYear := time.Now().AddDate(-1, 0, 0)
	if err := os.Chtimes(filepath.Join(root, "home/lotus/.lotusminer.bak-2025/api"), lastYear, lastYear); err != nil {
		t.Fatal(err)
	}
	writeHostFile(t, root, "home/alice/.lotusminer/api", "/ip4/127.0.0.1/tcp/1/http", 0o644)
	writeHostFile(t, root, "home/alice/.lotusminer/token", "x", 0o600)
	for _, p := range []string{"home/alice", "home/alice/.lotusminer", "home/alice/.lotusminer/api", "home/alice/.lotusminer/token"} {
		if err := os.Lchown(filepath.Join(root, p), 54321, 54321); err != nil {
			t.Fatal(err)
		}
	}
	return root, first, second
}

// TestInstallFieldHost is issue 15's "done when", by the one-line installer: exactly one job
// per live miner, writing where node_exporter reads; a stopped lotus-miner shows in its own
// file; a re-run repeats the first choices; a removed repo takes its miner's files; uninstall
// restores the host byte for byte.
func TestInstallFieldHost(t *testing.T) {
	bin := installBinary(t)
	root, _, second := fieldHost(t)
	me := currentUser(t)
	pristine := rootSnapshot(t, root, "/proc", "/data/miner2")

	out := mustInstall(t, "--root", root, "--binary", bin, "--no-check")
	wantContains(t, "install output", out,
		"lotus user: "+me.Username+" (runs lotus-miner (pid 4711); owns /home/lotus/.lotusminer)",
		"miner repo: /data/miner2 (miner f05678, daemon repo /data/lotus2)",
		"miner repo: /home/lotus/.lotusminer (miner f01234, daemon repo /home/lotus/.lotus)",
		"skipped miner repo: /home/lotus/.lotusminer.bak-2025 (a copy of /home/lotus/.lotusminer: both answer as miner f01234, and the api file here is older)",
		"textfile folder: /srv/ne/textfile (node_exporter (pid 900) runs in a container and reads /host/textfile, which is /srv/ne/textfile here)")
	if strings.Contains(out, "alice") {
		t.Errorf("another user's dead repo shows in the install:\n%s", out)
	}
	tail := " 2>&1 | logger -t lotus-farcaster"
	want := []string{
		"* * * * * " + me.Username + " LOTUS_PATH=/data/lotus2 LOTUS_MINER_PATH=/data/miner2 /usr/local/bin/lotus-farcaster --expect-miner f05678 --textfile-dir /srv/ne/textfile" + tail,
		"* * * * * " + me.Username + " LOTUS_PATH=/home/lotus/.lotus LOTUS_MINER_PATH=/home/lotus/.lotusminer /usr/local/bin/lotus-farcaster --expect-miner f01234 --textfile-dir /srv/ne/textfile" + tail,
	}
	if jobs := cronJobs(t, root); !slices.Equal(jobs, want) {
		t.Fatalf("cron jobs\n%q\nwant\n%q", jobs, want)
	}

	cronTick(t, root)
	dir := filepath.Join(root, "srv/ne/textfile")
	for _, id := range []string{"f01234", "f05678"} {
		wantValue(t, parseFile(t, filepath.Join(dir, "lotus-"+id+".prom")), "lotus_up", map[string]string{"api": "miner", "miner_id": id}, 1)
	}
	// lotus-miner of f05678 stops: its own file says so; the other miner's does not change its tune.
	second.CloseMiner()
	cronTick(t, root)
	wantValue(t, parseFile(t, filepath.Join(dir, "lotus-f05678.prom")), "lotus_up", map[string]string{"api": "miner", "miner_id": "f05678"}, 0)
	wantValue(t, parseFile(t, filepath.Join(dir, "lotus-f01234.prom")), "lotus_up", map[string]string{"api": "miner", "miner_id": "f01234"}, 1)

	// A re-run, its miner still down, repeats the first install's choices: nothing changes.
	installed := rootSnapshot(t, root, "/proc", "/srv/ne/textfile")
	out = mustInstall(t, "--root", root, "--binary", bin, "--no-check")
	sameSnapshot(t, "a re-run with a miner down", installed, rootSnapshot(t, root, "/proc", "/srv/ne/textfile"))
	if c := changeLines(out); len(c) > 0 {
		t.Errorf("a re-run reported changes: %q", c)
	}

	// The second miner is gone from the host: its job and its files go.
	if err := os.RemoveAll(filepath.Join(root, "data/miner2")); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(filepath.Join(root, "proc/4711")); err != nil {
		t.Fatal(err)
	}
	out = mustInstall(t, "--root", root, "--binary", bin, "--no-check")
	if jobs := cronJobs(t, root); !slices.Equal(jobs, want[1:]) {
		t.Errorf("cron jobs after the repo went\n%q\nwant\n%q", jobs, want[1:])
	}
	wantContains(t, "re-run output", out, "removed /srv/ne/textfile/lotus-f05678.prom", "removed /srv/ne/textfile/.lotus-f05678.prom.state")
	for _, name := range []string{"lotus-f05678.prom", ".lotus-f05678.prom.state", ".lotus-f05678.prom.lock"} {
		if _, err := os.Lstat(filepath.Join(dir, name)); err == nil {
			t.Errorf("%s is left after its repo went", name)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "lotus-f01234.prom")); err != nil {
		t.Errorf("the first miner's file went with the second's: %v", err)
	}

	mustInstall(t, "--root", root, "--uninstall")
	sameSnapshot(t, "install, a miner down, a repo gone, then --uninstall", pristine, rootSnapshot(t, root, "/proc", "/data/miner2"))
}

// testDebFieldHost is issue 15's "done when" by the .deb, on the field host: one job per live
// miner where node_exporter reads; apt remove keeps both miners' counters; purge restores the
// host byte for byte.
func testDebFieldHost(t *testing.T, deb string) {
	root, _, _ := fieldHost(t)
	run := dpkgRoot(t, root)
	pristine := rootSnapshot(t, root, "/proc", "/var/lib/dpkg")

	out := run("-i", deb)
	t.Logf("dpkg -i:\n%s", out)
	wantContains(t, "dpkg -i output", out, "skipped miner repo: /home/lotus/.lotusminer.bak-2025", "check /data/miner2: verdict OK", "check /home/lotus/.lotusminer: verdict OK")
	jobs := cronJobs(t, root)
	if len(jobs) != 2 || !strings.Contains(jobs[0], " LOTUS_MINER_PATH=/data/miner2 /usr/bin/lotus-farcaster --expect-miner f05678 --textfile-dir /srv/ne/textfile ") ||
		!strings.Contains(jobs[1], " LOTUS_MINER_PATH=/home/lotus/.lotusminer /usr/bin/lotus-farcaster --expect-miner f01234 --textfile-dir /srv/ne/textfile ") {
		t.Fatalf("cron jobs %q; want one per live miner, into /srv/ne/textfile", jobs)
	}
	cronTick(t, root)
	counters := map[string]string{}
	for _, id := range []string{"f01234", "f05678"} {
		state := filepath.Join(root, "srv/ne/textfile/.lotus-"+id+".prom.state")
		counters[state] = readFile(t, state)
	}

	out = run("--remove", "lotus-farcaster")
	t.Logf("dpkg --remove:\n%s", out)
	for state, was := range counters {
		if got := readFile(t, state); got != was {
			t.Errorf("apt remove changed %s: %q, was %q", state, got, was)
		}
	}
	if _, err := os.Lstat(filepath.Join(root, "etc/cron.d/lotus-farcaster")); err == nil {
		t.Error("apt remove left the cron file")
	}
	run("--purge", "lotus-farcaster")
	sameSnapshot(t, "dpkg -i, --remove, then --purge", pristine, rootSnapshot(t, root, "/proc", "/var/lib/dpkg"))
}
