// Tests for DetectDir against fake /proc trees.

package textfile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lotus-farcaster/lotus-farcaster/proc"
	"github.com/lotus-farcaster/lotus-farcaster/proc/proctest"
)

// fakeProc adds a process of root to procDir, with NUL-separated args in its cmdline.
func fakeProc(t *testing.T, procDir, pid string, args ...string) {
	t.Helper()
	proctest.Write(t, procDir, proctest.Process{PID: pid, Argv: args})
}

// trust is the exporter running as user 1001 on a host whose ordinary users start at 1000.
var trust = proc.Trust{UID: 1001, UIDMin: 1000}

// mkdirs creates the named folders under root and returns their paths.
func mkdirs(t *testing.T, root string, names ...string) []string {
	t.Helper()
	var paths []string
	for _, n := range names {
		p := filepath.Join(root, n)
		if err := os.MkdirAll(p, 0o755); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	return paths
}

func TestDetectDirFromProcess(t *testing.T) {
	tests := []struct {
		name string
		args []string
	}{
		{"equals form", []string{"/usr/bin/node_exporter", "--web.listen-address=:9100", "--collector.textfile.directory=/srv/textfile"}},
		{"separate arg form", []string{"node_exporter", "--collector.textfile.directory", "/srv/textfile", "--collector.systemd"}},
		{"debian name", []string{"/usr/bin/prometheus-node-exporter", "--collector.textfile.directory=/srv/textfile"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			procDir := t.TempDir()
			// Entries DetectDir must skip: a non-process file, a process
			// whose cmdline cannot be read, and an unrelated process.
			if err := os.WriteFile(filepath.Join(procDir, "meminfo"), nil, 0o644); err != nil {
				t.Fatal(err)
			}
			mkdirs(t, procDir, "7")
			fakeProc(t, procDir, "8", "/usr/sbin/sshd", "-D")
			fakeProc(t, procDir, "123", tt.args...)
			// An existing candidate proves the process takes precedence.
			candidates := mkdirs(t, t.TempDir(), "default")

			d, err := DetectDir(procDir, candidates, trust)
			if err != nil {
				t.Fatal(err)
			}
			if d.Path != "/srv/textfile" {
				t.Errorf("Path = %q, want /srv/textfile", d.Path)
			}
			if want := "--collector.textfile.directory of running node_exporter (pid 123)"; d.How != want {
				t.Errorf("How = %q, want %q", d.How, want)
			}
		})
	}
}

func TestDetectDirRelativeFlag(t *testing.T) {
	procDir := t.TempDir()
	fakeProc(t, procDir, "42", "./node_exporter", "--collector.textfile.directory=textfile")
	if err := os.Symlink("/home/sp/node_exporter", filepath.Join(procDir, "42", "cwd")); err != nil {
		t.Fatal(err)
	}
	d, err := DetectDir(procDir, nil, trust)
	if err != nil {
		t.Fatal(err)
	}
	if want := "/home/sp/node_exporter/textfile"; d.Path != want {
		t.Errorf("Path = %q, want %q", d.Path, want)
	}
}

func TestDetectDirFallsBackToCandidates(t *testing.T) {
	procDir := t.TempDir()
	// Neither process names a folder node_exporter reads.
	fakeProc(t, procDir, "10", "/usr/local/bin/lotus-miner", "--collector.textfile.directory=/wrong")
	fakeProc(t, procDir, "11", "/usr/bin/node_exporter", "--web.listen-address=:9100")

	root := t.TempDir()
	dirs := mkdirs(t, root, "second", "third")
	file := filepath.Join(root, "a-file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	// A missing path and a plain file are skipped; order decides among folders.
	candidates := []string{filepath.Join(root, "missing"), file, dirs[0], dirs[1]}

	d, err := DetectDir(procDir, candidates, trust)
	if err != nil {
		t.Fatal(err)
	}
	if d.Path != dirs[0] {
		t.Errorf("Path = %q, want %q", d.Path, dirs[0])
	}
	if want := "existing folder " + dirs[0]; d.How != want {
		t.Errorf("How = %q, want %q", d.How, want)
	}
	if want := "node_exporter (pid 11) runs without --collector.textfile.directory, so its textfile collector reads no folder"; d.Note != want {
		t.Errorf("Note = %q, want %q", d.Note, want)
	}
}

// TestDetectDirDebianDefault: Debian's build reads /var/lib/prometheus/node-exporter without
// the flag (its package sets none), so a running one names that folder, existing or not.
func TestDetectDirDebianDefault(t *testing.T) {
	procDir := t.TempDir()
	fakeProc(t, procDir, "815", "/usr/bin/prometheus-node-exporter")
	d, err := DetectDir(procDir, nil, trust)
	if err != nil {
		t.Fatal(err)
	}
	want := Dir{Path: "/var/lib/prometheus/node-exporter", How: "built-in default of running prometheus-node-exporter (pid 815), Debian's build", PID: 815}
	if d != want {
		t.Errorf("DetectDir = %+v, want %+v", d, want)
	}
}

// TestDetectDirReadsNone: a node_exporter whose textfile collector reads nothing is said in
// Note, and in the error when no folder is found either.
func TestDetectDirReadsNone(t *testing.T) {
	procDir := t.TempDir()
	fakeProc(t, procDir, "20", "/usr/bin/prometheus-node-exporter", "--no-collector.textfile")
	_, err := DetectDir(procDir, nil, trust)
	if err == nil || !strings.Contains(err.Error(), "prometheus-node-exporter (pid 20) runs with --no-collector.textfile") {
		t.Errorf("err = %v; want it to name the disabled collector", err)
	}
}

// TestDetectDirVanishedProcess: a process that exits while /proc is scanned (its folder
// stays listed, its files are gone) is skipped without a word, and the scan goes on.
func TestDetectDirVanishedProcess(t *testing.T) {
	procDir := t.TempDir()
	mkdirs(t, procDir, "300")                                                          // cmdline gone
	fakeProc(t, procDir, "301", "node_exporter", "--collector.textfile.directory=rel") // cwd gone
	fakeProc(t, procDir, "302", "node_exporter", "--collector.textfile.directory=/srv/textfile")
	d, err := DetectDir(procDir, nil, trust)
	if err != nil {
		t.Fatal(err)
	}
	if d.Path != "/srv/textfile" || d.PID != 302 || d.Note != "" {
		t.Errorf("DetectDir = %+v, want /srv/textfile of pid 302 without a note", d)
	}
}

func TestDetectDirNoneFound(t *testing.T) {
	root := t.TempDir()
	_, err := DetectDir(filepath.Join(root, "no-proc"), []string{filepath.Join(root, "missing")}, trust)
	if err == nil {
		t.Fatal("want an error")
	}
	msg := err.Error()
	if strings.Contains(msg, "\n") || !strings.Contains(msg, "--textfile-dir") {
		t.Errorf("message %q should be one line mentioning --textfile-dir", msg)
	}
}

// TestDetectDirBelievesAdmins: any local user can start a program named node_exporter that
// names a folder of their choice; a run believes only one of root, of its own user or of a
// system user, and otherwise falls back to the usual folders.
func TestDetectDirBelievesAdmins(t *testing.T) {
	for _, tc := range []struct {
		name      string
		uid, euid int
		believed  bool
	}{
		{"root", 0, 0, true},
		{"our user", 1001, 1001, true},
		{"system user", 112, 112, true},
		{"ordinary user", 1500, 1500, false},
		{"set-user-ID root program of an ordinary user", 1500, 0, false},
		{"ordinary user's program made effective as a system user", 1500, 112, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			procDir := t.TempDir()
			proctest.Write(t, procDir, proctest.Process{PID: "900", UID: tc.uid, EUID: tc.euid,
				Argv: []string{"node_exporter", "--collector.textfile.directory=/etc"}})
			candidates := mkdirs(t, t.TempDir(), "default")
			d, err := DetectDir(procDir, candidates, trust)
			if err != nil {
				t.Fatal(err)
			}
			want := candidates[0]
			if tc.believed {
				want = "/etc"
			}
			if d.Path != want {
				t.Errorf("Path = %q, want %q", d.Path, want)
			}
		})
	}
}

// The mount tables of TestDetectDirInContainer. The host has /var/lib on a disk of its own
// (8:2) and /srv/my data a bind mount of /exports of a third (8:3); docker runs node_exporter
// with its image as an overlay root and some folders of the host bind-mounted into it.
const (
	hostMounts = proctest.HostMountInfo + `30 22 8:2 / /var/lib rw,relatime shared:20 - ext4 /dev/sda2 rw
31 22 8:3 /exports /srv/my\040data rw,relatime shared:21 - xfs /dev/sdb1 rw
`
	containerMounts = `1520 1430 0:112 / / rw,relatime master:520 - overlay overlay rw,lowerdir=/var/lib/docker/overlay2/l/A:/var/lib/docker/overlay2/l/B,upperdir=/var/lib/docker/overlay2/1f/diff,workdir=/var/lib/docker/overlay2/1f/work
1521 1520 0:115 / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw
1522 1520 0:116 / /dev rw,nosuid - tmpfs tmpfs rw,size=65536k,mode=755
1530 1520 8:1 /srv/ne/textfile /host/textfile ro,relatime - ext4 /dev/sda1 rw,errors=remount-ro
1531 1520 8:2 /prometheus /host/prom rw,relatime - ext4 /dev/sda2 rw
1532 1520 8:3 /exports/ne /host/spaced rw,relatime - xfs /dev/sdb1 rw
1533 1520 0:120 / /scratch rw,nosuid,nodev - tmpfs tmpfs rw
1534 1520 8:17 /data /elsewhere rw master:7 - ext4 /dev/sdc1 rw
`
)

// TestDetectDirInContainer: node_exporter in a container reads a folder of its mount
// namespace; the exporter must write into the host folder mounted there, or refuse.
func TestDetectDirInContainer(t *testing.T) {
	for _, tc := range []struct {
		name, dir, ours, want, how string
	}{
		{"bind mount of a host folder", "/host/textfile", hostMounts, "/srv/ne/textfile",
			"node_exporter (pid 900) runs in a container and reads /host/textfile, which is /srv/ne/textfile here"},
		{"inside a bind mount of a disk of its own", "/host/prom/node-exporter", hostMounts, "/var/lib/prometheus/node-exporter",
			"node_exporter (pid 900) runs in a container and reads /host/prom/node-exporter, which is /var/lib/prometheus/node-exporter here"},
		{"a folder the host itself bind-mounts under an escaped name", "/host/spaced/tf", hostMounts, "/srv/my data/ne/tf",
			"node_exporter (pid 900) runs in a container and reads /host/spaced/tf, which is /srv/my data/ne/tf here"},
		{"the container's tmpfs", "/scratch/tf", hostMounts, "",
			"node_exporter (pid 900) runs in a container and reads /scratch/tf from a tmpfs of the container's own, which no folder of this host shows; mount a folder of this host there (docker run -v /srv/textfile:/scratch/tf), or pass --textfile-dir with the host folder it reads"},
		{"the container's image", "/textfile", hostMounts, "",
			"node_exporter (pid 900) runs in a container and reads /textfile from the container's own overlay filesystem (its image), not a folder mounted from this host; mount a folder of this host there (docker run -v /srv/textfile:/textfile), or pass --textfile-dir with the host folder it reads"},
		{"a disk this host does not mount", "/elsewhere/tf", hostMounts, "",
			"node_exporter (pid 900) runs in a container and reads /elsewhere/tf from /data/tf of ext4 /dev/sdc1 (device 8:17), which no folder of this host shows; mount a folder of this host there (docker run -v /srv/textfile:/elsewhere/tf), or pass --textfile-dir with the host folder it reads"},
		{"a host folder hidden under another mount", "/host/textfile", hostMounts + "40 22 0:40 / /srv rw - tmpfs tmpfs rw\n", "",
			"node_exporter (pid 900) runs in a container and reads /host/textfile from /srv/ne/textfile of ext4 /dev/sda1 (device 8:1), which no folder of this host shows; mount a folder of this host there (docker run -v /srv/textfile:/host/textfile), or pass --textfile-dir with the host folder it reads"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			procDir := t.TempDir()
			proctest.Self(t, procDir, tc.ours)
			proctest.Write(t, procDir, proctest.Process{PID: "900", UID: 65534, EUID: 65534, MountInfo: containerMounts,
				Argv: []string{"/bin/node_exporter", "--path.rootfs=/host", "--collector.textfile.directory=" + tc.dir}})
			// A usual folder exists: it must not be used when node_exporter reads another.
			candidates := mkdirs(t, t.TempDir(), "default")
			d, err := DetectDir(procDir, candidates, proc.Trust{UID: 1001, UIDMin: 1000, UIDMax: 60000})
			if tc.want == "" {
				if err == nil || err.Error() != tc.how || d != (Dir{PID: 900, How: tc.how}) {
					t.Errorf("DetectDir = %+v, %v; want the refusal %q", d, err, tc.how)
				}
				return
			}
			if err != nil || d != (Dir{Path: tc.want, How: tc.how, PID: 900}) {
				t.Errorf("DetectDir = %+v, %v; want %s, %q", d, err, tc.want, tc.how)
			}
		})
	}
}

