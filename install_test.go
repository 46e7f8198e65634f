// The installer, the release script and the .deb: shellcheck, installs into throw-away host
// roots (fake /proc, the fake Lotus) that re-runs leave alone and uninstalls restore byte for
// byte, the refusals, the log destinations, the verified download, dpkg install and purge.
package main

import (
	"archive/tar"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/lotus-farcaster/lotus-farcaster/lotusapi/lotustest"
	"github.com/lotus-farcaster/lotus-farcaster/proc/proctest"
)

// installTool finds a tool the installer tests need; under CI its absence is a failure.
func installTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s not installed; the installer tests need it", name)
	}
	t.Skipf("%s not installed; skipping", name)
	return ""
}

// installBinary builds lotus-farcaster as the release does (static, -trimpath), so the
// compile cache is shared with scripts/release.sh and install.sh --from-source.
func installBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "lotus-farcaster")
	cmd := exec.Command("go", "build", "-trimpath", "-o", bin, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// cleanEnv is the caller's environment without its Lotus setup, which the installer must not need.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "LOTUS_") && !strings.Contains(kv, "_API_INFO=") {
			env = append(env, kv)
		}
	}
	return env
}

// runInstall runs install.sh (or another copy of it) and returns its exit code and output.
func runInstall(t *testing.T, script string, args ...string) (int, string) {
	t.Helper()
	installTool(t, "bash")
	cmd := exec.Command("bash", append([]string{script}, args...)...)
	cmd.Env = cleanEnv()
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("running %s: %v", script, err)
	}
	return cmd.ProcessState.ExitCode(), string(out)
}

// mustInstall runs ./install.sh and fails the test unless it exits 0.
func mustInstall(t *testing.T, args ...string) string {
	t.Helper()
	code, out := runInstall(t, "install.sh", args...)
	if code != 0 {
		t.Fatalf("install.sh %s: exit %d\n%s", strings.Join(args, " "), code, out)
	}
	return out
}

// rootSnapshot lists every path under root with its type, mode, owner, link target and
// content hash (not times: the check writes and removes a probe file in the textfile folder).
// Paths under a skipped prefix (dpkg's database) are left out.
func rootSnapshot(t *testing.T, root string, skip ...string) []string {
	t.Helper()
	var lines []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel := strings.TrimPrefix(path, root)
		for _, s := range skip {
			if strings.HasPrefix(rel, s) {
				return nil
			}
		}
		fi, err := os.Lstat(path)
		if err != nil {
			return err
		}
		st := fi.Sys().(*syscall.Stat_t)
		line := fmt.Sprintf("%s %v %d:%d", rel, fi.Mode(), st.Uid, st.Gid)
		switch {
		case fi.Mode()&fs.ModeSymlink != 0:
			target, err := os.Readlink(path)
			if err != nil {
				return err
			}
			line += " -> " + target
		case fi.Mode().IsRegular():
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			sum := sha256.Sum256(b)
			line += " " + hex.EncodeToString(sum[:])
		}
		lines = append(lines, line)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return lines
}

// sameSnapshot reports the paths that differ between two snapshots.
func sameSnapshot(t *testing.T, what string, before, after []string) {
	t.Helper()
	var diff []string
	for _, l := range before {
		if !slices.Contains(after, l) {
			diff = append(diff, "- "+l)
		}
	}
	for _, l := range after {
		if !slices.Contains(before, l) {
			diff = append(diff, "+ "+l)
		}
	}
	if len(diff) > 0 {
		t.Errorf("%s changed the root:\n%s", what, strings.Join(diff, "\n"))
	}
}

// changeLines returns the output lines that report a change to the host.
func changeLines(out string) []string {
	var changes []string
	for _, l := range strings.Split(out, "\n") {
		for _, verb := range []string{"installed ", "wrote ", "created ", "removed ", "linked ", "granted ", "restored ", "started ", "reloaded "} {
			if strings.HasPrefix(l, verb) {
				changes = append(changes, l)
			}
		}
	}
	return changes
}

// debianHost makes a throw-away root like a Debian miner host without systemd as PID 1: the
// lotus user's repos pointing at the fake Lotus, cron installed and running, Debian's
// node_exporter running without --collector.textfile.directory, and a syslog socket.
func debianHost(t *testing.T) (*lotustest.Server, string) {
	t.Helper()
	fake := lotustest.Start(lotustest.Small())
	t.Cleanup(fake.Close)
	root := t.TempDir()
	if _, _, err := fake.WriteRepos(filepath.Join(root, "home", "lotus")); err != nil {
		t.Fatal(err)
	}
	writeHostFile(t, root, "usr/sbin/cron", "#!/bin/sh\n", 0o755)
	makeSocket(t, root, "dev/log")
	proc := filepath.Join(root, "proc")
	writeFakeProcess(t, proc, "1", []string{"/sbin/init"}, nil)
	writeFakeProcess(t, proc, "12", []string{"/usr/sbin/cron", "-f"}, nil)
	writeFakeProcess(t, proc, "815", []string{"/usr/bin/prometheus-node-exporter"}, nil)
	return fake, root
}

// secondMiner puts a second miner, f05678, on the host of debianHost: its lotus-miner repo in
// /data/miner2 and its daemon's in /data/lotus2 (a daemon that knows both miners).
func secondMiner(t *testing.T, root string) *lotustest.Server {
	t.Helper()
	fake := lotustest.Start(lotustest.Small().Twin("f05678"))
	t.Cleanup(fake.Close)
	repos := t.TempDir()
	if _, _, err := fake.WriteRepos(repos); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"api", "token"} {
		writeHostFile(t, root, "data/miner2/"+f, readFile(t, filepath.Join(repos, ".lotusminer", f)), 0o600)
		writeHostFile(t, root, "data/lotus2/"+f, readFile(t, filepath.Join(repos, ".lotus", f)), 0o600)
	}
	return fake
}

func currentUser(t *testing.T) *user.User {
	t.Helper()
	u, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func wantMode(t *testing.T, path string, want fs.FileMode) {
	t.Helper()
	fi, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode() != want {
		t.Errorf("%s: mode %v, want %v", path, fi.Mode(), want)
	}
}

func wantContains(t *testing.T, what, text string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(text, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, text)
		}
	}
}

// cronJobs returns the job lines of the cron file under root.
func cronJobs(t *testing.T, root string) []string {
	t.Helper()
	var jobs []string
	for _, l := range strings.Split(readFile(t, filepath.Join(root, "etc/cron.d/lotus-farcaster")), "\n") {
		if strings.HasPrefix(l, "* * * * * ") {
			jobs = append(jobs, l)
		}
	}
	return jobs
}

// cronTick runs every job line of the cron file as cron would (sh -c, the cron file's PATH),
// with its absolute paths moved under root.
func cronTick(t *testing.T, root string) {
	t.Helper()
	inRoot := strings.NewReplacer("=/", "="+root+"/", " /", " "+root+"/", ">>/", ">>"+root+"/")
	for _, job := range cronJobs(t, root) {
		fields := strings.SplitN(job, " ", 7) // five time fields, the user, the command
		cmd := exec.Command("/bin/sh", "-c", strings.TrimSpace(inRoot.Replace(" "+fields[6])))
		cmd.Env = []string{"HOME=" + root + "/home/lotus", "PATH=/usr/bin:/bin"}
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("cron job %q: %v\n%s", job, err, out)
		}
	}
}

// exporterLeftovers writes what the exporter leaves beside its file: its state, a state it
// set aside, and the temp files of a run that was killed while writing.
func exporterLeftovers(t *testing.T, root, dir, id string) {
	t.Helper()
	for _, name := range []string{".lotus-" + id + ".prom.state", ".lotus-" + id + ".prom.state.bad", ".lotus-" + id + ".prom.123456.tmp", ".lotus-" + id + ".prom.state.654321.tmp"} {
		writeHostFile(t, root, filepath.Join(dir, name), "x\n", 0o644)
	}
}

func TestInstallShellcheck(t *testing.T) {
	shellcheck := installTool(t, "shellcheck")
	out, err := exec.Command(shellcheck, "-x", "install.sh", "scripts/release.sh", "bench/bench.sh", "bench/memory.sh", "bench/fake.sh", ".ci/run", "packaging/postinst", "packaging/prerm", "packaging/postrm").CombinedOutput()
	if err != nil {
		t.Errorf("shellcheck: %v\n%s", err, out)
	}
}

func TestInstallUsage(t *testing.T) {
	code, out := runInstall(t, "install.sh", "--help")
	if code != 0 {
		t.Errorf("--help: exit %d", code)
	}
	wantContains(t, "--help", out, "--binary PATH", "--from-source", "--systemd", "--uninstall", "--dry-run", "--root DIR", "--base-url URL", "--version VERSION", "--miner ID")
	for _, args := range [][]string{{"--no-such-option"}, {"--miner", "f01", "--miner-repo", "/x"}, {"--keep-data"}} {
		if code, out := runInstall(t, "install.sh", args...); code != 2 {
			t.Errorf("%q: exit %d, output %q; want 2", args, code, out)
		}
	}
	// What a miner ID is, the binary says: it never rejects every minute what install.sh took.
	bin := installBinary(t)
	for _, id := range []string{"12345", "f018446744073709551616"} {
		code, out := runInstall(t, "install.sh", "--root", t.TempDir(), "--binary", bin, "--miner", id)
		want := "lotus-farcaster setup: --miner: \"" + id + "\" is not a miner ID like f01234 (see --help)\n"
		if code != 2 || !strings.HasSuffix(out, want) {
			t.Errorf("--miner %s: exit %d, output %q; want 2 and %q", id, code, out, want)
		}
	}
}

