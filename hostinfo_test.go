// Tests of --host-info against a throw-away host root with a fake /proc and the fake Lotus.
package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lotus-farcaster/lotus-farcaster/lotusapi/lotustest"
	"github.com/lotus-farcaster/lotus-farcaster/proc/proctest"
	"github.com/lotus-farcaster/lotus-farcaster/setup"
	"github.com/lotus-farcaster/lotus-farcaster/textfile"
)

// writeHostFile writes a file under root, creating its folders.
func writeHostFile(t *testing.T, root, path, content string, mode os.FileMode) {
	t.Helper()
	p := filepath.Join(root, path)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
}

// makeSocket makes a socket inode under root, as /dev/log or journald's socket are; nothing
// listens on it, which is all --host-info looks at.
func makeSocket(t *testing.T, root, path string) {
	t.Helper()
	p := filepath.Join(root, path)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mknod(p, syscall.S_IFSOCK|0o666, 0); err != nil {
		t.Fatal(err)
	}
}

// hostInfoJSON runs --host-info json on root and decodes it.
func hostInfoJSON(t *testing.T, root string, more ...string) setup.Report {
	t.Helper()
	var stdout, stderr bytes.Buffer
	if code := run(append([]string{"--host-info", "json", "--host-info.root", root}, more...), &stdout, &stderr); code != exitOK {
		t.Fatalf("--host-info: exit %d: %s", code, stderr.String())
	}
	if strings.Contains(stdout.String(), "s3cret") {
		t.Errorf("--host-info shows a password:\n%s", stdout.String())
	}
	var r setup.Report
	if err := json.Unmarshal(stdout.Bytes(), &r); err != nil {
		t.Fatalf("--host-info json: %v\n%s", err, stdout.String())
	}
	return r
}

