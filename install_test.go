// The installer and the release script: shellcheck, installs into a throw-away root against
// the fake Lotus (cron, systemd, several miners, granted folder access), re-runs that change
// nothing, uninstalls that leave the root as it was, and the verified download.
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

	"github.com/lotus-farcaster/lotus-farcaster/lotusapi/lotustest"
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

// runInstall runs install.sh (or another copy of it) and returns its exit code and output.
func runInstall(t *testing.T, script string, args ...string) (int, string) {
	t.Helper()
	installTool(t, "bash")
	cmd := exec.Command("bash", append([]string{script}, args...)...)
	for _, kv := range os.Environ() { // the installer must not depend on the caller's Lotus setup
		if !strings.HasPrefix(kv, "LOTUS_") && !strings.Contains(kv, "_API_INFO=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
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
func rootSnapshot(t *testing.T, root string) []string {
	t.Helper()
	var lines []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := os.Lstat(path)
		if err != nil {
			return err
		}
		st := fi.Sys().(*syscall.Stat_t)
		line := fmt.Sprintf("%s %v %d:%d", strings.TrimPrefix(path, root), fi.Mode(), st.Uid, st.Gid)
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

// fakeMinerRoot starts the fake Lotus and writes its repos into root/home/lotus, as a
// miner host's lotus user would have them.
func fakeMinerRoot(t *testing.T) (*lotustest.Server, string) {
	t.Helper()
	fake := lotustest.Start(lotustest.Small())
	t.Cleanup(fake.Close)
	root := t.TempDir()
	if _, _, err := fake.WriteRepos(filepath.Join(root, "home", "lotus")); err != nil {
		t.Fatal(err)
	}
	return fake, root
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

// cronTick runs the installed binary the way a cron line does, with the root's paths.
func cronTick(t *testing.T, root, minerRepo, lotusRepo, textfileDir string) {
	t.Helper()
	cmd := exec.Command(filepath.Join(root, "usr/local/bin/lotus-farcaster"), "--textfile-dir", filepath.Join(root, textfileDir))
	cmd.Env = []string{"HOME=" + root, "LOTUS_MINER_PATH=" + filepath.Join(root, minerRepo), "LOTUS_PATH=" + filepath.Join(root, lotusRepo)}
	// Exit 1 still writes the file (a collector failed); that is the exporter's business, not the installer's.
	if out, err := cmd.CombinedOutput(); err != nil && cmd.ProcessState.ExitCode() != exitFailed {
		t.Fatalf("running the installed binary as cron would: %v\n%s", err, out)
	}
}

func TestInstallShellcheck(t *testing.T) {
	shellcheck := installTool(t, "shellcheck")
	out, err := exec.Command(shellcheck, "install.sh", "scripts/release.sh", "bench/bench.sh", ".ci/run").CombinedOutput()
	if err != nil {
		t.Errorf("shellcheck: %v\n%s", err, out)
	}
}

func TestInstallUsage(t *testing.T) {
	code, out := runInstall(t, "install.sh", "--help")
	if code != 0 {
		t.Errorf("--help: exit %d", code)
	}
	wantContains(t, "--help", out, "--binary PATH", "--from-source", "--systemd", "--uninstall", "--dry-run", "--root DIR", "--base-url URL", "--version VERSION")
	if code, out := runInstall(t, "install.sh", "--no-such-option"); code != 2 || !strings.Contains(out, "unknown option") {
		t.Errorf("unknown option: exit %d, output %q; want 2", code, out)
	}
}

// TestInstallCron is the default path: one miner, cron, the check against the fake Lotus.
func TestInstallCron(t *testing.T) {
	bin := installBinary(t)
	fake, root := fakeMinerRoot(t)
	me := currentUser(t)
	pristine := rootSnapshot(t, root)

	out := mustInstall(t, "--root", root, "--binary", bin, "--dry-run")
	sameSnapshot(t, "--dry-run", pristine, rootSnapshot(t, root))
	wantContains(t, "dry-run output", out, "would install /usr/local/bin/lotus-farcaster", "would write /etc/cron.d/lotus-farcaster", "would run lotus-farcaster --check")
	if n := len(fake.Requests("miner")); n != 0 {
		t.Errorf("--dry-run ran the check: %d miner methods called", n)
	}

	out = mustInstall(t, "--root", root, "--binary", bin)
	t.Logf("install:\n%s", out)
	wantContains(t, "install output", out,
		"lotus user: "+me.Username+" (owner of its lotus-miner repo)",
		"miner repo: /home/lotus/.lotusminer",
		"textfile folder: /var/lib/prometheus/node-exporter",
		"installed /usr/local/bin/lotus-farcaster",
		"wrote /etc/cron.d/lotus-farcaster",
		"check /home/lotus/.lotusminer: verdict OK; metrics file /var/lib/prometheus/node-exporter/lotus-f01234.prom",
	)
	// The check reached both fake APIs through the repo folders.
	if len(fake.Requests("daemon")) == 0 || len(fake.Requests("miner")) == 0 {
		t.Errorf("the check did not call the fake Lotus: daemon %v, miner %v", fake.Requests("daemon"), fake.Requests("miner"))
	}

	installed := filepath.Join(root, "usr/local/bin/lotus-farcaster")
	wantMode(t, installed, 0o755)
	if readFile(t, installed) != readFile(t, bin) {
		t.Error("the installed binary differs from --binary")
	}
	cronFile := filepath.Join(root, "etc/cron.d/lotus-farcaster")
	wantMode(t, cronFile, 0o644)
	var jobs []string
	for _, l := range strings.Split(readFile(t, cronFile), "\n") {
		if l != "" && !strings.HasPrefix(l, "#") && !regexp.MustCompile(`^[A-Z_]+=`).MatchString(l) {
			jobs = append(jobs, l)
		}
	}
	cronLine := regexp.MustCompile(`^\* \* \* \* \* ` + regexp.QuoteMeta(me.Username) +
		` (LOTUS_PATH=/home/lotus/\.lotus )?LOTUS_MINER_PATH=/home/lotus/\.lotusminer /usr/local/bin/lotus-farcaster --textfile-dir /var/lib/prometheus/node-exporter 2>&1 \| logger -t lotus-farcaster$`)
	if len(jobs) != 1 || !cronLine.MatchString(jobs[0]) {
		t.Errorf("cron jobs %q; want one matching %s", jobs, cronLine)
	}
	manifest := readFile(t, filepath.Join(root, "var/lib/lotus-farcaster/installed"))
	wantContains(t, "manifest", manifest, "file /usr/local/bin/lotus-farcaster\n", "file /etc/cron.d/lotus-farcaster\n",
		"owned /var/lib/prometheus/node-exporter/lotus-f01234.prom\n", "dir /var/lib/prometheus/node-exporter\n")

	// A minute passes: cron runs the job, which writes the .prom file and its lock.
	cronTick(t, root, "/home/lotus/.lotusminer", "/home/lotus/.lotus", "/var/lib/prometheus/node-exporter")
	prom := parseFile(t, filepath.Join(root, "var/lib/prometheus/node-exporter/lotus-f01234.prom"))
	wantValue(t, prom, "lotus_up", map[string]string{"api": "miner", "miner_id": "f01234"}, 1)

	installedState := rootSnapshot(t, root)
	out = mustInstall(t, "--root", root, "--binary", bin)
	sameSnapshot(t, "a second run", installedState, rootSnapshot(t, root))
	if c := changeLines(out); len(c) > 0 {
		t.Errorf("a second run reported changes: %q", c)
	}

	out = mustInstall(t, "--root", root, "--uninstall", "--dry-run")
	sameSnapshot(t, "--uninstall --dry-run", installedState, rootSnapshot(t, root))
	wantContains(t, "--uninstall --dry-run output", out, "/usr/local/bin/lotus-farcaster")
	out = mustInstall(t, "--root", root, "--uninstall")
	wantContains(t, "uninstall output", out, "removed /var/lib/prometheus/node-exporter/lotus-f01234.prom", "removed /var/lib/prometheus/node-exporter/.lotus-f01234.prom.lock")
	sameSnapshot(t, "install then --uninstall", pristine, rootSnapshot(t, root))
	if out := mustInstall(t, "--root", root, "--uninstall"); !strings.Contains(out, "nothing to uninstall") {
		t.Errorf("a second --uninstall: %q", out)
	}
}

// TestInstallCheckProblem: the job is installed even when Lotus does not answer, the check's
// findings are shown, and the exit status says so.
func TestInstallCheckProblem(t *testing.T) {
	bin := installBinary(t)
	fake, root := fakeMinerRoot(t)
	fake.Close()
	pristine := rootSnapshot(t, root)
	code, out := runInstall(t, "install.sh", "--root", root, "--binary", bin)
	if code != 3 {
		t.Errorf("exit %d, want 3 (installed, check failed):\n%s", code, out)
	}
	wantContains(t, "install output", out, "wrote /etc/cron.d/lotus-farcaster", "check /home/lotus/.lotusminer: PROBLEM", "verdict: PROBLEM", "connection refused")
	mustInstall(t, "--root", root, "--uninstall")
	sameSnapshot(t, "install then --uninstall", pristine, rootSnapshot(t, root))
}

// writeFakeProcess adds a process to a fake /proc tree: its argv and environment.
func writeFakeProcess(t *testing.T, proc, pid string, argv, env []string) {
	t.Helper()
	dir := filepath.Join(proc, pid)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	nul := func(s []string) []byte { return []byte(strings.Join(s, "\x00") + "\x00") }
	if err := os.WriteFile(filepath.Join(dir, "cmdline"), nul(argv), 0o444); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "environ"), nul(env), 0o400); err != nil {
		t.Fatal(err)
	}
}

// TestInstallSystemdSeveralMiners: processes found through --proc name the lotus user, a
// second repo outside the home folder and node_exporter's folder; --systemd writes the
// templated units, one enabled timer per repo.
func TestInstallSystemdSeveralMiners(t *testing.T) {
	bin := installBinary(t)
	_, root := fakeMinerRoot(t)
	me := currentUser(t)
	// A second miner whose repo is set by LOTUS_MINER_PATH in its process's environment.
	second := filepath.Join(root, "data/miner2")
	if err := os.MkdirAll(second, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"api", "token"} {
		if err := os.WriteFile(filepath.Join(second, f), []byte(readFile(t, filepath.Join(root, "home/lotus/.lotusminer", f))), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	proc := t.TempDir()
	writeFakeProcess(t, proc, "1", []string{"/sbin/init"}, nil)
	writeFakeProcess(t, proc, "4711", []string{"/usr/local/bin/lotus-miner", "run"},
		[]string{"HOME=/home/lotus", "LOTUS_MINER_PATH=/data/miner2", "LOTUS_PATH=/home/lotus/.lotus"})
	writeFakeProcess(t, proc, "815", []string{"/usr/bin/prometheus-node-exporter", "--collector.textfile.directory", "/srv/textfile"}, nil)
	pristine := rootSnapshot(t, root)

	args := []string{"--root", root, "--proc", proc, "--binary", bin, "--systemd"}
	out := mustInstall(t, args...)
	t.Logf("install:\n%s", out)
	wantContains(t, "install output", out,
		"lotus user: "+me.Username+" (owner of the running lotus-miner)",
		"miner repo: /data/miner2 (daemon repo /home/lotus/.lotus)",
		"miner repo: /home/lotus/.lotusminer",
		"textfile folder: /srv/textfile (--collector.textfile.directory of running prometheus-node-exporter (pid 815))",
		"created /srv/textfile",
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
		"\nExecStart=/usr/local/bin/lotus-farcaster --textfile-dir /srv/textfile\n",
		"\nNoNewPrivileges=yes\n", "\nProtectSystem=strict\n", "\nProtectHome=read-only\n", "\nReadWritePaths=/srv/textfile\n")
	for _, bad := range []string{"ProtectHome=yes", "ProtectProc=", "PrivateNetwork=", "IPAddressDeny="} {
		if strings.Contains(service, bad) {
			t.Errorf("lotus-farcaster@.service has %s, which would keep it from the Lotus APIs", bad)
		}
	}
	wantContains(t, "lotus-farcaster@.timer", readFile(t, filepath.Join(units, "lotus-farcaster@.timer")),
		"\nOnCalendar=*-*-* *:*:00\n", "\nWantedBy=timers.target\n")
	for inst, repo := range map[string]string{"data-miner2": "/data/miner2", `home-lotus-.lotusminer`: "/home/lotus/.lotusminer"} {
		if escape, err := exec.LookPath("systemd-escape"); err == nil {
			if got, _ := exec.Command(escape, "--path", repo).Output(); strings.TrimSpace(string(got)) != inst {
				t.Errorf("systemd-escape --path %s = %q, the installer used %q", repo, got, inst)
			}
		}
		link := filepath.Join(units, "timers.target.wants", "lotus-farcaster@"+inst+".timer")
		if target, err := os.Readlink(link); err != nil || target != "/etc/systemd/system/lotus-farcaster@.timer" {
			t.Errorf("timer of %s not enabled: %s -> %q, %v", repo, link, target, err)
		}
	}
	if me.HomeDir != "/home/lotus" {
		wantContains(t, "drop-in", readFile(t, filepath.Join(units, "lotus-farcaster@data-miner2.service.d/lotus-path.conf")),
			"Environment=LOTUS_PATH=/home/lotus/.lotus")
	}

	// lotus-miner of /data/miner2 and node_exporter are down during the second run: the
	// repo and the folder chosen before are kept.
	installedState := rootSnapshot(t, root)
	for _, pid := range []string{"4711", "815"} {
		if err := os.RemoveAll(filepath.Join(proc, pid)); err != nil {
			t.Fatal(err)
		}
	}
	out = mustInstall(t, args...)
	sameSnapshot(t, "a second run", installedState, rootSnapshot(t, root))
	if c := changeLines(out); len(c) > 0 {
		t.Errorf("a second run reported changes: %q", c)
	}
	wantContains(t, "second run", out, "textfile folder: /srv/textfile (chosen by an earlier run", "check /data/miner2: verdict OK")

	// Back to cron: the units go, the cron file comes, with one line per repo.
	out = mustInstall(t, "--root", root, "--proc", proc, "--binary", bin, "--cron", "--no-check")
	wantContains(t, "switch to cron", out, "removed /etc/systemd/system/lotus-farcaster@.service", "wrote /etc/cron.d/lotus-farcaster")
	if n := strings.Count(readFile(t, filepath.Join(root, "etc/cron.d/lotus-farcaster")), "| logger -t lotus-farcaster\n"); n != 2 {
		t.Errorf("%d cron lines, want one per repo (2)", n)
	}
	if _, err := os.Stat(filepath.Join(units, "lotus-farcaster@.service")); err == nil {
		t.Error("switching to cron left the units")
	}

	mustInstall(t, "--root", root, "--uninstall")
	sameSnapshot(t, "install then --uninstall", pristine, rootSnapshot(t, root))
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
	_, root := fakeMinerRoot(t)
	textDir := filepath.Join(root, "var/lib/node_exporter/textfile_collector")
	if err := os.MkdirAll(textDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(textDir, "other.prom"), []byte("other 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	pristine := rootSnapshot(t, root)

	args := []string{"--root", root, "--binary", bin, "--user", "nobody", "--miner-repo", "/home/lotus/.lotusminer", "--no-check"}
	out := mustInstall(t, args...)
	wantContains(t, "install output", out,
		"textfile folder: /var/lib/node_exporter/textfile_collector (existing folder)",
		"granted group "+group.Name+" write access to /var/lib/node_exporter/textfile_collector (was root:root 755")
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
	out = mustInstall(t, "--root", root, "--uninstall")
	wantContains(t, "uninstall output", out, "restored group 0 and mode 755 of /var/lib/node_exporter/textfile_collector")
	sameSnapshot(t, "install then --uninstall", pristine, rootSnapshot(t, root))
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

// TestInstallDownload: the release artefacts of scripts/release.sh, served over loopback,
// installed by checksum; a tampered tarball or a missing release installs nothing.
func TestInstallDownload(t *testing.T) {
	if _, err := exec.LookPath("wget"); err != nil {
		installTool(t, "curl") // install.sh downloads with curl, else wget
	}
	dist, tarball := buildRelease(t)

	// The artefacts: the tarball's layout, SHA256SUMS in sha256sum's format, install.sh.
	top := strings.TrimSuffix(tarball, ".tar.gz")
	entries := tarEntries(t, filepath.Join(dist, tarball))
	for name, mode := range map[string]fs.FileMode{top + "/lotus-farcaster": 0o755, top + "/install.sh": 0o755, top + "/README.md": 0o644} {
		if got, ok := entries[name]; !ok || got.Perm() != mode {
			t.Errorf("%s: %s has mode %v (present %v), want %v", tarball, name, got, ok, mode)
		}
	}
	for _, optional := range []string{"LICENSE", "grafana"} {
		if _, err := os.Stat(optional); err == nil {
			if _, ok := entries[top+"/"+optional]; !ok {
				t.Errorf("%s lacks %s", tarball, optional)
			}
		}
	}
	sums := readFile(t, filepath.Join(dist, "SHA256SUMS"))
	sum := sha256.Sum256([]byte(readFile(t, filepath.Join(dist, tarball))))
	wantContains(t, "SHA256SUMS", sums, hex.EncodeToString(sum[:])+"  "+tarball+"\n", "  install.sh\n")
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
		_, root := fakeMinerRoot(t)
		before := rootSnapshot(t, root)
		code, out := runInstall(t, "install.sh", "--root", root, "--base-url", srv.URL+"/tampered")
		if code == 0 || !strings.Contains(out, "checksum mismatch for "+tarball) {
			t.Errorf("tampered tarball: exit %d, want a refusal naming the checksum mismatch:\n%s", code, out)
		}
		sameSnapshot(t, "a refused download", before, rootSnapshot(t, root))
	})
	t.Run("missing release", func(t *testing.T) {
		_, root := fakeMinerRoot(t)
		before := rootSnapshot(t, root)
		if code, out := runInstall(t, "install.sh", "--root", root, "--base-url", srv.URL+"/releases", "--version", "v9.9.9"); code == 0 || !strings.Contains(out, "download failed") {
			t.Errorf("missing release: exit %d:\n%s", code, out)
		}
		sameSnapshot(t, "a failed download", before, rootSnapshot(t, root))
	})
	t.Run("latest then pinned", func(t *testing.T) {
		_, root := fakeMinerRoot(t)
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
		_, root := fakeMinerRoot(t)
		cmd := exec.Command("bash", "-s", "--", "--root", root, "--base-url", srv.URL+"/releases", "--no-check")
		cmd.Stdin = strings.NewReader(readFile(t, filepath.Join(dist, "install.sh")))
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
		_, root := fakeMinerRoot(t)
		code, out := runInstall(t, filepath.Join(unpacked, top, "install.sh"), "--root", root, "--base-url", "http://127.0.0.1:1/unreachable")
		if code != 0 {
			t.Fatalf("exit %d:\n%s", code, out)
		}
		wantContains(t, "install output", out, "binary: lotus-farcaster "+testReleaseVersion+" ("+filepath.Join(unpacked, top, "lotus-farcaster")+")", "verdict OK")
	})
	t.Run("from source", func(t *testing.T) {
		_, root := fakeMinerRoot(t)
		out := mustInstall(t, "--root", root, "--from-source", "--no-check")
		wantContains(t, "install output", out, "built lotus-farcaster", "installed /usr/local/bin/lotus-farcaster")
		version, err := exec.Command(filepath.Join(root, "usr/local/bin/lotus-farcaster"), "--version").Output()
		if err != nil || !strings.HasPrefix(string(version), "lotus-farcaster, version ") || strings.HasPrefix(string(version), "lotus-farcaster, version  ") {
			t.Errorf("--from-source binary has no version stamped: %q, %v", version, err)
		}
	})
}