// TestInstallCron is the usual path: a Debian host with cron, syslog and Debian's
// node_exporter; one miner; the check against the fake Lotus; a cron minute; a re-run that
// changes nothing; an uninstall that removes every file the exporter wrote.
func TestInstallCron(t *testing.T) {
	bin := installBinary(t)
	fake, root := debianHost(t)
	me := currentUser(t)
	pristine := rootSnapshot(t, root)

	out := mustInstall(t, "--root", root, "--binary", bin, "--dry-run")
	sameSnapshot(t, "--dry-run", pristine, rootSnapshot(t, root))
	wantContains(t, "dry-run output", out, "would install /usr/local/bin/lotus-farcaster", "would write /etc/cron.d/lotus-farcaster", "would run lotus-farcaster --check")
	// setup asked lotus-miner its ID; nothing else was called.
	if calls := fake.Requests("miner"); len(calls) != 1 || calls["ActorAddress"] != 1 {
		t.Errorf("--dry-run called the miner API: %v; want only ActorAddress, once", calls)
	}

	out = mustInstall(t, "--root", root, "--binary", bin)
	t.Logf("install:\n%s", out)
	wantContains(t, "install output", out,
		"lotus user: "+me.Username+" (owns /home/lotus/.lotusminer)",
		"miner repo: /home/lotus/.lotusminer (miner f01234, daemon repo /home/lotus/.lotus)",
		"textfile folder: /var/lib/prometheus/node-exporter (built-in default of running prometheus-node-exporter (pid 815), Debian's build)",
		"created /var/lib/prometheus/node-exporter",
		"schedule: every minute via cron",
		"error lines: grep lotus-farcaster /var/log/syslog",
		"installed /usr/local/bin/lotus-farcaster",
		"wrote /etc/cron.d/lotus-farcaster",
		"check /home/lotus/.lotusminer: verdict OK; metrics file /var/lib/prometheus/node-exporter/lotus-f01234.prom",
	)
	if strings.Contains(out, "no node_exporter runs") || strings.Contains(out, "No such file") {
		t.Errorf("the installer doubted the running node_exporter:\n%s", out)
	}
	if len(fake.Requests("daemon")) == 0 {
		t.Errorf("the check did not call the fake daemon")
	}

	installed := filepath.Join(root, "usr/local/bin/lotus-farcaster")
	wantMode(t, installed, 0o755)
	if readFile(t, installed) != readFile(t, bin) {
		t.Error("the installed binary differs from --binary")
	}
	wantMode(t, filepath.Join(root, "etc/cron.d/lotus-farcaster"), 0o644)
	want := "* * * * * " + me.Username + " LOTUS_PATH=/home/lotus/.lotus LOTUS_MINER_PATH=/home/lotus/.lotusminer /usr/local/bin/lotus-farcaster --expect-miner f01234 --textfile-dir /var/lib/prometheus/node-exporter 2>&1 | logger -t lotus-farcaster"
	if jobs := cronJobs(t, root); len(jobs) != 1 || jobs[0] != want {
		t.Errorf("cron jobs %q; want [%q]", jobs, want)
	}
	wantContains(t, "cron file", readFile(t, filepath.Join(root, "etc/cron.d/lotus-farcaster")), "# Error lines: grep lotus-farcaster /var/log/syslog\n")

	// A minute passes: cron runs the job, which writes the .prom file and its lock.
	cronTick(t, root)
	textDir := "/var/lib/prometheus/node-exporter"
	prom := parseFile(t, filepath.Join(root, textDir, "lotus-f01234.prom"))
	wantValue(t, prom, "lotus_up", map[string]string{"api": "miner", "miner_id": "f01234"}, 1)

	installedState := rootSnapshot(t, root)
	out = mustInstall(t, "--root", root, "--binary", bin)
	sameSnapshot(t, "a second run", installedState, rootSnapshot(t, root))
	if c := changeLines(out); len(c) > 0 {
		t.Errorf("a second run reported changes: %q", c)
	}

	exporterLeftovers(t, root, textDir, "f01234")
	before := rootSnapshot(t, root)
	out = mustInstall(t, "--root", root, "--uninstall", "--dry-run")
	sameSnapshot(t, "--uninstall --dry-run", before, rootSnapshot(t, root))
	wantContains(t, "--uninstall --dry-run output", out, "would remove /usr/local/bin/lotus-farcaster")
	out = mustInstall(t, "--root", root, "--uninstall")
	for _, name := range []string{"lotus-f01234.prom", ".lotus-f01234.prom.lock", ".lotus-f01234.prom.state", ".lotus-f01234.prom.state.bad", ".lotus-f01234.prom.123456.tmp", ".lotus-f01234.prom.state.654321.tmp"} {
		wantContains(t, "uninstall output", out, "removed "+textDir+"/"+name+"\n")
	}
	wantContains(t, "uninstall output", out, "removed "+textDir+"/.lotus-farcaster.") // the job's lock
	sameSnapshot(t, "install then --uninstall", pristine, rootSnapshot(t, root))
	if out := mustInstall(t, "--root", root, "--uninstall"); !strings.Contains(out, "nothing to uninstall") {
		t.Errorf("a second --uninstall: %q", out)
	}
}

// TestInstallNoCheck: an install that never ran --check still knows the miner (from
// setup's look at the host), and --uninstall takes away the file the job wrote, so node_exporter does not
// serve a stale lotus_up 1; also when lotus-miner is down by then.
func TestInstallNoCheck(t *testing.T) {
	bin := installBinary(t)
	fake, root := debianHost(t)
	pristine := rootSnapshot(t, root)
	out := mustInstall(t, "--root", root, "--binary", bin, "--no-check")
	if strings.Contains(out, "check ") {
		t.Errorf("--no-check ran the check:\n%s", out)
	}
	cronTick(t, root)
	exporterLeftovers(t, root, "/var/lib/prometheus/node-exporter", "f01234")
	fake.Close()
	mustInstall(t, "--root", root, "--uninstall")
	sameSnapshot(t, "install --no-check, a cron minute, then --uninstall", pristine, rootSnapshot(t, root))
}

// TestInstallKeepsEdits: an administrator's edit of the cron file survives a re-run that
// changes the job (Debian Policy 10.7.3); what the run would write waits beside it as a
// .dpkg-dist, said once; uninstall takes both and the host is as it was.
func TestInstallKeepsEdits(t *testing.T) {
	bin := installBinary(t)
	_, root := debianHost(t)
	pristine := rootSnapshot(t, root)
	mustInstall(t, "--root", root, "--binary", bin, "--no-check")
	cron := filepath.Join(root, "etc/cron.d/lotus-farcaster")
	edited := "MAILTO=ops@example.com\n" + readFile(t, cron)
	writeHostFile(t, root, "etc/cron.d/lotus-farcaster", edited, 0o644)

	out := mustInstall(t, "--root", root, "--binary", bin, "--no-check", "--textfile-dir", "/srv/tf")
	wantContains(t, "re-run output", out, "wrote /etc/cron.d/lotus-farcaster.dpkg-dist\n",
		"warning: kept your edit of /etc/cron.d/lotus-farcaster; what this run would write is in /etc/cron.d/lotus-farcaster.dpkg-dist: merge it into yours, then delete it\n")
	if got := readFile(t, cron); got != edited {
		t.Errorf("the re-run changed the edited cron file:\n%s", got)
	}
	dist := readFile(t, cron+".dpkg-dist")
	wantContains(t, "the .dpkg-dist", dist, " --textfile-dir /srv/tf 2>&1 | logger -t lotus-farcaster\n")
	if strings.Contains(dist, "MAILTO") {
		t.Errorf("the .dpkg-dist holds the edit:\n%s", dist)
	}

	// Again, nothing new: the edit is kept without a word more.
	before := rootSnapshot(t, root)
	out = mustInstall(t, "--root", root, "--binary", bin, "--no-check")
	sameSnapshot(t, "a re-run without a change", before, rootSnapshot(t, root))
	wantContains(t, "second re-run output", out, "kept your edit of /etc/cron.d/lotus-farcaster\n")
	if strings.Contains(out, "warning: kept") || len(changeLines(out)) > 0 {
		t.Errorf("a re-run without a change said more:\n%s", out)
	}

	out = mustInstall(t, "--root", root, "--uninstall")
	wantContains(t, "uninstall output", out, "removed /etc/cron.d/lotus-farcaster\n", "removed /etc/cron.d/lotus-farcaster.dpkg-dist\n")
	sameSnapshot(t, "install, an edit, re-runs, then --uninstall", pristine, rootSnapshot(t, root))
}