// TestDetectDirSameNamespace: a node_exporter that sees the host's mounts reads its flag's
// folder as it is, even when a bind mount of another folder is what it names.
func TestDetectDirSameNamespace(t *testing.T) {
	procDir := t.TempDir()
	proctest.Self(t, procDir, hostMounts)
	proctest.Write(t, procDir, proctest.Process{PID: "900", MountInfo: hostMounts,
		Argv: []string{"node_exporter", "--collector.textfile.directory=/srv/my data/tf"}})
	d, err := DetectDir(procDir, nil, trust)
	if want := (Dir{Path: "/srv/my data/tf", How: "--collector.textfile.directory of running node_exporter (pid 900)", PID: 900}); err != nil || d != want {
		t.Errorf("DetectDir = %+v, %v; want %+v", d, err, want)
	}
}

// TestDetectDirContainerAndHost: of a node_exporter in a container that reads a tmpfs of its
// own and one on the host, the host's folder is where a file gets read.
func TestDetectDirContainerAndHost(t *testing.T) {
	procDir := t.TempDir()
	proctest.Self(t, procDir, hostMounts)
	proctest.Write(t, procDir, proctest.Process{PID: "900", MountInfo: containerMounts,
		Argv: []string{"node_exporter", "--collector.textfile.directory=/scratch"}})
	proctest.Write(t, procDir, proctest.Process{PID: "901", MountInfo: hostMounts,
		Argv: []string{"node_exporter", "--collector.textfile.directory=/srv/textfile"}})
	d, err := DetectDir(procDir, nil, trust)
	if err != nil || d.Path != "/srv/textfile" || d.PID != 901 {
		t.Errorf("DetectDir = %+v, %v; want /srv/textfile of pid 901", d, err)
	}
}
