// The file operations: atomic, reported, and never out of --root.
package setup

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestStaysInRoot: a root whose /etc leads elsewhere (here another throw-away folder, never
// this machine's /etc) gets nothing written, linked, created or removed there.
func TestStaysInRoot(t *testing.T) {
	r, _ := testRun(t, Options{}, Report{})
	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "keep"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(r.o.Root, "etc")); err != nil {
		t.Fatal(err)
	}
	for name, op := range map[string]func() error{
		"write": func() error { _, err := r.writeFile(cronFile, "x\n"); return err },
		"link": func() error {
			return r.makeLink(wantsDir+"/lotus-farcaster.timer", "/usr/lib/systemd/system/lotus-farcaster.timer")
		},
		"mkdir":  func() error { return r.ensureDir("/etc/cron.d") },
		"remove": func() error { return r.removePath("/etc/keep") },
	} {
		if err := op(); err == nil || !strings.Contains(err.Error(), "leads out of --root") {
			t.Errorf("%s through a link out of the root: %v", name, err)
		}
	}
	if entries, _ := os.ReadDir(outside); len(entries) != 1 || entries[0].Name() != "keep" {
		t.Errorf("the folder outside the root changed: %v", entries)
	}
}

// TestPutFile: written atomically with its mode, unchanged when equal, and a link at the
// target replaced, not followed.
func TestPutFile(t *testing.T) {
	r, out := testRun(t, Options{}, Report{})
	target := filepath.Join(r.o.Root, "etc/cron.d/lotus-farcaster")
	if _, err := r.writeFile(cronFile, "one\n"); err != nil {
		t.Fatal(err)
	}
	if changed, err := r.writeFile(cronFile, "one\n"); err != nil || changed {
		t.Errorf("the same content again: changed %v, %v", changed, err)
	}
	elsewhere := filepath.Join(r.o.Root, "elsewhere")
	if err := os.WriteFile(elsewhere, []byte("theirs\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(target); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(elsewhere, target); err != nil {
		t.Fatal(err)
	}
	if _, err := r.writeFile(cronFile, "two\n"); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(target); err != nil || fi.Mode() != 0o644 || readFile(t, target) != "two\n" || readFile(t, elsewhere) != "theirs\n" {
		t.Errorf("after replacing a link: %v, %v, %q, the link's target %q", fi.Mode(), err, readFile(t, target), readFile(t, elsewhere))
	}
	want := "created /etc\ncreated /etc/cron.d\nwrote /etc/cron.d/lotus-farcaster\nunchanged /etc/cron.d/lotus-farcaster\nwrote /etc/cron.d/lotus-farcaster\n"
	if out.String() != want {
		t.Errorf("output\n%s\nwant\n%s", out, want)
	}
}