// TestSetupDirect: with a binary already on the host, `lotus-farcaster setup` alone installs
// that binary (itself), as install.sh would, and `setup --uninstall` restores the host.
func TestSetupDirect(t *testing.T) {
	bin := installBinary(t)
	_, root := debianHost(t)
	pristine := rootSnapshot(t, root)
	setup := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(bin, append([]string{"setup", "--root", root}, args...)...)
		cmd.Env = cleanEnv()
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("setup %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	out := setup()
	wantContains(t, "setup output", out, "binary: lotus-farcaster ", "("+bin+")", "installed /usr/local/bin/lotus-farcaster", "wrote /etc/cron.d/lotus-farcaster", "verdict OK",
		"done: lotus-farcaster runs every minute as ")
	if readFile(t, filepath.Join(root, "usr/local/bin/lotus-farcaster")) != readFile(t, bin) {
		t.Error("setup installed another binary than itself")
	}
	if out := setup("--uninstall"); !strings.Contains(out, "removed /usr/local/bin/lotus-farcaster\n") {
		t.Errorf("setup --uninstall:\n%s", out)
	}
	sameSnapshot(t, "setup then setup --uninstall", pristine, rootSnapshot(t, root))
}

// TestInstallKeepData: what the .deb's remove and purge do, without dpkg. --uninstall
// --keep-data takes the job away but keeps the counters and state (and lists them); a new
// install keeps them too; postrm purge deletes them and the host is as it was.
func TestInstallKeepData(t *testing.T) {
	bin := installBinary(t)
	_, root := debianHost(t)
	pristine := rootSnapshot(t, root)
	textDir := "/var/lib/prometheus/node-exporter"
	mustInstall(t, "--root", root, "--binary", bin, "--no-check")
	cronTick(t, root)
	exporterLeftovers(t, root, textDir, "f01234")
	kept := map[string]string{}
	for _, name := range []string{".lotus-f01234.prom.state", ".lotus-f01234.prom.state.bad"} {
		kept[name] = readFile(t, filepath.Join(root, textDir, name))
	}

	removed := func(what string) {
		t.Helper()
		out := mustInstall(t, "--root", root, "--uninstall", "--keep-data")
		wantContains(t, what+" output", out, "removed /etc/cron.d/lotus-farcaster\n", "removed "+textDir+"/lotus-f01234.prom\n",
			"kept "+textDir+"/.lotus-f01234.prom.state (removed by install.sh --uninstall)\n")
		var left []string
		for _, e := range must(os.ReadDir(filepath.Join(root, textDir))) {
			left = append(left, e.Name())
		}
		if want := []string{".lotus-f01234.prom.state", ".lotus-f01234.prom.state.bad"}; !slices.Equal(left, want) {
			t.Errorf("%s left %q in the textfile folder; want %q", what, left, want)
		}
		for name, content := range kept {
			if got := readFile(t, filepath.Join(root, textDir, name)); got != content {
				t.Errorf("%s changed %s: %q, was %q", what, name, got, content)
			}
		}
		want := "# What lotus-farcaster's install.sh put on this host; install.sh --uninstall removes it.\nversion 2\n" +
			"dir /var\ndir /var/lib\ndir /var/lib/lotus-farcaster\ndir /var/lib/prometheus\ndir " + textDir + "\n" +
			"data " + textDir + "/.lotus-f01234.prom.state\ndata " + textDir + "/.lotus-f01234.prom.state.bad\n"
		if got := readFile(t, filepath.Join(root, "var/lib/lotus-farcaster/installed")); got != want {
			t.Errorf("%s: the record is\n%s\nwant\n%s", what, got, want)
		}
	}
	removed("--uninstall --keep-data")

	// Installed again (apt install after apt remove): the counters carry on.
	mustInstall(t, "--root", root, "--binary", bin, "--no-check")
	for name, content := range kept {
		if got := readFile(t, filepath.Join(root, textDir, name)); got != content {
			t.Errorf("a new install changed %s: %q, was %q", name, got, content)
		}
	}
	cronTick(t, root)
	kept[".lotus-f01234.prom.state"] = readFile(t, filepath.Join(root, textDir, ".lotus-f01234.prom.state"))
	removed("a second --uninstall --keep-data")

	// The package's postrm purge, with install.sh already gone.
	installTool(t, "sh")
	cmd := exec.Command("sh", "packaging/postrm", "purge")
	cmd.Env = append(cleanEnv(), "DPKG_ROOT="+root)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("postrm purge: %v\n%s", err, out)
	}
	wantContains(t, "postrm purge output", string(out), "removed "+textDir+"/.lotus-f01234.prom.state\n", "removed /var/lib/lotus-farcaster/installed\n", "removed /var\n")
	sameSnapshot(t, "install, --uninstall --keep-data, then postrm purge", pristine, rootSnapshot(t, root))
	if out, err := exec.Command("sh", "packaging/postrm", "purge").CombinedOutput(); err != nil || len(out) > 0 {
		t.Errorf("postrm purge with nothing to purge: %v, %q", err, out)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// TestInstallCheckProblem: the job is installed even when Lotus does not answer, the check's
// findings are shown, and the exit status says so.
func TestInstallCheckProblem(t *testing.T) {
	bin := installBinary(t)
	fake, root := debianHost(t)
	fake.Close()
	pristine := rootSnapshot(t, root)
	// A repo nobody uses and whose API is silent is no miner to set up.
	code, out := runInstall(t, "install.sh", "--root", root, "--binary", bin)
	if code != 1 || !strings.Contains(out, "no lotus user found: no lotus-miner or curio runs, and no ~/.lotusminer* folder with an api file that answers is in /root or /home/*; skipped /home/lotus/.lotusminer: no lotus-miner uses it, and its API did not answer; pass --user") {
		t.Errorf("Lotus down at the first install: exit %d, want 1 and the skipped repo named:\n%s", code, out)
	}
	sameSnapshot(t, "a refused install", pristine, rootSnapshot(t, root))

	// Down after it was installed: the miner keeps its job, user and ID.
	fake, root = debianHost(t)
	pristine = rootSnapshot(t, root)
	mustInstall(t, "--root", root, "--binary", bin, "--no-check")
	installed := cronJobs(t, root)
	fake.Close()
	code, out = runInstall(t, "install.sh", "--root", root, "--binary", bin)
	if code != 3 {
		t.Errorf("exit %d, want 3 (installed, check failed):\n%s", code, out)
	}
	wantContains(t, "install output", out, "lotus user: "+currentUser(t).Username+" (chosen by an earlier run)",
		"miner repo: /home/lotus/.lotusminer (miner f01234, daemon repo /home/lotus/.lotus)", "unchanged /etc/cron.d/lotus-farcaster",
		"check /home/lotus/.lotusminer: PROBLEM", "connection refused", "fix the above, then check again: sudo -u ")
	if jobs := cronJobs(t, root); !slices.Equal(jobs, installed) {
		t.Errorf("cron jobs %q, want those of the first install %q", jobs, installed)
	}
	mustInstall(t, "--root", root, "--uninstall")
	sameSnapshot(t, "install then --uninstall", pristine, rootSnapshot(t, root))
}

// TestInstallRefusesDeadSchedulers: --systemd where systemd is not PID 1 refuses and keeps
// the cron job; a host with neither cron nor systemd gets no job at all.
func TestInstallRefusesDeadSchedulers(t *testing.T) {
	bin := installBinary(t)
	_, root := debianHost(t)
	mustInstall(t, "--root", root, "--binary", bin, "--no-check")
	withCron := rootSnapshot(t, root)
	code, out := runInstall(t, "install.sh", "--root", root, "--binary", bin, "--systemd")
	if code != 1 {
		t.Errorf("--systemd without systemd: exit %d, want 1", code)
	}
	wantContains(t, "--systemd output", out, "refusing --systemd: no /run/systemd/system: systemd is not PID 1, so no timer would ever run; nothing changed; the cron job stays")
	if strings.Contains(out, "done:") {
		t.Errorf("--systemd without systemd claimed success:\n%s", out)
	}
	sameSnapshot(t, "a refused --systemd", withCron, rootSnapshot(t, root))

	_, bare := debianHost(t)
	for _, p := range []string{"usr/sbin/cron", "proc/12"} {
		if err := os.RemoveAll(filepath.Join(bare, p)); err != nil {
			t.Fatal(err)
		}
	}
	pristine := rootSnapshot(t, bare)
	code, out = runInstall(t, "install.sh", "--root", bare, "--binary", bin)
	if code != 1 || !strings.Contains(out, "nothing on this host would run the job") {
		t.Errorf("no cron, no systemd: exit %d:\n%s", code, out)
	}
	sameSnapshot(t, "a refused install", pristine, rootSnapshot(t, bare))
}

// TestInstallLogDestination: the job's error lines go where a person will look: the journal
// or syslog through logger when /dev/log is there, else a rotated log file of the lotus user.
func TestInstallLogDestination(t *testing.T) {
	bin := installBinary(t)
	me := currentUser(t)
	for _, tt := range []struct {
		name    string
		sockets []string
		where   string
	}{
		{"journal", []string{"dev/log", "run/systemd/journal/socket"}, "journalctl -t lotus-farcaster"},
		{"syslog", []string{"dev/log"}, "grep lotus-farcaster /var/log/syslog"},
		{"file", []string{"run/systemd/journal/socket"}, "/var/log/lotus-farcaster/lotus-farcaster.log"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			fake, root := debianHost(t)
			if err := os.Remove(filepath.Join(root, "dev/log")); err != nil {
				t.Fatal(err)
			}
			for _, s := range tt.sockets {
				makeSocket(t, root, s)
			}
			pristine := rootSnapshot(t, root)
			out := mustInstall(t, "--root", root, "--binary", bin, "--no-check")
			wantContains(t, "install output", out, "error lines: "+tt.where+"\n", "done: ", "error lines: "+tt.where+"; ")
			jobs := cronJobs(t, root)
			if len(jobs) != 1 {
				t.Fatalf("cron jobs %q", jobs)
			}
			if tt.name != "file" {
				if !strings.HasSuffix(jobs[0], " 2>&1 | logger -t lotus-farcaster") {
					t.Errorf("cron job %q does not end in logger", jobs[0])
				}
				return
			}
			if !strings.HasSuffix(jobs[0], ` 2>&1 | awk '{ print strftime(), $0; fflush() }' >>/var/log/lotus-farcaster/lotus-farcaster.log`) || strings.Contains(jobs[0], "%") {
				t.Errorf("cron job %q does not append to the log file", jobs[0])
			}
			wantContains(t, "install output", out, "created /var/log/lotus-farcaster", "wrote /etc/logrotate.d/lotus-farcaster")
			logDir := filepath.Join(root, "var/log/lotus-farcaster")
			if fi, err := os.Stat(logDir); err != nil || fmt.Sprint(fi.Sys().(*syscall.Stat_t).Uid) != me.Uid {
				t.Errorf("log folder not the lotus user's: %v", err)
			}
			rotate := readFile(t, filepath.Join(root, "etc/logrotate.d/lotus-farcaster"))
			group, _ := user.LookupGroupId(me.Gid)
			wantContains(t, "logrotate file", rotate, "/var/log/lotus-farcaster/lotus-farcaster.log {\n", "\tsu "+me.Username+" "+group.Name+"\n", "\tweekly\n", "\tmaxsize 10M\n", "\trotate 4\n", "\tcreate 0644 "+me.Username+" "+group.Name+"\n")
			// logrotate accepts the file, with the log path moved into the root (--debug rotates nothing).
			conf := writeConf(t, strings.ReplaceAll(rotate, "/var/log/lotus-farcaster", logDir))
			if out, err := exec.Command(installTool(t, "logrotate"), "--debug", "--state", filepath.Join(t.TempDir(), "state"), conf).CombinedOutput(); err != nil || strings.Contains(string(out), "error") {
				t.Errorf("logrotate --debug: %v\n%s", err, out)
			}

			// Lotus goes down: a cron minute writes its error lines, stamped, into the log file.
			fake.Close()
			cronTick(t, root)
			logged := readFile(t, filepath.Join(logDir, "lotus-farcaster.log"))
			if !regexp.MustCompile(`(?m)^\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4} level=ERROR msg="miner API unreachable: `).MatchString(logged) {
				t.Errorf("log file lacks a stamped error line:\n%s", logged)
			}
			writeHostFile(t, root, "var/log/lotus-farcaster/lotus-farcaster.log.1", "rotated\n", 0o644)
			// The .deb's remove keeps the log with the counters; a plain --uninstall removes all.
			out = mustInstall(t, "--root", root, "--uninstall", "--keep-data")
			wantContains(t, "--keep-data output", out, "removed /etc/logrotate.d/lotus-farcaster\n",
				"kept /var/log/lotus-farcaster/lotus-farcaster.log (removed by install.sh --uninstall)\n",
				"kept /var/log/lotus-farcaster/lotus-farcaster.log.1 (removed by install.sh --uninstall)\n")
			if got := readFile(t, filepath.Join(logDir, "lotus-farcaster.log")); got != logged {
				t.Errorf("--keep-data changed the log: %q, was %q", got, logged)
			}
			// The binary went with the first: the second is given one (else install.sh downloads it).
			mustInstall(t, "--root", root, "--binary", bin, "--uninstall")
			sameSnapshot(t, "install, --uninstall --keep-data, then --uninstall", pristine, rootSnapshot(t, root))
		})
	}
}

// writeConf writes a logrotate configuration to a file of its own.
func writeConf(t *testing.T, conf string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "lotus-farcaster")
	if err := os.WriteFile(p, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestInstallDaemonOnly: on a curio host without lotus-miner, one job with no flag but the
// folder, which finds Curio's database and its miners on its own; --miner passes the miner
// IDs through to one job that reads them from the daemon alone.
func TestInstallDaemonOnly(t *testing.T) {
	bin := installBinary(t)
	me := currentUser(t)
	_, root := debianHost(t)
	if err := os.RemoveAll(filepath.Join(root, "home/lotus/.lotusminer")); err != nil {
		t.Fatal(err)
	}
	writeFakeProcess(t, filepath.Join(root, "proc"), "4800", []string{"/usr/local/bin/curio", "run"}, nil)
	pristine := rootSnapshot(t, root)

	out := mustInstall(t, "--root", root, "--binary", bin, "--no-check")
	wantContains(t, "install output", out, "curio: the miners Curio's database serves (curio runs: "+me.Username+" (pid 4800))")
	want := "* * * * * " + me.Username + " /usr/local/bin/lotus-farcaster --textfile-dir /var/lib/prometheus/node-exporter 2>&1 | logger -t lotus-farcaster"
	if jobs := cronJobs(t, root); len(jobs) != 1 || jobs[0] != want {
		t.Errorf("cron jobs %q; want [%q]", jobs, want)
	}
	cronTick(t, root)
	exporterLeftovers(t, root, "/var/lib/prometheus/node-exporter", "curio")
	writeHostFile(t, root, "var/lib/prometheus/node-exporter/lotus-curio.prom", "lotus_up 1\n", 0o644)
	out = mustInstall(t, "--root", root, "--uninstall")
	wantContains(t, "uninstall output", out, "removed /var/lib/prometheus/node-exporter/lotus-curio.prom\n", "removed /var/lib/prometheus/node-exporter/.lotus-curio.prom.state\n")
	sameSnapshot(t, "the curio job, then --uninstall", pristine, rootSnapshot(t, root))

	out = mustInstall(t, "--root", root, "--binary", bin, "--user", me.Username, "--miner", "f01234,f05678", "--no-check")
	wantContains(t, "install output", out, "lotus user: "+me.Username+" (--user)", "daemon-only: miners f01234,f05678")
	want = "* * * * * " + me.Username + " /usr/local/bin/lotus-farcaster --miner f01234,f05678 --textfile-dir /var/lib/prometheus/node-exporter 2>&1 | logger -t lotus-farcaster"
	if jobs := cronJobs(t, root); len(jobs) != 1 || jobs[0] != want {
		t.Errorf("cron jobs %q; want [%q]", jobs, want)
	}
	// A re-run, as the package's is, repeats the first install's choices.
	installed := rootSnapshot(t, root)
	out = mustInstall(t, "--root", root, "--binary", bin, "--no-check")
	wantContains(t, "re-run output", out, "options of an earlier run, repeated: --miner f01234,f05678", "lotus user: "+me.Username+" (chosen by an earlier run)")
	sameSnapshot(t, "a re-run without options", installed, rootSnapshot(t, root))
	exporterLeftovers(t, root, "/var/lib/prometheus/node-exporter", "f05678")
	writeHostFile(t, root, "var/lib/prometheus/node-exporter/lotus-f05678.prom", "lotus_up 1\n", 0o644)
	mustInstall(t, "--root", root, "--uninstall")
	sameSnapshot(t, "install then --uninstall", pristine, rootSnapshot(t, root))
}

// TestInstallSystemdSeveralMiners: where systemd is PID 1, processes name a second repo outside
// the home folder and node_exporter's folder; --systemd writes the templated units, one
// enabled timer per repo; a re-run while both are down changes nothing; back to cron.
func TestInstallSystemdSeveralMiners(t *testing.T) {
	bin := installBinary(t)
	_, root := debianHost(t)
	me := currentUser(t)
	secondMiner(t, root)
	// A backup of the first repo, api file included: the same miner, so no second job.
	for _, f := range []string{"api", "token"} {
		writeHostFile(t, root, "home/lotus/.lotusminer.bak-2025/"+f, readFile(t, filepath.Join(root, "home/lotus/.lotusminer", f)), 0o600)
	}
	lastYear := time.Now().AddDate(-1, 0, 0)
	if err := os.Chtimes(filepath.Join(root, "home/lotus/.lotusminer.bak-2025/api"), lastYear, lastYear); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(root, "run/systemd/system"), 0o755); err != nil {
		t.Fatal(err)
	}
	proc := filepath.Join(root, "proc")
	writeFakeProcess(t, proc, "4711", []string{"/usr/local/bin/lotus-miner", "run"},
		[]string{"HOME=/home/lotus", "LOTUS_MINER_PATH=/data/miner2", "LOTUS_PATH=/data/lotus2"})
	writeFakeProcess(t, proc, "815", []string{"/usr/bin/prometheus-node-exporter", "--collector.textfile.directory", "/srv/textfile"}, nil)
	pristine := rootSnapshot(t, root, "/proc", "/data/miner2") // processes come and go below; the repo is removed

	args := []string{"--root", root, "--binary", bin, "--systemd"}
	out := mustInstall(t, args...)
	t.Logf("install:\n%s", out)
	wantContains(t, "install output", out,
		"lotus user: "+me.Username+" (runs lotus-miner (pid 4711); owns /home/lotus/.lotusminer)",
		"miner repo: /data/miner2 (miner f05678, daemon repo /data/lotus2)",
		"skipped miner repo: /home/lotus/.lotusminer.bak-2025 (a copy of /home/lotus/.lotusminer: both answer as miner f01234, and the api file here is older)",
		"miner repo: /home/lotus/.lotusminer (miner f01234, daemon repo /home/lotus/.lotus)",
		"textfile folder: /srv/textfile (--collector.textfile.directory of running node_exporter (pid 815))",
		"created /srv/textfile",
		"error lines: journalctl -u 'lotus-farcaster@*'",
		"check /data/miner2: verdict OK", "check /home/lotus/.lotusminer: verdict OK",
	)
	if _, err := os.Stat(filepath.Join(root, "etc/cron.d")); err == nil {
		t.Error("--systemd also wrote a cron file")
	}

	units := filepath.Join(root, "etc/systemd/system")
	service := readFile(t, filepath.Join(units, "lotus-farcaster@.service"))
	wantMode(t, filepath.Join(units, "lotus-farcaster@.service"), 0o644)
	wantContains(t, "lotus-farcaster@.service", service,
		"\nType=oneshot\n", "\nUser="+me.Username+"\n", "\nEnvironment=LOTUS_MINER_PATH=%f\n",
		"\nExecStart=/usr/local/bin/lotus-farcaster $LOTUS_FARCASTER_FLAGS --textfile-dir /srv/textfile\n", "\nSyslogIdentifier=lotus-farcaster\n",
		"\nNoNewPrivileges=yes\n", "\nProtectSystem=strict\n", "\nProtectHome=read-only\n", "\nReadWritePaths=/srv/textfile\n")
	for _, bad := range []string{"ProtectHome=yes", "ProtectProc=", "PrivateNetwork=", "IPAddressDeny="} {
		if strings.Contains(service, bad) {
			t.Errorf("lotus-farcaster@.service has %s, which would keep it from the Lotus APIs", bad)
		}
	}
	timer := readFile(t, filepath.Join(units, "lotus-farcaster@.timer"))
	wantContains(t, "lotus-farcaster@.timer", timer, "\nOnCalendar=*-*-* *:*:00\n", "\nWantedBy=timers.target\n")
	samePackageTimer(t, "lotus-farcaster@.timer", timer)
	for _, inst := range []string{"data-miner2", `home-lotus-.lotusminer`} {
		link := filepath.Join(units, "timers.target.wants", "lotus-farcaster@"+inst+".timer")
		if target, err := os.Readlink(link); err != nil || target != "/etc/systemd/system/lotus-farcaster@.timer" {
			t.Errorf("timer %s not enabled: -> %q, %v", link, target, err)
		}
	}
	for inst, want := range map[string][2]string{"data-miner2": {"/data/lotus2", "f05678"}, "home-lotus-.lotusminer": {"/home/lotus/.lotus", "f01234"}} {
		wantContains(t, "drop-in", readFile(t, filepath.Join(units, "lotus-farcaster@"+inst+".service.d/lotus-path.conf")),
			"Environment=LOTUS_PATH="+want[0]+"\n")
		wantContains(t, "drop-in", readFile(t, filepath.Join(units, "lotus-farcaster@"+inst+".service.d/miner.conf")),
			`Environment="LOTUS_FARCASTER_FLAGS=--expect-miner `+want[1]+`"`)
	}
	if analyze, err := exec.LookPath("systemd-analyze"); err == nil {
		// The units as systemd reads them (the binary named inside the root).
		checked := t.TempDir()
		for _, name := range []string{"lotus-farcaster@.service", "lotus-farcaster@.timer"} {
			unit := strings.ReplaceAll(readFile(t, filepath.Join(units, name)), "/usr/local/bin/", filepath.Join(root, "usr/local/bin")+"/")
			writeHostFile(t, checked, name, unit, 0o644)
		}
		// verify warns of unknown keys and bad values without failing: any output is a finding.
		if out, err := exec.Command(analyze, "verify", filepath.Join(checked, "lotus-farcaster@data-miner2.service"), filepath.Join(checked, "lotus-farcaster@.timer")).CombinedOutput(); err != nil || len(out) > 0 {
			t.Errorf("systemd-analyze verify: %v\n%s", err, out)
		}
	}

	// lotus-miner of /data/miner2 and node_exporter are down during the second run: the
	// repo and the folder chosen before are kept.
	installedState := rootSnapshot(t, root, "/proc")
	for _, pid := range []string{"4711", "815"} {
		if err := os.RemoveAll(filepath.Join(proc, pid)); err != nil {
			t.Fatal(err)
		}
	}
	out = mustInstall(t, args...)
	sameSnapshot(t, "a second run", installedState, rootSnapshot(t, root, "/proc"))
	if c := changeLines(out); len(c) > 0 {
		t.Errorf("a second run reported changes: %q", c)
	}
	wantContains(t, "second run", out, "textfile folder: /srv/textfile (chosen by an earlier run", "check /data/miner2: verdict OK")

	// Back to cron: the units go, the cron file comes, with one line per repo.
	out = mustInstall(t, "--root", root, "--binary", bin, "--cron", "--no-check")
	wantContains(t, "switch to cron", out, "removed /etc/systemd/system/lotus-farcaster@.service", "wrote /etc/cron.d/lotus-farcaster")
	if n := len(cronJobs(t, root)); n != 2 {
		t.Errorf("%d cron lines, want one per repo (2)", n)
	}
	if _, err := os.Stat(filepath.Join(units, "lotus-farcaster@.service")); err == nil {
		t.Error("switching to cron left the units")
	}

	// The second miner's repo is removed: its job goes, and its files with it.
	exporterLeftovers(t, root, "/srv/textfile", "f01234")
	exporterLeftovers(t, root, "/srv/textfile", "f05678")
	if err := os.RemoveAll(filepath.Join(root, "data/miner2")); err != nil {
		t.Fatal(err)
	}
	out = mustInstall(t, "--root", root, "--binary", bin, "--cron", "--no-check")
	if jobs := cronJobs(t, root); len(jobs) != 1 || !strings.Contains(jobs[0], "--expect-miner f01234 ") {
		t.Errorf("cron jobs %q, want the first miner's alone", jobs)
	}
	wantContains(t, "the second repo removed", out, "removed /srv/textfile/.lotus-f05678.prom.state", "removed /srv/textfile/.lotus-f05678.prom.123456.tmp")
	if strings.Contains(out, "f01234.prom") {
		t.Errorf("removing the second miner touched the first one's files:\n%s", out)
	}

	mustInstall(t, "--root", root, "--uninstall")
	sameSnapshot(t, "install then --uninstall", pristine, rootSnapshot(t, root, "/proc", "/data/miner2"))
}

// samePackageTimer: the timer the .deb ships is the one install.sh writes, but for the comment.
func samePackageTimer(t *testing.T, name, written string) {
	t.Helper()
	_, want, _ := strings.Cut(readFile(t, filepath.Join("packaging", name)), "\n")
	if _, got, _ := strings.Cut(written, "\n"); got != want {
		t.Errorf("install.sh's %s:\n%s\ndiffers from packaging/%s:\n%s", name, got, name, want)
	}
}

// TestInstallSystemdPackaged: install.sh run by the .deb's postinst (DPKG_MAINTSCRIPT_PACKAGE
// set, as dpkg sets it) on a systemd host enables the timer the package ships in
// /usr/lib/systemd/system instead of writing one into /etc, takes over from an install made
// without the package, tells package users apt's commands, and is undone by remove and purge.
func TestInstallSystemdPackaged(t *testing.T) {
	bin := installBinary(t)
	_, root := debianHost(t)
	for _, d := range []string{"run/systemd/system", "usr/bin"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	writeHostFile(t, root, "usr/bin/lotus-farcaster", readFile(t, bin), 0o755)
	for _, name := range []string{"lotus-farcaster.timer", "lotus-farcaster@.timer"} {
		writeHostFile(t, root, "usr/lib/systemd/system/"+name, readFile(t, filepath.Join("packaging", name)), 0o644)
	}
	pristine := rootSnapshot(t, root)
	units := filepath.Join(root, "etc/systemd/system")
	link := filepath.Join(units, "timers.target.wants/lotus-farcaster.timer")

	// Without the package, install.sh writes the same timer itself.
	args := []string{"--root", root, "--binary", filepath.Join(root, "usr/bin/lotus-farcaster"), "--prefix", "/usr", "--systemd", "--no-check"}
	out := mustInstall(t, args...)
	wantContains(t, "install output", out, "wrote /etc/systemd/system/lotus-farcaster.timer", "remove with install.sh --uninstall")
	samePackageTimer(t, "lotus-farcaster.timer", readFile(t, filepath.Join(units, "lotus-farcaster.timer")))

	packaged := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("bash", append([]string{"install.sh"}, args...)...)
		cmd.Env = append(cleanEnv(), "DPKG_MAINTSCRIPT_PACKAGE=lotus-farcaster")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("install.sh %s as the package: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	out = packaged(args...)
	t.Logf("install as the package:\n%s", out)
	wantContains(t, "install output", out, "timer unit: /usr/lib/systemd/system/lotus-farcaster.timer (the package's)",
		"removed /etc/systemd/system/lotus-farcaster.timer", "linked /etc/systemd/system/timers.target.wants/lotus-farcaster.timer -> /usr/lib/systemd/system/lotus-farcaster.timer",
		"remove with apt remove lotus-farcaster")
	if target, err := os.Readlink(link); err != nil || target != "/usr/lib/systemd/system/lotus-farcaster.timer" {
		t.Errorf("timer not enabled: -> %q, %v", target, err)
	}
	if timers, _ := filepath.Glob(filepath.Join(units, "*.timer")); len(timers) > 0 {
		t.Errorf("timers written into /etc: %q", timers)
	}
	wantContains(t, "lotus-farcaster.service", readFile(t, filepath.Join(units, "lotus-farcaster.service")),
		"# Written by the lotus-farcaster package for this host (options: /etc/default/lotus-farcaster, then dpkg-reconfigure lotus-farcaster); remove with apt remove lotus-farcaster.\n",
		"\nExecStart=/usr/bin/lotus-farcaster --expect-miner f01234 --textfile-dir /var/lib/prometheus/node-exporter\n")

	out = packaged("--root", root, "--uninstall", "--keep-data")
	wantContains(t, "remove output", out, "removed /etc/systemd/system/timers.target.wants/lotus-farcaster.timer", "removed /etc/systemd/system/lotus-farcaster.service")
	cmd := exec.Command("sh", "packaging/postrm", "purge")
	cmd.Env = append(cleanEnv(), "DPKG_ROOT="+root)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("postrm purge: %v\n%s", err, out)
	}
	sameSnapshot(t, "install, as the package, remove and purge", pristine, rootSnapshot(t, root))
}

// TestInstallGrantsTextfileAccess: a lotus user that cannot write node_exporter's folder gets
// group write access, recorded and reverted by --uninstall; an existing folder stays.
func TestInstallGrantsTextfileAccess(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("changing a folder's group needs root")
	}
	nobody, err := user.Lookup("nobody")
	if err != nil {
		t.Skip("no user nobody")
	}
	group, err := user.LookupGroupId(nobody.Gid)
	if err != nil {
		t.Fatal(err)
	}
	bin := installBinary(t)
	_, root := debianHost(t)
	for _, d := range []string{root, filepath.Dir(root)} { // traversable by nobody, as / is
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.RemoveAll(filepath.Join(root, "proc/815")); err != nil { // no node_exporter runs
		t.Fatal(err)
	}
	writeHostFile(t, root, "var/lib/node_exporter/textfile_collector/other.prom", "other 1\n", 0o644)
	textDir := filepath.Join(root, "var/lib/node_exporter/textfile_collector")
	pristine := rootSnapshot(t, root)

	args := []string{"--root", root, "--binary", bin, "--user", "nobody", "--miner-repo", "/home/lotus/.lotusminer", "--no-check"}
	out := mustInstall(t, args...)
	wantContains(t, "install output", out,
		"textfile folder: /var/lib/node_exporter/textfile_collector (common manual-install location /var/lib/node_exporter/textfile_collector)",
		"note: no node_exporter runs now",
		"granted group "+group.Name+" write access to /var/lib/node_exporter/textfile_collector (was root 755")
	fi, err := os.Stat(textDir)
	if err != nil {
		t.Fatal(err)
	}
	if st := fi.Sys().(*syscall.Stat_t); fmt.Sprint(st.Gid) != nobody.Gid || fi.Mode().Perm()&0o070 != 0o070 {
		t.Errorf("textfile folder: gid %d mode %v; want gid %s and group rwx", st.Gid, fi.Mode(), nobody.Gid)
	}
	wantContains(t, "cron file", readFile(t, filepath.Join(root, "etc/cron.d/lotus-farcaster")), "* * * * * nobody LOTUS_PATH=/home/lotus/.lotus LOTUS_MINER_PATH=/home/lotus/.lotusminer ")

	installedState := rootSnapshot(t, root)
	out = mustInstall(t, args...)
	sameSnapshot(t, "a second run", installedState, rootSnapshot(t, root))
	if c := changeLines(out); len(c) > 0 {
		t.Errorf("a second run reported changes: %q", c)
	}
	// What the job, as nobody, writes (as root it would refuse a folder nobody's group can write).
	writeHostFile(t, root, "var/lib/node_exporter/textfile_collector/lotus-f01234.prom", "lotus_up 1\n", 0o644)
	out = mustInstall(t, "--root", root, "--uninstall")
	wantContains(t, "uninstall output", out, "restored group root and mode 755 of /var/lib/node_exporter/textfile_collector",
		"removed /var/lib/node_exporter/textfile_collector/lotus-f01234.prom")
	if strings.Contains(out, "other.prom") {
		t.Errorf("--uninstall touched a file that is not the exporter's:\n%s", out)
	}
	sameSnapshot(t, "install then --uninstall", pristine, rootSnapshot(t, root))
}

// nobodyHost is debianHost with no node_exporter running and the root traversable, for runs
// that give the job to nobody, whose access the installer tests as nobody (so as root only).
func nobodyHost(t *testing.T) (bin, root string, group *user.Group) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("changing a folder's group needs root")
	}
	nobody, err := user.Lookup("nobody")
	if err != nil {
		t.Skip("no user nobody")
	}
	if group, err = user.LookupGroupId(nobody.Gid); err != nil {
		t.Fatal(err)
	}
	bin = installBinary(t)
	_, root = debianHost(t)
	for _, d := range []string{root, filepath.Dir(root)} { // traversable by nobody, as / is
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.RemoveAll(filepath.Join(root, "proc/815")); err != nil {
		t.Fatal(err)
	}
	return bin, root, group
}

// TestInstallIgnoresHostileNodeExporter: an ordinary user's program named node_exporter that
// names /etc changes nothing: the installer uses Debian's folder, and /etc keeps its group
// and mode. So does one that is root only through a set-user-ID program.
func TestInstallIgnoresHostileNodeExporter(t *testing.T) {
	bin, root, group := nobodyHost(t)
	writeHostFile(t, root, "etc/sudoers.d/README", "x\n", 0o440)
	proc := filepath.Join(root, "proc")
	proctest.Write(t, proc, proctest.Process{PID: "900", UID: 1500, EUID: 1500, Argv: []string{"/home/mallory/node_exporter", "--collector.textfile.directory=/etc"}})
	proctest.Write(t, proc, proctest.Process{PID: "901", UID: 1500, EUID: 0, Argv: []string{"node_exporter", "--collector.textfile.directory", "/etc/sudoers.d"}})
	etc := rootSnapshot(t, filepath.Join(root, "etc"))

	out := mustInstall(t, "--root", root, "--binary", bin, "--user", "nobody", "--miner-repo", "/home/lotus/.lotusminer", "--no-check")
	wantContains(t, "install output", out,
		"textfile folder: /var/lib/prometheus/node-exporter (no running node_exporter reads a folder",
		"granted group "+group.Name+" write access to /var/lib/prometheus/node-exporter")
	if strings.Contains(out, "/etc/sudoers.d") || strings.Contains(out, "textfile folder: /etc") {
		t.Errorf("the installer believed a hostile node_exporter:\n%s", out)
	}
	// What the installer writes into /etc is its own files, which it says; /etc and the rest keep theirs.
	var kept []string
	for _, l := range rootSnapshot(t, filepath.Join(root, "etc")) {
		if !strings.HasPrefix(l, "/cron.d") && !strings.HasPrefix(l, "/logrotate.d") {
			kept = append(kept, l)
		}
	}
	sameSnapshot(t, "the install, in /etc", etc, kept)
}

// TestInstallRefusesHostileFolder: a node_exporter of root that reads a system folder, a home
// folder, or a folder whose name is the documented one but that leads into /etc, is not a
// folder to open to the lotus group: the installer refuses and changes nothing. A folder of
// the administrator's own it leaves to an ACL; one in a container no host folder shows, to
// --textfile-dir.
func TestInstallRefusesHostileFolder(t *testing.T) {
	bin, root, _ := nobodyHost(t)
	writeHostFile(t, root, "home/x/.ssh/authorized_keys", "ssh-ed25519 AAAA x\n", 0o600)
	writeHostFile(t, root, "srv/textfile/other.prom", "other 1\n", 0o644)
	if err := os.MkdirAll(filepath.Join(root, "var/lib/node_exporter"), 0o755); err != nil {
		t.Fatal(err)
	}
	// Relative, so that a regression changes the fake root's /etc, not this machine's.
	if err := os.Symlink("../../../etc", filepath.Join(root, "var/lib/node_exporter/textfile_collector")); err != nil {
		t.Fatal(err)
	}
	pristine := rootSnapshot(t, root)
	const fix = "; pass --textfile-dir with a folder node_exporter reads that nobody can write; nothing changed"
	for _, tc := range []struct {
		name, dir, mountInfo, want string
	}{
		{"system folder", "/etc", "", "refusing to change the group and mode of /etc for nobody: /etc is in /etc, a system folder" + fix},
		{"home folder", "/home/x", "", "refusing to change the group and mode of /home/x for nobody: /home/x is in /home, a system folder" + fix},
		{"documented name leading into /etc", "/var/lib/node_exporter/textfile_collector", "",
			"refusing to change the group and mode of /var/lib/node_exporter/textfile_collector for nobody: /var/lib/node_exporter/textfile_collector (which leads to /etc) is in /etc, a system folder" + fix},
		{"a folder of the administrator's", "/srv/textfile", "",
			"refusing to change the group and mode of /srv/textfile for nobody: /srv/textfile is neither node_exporter's documented folder (/var/lib/prometheus/node-exporter or /var/lib/node_exporter/textfile_collector) nor one the installer creates; let nobody write to it yourself (setfacl -m u:nobody:rwx /srv/textfile) and re-run, or pass --textfile-dir with a folder nobody can write; nothing changed"},
		{"a tmpfs in a container", "/scratch", "1520 1430 0:112 / / rw - overlay overlay rw\n1531 1520 0:120 / /scratch rw - tmpfs tmpfs rw\n",
			"node_exporter (pid 900) runs in a container and reads /scratch from a tmpfs of the container's own, which no folder of this host shows; mount a folder of this host there (docker run -v /srv/textfile:/scratch), or pass --textfile-dir with the host folder it reads; nothing changed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			proctest.Write(t, filepath.Join(root, "proc"), proctest.Process{PID: "900", MountInfo: tc.mountInfo,
				Argv: []string{"/usr/bin/node_exporter", "--collector.textfile.directory=" + tc.dir}})
			code, out := runInstall(t, "install.sh", "--root", root, "--binary", bin, "--user", "nobody", "--miner-repo", "/home/lotus/.lotusminer", "--no-check")
			if code == 0 || !strings.Contains(out, tc.want) {
				t.Errorf("exit %d; want a refusal saying %q:\n%s", code, tc.want, out)
			}
			if c := changeLines(out); len(c) > 0 {
				t.Errorf("a refused run reported changes: %q", c)
			}
			if err := os.RemoveAll(filepath.Join(root, "proc/900")); err != nil {
				t.Fatal(err)
			}
			sameSnapshot(t, "a refused run", pristine, rootSnapshot(t, root))
		})
	}
}

