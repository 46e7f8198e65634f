// Run by the wrong user (root), a run and --check name the Lotus user and the command, and leave that user's files alone.
package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lotus-farcaster/lotus-farcaster/lotusapi/lotustest"
	"github.com/lotus-farcaster/lotus-farcaster/proc/proctest"
)

// nobody is a user every Debian host has; it stands for the lotus user.
const nobody = 65534

// fakeHost points discovery at an empty host (no process, no home folder) with no Lotus in
// this run's environment, and returns its root.
func fakeHost(t *testing.T) string {
	t.Helper()
	for _, v := range []string{"FULLNODE_API_INFO", "MINER_API_INFO", "LOTUS_PATH", "LOTUS_MINER_PATH", "LOTUS_STORAGE_PATH",
		"CURIO_DB_HOST", "CURIO_HARMONYDB_HOSTS", "CURIO_DB_PORT", "CURIO_DB_NAME", "CURIO_DB_USER", "CURIO_DB_PASSWORD"} {
		t.Setenv(v, "")
	}
	t.Setenv("HOME", t.TempDir())
	root := t.TempDir()
	if err := os.Mkdir(filepath.Join(root, "proc"), 0o755); err != nil {
		t.Fatal(err)
	}
	old := hostRoot
	hostRoot = root
	t.Cleanup(func() { hostRoot = old })
	return root
}

