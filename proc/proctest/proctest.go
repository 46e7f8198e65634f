// Package proctest writes fake /proc trees for the tests of code that reads processes with package proc.
package proctest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Process is one fake process: its argv, environment, real and effective user (also its
// saved and file-system one), and mount table.
type Process struct {
	PID       string
	Argv, Env []string
	UID, EUID int
	MountInfo string // HostMountInfo when empty
}

// HostMountInfo is the mount table of a host's processes, as /proc/PID/mountinfo shows it.
const HostMountInfo = `22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw,errors=remount-ro
23 22 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw
24 22 0:22 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw
25 22 0:5 / /dev rw,nosuid,relatime shared:2 - devtmpfs udev rw,size=8123456k,nr_inodes=2030864,mode=755
26 22 0:25 / /run rw,nosuid,nodev,noexec,relatime shared:5 - tmpfs tmpfs rw,size=1632000k,mode=755
`

// Write adds p to the fake /proc tree procDir, as the kernel shows it: NUL-terminated
// cmdline and environ, a status file with the users, and its mountinfo. The reader's own
// mount table, procDir/self/mountinfo, is HostMountInfo unless written already (by Self).
func Write(t testing.TB, procDir string, p Process) {
	t.Helper()
	dir := filepath.Join(procDir, p.PID)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if p.MountInfo == "" {
		p.MountInfo = HostMountInfo
	}
	if _, err := os.Stat(filepath.Join(procDir, "self", "mountinfo")); os.IsNotExist(err) {
		Self(t, procDir, HostMountInfo)
	}
	comm := filepath.Base(p.Argv[0])
	status := fmt.Sprintf("Name:\t%.15s\nUid:\t%d\t%d\t%d\t%d\n", comm, p.UID, p.EUID, p.EUID, p.EUID)
	for name, content := range map[string]string{
		"cmdline":   nul(p.Argv),
		"environ":   nul(p.Env),
		"status":    status,
		"mountinfo": p.MountInfo,
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o444); err != nil {
			t.Fatal(err)
		}
	}
}

// Self writes the reader's own mount table into the fake /proc tree procDir.
func Self(t testing.TB, procDir, mountInfo string) {
	t.Helper()
	dir := filepath.Join(procDir, "self")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "mountinfo"), []byte(mountInfo), 0o644); err != nil {
		t.Fatal(err)
	}
}

func nul(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return strings.Join(s, "\x00") + "\x00"
}