// TestInstallSymlinkedFolder: a --textfile-dir that is a link to node_exporter's documented
// folder gets that folder opened, and --uninstall restores that folder's group and mode, not
// the link's (lrwxrwxrwx, which chmod would give the folder).
func TestInstallSymlinkedFolder(t *testing.T) {
	bin, root, group := nobodyHost(t)
	writeHostFile(t, root, "var/lib/node_exporter/textfile_collector/other.prom", "other 1\n", 0o644)
	if err := os.MkdirAll(filepath.Join(root, "srv"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../var/lib/node_exporter/textfile_collector", filepath.Join(root, "srv/tf")); err != nil {
		t.Fatal(err)
	}
	pristine := rootSnapshot(t, root)
	out := mustInstall(t, "--root", root, "--binary", bin, "--user", "nobody", "--miner-repo", "/home/lotus/.lotusminer", "--textfile-dir", "/srv/tf", "--no-check")
	wantContains(t, "install output", out, "granted group "+group.Name+" write access to /srv/tf (was root 755;")
	wantMode(t, filepath.Join(root, "var/lib/node_exporter/textfile_collector"), fs.ModeDir|0o775)
	out = mustInstall(t, "--root", root, "--uninstall")
	wantContains(t, "uninstall output", out, "restored group root and mode 755 of /srv/tf")
	sameSnapshot(t, "install then --uninstall", pristine, rootSnapshot(t, root))
}

// TestInstallRegrantsItsOwnFolder: a folder an earlier run created stays the installer's to
// change, after its access was taken back, though it is not node_exporter's documented one.
func TestInstallRegrantsItsOwnFolder(t *testing.T) {
	bin, root, group := nobodyHost(t)
	args := []string{"--root", root, "--binary", bin, "--user", "nobody", "--miner-repo", "/home/lotus/.lotusminer", "--textfile-dir", "/srv/new/tf", "--no-check"}
	out := mustInstall(t, args...)
	wantContains(t, "first install", out, "created /srv/new/tf", "granted group "+group.Name+" write access to /srv/new/tf")
	dir := filepath.Join(root, "srv/new/tf")
	if err := os.Chown(dir, 0, 0); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	out = mustInstall(t, args...)
	wantContains(t, "second install", out, "granted group "+group.Name+" write access to /srv/new/tf (was root 755;")
}

// TestInstallNodeExporterInContainer: node_exporter runs in docker as nobody and reads a bind
// mount of a host folder: the job writes into that host folder, which the installer creates.
func TestInstallNodeExporterInContainer(t *testing.T) {
	bin, root, group := nobodyHost(t)
	proctest.Write(t, filepath.Join(root, "proc"), proctest.Process{PID: "900", UID: 65534, EUID: 65534,
		MountInfo: "1520 1430 0:112 / / rw,relatime master:520 - overlay overlay rw\n" +
			"1530 1520 8:1 /srv/ne/textfile /host/textfile ro,relatime - ext4 /dev/sda1 rw\n",
		Argv: []string{"/bin/node_exporter", "--path.rootfs=/host", "--collector.textfile.directory=/host/textfile"}})
	out := mustInstall(t, "--root", root, "--binary", bin, "--user", "nobody", "--miner-repo", "/home/lotus/.lotusminer", "--no-check")
	wantContains(t, "install output", out,
		"textfile folder: /srv/ne/textfile (node_exporter (pid 900) runs in a container and reads /host/textfile, which is /srv/ne/textfile here)",
		"created /srv/ne/textfile",
		"granted group "+group.Name+" write access to /srv/ne/textfile")
	wantContains(t, "cron file", readFile(t, filepath.Join(root, "etc/cron.d/lotus-farcaster")), " --textfile-dir /srv/ne/textfile ")
}

const testReleaseVersion = "0.0.1-test"

// buildRelease runs scripts/release.sh for this machine's architecture into a test folder.
func buildRelease(t *testing.T) (dist, tarball string) {
	t.Helper()
	if runtime.GOOS != "linux" || (runtime.GOARCH != "amd64" && runtime.GOARCH != "arm64") {
		t.Skipf("releases are built for linux/amd64 and linux/arm64, not %s/%s", runtime.GOOS, runtime.GOARCH)
	}
	for _, tool := range []string{"bash", "tar", "gzip", "sha256sum"} {
		installTool(t, tool)
	}
	dist = t.TempDir()
	cmd := exec.Command("bash", "scripts/release.sh", "v"+testReleaseVersion, dist)
	cmd.Env = append(os.Environ(), "ARCHES="+runtime.GOARCH)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("scripts/release.sh: %v\n%s", err, out)
	}
	return dist, "lotus-farcaster-" + testReleaseVersion + "-linux-" + runtime.GOARCH + ".tar.gz"
}

