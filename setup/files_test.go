// The file operations: atomic, reported, and never out of --root.
package setup

import (
	"os"
	"path/filepath"
	"slices"
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

// TestKeepEdit: runs one after another, each wanting some cron file, with an administrator
// editing it in between; the record, the files and the output after each.
func TestKeepEdit(t *testing.T) {
	root := t.TempDir()
	target := filepath.Join(root, cronFile)
	dist := target + ".dpkg-dist"
	var entries []Entry
	run := func(content string) string {
		t.Helper()
		r, out := testRun(t, Options{Root: root}, Report{}, entries...)
		if _, err := r.writeFile(cronFile, content); err != nil {
			t.Fatal(err)
		}
		if err := r.dropStale(); err != nil {
			t.Fatal(err)
		}
		entries = r.entries
		return out.String()
	}
	const ( // printf 'X\n' | sha256sum
		hashA = "06f961b802bc46ee168555f066d28f4f0e9afdf3f88174c1ee6f9de004fc30a0"
		hashB = "c0cde77fa8fef97d476c10aad3d2d54fcc2f336140d073651c2dcccf1e379fd6"
		hashC = "12f37a8a84034d3e623d726fe10e5031f4df997ac13f4d5571b5a90c41fb84fe"
	)
	edit := func(content string) {
		t.Helper()
		if err := os.WriteFile(target, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	kept := "kept your edit of /etc/cron.d/lotus-farcaster\n"
	warning := "warning: kept your edit of /etc/cron.d/lotus-farcaster; what this run would write is in /etc/cron.d/lotus-farcaster.dpkg-dist: merge it into yours, then delete it\n"
	for _, step := range []struct {
		what       string
		edit       string // the administrator's content before the run, "" for none
		removeDist bool   // the administrator deleted the .dpkg-dist before the run
		want       string // what the run wants in the file
		out        string
		file, dist string // the content after the run, "" for no .dpkg-dist
		record     []string
	}{
		{"first run", "", false, "A\n", "created /etc\ncreated /etc/cron.d\nwrote /etc/cron.d/lotus-farcaster\n",
			"A\n", "", []string{"file /etc/cron.d/lotus-farcaster " + hashA}},
		{"edited, nothing new", "MAILTO=ops@example.com\nA\n", false, "A\n", kept,
			"MAILTO=ops@example.com\nA\n", "", []string{"file /etc/cron.d/lotus-farcaster " + hashA}},
		{"edited, something new", "", false, "B\n", "wrote /etc/cron.d/lotus-farcaster.dpkg-dist\n" + warning,
			"MAILTO=ops@example.com\nA\n", "B\n", []string{"file /etc/cron.d/lotus-farcaster " + hashB, "file /etc/cron.d/lotus-farcaster.dpkg-dist"}},
		{"again, the .dpkg-dist still there", "", false, "B\n", kept,
			"MAILTO=ops@example.com\nA\n", "B\n", []string{"file /etc/cron.d/lotus-farcaster " + hashB, "file /etc/cron.d/lotus-farcaster.dpkg-dist"}},
		{"merged, the .dpkg-dist deleted", "MAILTO=ops@example.com\nB\n", true, "B\n", kept,
			"MAILTO=ops@example.com\nB\n", "", []string{"file /etc/cron.d/lotus-farcaster " + hashB}},
		{"something new again", "", false, "C\n", "wrote /etc/cron.d/lotus-farcaster.dpkg-dist\n" + warning,
			"MAILTO=ops@example.com\nB\n", "C\n", []string{"file /etc/cron.d/lotus-farcaster " + hashC, "file /etc/cron.d/lotus-farcaster.dpkg-dist"}},
		{"the edit undone: what this run wants", "C\n", false, "C\n", "unchanged /etc/cron.d/lotus-farcaster\nremoved /etc/cron.d/lotus-farcaster.dpkg-dist\n",
			"C\n", "", []string{"file /etc/cron.d/lotus-farcaster " + hashC}},
		{"not edited: replaced", "", false, "A\n", "wrote /etc/cron.d/lotus-farcaster\n",
			"A\n", "", []string{"file /etc/cron.d/lotus-farcaster " + hashA}},
	} {
		if step.edit != "" {
			edit(step.edit)
		}
		if step.removeDist {
			if err := os.Remove(dist); err != nil {
				t.Fatal(err)
			}
		}
		if out := run(step.want); out != step.out {
			t.Errorf("%s: output\n%s\nwant\n%s", step.what, out, step.out)
		}
		if got := readFile(t, target); got != step.file {
			t.Errorf("%s: the file holds %q, want %q", step.what, got, step.file)
		}
		if got, err := os.ReadFile(dist); step.dist == "" && err == nil || step.dist != "" && string(got) != step.dist {
			t.Errorf("%s: the .dpkg-dist holds %q (%v), want %q", step.what, got, err, step.dist)
		}
		var record []string
		for _, e := range entries {
			if e.Kind == KindFile {
				record = append(record, e.String())
			}
		}
		if !slices.Equal(record, step.record) {
			t.Errorf("%s: recorded %q, want %q", step.what, record, step.record)
		}
	}

	// A record of an earlier version, without hashes: an edited file is replaced, as then,
	// and its hash recorded.
	entries = []Entry{{Kind: KindDir, Path: "/etc"}, {Kind: KindDir, Path: "/etc/cron.d"}, {Kind: KindFile, Path: cronFile}}
	edit("MAILTO=ops@example.com\nA\n")
	if out := run("B\n"); out != "wrote /etc/cron.d/lotus-farcaster\n" {
		t.Errorf("an older record: output\n%s", out)
	}
	if got := readFile(t, target); got != "B\n" {
		t.Errorf("an older record: the file holds %q", got)
	}
	if want := (Entry{Kind: KindFile, Path: cronFile, Hash: hashB}); !slices.Contains(entries, want) {
		t.Errorf("an older record: recorded %v, want %v among them", entries, want)
	}
}
