// Tests of the mount table reader.
package proc

import (
	"path/filepath"
	"reflect"
	"testing"

	"github.com/lotus-farcaster/lotus-farcaster/proc/proctest"
)

func TestMounts(t *testing.T) {
	procDir := t.TempDir()
	// A container's table as the kernel writes it: optional fields (none, one, two) before
	// " - ", octal escapes in paths, a long overlay line.
	const container = `1520 1430 0:112 / / rw,relatime master:520 - overlay overlay rw,lowerdir=/var/lib/docker/overlay2/l/A:/var/lib/docker/overlay2/l/B,upperdir=/var/lib/docker/overlay2/1f/diff
1530 1520 8:1 /srv/node\040exporter/text\134file /host/text\011file ro,relatime - ext4 /dev/sda1 rw,errors=remount-ro
1531 1520 0:120 / /scratch rw,nosuid,nodev shared:9 master:3 - tmpfs tmpfs rw
`
	proctest.Write(t, procDir, proctest.Process{PID: "900", Argv: []string{"node_exporter"}, MountInfo: container})
	ps := Find(procDir, "node_exporter")
	if len(ps) != 1 {
		t.Fatalf("Find: %+v", ps)
	}
	got, err := ps[0].Mounts()
	if err != nil {
		t.Fatal(err)
	}
	want := []Mount{
		{ID: 1520, Device: "0:112", Root: "/", MountPoint: "/", FSType: "overlay", Source: "overlay"},
		{ID: 1530, Device: "8:1", Root: `/srv/node exporter/text\file`, MountPoint: "/host/text\tfile", FSType: "ext4", Source: "/dev/sda1"},
		{ID: 1531, Device: "0:120", Root: "/", MountPoint: "/scratch", FSType: "tmpfs", Source: "tmpfs"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Mounts:\n%+v\nwant\n%+v", got, want)
	}
	self, err := SelfMounts(procDir)
	if err != nil || len(self) != 5 || self[0] != (Mount{ID: 22, Device: "8:1", Root: "/", MountPoint: "/", FSType: "ext4", Source: "/dev/sda1"}) {
		t.Errorf("SelfMounts = %+v, %v; want proctest's host table", self, err)
	}

	proctest.Self(t, procDir, "22 1 8:1 / / rw - ext4\n")
	if _, err := SelfMounts(procDir); err == nil {
		t.Error("a line without source: no error")
	}
	if _, err := SelfMounts(filepath.Join(procDir, "missing")); err == nil {
		t.Error("a missing table: no error")
	}
}

func TestCovering(t *testing.T) {
	ms := []Mount{
		{ID: 1, MountPoint: "/"},
		{ID: 2, MountPoint: "/srv"},
		{ID: 3, MountPoint: "/srv/ne"},
		{ID: 4, MountPoint: "/srv"}, // mounted over 2
	}
	for path, want := range map[string]int{"/": 1, "/etc": 1, "/srv": 4, "/srv/x": 4, "/srv/ne/textfile": 3, "/srvx": 1} {
		if m, ok := Covering(ms, path); !ok || m.ID != want {
			t.Errorf("Covering(%s) = %d, %v; want %d", path, m.ID, ok, want)
		}
	}
	if _, ok := Covering(ms[1:], "/etc"); ok {
		t.Error("Covering without a root mount found one for /etc")
	}
}