// tarEntries lists a .tar.gz: name and mode of each entry.
func tarEntries(t *testing.T, path string) map[string]fs.FileMode {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	entries := map[string]fs.FileMode{}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return entries
		}
		if err != nil {
			t.Fatal(err)
		}
		entries[strings.TrimSuffix(h.Name, "/")] = h.FileInfo().Mode()
	}
}

// TestInstallRelease: the artefacts of scripts/release.sh. The tarball served over loopback
// and installed by checksum (a tampered one or a missing release installs nothing); the .deb
// unpacked and checked, then installed into a host root with dpkg and purged.
func TestInstallRelease(t *testing.T) {
	if _, err := exec.LookPath("wget"); err != nil {
		installTool(t, "curl") // install.sh downloads with curl, else wget
	}
	dist, tarball := buildRelease(t)

	// The artefacts: the tarball's layout, SHA256SUMS in sha256sum's format, install.sh.
	top := strings.TrimSuffix(tarball, ".tar.gz")
	deb := "lotus-farcaster_" + testReleaseVersion + "_" + runtime.GOARCH + ".deb"
	entries := tarEntries(t, filepath.Join(dist, tarball))
	for name, mode := range map[string]fs.FileMode{top + "/lotus-farcaster": 0o755, top + "/install.sh": 0o755, top + "/README.md": 0o644, top + "/docs/install.md": 0o644, top + "/grafana/alerts.yml": 0o644,
		top + "/LICENSE": 0o644, top + "/LICENSE-MIT": 0o644, top + "/LICENSE-APACHE": 0o644, top + "/CHANGELOG.md": 0o644} {
		if got, ok := entries[name]; !ok || got.Perm() != mode {
			t.Errorf("%s: %s has mode %v (present %v), want %v", tarball, name, got, ok, mode)
		}
	}
	sums := readFile(t, filepath.Join(dist, "SHA256SUMS"))
	for _, name := range []string{tarball, deb} {
		sum := sha256.Sum256([]byte(readFile(t, filepath.Join(dist, name))))
		wantContains(t, "SHA256SUMS", sums, hex.EncodeToString(sum[:])+"  "+name+"\n")
	}
	wantContains(t, "SHA256SUMS", sums, "  install.sh\n")
	if readFile(t, filepath.Join(dist, "install.sh")) != readFile(t, "install.sh") {
		t.Error("the release's install.sh differs from the repository's")
	}

	// A tampered copy: the same SHA256SUMS, one byte of the tarball changed.
	tampered := t.TempDir()
	b := []byte(readFile(t, filepath.Join(dist, tarball)))
	b[len(b)/2] ^= 0xff
	for name, content := range map[string][]byte{tarball: b, "SHA256SUMS": []byte(sums)} {
		if err := os.WriteFile(filepath.Join(tampered, name), content, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	var fetched []string
	mux := http.NewServeMux()
	mux.Handle("/releases/latest/download/", http.StripPrefix("/releases/latest/download/", http.FileServer(http.Dir(dist))))
	mux.Handle("/releases/download/v"+testReleaseVersion+"/", http.StripPrefix("/releases/download/v"+testReleaseVersion+"/", http.FileServer(http.Dir(dist))))
	mux.Handle("/tampered/latest/download/", http.StripPrefix("/tampered/latest/download/", http.FileServer(http.Dir(tampered))))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		fetched = append(fetched, r.URL.Path)
		mu.Unlock()
		mux.ServeHTTP(w, r)
	}))
	defer srv.Close()

	t.Run("tampered", func(t *testing.T) {
		_, root := debianHost(t)
		before := rootSnapshot(t, root)
		code, out := runInstall(t, "install.sh", "--root", root, "--base-url", srv.URL+"/tampered")
		if code == 0 || !strings.Contains(out, "checksum mismatch for "+tarball) {
			t.Errorf("tampered tarball: exit %d, want a refusal naming the checksum mismatch:\n%s", code, out)
		}
		sameSnapshot(t, "a refused download", before, rootSnapshot(t, root))
	})
	t.Run("missing release", func(t *testing.T) {
		_, root := debianHost(t)
		before := rootSnapshot(t, root)
		if code, out := runInstall(t, "install.sh", "--root", root, "--base-url", srv.URL+"/releases", "--version", "v9.9.9"); code == 0 || !strings.Contains(out, "download failed") {
			t.Errorf("missing release: exit %d:\n%s", code, out)
		}
		sameSnapshot(t, "a failed download", before, rootSnapshot(t, root))
	})
	t.Run("latest then pinned", func(t *testing.T) {
		_, root := debianHost(t)
		out := mustInstall(t, "--root", root, "--base-url", srv.URL+"/releases")
		wantContains(t, "install output", out, "verified "+tarball+" against SHA256SUMS", "binary: lotus-farcaster "+testReleaseVersion,
			"installed /usr/local/bin/lotus-farcaster", "verdict OK")
		version, err := exec.Command(filepath.Join(root, "usr/local/bin/lotus-farcaster"), "--version").Output()
		if err != nil || !strings.HasPrefix(string(version), "lotus-farcaster, version "+testReleaseVersion+" ") {
			t.Errorf("installed --version: %q, %v", version, err)
		}
		mu.Lock()
		wantContains(t, "requests", strings.Join(fetched, "\n"), "/releases/latest/download/SHA256SUMS", "/releases/latest/download/"+tarball)
		mu.Unlock()

		state := rootSnapshot(t, root)
		out = mustInstall(t, "--root", root, "--base-url", srv.URL+"/releases", "--version", testReleaseVersion)
		wantContains(t, "pinned re-run", out, "unchanged /usr/local/bin/lotus-farcaster")
		sameSnapshot(t, "a second run with the same release", state, rootSnapshot(t, root))
	})
	t.Run("piped", func(t *testing.T) {
		// curl -fsSL .../install.sh | sudo bash -s -- OPTIONS
		_, root := debianHost(t)
		cmd := exec.Command("bash", "-s", "--", "--root", root, "--base-url", srv.URL+"/releases", "--no-check")
		cmd.Stdin = strings.NewReader(readFile(t, filepath.Join(dist, "install.sh")))
		cmd.Env = cleanEnv()
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("piped install.sh: %v\n%s", err, out)
		}
		wantContains(t, "piped install output", string(out), "verified "+tarball+" against SHA256SUMS", "installed /usr/local/bin/lotus-farcaster")
	})
	t.Run("unpacked release", func(t *testing.T) {
		// sudo ./install.sh inside the unpacked tarball installs the binary beside it.
		unpacked := t.TempDir()
		if out, err := exec.Command("tar", "-xzf", filepath.Join(dist, tarball), "-C", unpacked).CombinedOutput(); err != nil {
			t.Fatalf("tar: %v\n%s", err, out)
		}
		_, root := debianHost(t)
		code, out := runInstall(t, filepath.Join(unpacked, top, "install.sh"), "--root", root, "--base-url", "http://127.0.0.1:1/unreachable")
		if code != 0 {
			t.Fatalf("exit %d:\n%s", code, out)
		}
		wantContains(t, "install output", out, "binary: lotus-farcaster "+testReleaseVersion+" ("+filepath.Join(unpacked, top, "lotus-farcaster")+")", "verdict OK")
	})
	t.Run("from source", func(t *testing.T) {
		_, root := debianHost(t)
		out := mustInstall(t, "--root", root, "--from-source", "--no-check")
		wantContains(t, "install output", out, "built lotus-farcaster", "installed /usr/local/bin/lotus-farcaster")
		version, err := exec.Command(filepath.Join(root, "usr/local/bin/lotus-farcaster"), "--version").Output()
		if err != nil || !strings.HasPrefix(string(version), "lotus-farcaster, version ") || strings.HasPrefix(string(version), "lotus-farcaster, version  ") {
			t.Errorf("--from-source binary has no version stamped: %q, %v", version, err)
		}
	})
	t.Run("deb unpacked", func(t *testing.T) { testDebContents(t, filepath.Join(dist, deb)) })
	t.Run("deb lintian", func(t *testing.T) { testDebLintian(t, filepath.Join(dist, deb)) })
	t.Run("deb installed and purged", func(t *testing.T) { testDebInstall(t, filepath.Join(dist, deb)) })
	t.Run("deb on a systemd host", func(t *testing.T) { testDebSystemd(t, filepath.Join(dist, deb)) })
	t.Run("deb on the field host", func(t *testing.T) { testDebFieldHost(t, filepath.Join(dist, deb)) })
}