// mkOwned makes the folders of path, and path itself as a file holding content when it is
// not "", owned by uid.
func mkOwned(t *testing.T, path, content string, uid int) {
	t.Helper()
	dir := path
	if content != "" {
		dir = filepath.Dir(path)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if content != "" {
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Lchown(path, uid, uid); err != nil {
		t.Fatal(err)
	}
}

// Run as root on a host whose Lotus repos are the lotus user's, a run and --check find no
// API: they say so once, naming the user and the command (without its tokens), and write
// nothing.
func TestRootNamesTheLotusUser(t *testing.T) {
	if os.Geteuid() != 0 {
		needRoot(t, errors.New("giving files to another user"))
	}
	root := fakeHost(t)
	mkOwned(t, filepath.Join(root, "home/lotus/.lotusminer/api"), "/ip4/127.0.0.1/tcp/2345/http", nobody)
	mkOwned(t, filepath.Join(root, "home/lotus/.lotusminer"), "", nobody)
	dir := t.TempDir()
	cmd := "sudo -u nobody " + os.Args[0] + " --textfile-dir " + dir + " --timeout 20s"

	var stdout, stderr bytes.Buffer
	code := run([]string{"--textfile-dir", dir, "--timeout", "20s"}, &stdout, &stderr)
	want := `level=ERROR msg="this host's Lotus repos belong to nobody: run as that user: ` + cmd + `; nothing written"` + "\n"
	if code != exitUsage || stderr.String() != want || stdout.Len() != 0 {
		t.Errorf("run: exit %d, stdout %q, stderr:\n%s\nwant exit %d and:\n%s", code, stdout.String(), stderr.String(), exitUsage, want)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("wrote %v", entries)
	}

	stdout.Reset()
	stderr.Reset()
	code = run([]string{"--check", "--textfile-dir", dir, "--timeout", "20s"}, &stdout, &stderr)
	want = "PROBLEM:    this host's Lotus repos belong to nobody: run as that user: sudo -u nobody " + os.Args[0] + " --check --textfile-dir " + dir + " --timeout 20s\n" +
		"verdict: PROBLEM (1, see above)\n"
	if code != exitUsage || stdout.String() != want || stderr.Len() != 0 {
		t.Errorf("--check: exit %d, stderr %q, stdout:\n%s\nwant exit %d and:\n%s", code, stderr.String(), stdout.String(), exitUsage, want)
	}

	// This run's user has a Lotus repo of its own, not found: discovery's lines say why.
	mkOwned(t, filepath.Join(root, "root/.lotusminer/api"), "/ip4/127.0.0.1/tcp/2345/http", os.Geteuid())
	stderr.Reset()
	code = run([]string{"--textfile-dir", dir, "--timeout", "20s"}, &stdout, &stderr)
	if strings.Contains(stderr.String(), "belong to") || !strings.Contains(stderr.String(), `msg="daemon API not usable"`) {
		t.Errorf("a run by a user with a repo of its own: exit %d, stderr:\n%s", code, stderr.String())
	}
}

// A run as root that reaches no API leaves the lotus user's live file alone, and says why
// in one line; the same run rewrites a file of its own user's, every API down, as always.
func TestRootLeavesTheLotusUsersFile(t *testing.T) {
	if os.Geteuid() != 0 {
		needRoot(t, errors.New("giving files to another user"))
	}
	fakeHost(t)
	fake := lotustest.Start(lotustest.Small())
	fake.Close() // found, and down
	dir := t.TempDir()
	file := filepath.Join(dir, "lotus-f01234.prom")
	live := "lotus_up{api=\"miner\",miner_id=\"f01234\"} 1\n"
	mkOwned(t, file, live, nobody)
	args := []string{"--daemon-api", apiFlag(t, fake.DaemonURL, fake.DaemonToken), "--miner-api", apiFlag(t, fake.MinerURL, fake.MinerToken),
		"--textfile-dir", dir, "--timeout", "20s"}
	want := `level=ERROR msg="this host's Lotus repos belong to nobody: run as that user: sudo -u nobody ` + os.Args[0] + ` --textfile-dir ` + dir + ` --timeout 20s; nothing written"` + "\n"

	var stdout, stderr bytes.Buffer
	code := run(args, &stdout, &stderr)
	if code != exitUsage || stderr.String() != want {
		t.Errorf("run: exit %d, stderr:\n%s\nwant exit %d and:\n%s", code, stderr.String(), exitUsage, want)
	}
	if got := readFile(t, file); got != live {
		t.Errorf("the lotus user's file was replaced:\n%s", got)
	}
	if uid, _ := ownerUID(file); uid != nobody {
		t.Errorf("the file now belongs to uid %d", uid)
	}

	stdout.Reset()
	stderr.Reset()
	code = run(append(args, "--check"), &stdout, &stderr)
	if code != exitUsage || !strings.HasPrefix(stdout.String(), "PROBLEM:    this host's Lotus repos belong to nobody: run as that user: sudo -u nobody ") ||
		!strings.HasSuffix(stdout.String(), " --textfile-dir "+dir+" --timeout 20s --check\nverdict: PROBLEM (1, see above)\n") {
		t.Errorf("--check: exit %d, stdout:\n%s", code, stdout.String())
	}

	// Its own user's file: rewritten, every API down.
	if err := os.Lchown(file, os.Geteuid(), os.Getegid()); err != nil {
		t.Fatal(err)
	}
	stderr.Reset()
	if code := run(args, &stdout, &stderr); code != exitFailed {
		t.Errorf("own file: exit %d, want %d; stderr:\n%s", code, exitFailed, stderr.String())
	}
	wantValue(t, parseFile(t, file), "lotus_up", map[string]string{"api": "miner", "miner_id": "f01234"}, 0)
}

// The command named leaves out the flags that may hold a secret, and quotes for the shell.
func TestWithoutSecrets(t *testing.T) {
	args := []string{"--daemon-api", "TOKEN:/ip4/1.2.3.4/tcp/1234/http", "-miner-api=TOKEN2:/ip4/1.2.3.4/tcp/2345/http",
		"--curio-db", "postgres://u:pw@h/db", "--textfile-dir", "/var/lib/node exporter", "--collectors", "-alerts,-jobs", "--check"}
	got := shellJoin(withoutSecrets(args))
	want := `--textfile-dir '/var/lib/node exporter' --collectors -alerts,-jobs --check`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

// On a Curio host without --miner, lotus-miner is not asked for: a curio process that
// cannot be believed (an ordinary user's) makes Curio's database the missing piece.
func TestCurioHostNeedsNoLotusMiner(t *testing.T) {
	root := fakeHost(t)
	proctest.Write(t, filepath.Join(root, "proc"), proctest.Process{PID: "4800", Argv: []string{"/usr/local/bin/curio", "run"}, UID: 54321, EUID: 54321})
	fake := lotustest.Start(lotustest.Small())
	defer fake.Close()
	var stdout, stderr bytes.Buffer
	code := run([]string{"--daemon-api", apiFlag(t, fake.DaemonURL, fake.DaemonToken), "--textfile-dir", t.TempDir(), "--check", "--timeout", "20s"}, &stdout, &stderr)
	if code != exitUsage {
		t.Errorf("exit %d, want %d", code, exitUsage)
	}
	for where, text := range map[string]string{"stdout": stdout.String(), "stderr": stderr.String()} {
		if strings.Contains(text, "lotus-miner or set") {
			t.Errorf("%s asks for lotus-miner:\n%s", where, text)
		}
	}
	wantErr := `level=ERROR msg="no lotus-miner, and curio runs but its database was not found" err="Curio's database not found: no --curio-db flag, CURIO_DB_HOST and the other CURIO_DB_* variables unset, curio process 4800 ignored: an ordinary user's (uid 54321), no curio process running; pass --curio-db or set CURIO_DB_HOST"` + "\n"
	if stderr.String() != wantErr {
		t.Errorf("stderr:\n%s\nwant:\n%s", stderr.String(), wantErr)
	}
	for _, want := range []string{
		"miner API:\n  not used:   no lotus-miner; the miners are those Curio's database serves\n",
		"curio database:\n  PROBLEM:    not found (the reason is on stderr)\n",
	} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("--check lacks %q:\n%s", want, stdout.String())
		}
	}
}
