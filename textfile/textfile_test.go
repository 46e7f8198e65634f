// Tests for Write and Lock.

package textfile

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
)

func writeString(s string) func(io.Writer) error {
	return func(w io.Writer) error {
		_, err := io.WriteString(w, s)
		return err
	}
}

// names lists dir, sorted.
func names(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "lotus.prom")

	for _, content := range []string{"first 1\n", "second 2\n"} {
		if err := Write(target, writeString(content)); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(target)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != content {
			t.Errorf("content = %q, want %q", got, content)
		}
		fi, err := os.Stat(target)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o644 {
			t.Errorf("mode = %v, want 0644", fi.Mode().Perm())
		}
		if got := names(t, dir); !slices.Equal(got, []string{"lotus.prom"}) {
			t.Errorf("folder holds %q, want only lotus.prom", got)
		}
	}
}

func TestWriteErrorKeepsTarget(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "lotus.prom")
	if err := os.WriteFile(target, []byte("old\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	boom := errors.New("boom")
	err := Write(target, func(w io.Writer) error {
		io.WriteString(w, "partial")
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want %v", err, boom)
	}
	got, err := os.ReadFile(target)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != "old\n" {
		t.Errorf("target = %q, want it unchanged", got)
	}
	if got := names(t, dir); !slices.Equal(got, []string{"lotus.prom"}) {
		t.Errorf("folder holds %q, want only lotus.prom", got)
	}
}

func TestWriteRemovesStaleTemps(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "lotus.prom")
	stale := []string{".lotus.prom.123.tmp", ".lotus.prom.98765.tmp"}
	kept := []string{
		".other.prom.123.tmp",        // another target's temp file
		".lotus.prom.x.prom.123.tmp", // temp file of target "lotus.prom.x.prom"
		".lotus.prom.lock",           // the lock file
		".lotus.prom.tmp",            // no random part
		"lotus.prom.123.tmp",         // no leading dot
		"notes.txt",
	}
	for _, name := range append(slices.Clone(stale), kept...) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	if err := Write(target, writeString("m 1\n")); err != nil {
		t.Fatal(err)
	}
	want := append(slices.Clone(kept), "lotus.prom")
	slices.Sort(want)
	if got := names(t, dir); !slices.Equal(got, want) {
		t.Errorf("folder holds %q, want %q", got, want)
	}
}

// bigContent is a self-checking file: a header with its total length and
// sequence number, filler, and a trailer repeating the sequence number.
func bigContent(seq int) string {
	const size = 200 << 10
	trailer := fmt.Sprintf("# end %d\n", seq)
	header := fmt.Sprintf("# len %07d seq %d\n", size, seq)
	filler := strings.Repeat(fmt.Sprintf("metric{seq=\"%d\"} 1\n", seq), size)
	return header + filler[:size-len(header)-len(trailer)] + trailer
}

// checkContent reports what is wrong with data, if it is not a whole bigContent.
func checkContent(data []byte) error {
	if len(data) == 0 {
		return errors.New("empty file")
	}
	var size, seq int
	if _, err := fmt.Sscanf(string(data), "# len %d seq %d\n", &size, &seq); err != nil {
		return fmt.Errorf("bad header: %v", err)
	}
	if len(data) != size {
		return fmt.Errorf("seq %d: read %d bytes, want %d", seq, len(data), size)
	}
	if trailer := fmt.Sprintf("# end %d\n", seq); !bytes.HasSuffix(data, []byte(trailer)) {
		return fmt.Errorf("seq %d: trailer missing", seq)
	}
	return nil
}

func TestWriteConcurrentReaderSeesWholeFiles(t *testing.T) {
	const writes = 300
	target := filepath.Join(t.TempDir(), "lotus.prom")
	if err := Write(target, writeString(bigContent(0))); err != nil {
		t.Fatal(err)
	}

	done := make(chan struct{})
	writeErr := make(chan error, 1)
	go func() {
		defer close(done)
		for seq := 1; seq <= writes; seq++ {
			if err := Write(target, writeString(bigContent(seq))); err != nil {
				writeErr <- err
				return
			}
		}
	}()

	// Read until the writer finishes; the cap only guarantees the loop ends.
	var readErr error
read:
	for i := 0; i < 1_000_000; i++ {
		select {
		case <-done:
			break read
		default:
		}
		data, err := os.ReadFile(target)
		if err == nil {
			err = checkContent(data)
		}
		if err != nil {
			readErr = fmt.Errorf("read %d: %w", i, err)
			break
		}
	}
	<-done // so the writer is not still writing when t.TempDir is removed
	if readErr != nil {
		t.Fatal(readErr)
	}
	select {
	case err := <-writeErr:
		t.Fatal(err)
	default:
	}
	data, err := os.ReadFile(target)
	if err != nil {
		t.Fatal(err)
	}
	if err := checkContent(data); err != nil || !bytes.HasSuffix(data, []byte(fmt.Sprintf("# end %d\n", writes))) {
		t.Errorf("final file is not write %d: %v", writes, err)
	}
}

func TestLock(t *testing.T) {
	target := filepath.Join(t.TempDir(), "lotus.prom")
	unlock, err := Lock(target)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Lock(target); !errors.Is(err, ErrLocked) {
		t.Fatalf("second Lock: err = %v, want ErrLocked", err)
	} else if !strings.Contains(err.Error(), "another lotus-farcaster run is still writing "+target) {
		t.Errorf("message %q does not name the other run and target", err)
	}
	unlock()

	unlock, err = Lock(target)
	if err != nil {
		t.Fatalf("Lock after unlock: %v", err)
	}
	unlock()
	if _, err := os.Stat(filepath.Join(filepath.Dir(target), ".lotus.prom.lock")); err != nil {
		t.Errorf("lock file: %v", err)
	}
}

// lockHelperEnv carries the target to the child process of TestLockAcrossProcesses.
const lockHelperEnv = "TEXTFILE_LOCK_HELPER_TARGET"

// TestLockHelperProcess is not a real test: TestLockAcrossProcesses runs it in
// a child process, where it holds the lock until its stdin is closed.
func TestLockHelperProcess(t *testing.T) {
	target := os.Getenv(lockHelperEnv)
	if target == "" {
		return
	}
	unlock, err := Lock(target)
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	defer unlock()
	fmt.Println("locked")
	io.Copy(io.Discard, os.Stdin)
}

func TestLockAcrossProcesses(t *testing.T) {
	target := filepath.Join(t.TempDir(), "lotus.prom")
	cmd := exec.Command(os.Args[0], "-test.run=^TestLockHelperProcess$")
	cmd.Env = append(os.Environ(), lockHelperEnv+"="+target)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close() // lets the child exit if we fail early
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}

	out := bufio.NewReader(stdout)
	line, err := out.ReadString('\n')
	if line != "locked\n" {
		t.Fatalf("child said %q (%v), want \"locked\"", line, err)
	}
	if _, err := Lock(target); !errors.Is(err, ErrLocked) {
		t.Fatalf("Lock while child holds it: err = %v, want ErrLocked", err)
	}

	stdin.Close()
	io.Copy(io.Discard, out) // drain the rest so Wait does not cut the child off
	if err := cmd.Wait(); err != nil {
		t.Fatalf("child: %v", err)
	}
	unlock, err := Lock(target)
	if err != nil {
		t.Fatalf("Lock after child exited: %v", err)
	}
	unlock()
}