// testDebContents unpacks the .deb with dpkg-deb and checks its files, fields and scripts.
func testDebContents(t *testing.T, deb string) {
	dpkgDeb := installTool(t, "dpkg-deb")
	dir := t.TempDir()
	for _, args := range [][]string{{"-x", deb, dir}, {"-e", deb, filepath.Join(dir, "DEBIAN")}} {
		if out, err := exec.Command(dpkgDeb, args...).CombinedOutput(); err != nil {
			t.Fatalf("dpkg-deb %s: %v\n%s", args[0], err, out)
		}
	}
	for path, mode := range map[string]fs.FileMode{
		"usr/bin/lotus-farcaster":                                0o755,
		"etc/default/lotus-farcaster":                            0o644,
		"usr/share/doc/lotus-farcaster/README.md":                0o644,
		"usr/share/doc/lotus-farcaster/install.md":               0o644,
		"usr/share/doc/lotus-farcaster/farm.md":                  0o644,
		"usr/share/lotus-farcaster/grafana/alerts.yml":           0o644,
		"usr/share/lotus-farcaster/grafana/prometheus.yml":       0o644,
		"usr/share/lotus-farcaster/grafana/lotus-farcaster.json": 0o644,
		"usr/share/doc/lotus-farcaster/copyright":                0o644,
		"usr/share/doc/lotus-farcaster/changelog.gz":             0o644,
		"usr/share/doc/lotus-farcaster/changelog.Debian.gz":      0o644,
		"usr/share/lintian/overrides/lotus-farcaster":            0o644,
		"DEBIAN/postinst":                                        0o755,
		"DEBIAN/prerm":                                           0o755,
		"DEBIAN/postrm":                                          0o755,
	} {
		wantMode(t, filepath.Join(dir, path), mode)
	}
	// The maintainer scripts call the binary's setup; the .deb needs no install.sh.
	if _, err := os.Lstat(filepath.Join(dir, "usr/share/lotus-farcaster/install.sh")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the .deb ships install.sh: %v", err)
	}
	wantContains(t, "conffiles", readFile(t, filepath.Join(dir, "DEBIAN/conffiles")), "/etc/default/lotus-farcaster\n")
	wantContains(t, "control", readFile(t, filepath.Join(dir, "DEBIAN/control")),
		"Package: lotus-farcaster\n", "Architecture: "+runtime.GOARCH+"\n", "Version: 0.0.1~test-1\n", "Recommends: cron | systemd-sysv, prometheus-node-exporter, logrotate\n")
	wantContains(t, "postinst", readFile(t, filepath.Join(dir, "DEBIAN/postinst")), "\"$DPKG_ROOT/usr/bin/lotus-farcaster\" setup --binary \"$DPKG_ROOT/usr/bin/lotus-farcaster\" --prefix /usr")
	wantContains(t, "prerm", readFile(t, filepath.Join(dir, "DEBIAN/prerm")), "\"$DPKG_ROOT/usr/bin/lotus-farcaster\" setup --uninstall --keep-data")
	if readFile(t, filepath.Join(dir, "usr/share/doc/lotus-farcaster/copyright")) != readFile(t, "packaging/copyright") {
		t.Error("the .deb's copyright differs from packaging/copyright")
	}
	// The changelogs: gzip -9n (no name, no time: the .deb is reproducible), the upstream one
	// is CHANGELOG.md, the Debian one names the package's version.
	for name, want := range map[string]string{"changelog.gz": readFile(t, "CHANGELOG.md"), "changelog.Debian.gz": "lotus-farcaster (0.0.1~test-1) unstable; urgency=medium\n"} {
		b := []byte(readFile(t, filepath.Join(dir, "usr/share/doc/lotus-farcaster", name)))
		if len(b) < 10 || b[3] != 0 || string(b[4:8]) != "\x00\x00\x00\x00" || b[8] != 2 {
			t.Errorf("%s: gzip header % x; want no name, no time, best compression (gzip -9n)", name, b[:min(len(b), 10)])
			continue
		}
		gz, err := gzip.NewReader(strings.NewReader(string(b)))
		if err != nil {
			t.Fatal(err)
		}
		text := string(must(io.ReadAll(gz)))
		if name == "changelog.gz" && text != want || !strings.HasPrefix(text, want) {
			t.Errorf("%s starts %q; want %q", name, text[:min(len(text), 200)], want)
		}
	}
	version, err := exec.Command(filepath.Join(dir, "usr/bin/lotus-farcaster"), "--version").Output()
	if err != nil || !strings.HasPrefix(string(version), "lotus-farcaster, version "+testReleaseVersion+" ") {
		t.Errorf("the .deb's binary --version: %q, %v", version, err)
	}
}