// TestHostInfo: a host with a lotus-miner whose repo its process's environment names, a copy
// of that repo in the home folder (same miner), a dead repo, curio, Debian's node_exporter
// without the flag, cron, and syslog without journald.
func TestHostInfo(t *testing.T) {
	fake := lotustest.Start(lotustest.Small())
	defer fake.Close()
	root := t.TempDir()
	if _, _, err := fake.WriteRepos(filepath.Join(root, "home/lotus")); err != nil {
		t.Fatal(err)
	}
	api := readFile(t, filepath.Join(root, "home/lotus/.lotusminer/api"))
	token := readFile(t, filepath.Join(root, "home/lotus/.lotusminer/token"))
	writeHostFile(t, root, "data/miner2/api", api, 0o644)
	writeHostFile(t, root, "data/miner2/token", token, 0o600)
	writeHostFile(t, root, "home/lotus/.lotusminer-old/api", "/ip4/127.0.0.1/tcp/1/http", 0o644)
	writeHostFile(t, root, "home/lotus/.lotusminer-old/token", "x", 0o600)
	writeHostFile(t, root, "usr/sbin/cron", "#!/bin/sh\n", 0o755)
	makeSocket(t, root, "dev/log")
	proc := filepath.Join(root, "proc")
	writeFakeProcess(t, proc, "1", []string{"/sbin/init"}, nil)
	writeFakeProcess(t, proc, "12", []string{"/usr/sbin/cron", "-f"}, nil)
	writeFakeProcess(t, proc, "815", []string{"/usr/bin/prometheus-node-exporter"}, nil)
	writeFakeProcess(t, proc, "4711", []string{"/usr/local/bin/lotus-miner", "run"},
		[]string{"HOME=/home/lotus", "LOTUS_MINER_PATH=/data/miner2/", "LOTUS_PATH=~/.lotus"})
	writeFakeProcess(t, proc, "4800", []string{"curio", "run"}, []string{"CURIO_DB_HOST=yb-1,yb-2", "CURIO_DB_PASSWORD=s3cret-db-pass"})
	if err := os.Mkdir(filepath.Join(proc, "4900"), 0o755); err != nil { // gone while scanned
		t.Fatal(err)
	}

	r := hostInfoJSON(t, root)
	me := currentUser(t)
	if r.LotusUser != me.Username {
		t.Errorf("lotus_user %q, want %q", r.LotusUser, me.Username)
	}
	if len(r.Users) != 1 || !reflect.DeepEqual(r.Users[0].Why, []string{"runs lotus-miner (pid 4711)", "runs curio (pid 4800)"}) {
		t.Errorf("users %+v", r.Users)
	}
	wantRepos := []setup.MinerRepo{
		{Path: "/data/miner2", User: me.Username, Found: "LOTUS_MINER_PATH of lotus-miner (pid 4711)", DaemonRepo: "/home/lotus/.lotus", MinerID: "f01234"},
		{Path: "/home/lotus/.lotusminer", User: me.Username, Found: "folder with an api file", DaemonRepo: "/home/lotus/.lotus", MinerID: "f01234",
			Skip: "a copy of /data/miner2: both answer as miner f01234, and lotus-miner runs on that one"},
		{Path: "/home/lotus/.lotusminer-old", User: me.Username, Found: "folder with an api file", DaemonRepo: "/home/lotus/.lotus",
			Skip: "no lotus-miner uses it, and its API did not answer"},
	}
	if len(r.MinerRepos) == 3 {
		if !strings.Contains(r.MinerRepos[2].Error, "127.0.0.1:1") {
			t.Errorf("the down miner's error %q does not name its address", r.MinerRepos[2].Error)
		}
		r.MinerRepos[2].Error = ""
	}
	if !reflect.DeepEqual(r.MinerRepos, wantRepos) {
		t.Errorf("miner_repos\n%+v\nwant\n%+v", r.MinerRepos, wantRepos)
	}
	if !reflect.DeepEqual(r.Curio, []setup.CurioProcess{{PID: 4800, User: me.Username}}) {
		t.Errorf("curio %+v", r.Curio)
	}
	// What the lotus user's job finds: curio's variables, its password hidden.
	if r.CurioDB.URL != "postgres://yugabyte:xxxxx@yb-1:5433,yb-2:5433/yugabyte" || r.CurioDB.Source != "curio process 4800 (CURIO_DB_HOST, CURIO_DB_PASSWORD)" {
		t.Errorf("curio_db %+v", r.CurioDB)
	}
	if r.Textfile.Dir != "/var/lib/prometheus/node-exporter" || r.Textfile.Source != "process" || !strings.Contains(r.Textfile.How, "prometheus-node-exporter (pid 815)") {
		t.Errorf("textfile %+v; want Debian's default, read by pid 815", r.Textfile)
	}
	if want := []textfile.Change{{Dir: "/var/lib/prometheus/node-exporter", Verdict: "yes", Why: "/var/lib/prometheus/node-exporter does not exist yet: the installer creates it"}}; !reflect.DeepEqual(r.Textfile.Changes, want) {
		t.Errorf("textfile changes %+v, want %+v", r.Textfile.Changes, want)
	}
	if r.Systemd.Running || !r.Cron.Installed || !r.Cron.Running || r.Cron.How != "/usr/sbin/cron, running (pid 12)" {
		t.Errorf("systemd %+v, cron %+v", r.Systemd, r.Cron)
	}
	if r.Log.To != "syslog" || r.Log.Logrotate {
		t.Errorf("log %+v; want syslog, no logrotate", r.Log)
	}
}

// TestHostInfoEmpty: a bare host reports the folder to create and a log file, and its JSON
// lists are empty, not null.
func TestHostInfoEmpty(t *testing.T) {
	root := t.TempDir()
	r := hostInfoJSON(t, root)
	if r.LotusUser != "" || len(r.Users) != 0 || len(r.MinerRepos) != 0 || r.Cron.Installed || r.Systemd.Running {
		t.Errorf("report of an empty root: %+v", r)
	}
	if r.Textfile.Dir != "/var/lib/prometheus/node-exporter" || r.Textfile.Source != "none" {
		t.Errorf("textfile %+v; want the Debian folder, to be created", r.Textfile)
	}
	var stdout bytes.Buffer
	run([]string{"--host-info", "json", "--host-info.root", root}, &stdout, &bytes.Buffer{})
	for _, key := range []string{`"users": []`, `"miner_repos": []`, `"curio": []`} {
		if !strings.Contains(stdout.String(), key) {
			t.Errorf("JSON lacks %s:\n%s", key, stdout.String())
		}
	}
}

// TestHostInfoLog: where a cron job's lines can go, for each set of sockets.
func TestHostInfoLog(t *testing.T) {
	for _, tt := range []struct {
		sockets []string
		want    string
	}{
		{[]string{"dev/log", "run/systemd/journal/socket"}, "journal"},
		{[]string{"dev/log"}, "syslog"},
		{[]string{"run/systemd/journal/socket"}, "file"}, // logger writes only to /dev/log
		{nil, "file"},
	} {
		root := t.TempDir()
		for _, s := range tt.sockets {
			makeSocket(t, root, s)
		}
		writeHostFile(t, root, "usr/sbin/logrotate", "", 0o755)
		if err := os.MkdirAll(filepath.Join(root, "run/systemd/system"), 0o755); err != nil {
			t.Fatal(err)
		}
		r := hostInfoJSON(t, root)
		if string(r.Log.To) != tt.want || !r.Log.Logrotate || !r.Systemd.Running {
			t.Errorf("sockets %v: log %+v, systemd %+v; want %s, logrotate, systemd running", tt.sockets, r.Log, r.Systemd, tt.want)
		}
	}
}

