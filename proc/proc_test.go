// Tests of the process reader and the trust rule, on fake /proc trees.
package proc

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/lotus-farcaster/lotus-farcaster/proc/proctest"
)

func TestFind(t *testing.T) {
	procDir := t.TempDir()
	proctest.Write(t, procDir, proctest.Process{PID: "815", Argv: []string{"/usr/bin/prometheus-node-exporter", "--web.listen-address=:9100"}, UID: 112, EUID: 112})
	proctest.Write(t, procDir, proctest.Process{PID: "42", Argv: []string{"node_exporter"}, Env: []string{"HOME=/home/sp", "A=b=c"}, UID: 1000, EUID: 0})
	proctest.Write(t, procDir, proctest.Process{PID: "7", Argv: []string{"/usr/sbin/sshd", "-D"}})
	// Skipped without a word: a file that is not a process, a kernel thread (empty cmdline),
	// and processes gone while scanned (no cmdline; cmdline but no status).
	for _, p := range []string{"meminfo", "2/cmdline", "300/x", "301/cmdline"} {
		writeFile(t, filepath.Join(procDir, p), "")
	}
	writeFile(t, filepath.Join(procDir, "301/cmdline"), "node_exporter\x00")

	got := Find(procDir, "node_exporter", "prometheus-node-exporter")
	if len(got) != 2 {
		t.Fatalf("Find: %+v, want pids 42 and 815", got)
	}
	if p := got[0]; p.PID != 42 || p.Name != "node_exporter" || p.UID != 1000 || p.EUID != 0 || p.SUID != 0 || p.FSUID != 0 {
		t.Errorf("first %+v, want pid 42, real user 1000, effective, saved and file-system 0", p)
	}
	if p := got[1]; p.PID != 815 || p.Name != "prometheus-node-exporter" || !reflect.DeepEqual(p.Args, []string{"/usr/bin/prometheus-node-exporter", "--web.listen-address=:9100"}) {
		t.Errorf("second %+v", p)
	}
	if env := got[0].Env(); !reflect.DeepEqual(env, map[string]string{"HOME": "/home/sp", "A": "b=c"}) {
		t.Errorf("Env %v", env)
	}
	if _, err := got[0].Cwd(); err == nil {
		t.Error("Cwd of a process without cwd: no error")
	}
	if err := os.Symlink("/srv", filepath.Join(procDir, "42/cwd")); err != nil {
		t.Fatal(err)
	}
	if wd, err := got[0].Cwd(); wd != "/srv" || err != nil {
		t.Errorf("Cwd = %q, %v; want /srv", wd, err)
	}
	if Find(filepath.Join(procDir, "missing")) != nil {
		t.Error("Find of a missing /proc found processes")
	}
}

func TestTrust(t *testing.T) {
	// /etc/subuid gives 100000-165535 to an ordinary user's own containers.
	trust := Trust{UID: 1001, UIDMin: 1000, UIDMax: 60000, SubUIDs: []IDRange{{100000, 65536}}}
	for _, tc := range []struct {
		name                   string
		uid, euid, suid, fsuid int
		want                   bool
	}{
		{"root", 0, 0, 0, 0, true},
		{"our user", 1001, 1001, 1001, 1001, true},
		{"system user", 112, 112, 112, 112, true},
		{"ordinary user", 1500, 1500, 1500, 1500, false},
		{"nobody, as node_exporter's container image runs", 65534, 65534, 65534, 65534, true},
		{"an ordinary user's container", 100000, 100000, 100000, 100000, false},
		{"set-user-ID root program of an ordinary user", 1500, 0, 0, 0, false},
		{"ordinary user's program made effective as ours", 0, 1500, 1500, 1500, false},
		{"root that can switch back to an ordinary user", 0, 0, 1500, 0, false},
		{"root that opens files as an ordinary user", 0, 0, 0, 1500, false},
	} {
		p := Process{UID: tc.uid, EUID: tc.euid, SUID: tc.suid, FSUID: tc.fsuid}
		if got := trust.TrustsProcess(p); got != tc.want {
			t.Errorf("%s (uids %d %d %d %d): believed %v, want %v", tc.name, tc.uid, tc.euid, tc.suid, tc.fsuid, got, tc.want)
		}
	}
	if trust.TrustsUser(65534) {
		t.Error("a folder of nobody is believed; NFS gives nobody every squashed user's files")
	}
	if (Trust{UID: 1001, UIDMin: 1000}).TrustsProcess(Process{UID: 65534, EUID: 65534, SUID: 65534, FSUID: 65534}) {
		t.Error("without UID_MAX loaded, nobody's process is believed")
	}
	if !(Process{UID: 7, EUID: 7}).RunsAs(7) || (Process{UID: 7, EUID: 0}).RunsAs(7) {
		t.Error("RunsAs must want both users")
	}
}

func TestLoadTrust(t *testing.T) {
	root := t.TempDir()
	if got := LoadTrust(root); !reflect.DeepEqual(got, Trust{Root: root, UID: os.Geteuid(), UIDMin: 1000, UIDMax: 60000}) {
		t.Errorf("without login.defs and subuid: %+v, want UID_MIN 1000, UID_MAX 60000", got)
	}
	writeFile(t, filepath.Join(root, "etc/login.defs"), "# UID_MIN 5\nMAIL_DIR /var/mail\nUID_MIN\t\t\t 500\nUID_MAX 30000\n")
	writeFile(t, filepath.Join(root, "etc/subuid"), "sp:100000:65536\nbroken\nops:165536:65536\n")
	got := LoadTrust(root)
	if got.UIDMin != 500 || got.UIDMax != 30000 || !reflect.DeepEqual(got.SubUIDs, []IDRange{{100000, 65536}, {165536, 65536}}) {
		t.Errorf("LoadTrust = %+v, want UID_MIN 500, UID_MAX 30000 and two subordinate ranges", got)
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