// dpkgRoot gives root an empty dpkg database and returns a function that runs dpkg on it.
// dpkg runs the maintainer scripts outside a chroot (--force-script-chrootless, DPKG_ROOT
// set), since the root holds no shell.
func dpkgRoot(t *testing.T, root string) func(args ...string) string {
	t.Helper()
	dpkg := installTool(t, "dpkg")
	if os.Geteuid() != 0 {
		if os.Getenv("CI") != "" {
			t.Fatal("dpkg --root needs root to give the package's files their owner; CI runs as root")
		}
		t.Skip("dpkg --root needs root to give the package's files their owner")
	}
	for _, d := range []string{"var/lib/dpkg/info", "var/lib/dpkg/updates"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	writeHostFile(t, root, "var/lib/dpkg/status", "", 0o644)
	return func(args ...string) string {
		t.Helper()
		cmd := exec.Command(dpkg, append([]string{"--root=" + root, "--force-script-chrootless", "--force-not-root"}, args...)...)
		cmd.Env = cleanEnv()
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("dpkg %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
}

// testDebSystemd installs the .deb on a host where systemd is PID 1 and no cron runs: the
// postinst enables the timer dpkg unpacked into /usr/lib/systemd/system and writes only the
// service into /etc; remove and purge leave the root as it was.
func testDebSystemd(t *testing.T, deb string) {
	_, root := debianHost(t)
	for _, gone := range []string{"proc/12", "usr/sbin/cron"} {
		if err := os.RemoveAll(filepath.Join(root, gone)); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(filepath.Join(root, "run/systemd/system"), 0o755); err != nil {
		t.Fatal(err)
	}
	run := dpkgRoot(t, root)
	pristine := rootSnapshot(t, root, "/var/lib/dpkg")

	out := run("-i", deb)
	t.Logf("dpkg -i:\n%s", out)
	wantContains(t, "dpkg -i output", out, "schedule: every minute via systemd", "timer unit: /usr/lib/systemd/system/lotus-farcaster.timer (the package's)",
		"wrote /etc/systemd/system/lotus-farcaster.service", "verdict OK", "remove with apt remove lotus-farcaster")
	units := filepath.Join(root, "etc/systemd/system")
	if target, err := os.Readlink(filepath.Join(units, "timers.target.wants/lotus-farcaster.timer")); err != nil || target != "/usr/lib/systemd/system/lotus-farcaster.timer" {
		t.Errorf("the package's timer not enabled: -> %q, %v", target, err)
	}
	wantMode(t, filepath.Join(root, "usr/lib/systemd/system/lotus-farcaster.timer"), 0o644)
	if timers, _ := filepath.Glob(filepath.Join(units, "*.timer")); len(timers) > 0 {
		t.Errorf("timers written into /etc: %q", timers)
	}
	out = run("--purge", "lotus-farcaster")
	wantContains(t, "dpkg --purge output", out, "removed /etc/systemd/system/timers.target.wants/lotus-farcaster.timer", "removed /etc/systemd/system/lotus-farcaster.service")
	sameSnapshot(t, "dpkg -i then --purge on a systemd host", pristine, rootSnapshot(t, root, "/var/lib/dpkg"))
}

// testDebLintian: lintian reports no error and no warning on the .deb; the tags that do not
// apply are overridden in packaging/lintian-overrides, each with its reason.
func testDebLintian(t *testing.T, deb string) {
	lintian := installTool(t, "lintian")
	out, err := exec.Command(lintian, "--fail-on", "error,warning", deb).CombinedOutput()
	if err != nil {
		t.Errorf("lintian --fail-on error,warning: %v\n%s", err, out)
	}
	for _, l := range strings.Split(strings.TrimSpace(readFile(t, "packaging/lintian-overrides")), "\n") {
		if !strings.HasPrefix(l, "#") && !strings.HasPrefix(l, "lotus-farcaster: ") {
			t.Errorf("packaging/lintian-overrides: %q is neither a reason (#) nor an override", l)
		}
	}
}

// testDebInstall installs the .deb into a Debian host root with dpkg --root, whose postinst
// schedules the exporter with install.sh --root; a cron minute writes the file; a removal
// keeps the counters, as does an install after it; a purge leaves the root as it was, but
// for dpkg's own database.
func testDebInstall(t *testing.T, deb string) {
	fake, root := debianHost(t)
	run := dpkgRoot(t, root)
	pristine := rootSnapshot(t, root, "/var/lib/dpkg")

	out := run("-i", deb)
	t.Logf("dpkg -i:\n%s", out)
	wantContains(t, "dpkg -i output", out, "binary in place: /usr/bin/lotus-farcaster", "wrote /etc/cron.d/lotus-farcaster", "verdict OK")
	want := " /usr/bin/lotus-farcaster --expect-miner f01234 --textfile-dir /var/lib/prometheus/node-exporter 2>&1 | logger -t lotus-farcaster"
	if jobs := cronJobs(t, root); len(jobs) != 1 || !strings.HasSuffix(jobs[0], want) {
		t.Errorf("cron jobs %q; want one ending in %q", jobs, want)
	}
	cronTick(t, root)
	prom := parseFile(t, filepath.Join(root, "var/lib/prometheus/node-exporter/lotus-f01234.prom"))
	wantValue(t, prom, "lotus_up", map[string]string{"api": "daemon", "miner_id": "f01234"}, 1)

	// An upgrade (the same package again) keeps the job and changes nothing of it.
	installed := rootSnapshot(t, root, "/var/lib/dpkg")
	run("-i", deb)
	sameSnapshot(t, "dpkg -i again", installed, rootSnapshot(t, root, "/var/lib/dpkg"))

	// apt remove: the job, its file and the package's files go; the counters stay.
	state := "var/lib/prometheus/node-exporter/.lotus-f01234.prom.state"
	counters := readFile(t, filepath.Join(root, state))
	out = run("--remove", "lotus-farcaster")
	t.Logf("dpkg --remove:\n%s", out)
	wantContains(t, "dpkg --remove output", out, "removed /etc/cron.d/lotus-farcaster", "removed /var/lib/prometheus/node-exporter/lotus-f01234.prom",
		"kept /"+state+" (removed by apt purge lotus-farcaster)")
	if got := readFile(t, filepath.Join(root, state)); got != counters {
		t.Errorf("dpkg --remove changed the counters: %q, was %q", got, counters)
	}
	for _, gone := range []string{"usr/bin/lotus-farcaster", "etc/cron.d/lotus-farcaster", "var/lib/prometheus/node-exporter/lotus-f01234.prom"} {
		if _, err := os.Lstat(filepath.Join(root, gone)); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("after dpkg --remove, /%s: %v; want it gone", gone, err)
		}
	}
	// Installed again, the job carries on with the counters it had.
	run("-i", deb)
	if got := readFile(t, filepath.Join(root, state)); got != counters {
		t.Errorf("dpkg -i after --remove changed the counters: %q, was %q", got, counters)
	}

	fake.Close()
	out = run("--purge", "lotus-farcaster")
	t.Logf("dpkg --purge:\n%s", out)
	wantContains(t, "dpkg --purge output", out, "removed /etc/cron.d/lotus-farcaster", "removed /"+state+"\n", "removed /var/lib/lotus-farcaster/installed\n")
	sameSnapshot(t, "dpkg -i, --remove, -i, then --purge", pristine, rootSnapshot(t, root, "/var/lib/dpkg"))
}