func TestHostInfoFlags(t *testing.T) {
	for _, args := range [][]string{{"--host-info"}, {"--host-info", "xml"}, {"--host-info", "lines"}} {
		if _, err := parseFlags(args); err == nil {
			t.Errorf("%q: no error", args)
		}
	}
	c, err := parseFlags([]string{"--host-info=json", "--host-info.root", "/r", "--host-info.textfile-dir", "/a", "--host-info.textfile-dir=/b"})
	if want := (hostInfoFlags{format: "json", root: "/r", textfileDirs: []string{"/a", "/b"}}); err != nil || !reflect.DeepEqual(c.hostInfo, want) {
		t.Errorf("--host-info=json --host-info.root /r and two --host-info.textfile-dir: %+v, %v", c.hostInfo, err)
	}
}

// writeFakeProcess adds a process of the current user to a fake /proc tree: its argv and environment.
func writeFakeProcess(t *testing.T, proc, pid string, argv, env []string) {
	t.Helper()
	proctest.Write(t, proc, proctest.Process{PID: pid, Argv: argv, Env: env, UID: os.Getuid(), EUID: os.Geteuid()})
}

// TestHostInfoBelievesAdminsNodeExporter: any local user can start a program named
// node_exporter that names a folder; only one of root, of our user or of a system user says
// which folder node_exporter reads, so install.sh never opens another user's choice to lotus.
func TestHostInfoBelievesAdminsNodeExporter(t *testing.T) {
	for _, tc := range []struct {
		name      string
		uid, euid int
		believed  bool
	}{
		{"root", 0, 0, true},
		{"our user", os.Geteuid(), os.Geteuid(), true},
		{"system user", 112, 112, true},
		{"ordinary user", 1500, 1500, false},
		{"set-user-ID root program of an ordinary user", 1500, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			proctest.Write(t, filepath.Join(root, "proc"), proctest.Process{PID: "900", UID: tc.uid, EUID: tc.euid,
				Argv: []string{"/home/mallory/node_exporter", "--collector.textfile.directory=/etc"}})
			r := hostInfoJSON(t, root)
			if believed := r.Textfile.Dir == "/etc" && r.Textfile.Source == "process"; believed != tc.believed {
				t.Errorf("textfile %+v; want the process believed: %v", r.Textfile, tc.believed)
			}
			if !tc.believed && (r.Textfile.Dir != "/var/lib/prometheus/node-exporter" || r.Textfile.Source != "none") {
				t.Errorf("textfile %+v; want the Debian folder, to be created", r.Textfile)
			}
			// Believed or not, the installer may never open /etc to the lotus user.
			if tc.believed && !reflect.DeepEqual(r.Textfile.Changes, []textfile.Change{{Dir: "/etc", Verdict: "no", Why: "/etc is in /etc, a system folder"}}) {
				t.Errorf("textfile changes %+v; want /etc refused", r.Textfile.Changes)
			}
		})
	}
}

// TestHostInfoHidesToken: a hostile lotus-miner that answers with its token does not get it
// printed.
func TestHostInfoHidesToken(t *testing.T) {
	sc := lotustest.Small()
	fake := lotustest.Start(sc)
	defer fake.Close()
	root := t.TempDir()
	if _, _, err := fake.WriteRepos(filepath.Join(root, "home/lotus")); err != nil {
		t.Fatal(err)
	}
	sc.MinerID = fake.MinerToken // answered by ActorAddress
	var stdout bytes.Buffer
	run([]string{"--host-info", "json", "--host-info.root", root}, &stdout, &bytes.Buffer{})
	if out := stdout.String(); strings.Contains(out, fake.MinerToken) || !strings.Contains(out, "answered the actor address") {
		t.Errorf("--host-info shows the token, or not the answer:\n%s", out)
	}
}

