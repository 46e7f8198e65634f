// Tests of which folders the installer may open to the lotus user, on a fake host root.
package textfile

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/lotus-farcaster/lotus-farcaster/proc"
)

func TestMayChange(t *testing.T) {
	root := t.TempDir()
	mkdirs(t, root, "etc/cron.d", "home/x", "srv/alice", "srv/existing", "srv/open", "srv/mallory", "var/lib/prometheus/node-exporter", "var/lib/node_exporter")
	if err := os.WriteFile(filepath.Join(root, "etc/passwd"), []byte("root:x:0:0:root:/root:/bin/bash\n"+
		"prometheus:x:112:118::/var/lib/prometheus:/usr/sbin/nologin\n"+
		"alice:x:1000:1000:Alice:/srv/alice:/bin/bash\n"+
		"odd:x:1001:1001::/:/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for link, target := range map[string]string{
		"var/lib/node_exporter/textfile_collector": "/etc", // a hostile folder: the documented name, leading into /etc
		"srv/relative": "../etc/cron.d",
		"srv/debian":   "/var/lib/prometheus/node-exporter",
		"srv/loop":     "/srv/loop",
		"srv/dangling": "/etc/nothing",
		"srv/open/tf":  "/srv/existing",
	} {
		if err := os.Symlink(target, filepath.Join(root, link)); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(filepath.Join(root, "srv/open"), 0o777|os.ModeSticky); err != nil { // as /tmp
		t.Fatal(err)
	}
	trust := proc.Trust{UID: os.Geteuid(), UIDMin: 1000, UIDMax: 60000}
	for _, tc := range []struct{ dir, verdict, why string }{
		{"/var/lib/prometheus/node-exporter", "yes", "/var/lib/prometheus/node-exporter is node_exporter's documented folder"},
		{"/srv/debian", "yes", "/srv/debian (which leads to /var/lib/prometheus/node-exporter) is node_exporter's documented folder"},
		{"/srv/new/textfile", "yes", "/srv/new/textfile does not exist yet: the installer creates it"},
		{"/srv/existing", "acl", "/srv/existing is neither node_exporter's documented folder (/var/lib/prometheus/node-exporter or /var/lib/node_exporter/textfile_collector) nor one the installer creates"},
		{"/", "no", "/ is the root folder"},
		{"/etc", "no", "/etc is in /etc, a system folder"},
		{"/etc/cron.d/", "no", "/etc/cron.d is in /etc, a system folder"},
		{"/usr/lib/new", "no", "/usr/lib/new is in /usr, a system folder"},
		{"/home/x", "no", "/home/x is in /home, a system folder"},
		{"/srv/alice/textfile", "no", "/srv/alice/textfile is in /srv/alice, the home folder of alice"},
		{"/var/lib/node_exporter/textfile_collector", "no", "/var/lib/node_exporter/textfile_collector (which leads to /etc) is in /etc, a system folder"},
		{"/srv/relative", "no", "/srv/relative (which leads to /etc/cron.d) is in /etc, a system folder"},
		{"/srv/dangling", "no", "/srv/dangling (which leads to /etc/nothing) is in /etc, a system folder"},
		{"/srv/loop", "no", "/srv/loop: too many levels of symbolic links"},
		{"srv/existing", "no", "srv/existing is not an absolute path"},
		// Whoever can write in a folder on the way could swap the folder for a link to /etc.
		{"/srv/open/new", "no", "/srv/open/new lies in /srv/open, which others than its owner can write (mode 1777), who could swap it for a link to another folder"},
		{"/srv/open/tf", "no", "/srv/open/tf (which leads to /srv/existing) lies in /srv/open, which others than its owner can write (mode 1777), who could swap it for a link to another folder"},
	} {
		if got := MayChange(root, tc.dir, trust); got != (Change{Dir: tc.dir, Verdict: tc.verdict, Why: tc.why}) {
			t.Errorf("MayChange(%s) = %+v; want %s, %q", tc.dir, got, tc.verdict, tc.why)
		}
	}
	if os.Geteuid() != 0 {
		return // only root can give a folder to another user
	}
	if err := os.Chown(filepath.Join(root, "srv/mallory"), 1500, 1500); err != nil {
		t.Fatal(err)
	}
	want := Change{Dir: "/srv/mallory/tf", Verdict: "no", Why: "/srv/mallory/tf lies in /srv/mallory, which belongs to uid 1500, who could swap it for a link to another folder"}
	if got := MayChange(root, "/srv/mallory/tf", trust); got != want {
		t.Errorf("MayChange(/srv/mallory/tf) = %+v; want %+v", got, want)
	}
}
