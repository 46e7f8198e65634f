// What a run keeps between runs: a state file that cannot be believed costs one line and one reset.
package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lotus-farcaster/lotus-farcaster/lotusapi/lotustest"
	"github.com/lotus-farcaster/lotus-farcaster/textfile"
)

// stateRun runs the exporter against fake into dir, as cron does.
func stateRun(t *testing.T, fake *lotustest.Server, dir string) runResult {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run([]string{
		"--daemon-api", apiFlag(t, fake.DaemonURL, fake.DaemonToken),
		"--miner-api", apiFlag(t, fake.MinerURL, fake.MinerToken),
		"--textfile-dir", dir,
	}, &stdout, &stderr)
	return runResult{code, stdout.String(), stderr.String(), filepath.Join(dir, "lotus-f01234.prom")}
}

// editState rewrites one field of the rewards part of the kept state.
func editState(t *testing.T, state []byte, field string, value any) []byte {
	t.Helper()
	var f map[string]any
	if err := json.Unmarshal(state, &f); err != nil {
		t.Fatal(err)
	}
	f["rewards"].(map[string]any)[field] = value
	out, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Each bad state: the first run says so in one line, sets the file aside and starts the
// counters again (Small's head holds one block of the miner: 1 block, 1 win); the next run
// is quiet and counts on from there.
func TestBadStateSetAside(t *testing.T) {
	kept := keptState(t) // 1 block won, height 4999873 (Small's head)
	for _, tc := range []struct {
		name   string
		plant  func(t *testing.T, path string)
		reason string
	}{
		{"a directory", func(t *testing.T, path string) { mustMkdir(t, path) }, "is not a regular file"},
		{"a symlink", func(t *testing.T, path string) { mustSymlink(t, "/etc/passwd", path) }, "too many levels of symbolic links"},
		{"not JSON", func(t *testing.T, path string) { mustWrite(t, path, []byte("{\"version\":1,")) }, "corrupt state"},
		{"a future height", func(t *testing.T, path string) { mustWrite(t, path, editState(t, kept, "height", 5000873)) },
			"rewards: epoch 5000873 was read, beyond the head 4999873"},
		{"a later start than end", func(t *testing.T, path string) { mustWrite(t, path, editState(t, kept, "from", 4999874)) },
			"rewards: counting started at epoch 4999874, after the last epoch read 4999873"},
		{"more blocks than wins", func(t *testing.T, path string) { mustWrite(t, path, editState(t, kept, "blocks", 2)) },
			"rewards: 2 blocks but 1 wins"},
		{"someone else's", func(t *testing.T, path string) {
			mustWrite(t, path, editState(t, kept, "blocks", 1000))
			if err := os.Chown(path, 54321, 54321); err != nil {
				needRoot(t, err)
			}
		}, "owned by uid 54321"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake := lotustest.Start(lotustest.Small())
			defer fake.Close()
			dir := t.TempDir()
			statePath := textfile.StatePath(filepath.Join(dir, "lotus-f01234.prom"))
			tc.plant(t, statePath)
			r := stateRun(t, fake, dir)
			lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
			if r.code != exitOK || len(lines) != 1 || !strings.Contains(lines[0], "level=WARN msg=\"state file set aside; counting starts again\"") ||
				!strings.Contains(lines[0], tc.reason) {
				t.Fatalf("exit %d, stderr:\n%s\nwant exit 0 and one line saying %q", r.code, r.stderr, tc.reason)
			}
			got := parseFile(t, r.file)
			wantValue(t, got, "lotus_miner_blocks_won_total", nil, 1)
			wantValue(t, got, "lotus_miner_win_count_total", nil, 1)
			if _, err := os.Lstat(statePath + ".bad"); err != nil {
				t.Errorf("nothing set aside: %v", err)
			}
			fake.Update(func(sc *lotustest.Scenario) {
				sc.Advance(3, lotustest.Epochs{Won: map[int64]int64{sc.Head.Height + 2: 2}})
			})
			r = stateRun(t, fake, dir)
			if r.code != exitOK || r.stderr != "" {
				t.Fatalf("the run after: exit %d, stderr:\n%s", r.code, r.stderr)
			}
			got = parseFile(t, r.file)
			wantValue(t, got, "lotus_miner_blocks_won_total", nil, 2)
			wantValue(t, got, "lotus_miner_win_count_total", nil, 3)
		})
	}
}

func needRoot(t *testing.T, err error) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf("needs root, as CI runs: %v", err)
	}
	t.Skip("needs root: ", err)
}

func mustMkdir(t *testing.T, path string) {
	t.Helper()
	if err := os.Mkdir(path, 0o755); err != nil {
		t.Fatal(err)
	}
}

func mustSymlink(t *testing.T, old, path string) {
	t.Helper()
	if err := os.Symlink(old, path); err != nil {
		t.Fatal(err)
	}
}

func mustWrite(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// A run that overlaps the one still running loses the lock before it asks the node anything.
func TestOverlappingRunCostsTheNodeNothing(t *testing.T) {
	fake := lotustest.Start(lotustest.Small())
	defer fake.Close()
	fake.SetFault("daemon", "SyncState", lotustest.Fault{Kind: lotustest.FaultDelay, Delay: time.Hour})
	dir := t.TempDir()
	first := make(chan runResult)
	go func() {
		var stdout, stderr bytes.Buffer
		code := run([]string{
			"--daemon-api", apiFlag(t, fake.DaemonURL, fake.DaemonToken),
			"--miner-api", apiFlag(t, fake.MinerURL, fake.MinerToken),
			"--textfile-dir", dir, "--timeout", "4s",
		}, &stdout, &stderr)
		first <- runResult{code: code, stderr: stderr.String()}
	}()
	// The first run is at work once the node has seen its SyncState call.
	for fake.Requests("daemon")["SyncState"] == 0 {
		time.Sleep(10 * time.Millisecond)
	}
	// What a run asks first, when it connects; the first run asked long ago, and its other
	// calls go on meanwhile.
	connects := func() int {
		d, m := fake.Requests("daemon"), fake.Requests("miner")
		return d["Version"] + d["ChainHead"] + m["Version"] + m["ActorAddress"]
	}
	before := connects()
	r := stateRun(t, fake, dir)
	after := connects()
	if r.code != exitNotWritten || !strings.Contains(r.stderr, "still writing") {
		t.Errorf("overlapping run: exit %d, stderr %q; want %d and the other run named", r.code, r.stderr, exitNotWritten)
	}
	<-first
	if after != before {
		t.Errorf("the overlapping run made %d requests to connect, want none", after-before)
	}
}