// TestHostInfoCopy: a backup of the repo, api file included, answers as the same miner; with no
// lotus-miner process to go by, the repo whose api file lotus-miner wrote last is the miner's.
func TestHostInfoCopy(t *testing.T) {
	fake := lotustest.Start(lotustest.Small())
	defer fake.Close()
	root := t.TempDir()
	if _, _, err := fake.WriteRepos(filepath.Join(root, "home/lotus")); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"api", "token"} {
		writeHostFile(t, root, "home/lotus/.lotusminer.bak-2025/"+f, readFile(t, filepath.Join(root, "home/lotus/.lotusminer", f)), 0o600)
	}
	lastYear := time.Now().AddDate(-1, 0, 0)
	if err := os.Chtimes(filepath.Join(root, "home/lotus/.lotusminer.bak-2025/api"), lastYear, lastYear); err != nil {
		t.Fatal(err)
	}
	r := hostInfoJSON(t, root)
	me := currentUser(t)
	if r.LotusUser != me.Username || len(r.Users) != 1 || !reflect.DeepEqual(r.Users[0].Why, []string{"owns /home/lotus/.lotusminer"}) {
		t.Errorf("lotus_user %q, users %+v; want %s, who owns the repo", r.LotusUser, r.Users, me.Username)
	}
	want := []setup.MinerRepo{
		{Path: "/home/lotus/.lotusminer", User: me.Username, Found: "folder with an api file", DaemonRepo: "/home/lotus/.lotus", MinerID: "f01234"},
		{Path: "/home/lotus/.lotusminer.bak-2025", User: me.Username, Found: "folder with an api file", DaemonRepo: "/home/lotus/.lotus", MinerID: "f01234",
			Skip: "a copy of /home/lotus/.lotusminer: both answer as miner f01234, and the api file here is older"},
	}
	if !reflect.DeepEqual(r.MinerRepos, want) {
		t.Errorf("miner_repos\n%+v\nwant\n%+v", r.MinerRepos, want)
	}
}

// TestHostInfoContainer: node_exporter runs in docker as nobody, reading a bind mount of a
// host folder, which the installer must use; or a folder of the container's own, which it
// must refuse. Each candidate of the installer gets its verdict.
func TestHostInfoContainer(t *testing.T) {
	const container = `1520 1430 0:112 / / rw,relatime master:520 - overlay overlay rw,lowerdir=/var/lib/docker/overlay2/l/A
1530 1520 8:1 /srv/ne/textfile /host/textfile ro,relatime - ext4 /dev/sda1 rw
1531 1520 0:120 / /scratch rw,nosuid,nodev - tmpfs tmpfs rw
`
	given := textfile.Change{Dir: "/srv/given", Verdict: "acl", Why: "/srv/given is neither node_exporter's documented folder (/var/lib/prometheus/node-exporter or /var/lib/node_exporter/textfile_collector) nor one the installer creates"}
	for _, tc := range []struct {
		dir, want, source, how string
		changes                []textfile.Change
	}{
		{"/host/textfile", "/srv/ne/textfile", "process",
			"node_exporter (pid 900) runs in a container and reads /host/textfile, which is /srv/ne/textfile here",
			[]textfile.Change{{Dir: "/srv/ne/textfile", Verdict: "yes", Why: "/srv/ne/textfile does not exist yet: the installer creates it"}, given}},
		{"/scratch", "", "unreachable",
			"node_exporter (pid 900) runs in a container and reads /scratch from a tmpfs of the container's own, which no folder of this host shows; mount a folder of this host there (docker run -v /srv/textfile:/scratch), or pass --textfile-dir with the host folder it reads",
			[]textfile.Change{given}},
	} {
		t.Run(tc.dir, func(t *testing.T) {
			root := t.TempDir()
			writeHostFile(t, root, "srv/given/x", "", 0o644)
			proctest.Write(t, filepath.Join(root, "proc"), proctest.Process{PID: "900", UID: 65534, EUID: 65534, MountInfo: container,
				Argv: []string{"/bin/node_exporter", "--collector.textfile.directory=" + tc.dir}})
			r := hostInfoJSON(t, root, "--host-info.textfile-dir", "/srv/given")
			if r.Textfile.Dir != tc.want || string(r.Textfile.Source) != tc.source || r.Textfile.How != tc.how {
				t.Errorf("textfile %+v; want %q, %s, %q", r.Textfile, tc.want, tc.source, tc.how)
			}
			if !reflect.DeepEqual(r.Textfile.Changes, tc.changes) {
				t.Errorf("textfile changes\n%+v\nwant\n%+v", r.Textfile.Changes, tc.changes)
			}
		})
	}
}
