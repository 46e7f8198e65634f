// Package proctest writes fake /proc trees for the tests of code that reads processes with package proc.
package proctest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Process is one fake process: its argv, environment, and real and effective user.
type Process struct {
	PID       string
	Argv, Env []string
	UID, EUID int
}

// Write adds p to the fake /proc tree procDir, as the kernel shows it: NUL-terminated
// cmdline and environ, and a status file with the users.
func Write(t testing.TB, procDir string, p Process) {
	t.Helper()
	dir := filepath.Join(procDir, p.PID)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	comm := filepath.Base(p.Argv[0])
	status := fmt.Sprintf("Name:\t%.15s\nUid:\t%d\t%d\t%d\t%d\n", comm, p.UID, p.EUID, p.EUID, p.EUID)
	for name, content := range map[string]string{
		"cmdline": nul(p.Argv),
		"environ": nul(p.Env),
		"status":  status,
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o444); err != nil {
			t.Fatal(err)
		}
	}
}

func nul(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return strings.Join(s, "\x00") + "\x00"
}
