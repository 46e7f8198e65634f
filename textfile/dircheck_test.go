// Tests of CheckDir: who else can write in a folder, from its owner, mode and the host's users and groups.

package textfile

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/lotus-farcaster/lotus-farcaster/proc"
)

const (
	testPasswd = `root:x:0:0:root:/root:/bin/bash
# a comment
prometheus:x:112:120::/var/lib/prometheus:/usr/sbin/nologin
syslog:x:104:110::/home/syslog:/usr/sbin/nologin
lotus:x:1001:1001::/home/lotus:/bin/bash
mallory:x:1500:1500::/home/mallory:/bin/bash
alice:x:1600:1002::/home/alice:/bin/bash
`
	testGroup = `root:x:0:
adm:x:4:syslog,mallory
wheel:x:10:lotus,prometheus
prometheus:x:120:
lotus:x:1001:
staff:x:1002:
ldap:x:1003:bob
devs:x:1004:mallory,alice
mallory:x:1500:
`
)

func TestCheckDir(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("giving a folder to other users needs root")
	}
	root := t.TempDir()
	for name, content := range map[string]string{"passwd": testPasswd, "group": testGroup} {
		if err := os.MkdirAll(filepath.Join(root, "etc"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, "etc", name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	asLotus := proc.Trust{Root: root, UID: 1001, UIDMin: 1000}
	asRoot := proc.Trust{Root: root, UID: 0, UIDMin: 1000}
	for _, tc := range []struct {
		name     string
		trust    proc.Trust
		uid, gid int
		mode     uint32
		want     []string // substrings of the error; none: accepted
	}{
		{"root's", asLotus, 0, 0, 0o755, nil},
		{"a system user's", asLotus, 112, 120, 0o755, nil},
		{"ours", asLotus, 1001, 1001, 0o755, nil},
		{"ours, group-writable by our own group", asLotus, 1001, 1001, 0o775, nil},
		// What install.sh leaves: chgrp lotus DIR && chmod g+rwx DIR.
		{"installer's, run as lotus", asLotus, 0, 1001, 0o775, nil},
		{"installer's, run as root", asRoot, 0, 1001, 0o775, []string{"writable by group lotus, whose member lotus (uid 1001) could replace", "sudo -u lotus lotus-farcaster", "chmod g-w"}},
		{"group of administrators", asLotus, 0, 10, 0o775, nil},
		{"group-readable only", asLotus, 0, 1500, 0o755, nil},
		{"an ordinary user's", asLotus, 1500, 1500, 0o755, []string{"belongs to mallory (uid 1500)", "sudo -u mallory lotus-farcaster", "chown root"}},
		{"a user without a name's", asLotus, 1700, 0, 0o755, []string{"belongs to uid 1700", "run lotus-farcaster as uid 1700"}},
		{"world-writable", asLotus, 0, 0, 0o777, []string{"writable by every user (mode 0777)", "chmod o-w"}},
		{"world-writable and sticky", asLotus, 0, 0, 0o1777, []string{"writable by every user (mode 1777)"}},
		{"group lists an ordinary user", asLotus, 0, 4, 0o770, []string{"writable by group adm, whose member mallory (uid 1500)"}},
		{"primary group of an ordinary user", asLotus, 0, 1002, 0o775, []string{"writable by group staff, whose member alice (uid 1600)"}},
		{"group lists a user not in passwd", asLotus, 0, 1003, 0o775, []string{"whose member bob (not in /etc/passwd)"}},
		{"group of two ordinary users", asLotus, 0, 1004, 0o775, []string{"whose members alice (uid 1600), mallory (uid 1500) could replace", "chmod g-w"}},
		{"group not in /etc/group", asLotus, 0, 4242, 0o775, []string{"writable by group 4242, and who is in it is unknown", "does not list it"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "textfile")
			if err := os.Mkdir(dir, 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.Chown(dir, tc.uid, tc.gid); err != nil {
				t.Fatal(err)
			}
			if err := syscall.Chmod(dir, tc.mode); err != nil { // os.Chmod would drop a raw sticky bit
				t.Fatal(err)
			}
			err := CheckDir(dir, tc.trust)
			if tc.want == nil {
				if err != nil {
					t.Errorf("refused: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("accepted")
			}
			msg := err.Error()
			for _, w := range append(tc.want, "folder "+dir+" ") {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q lacks %q", msg, w)
				}
			}
			if strings.Contains(msg, "\n") {
				t.Errorf("error %q is not one line", msg)
			}
		})
	}
}
