// No token in any output, whatever form it was given in: runs, failing runs and --check, in-process against the fake Lotus.
package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lotus-farcaster/lotus-farcaster/lotusapi/lotustest"
	"github.com/lotus-farcaster/lotus-farcaster/textfile"
)

// tokenForms are the ways a run can be given its tokens: each returns the run's API flags.
var tokenForms = []struct {
	name    string
	setup   func(t *testing.T, fake *lotustest.Server) []string
	badForm bool // discovery fails: the form is not usable, and must still not be shown
	inFlags bool // --check notes that every local user can read the tokens
}{
	{name: "flags", inFlags: true, setup: func(t *testing.T, fake *lotustest.Server) []string {
		return []string{"--daemon-api", apiFlag(t, fake.DaemonURL, fake.DaemonToken), "--miner-api", apiFlag(t, fake.MinerURL, fake.MinerToken)}
	}},
	{name: "environment", setup: func(t *testing.T, fake *lotustest.Server) []string {
		t.Setenv("FULLNODE_API_INFO", apiFlag(t, fake.DaemonURL, fake.DaemonToken))
		t.Setenv("MINER_API_INFO", apiFlag(t, fake.MinerURL, fake.MinerToken))
		return nil
	}},
	{name: "repo token files", setup: func(t *testing.T, fake *lotustest.Server) []string {
		lotusPath, minerPath, err := fake.WriteRepos(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		t.Setenv("LOTUS_PATH", lotusPath)
		t.Setenv("LOTUS_MINER_PATH", minerPath)
		return nil
	}},
	{name: "URL query", inFlags: true, setup: func(t *testing.T, fake *lotustest.Server) []string {
		ws := strings.Replace(fake.MinerURL, "http://", "ws://", 1)
		return []string{"--daemon-api", fake.DaemonURL + "?token=" + fake.DaemonToken, "--miner-api", ws + "?token=" + fake.MinerToken}
	}},
	{name: "api file holding TOKEN:MULTIADDR", badForm: true, setup: func(t *testing.T, fake *lotustest.Server) []string {
		lotusPath, minerPath, err := fake.WriteRepos(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range []struct{ dir, token string }{{lotusPath, fake.DaemonToken}, {minerPath, fake.MinerToken}} {
			api := readFile(t, filepath.Join(p.dir, "api"))
			if err := os.WriteFile(filepath.Join(p.dir, "api"), []byte(p.token+":"+api), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		t.Setenv("LOTUS_PATH", lotusPath)
		t.Setenv("LOTUS_MINER_PATH", minerPath)
		return nil
	}},
}

// TestTokenNeverShown: whatever form the tokens come in, a healthy run, a run whose daemon is
// down or refuses the token, and --check, all at --log.level debug, show them nowhere: not
// on stdout or stderr, not in the files written, even when the node echoes them back.
func TestTokenNeverShown(t *testing.T) {
	for _, form := range tokenForms {
		for _, sc := range []struct {
			name     string
			args     []string
			fault    func(fake *lotustest.Server)
			wantCode int
		}{
			{name: "run", wantCode: exitOK},
			{name: "daemon down", fault: func(fake *lotustest.Server) { fake.CloseDaemon() }, wantCode: exitFailed},
			{name: "daemon 401", fault: func(fake *lotustest.Server) {
				fake.SetFault("daemon", "Version", lotustest.Fault{Kind: lotustest.FaultUnauthorized})
			}, wantCode: exitFailed},
			{name: "check", args: []string{"--check"}, wantCode: exitOK},
		} {
			t.Run(form.name+"/"+sc.name, func(t *testing.T) {
				for _, v := range []string{"FULLNODE_API_INFO", "MINER_API_INFO", "LOTUS_PATH", "LOTUS_MINER_PATH", "LOTUS_STORAGE_PATH"} {
					t.Setenv(v, "")
				}
				t.Setenv("HOME", t.TempDir())
				scenario := lotustest.Small()
				fake := lotustest.Start(scenario)
				defer fake.Close()
				// A hostile lotus-miner echoes the tokens back, into labels of the file.
				echoes := []string{fake.DaemonToken, fake.MinerToken}
				for id, w := range scenario.Workers {
					if len(echoes) > 0 {
						w.Info.Hostname, echoes = echoes[0], echoes[1:]
						scenario.Workers[id] = w
					}
				}
				args := form.setup(t, fake)
				if sc.fault != nil {
					sc.fault(fake)
				}
				dir := t.TempDir()
				out := filepath.Join(dir, "lotus.prom")
				if err := os.WriteFile(textfile.StatePath(out), keptState(t), 0o644); err != nil {
					t.Fatal(err)
				}
				args = append(args, "--output", out, "--log.level", "debug", "--timeout", "20s")
				var stdout, stderr bytes.Buffer
				code := run(append(args, sc.args...), &stdout, &stderr)
				want := sc.wantCode
				if form.badForm {
					want = exitUsage
				}
				if code != want {
					t.Errorf("exit %d, want %d; stderr:\n%s", code, want, stderr.String())
				}
				shown := map[string]string{"stdout": stdout.String(), "stderr": stderr.String()}
				entries, _ := os.ReadDir(dir)
				for _, e := range entries {
					shown[e.Name()] = readFile(t, filepath.Join(dir, e.Name()))
				}
				if noted := strings.Contains(stdout.String(), "is visible to every local user (ps)"); sc.name == "check" && noted != form.inFlags {
					t.Errorf("--check notes a token on the command line: %v, want %v:\n%s", noted, form.inFlags, stdout.String())
				}
				if sc.name == "run" && !form.badForm && strings.Count(shown["lotus.prom"], `worker="<token>"`) < 2 {
					t.Errorf("the file lacks the echoed tokens, hidden:\n%s", shown["lotus.prom"])
				}
				for where, text := range shown {
					for _, tok := range []string{fake.DaemonToken, fake.MinerToken} {
						if strings.Contains(text, tok) {
							t.Errorf("%s shows a token:\n%s", where, text)
						}
					}
				}
			})
		}
	}
}