// A lock file planted as a symlink (to a file of another user, say) is refused, not followed;
// so is a FIFO, on which a plain open would block the run.
func TestLockRefusesSymlinkAndFIFO(t *testing.T) {
	dir := t.TempDir()
	victim := filepath.Join(dir, "victim")
	if err := os.WriteFile(victim, []byte("keep\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	target := filepath.Join(dir, "lotus-f01234.prom")
	if err := os.Symlink(victim, filepath.Join(dir, ".lotus-f01234.prom.lock")); err != nil {
		t.Fatal(err)
	}
	if unlock, err := Lock(target); err == nil {
		unlock()
		t.Error("Lock followed a symlink")
	}

	fifoTarget := filepath.Join(dir, "lotus-f05678.prom")
	if err := syscall.Mkfifo(filepath.Join(dir, ".lotus-f05678.prom.lock"), 0o644); err != nil {
		t.Fatal(err)
	}
	if unlock, err := Lock(fifoTarget); err == nil {
		unlock()
		t.Error("Lock accepted a FIFO")
	}
}

func TestStatePath(t *testing.T) {
	if got, want := StatePath("/var/lib/node-exporter/lotus-f01234.prom"), "/var/lib/node-exporter/.lotus-f01234.prom.state"; got != want {
		t.Errorf("StatePath = %q, want %q", got, want)
	}
}
