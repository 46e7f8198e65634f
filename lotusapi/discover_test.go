// Tests for discovering the daemon and miner APIs from flags, environment, repos and a fake /proc.
package lotusapi

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lotus-farcaster/lotus-farcaster/proc/proctest"
)

const (
	flagInfo  = testToken + ":/ip4/10.0.0.1/tcp/1111/http"
	envInfo   = testToken + ":/ip4/10.0.0.2/tcp/2222/http"
	repoAddr  = "/ip4/0.0.0.0/tcp/3333/http"
	procInfo  = testToken + ":/dns/daemon.example.com/tcp/4444/http"
	fileToken = "aaa.bbb.ccc"
)

// writeFile creates path and its parent folders.
func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// writeRepo creates a Lotus repo folder with api and token files, as Lotus writes them.
func writeRepo(t *testing.T, dir string) {
	t.Helper()
	writeFile(t, filepath.Join(dir, "api"), repoAddr+"\n")
	writeFile(t, filepath.Join(dir, "token"), fileToken+"\n")
}

// writeProc creates a fake /proc/PID entry of the current user.
func writeProc(t *testing.T, procDir, pid string, argv []string, environ ...string) {
	t.Helper()
	proctest.Write(t, procDir, proctest.Process{PID: pid, Argv: argv, Env: environ, UID: os.Getuid(), EUID: os.Getuid()})
}

// discoverCase is one discovery scenario; "HOME" in vars, wantSrc and wantErr stands for env.Home.
type discoverCase struct {
	name    string
	flag    string
	vars    map[string]string
	setup   func(t *testing.T, env *Env)
	wantURL string
	wantTok string
	wantSrc string
	wantErr string // substring of the error; "" means success
}

func TestDiscoverDaemon(t *testing.T) {
	runDiscoverCases(t, DiscoverDaemon, []discoverCase{
		{
			name:    "flag",
			flag:    flagInfo,
			vars:    map[string]string{"FULLNODE_API_INFO": envInfo},
			setup:   func(t *testing.T, env *Env) { writeRepo(t, filepath.Join(env.Home, ".lotus")) },
			wantURL: "http://10.0.0.1:1111/rpc/v1", wantTok: testToken, wantSrc: "--daemon-api flag",
		},
		{
			name:    "env beats repo",
			vars:    map[string]string{"FULLNODE_API_INFO": envInfo},
			setup:   func(t *testing.T, env *Env) { writeRepo(t, filepath.Join(env.Home, ".lotus")) },
			wantURL: "http://10.0.0.2:2222/rpc/v1", wantTok: testToken, wantSrc: "FULLNODE_API_INFO",
		},
		{
			name:    "default repo",
			setup:   func(t *testing.T, env *Env) { writeRepo(t, filepath.Join(env.Home, ".lotus")) },
			wantURL: "http://127.0.0.1:3333/rpc/v1", wantTok: fileToken, wantSrc: "repo HOME/.lotus",
		},
		{
			name: "LOTUS_PATH beats default",
			vars: map[string]string{"LOTUS_PATH": "~/data/lotus"},
			setup: func(t *testing.T, env *Env) {
				writeRepo(t, filepath.Join(env.Home, "data", "lotus"))
				writeFile(t, filepath.Join(env.Home, ".lotus", "api"), "/ip4/10.9.9.9/tcp/9/http")
			},
			wantURL: "http://127.0.0.1:3333/rpc/v1", wantTok: fileToken, wantSrc: "repo HOME/data/lotus",
		},
		{
			name: "repo beats process",
			setup: func(t *testing.T, env *Env) {
				writeRepo(t, filepath.Join(env.Home, ".lotus"))
				writeProc(t, env.ProcDir, "42", []string{"lotus-miner", "run"}, "FULLNODE_API_INFO="+procInfo)
			},
			wantURL: "http://127.0.0.1:3333/rpc/v1", wantTok: fileToken, wantSrc: "repo HOME/.lotus",
		},
		{
			name: "lotus-miner process",
			setup: func(t *testing.T, env *Env) {
				writeFile(t, filepath.Join(env.Home, ".lotus", "config.toml"), "") // repo without api: not running here
				writeFile(t, filepath.Join(env.ProcDir, "self", "environ"), "FULLNODE_API_INFO=/ip4/10.9.9.9/tcp/9")
				writeProc(t, env.ProcDir, "7", []string{"/usr/local/bin/lotus", "daemon"}, "FULLNODE_API_INFO=/ip4/10.9.9.9/tcp/9")
				writeProc(t, env.ProcDir, "4242", []string{"/usr/local/bin/lotus-miner", "run"}, "HOME=/home/lotus", "FULLNODE_API_INFO="+procInfo)
			},
			wantURL: "http://daemon.example.com:4444/rpc/v1", wantTok: testToken, wantSrc: "FULLNODE_API_INFO of lotus-miner process 4242",
		},
		{
			// Curio has no lotus-miner API, but finds its daemon the same way.
			name: "curio process",
			setup: func(t *testing.T, env *Env) {
				writeProc(t, env.ProcDir, "5151", []string{"/usr/local/bin/curio", "run", "--layers", "gui"}, "FULLNODE_API_INFO="+procInfo)
			},
			wantURL: "http://daemon.example.com:4444/rpc/v1", wantTok: testToken, wantSrc: "FULLNODE_API_INFO of curio process 5151",
		},
		{
			name: "other user's process is skipped",
			setup: func(t *testing.T, env *Env) {
				writeProc(t, env.ProcDir, "4242", []string{"lotus-miner", "run"}, "FULLNODE_API_INFO="+procInfo)
				env.UID = os.Getuid() + 1
			},
			wantErr: "daemon API not found",
		},
		{
			// A root or system user's lotus-miner is believed elsewhere, but its token is not ours to take.
			name: "root's process is skipped",
			setup: func(t *testing.T, env *Env) {
				proctest.Write(t, env.ProcDir, proctest.Process{PID: "4242", Argv: []string{"lotus-miner", "run"}, Env: []string{"FULLNODE_API_INFO=" + procInfo}})
				env.UID = 1001
			},
			wantErr: "daemon API not found",
		},
		{
			name: "set-user-ID process is skipped",
			setup: func(t *testing.T, env *Env) {
				proctest.Write(t, env.ProcDir, proctest.Process{PID: "4242", Argv: []string{"curio", "run"}, Env: []string{"FULLNODE_API_INFO=" + procInfo}, UID: 1001, EUID: 0})
				env.UID = 1001
			},
			wantErr: "daemon API not found",
		},
		{
			name: "lotus-miner without FULLNODE_API_INFO",
			setup: func(t *testing.T, env *Env) {
				writeProc(t, env.ProcDir, "4242", []string{"lotus-miner", "run"}, "LOTUS_MINER_PATH=/data/miner")
			},
			wantErr: "daemon API not found",
		},
		{
			name: "broken process value",
			setup: func(t *testing.T, env *Env) {
				writeProc(t, env.ProcDir, "9", []string{"lotus-miner"}, "FULLNODE_API_INFO=/ip4/1.2.3/tcp/1")
			},
			wantErr: `FULLNODE_API_INFO of lotus-miner process 9: malformed multiaddr`,
		},
		{
			name:    "broken flag does not fall through",
			flag:    testToken + ":/ip4/127.0.0.1/tcp/0",
			vars:    map[string]string{"FULLNODE_API_INFO": envInfo},
			wantErr: `--daemon-api flag: malformed multiaddr: bad port`,
		},
		{
			name:    "broken env does not fall through",
			vars:    map[string]string{"FULLNODE_API_INFO": testToken + ":/ip4/1.2.3/tcp/1234"},
			setup:   func(t *testing.T, env *Env) { writeRepo(t, filepath.Join(env.Home, ".lotus")) },
			wantErr: `FULLNODE_API_INFO: malformed multiaddr: bad IPv4 address; expected TOKEN:/ip4/HOST/tcp/PORT/http`,
		},
		{
			name: "missing token file",
			setup: func(t *testing.T, env *Env) {
				writeFile(t, filepath.Join(env.Home, ".lotus", "api"), repoAddr)
				writeProc(t, env.ProcDir, "4242", []string{"lotus-miner"}, "FULLNODE_API_INFO="+procInfo)
			},
			wantErr: "repo HOME/.lotus: reading token: no such file or directory; run as the lotus user or set FULLNODE_API_INFO",
		},
		{
			name: "malformed api file",
			setup: func(t *testing.T, env *Env) {
				writeFile(t, filepath.Join(env.Home, ".lotus", "api"), "/ip4/127.0.0.1/tcp/99999")
				writeFile(t, filepath.Join(env.Home, ".lotus", "token"), fileToken)
			},
			wantErr: `repo HOME/.lotus: the api file holds no usable multiaddr: bad port (want 1-65535); restart the daemon or set FULLNODE_API_INFO`,
		},
		{
			name:    "nothing found",
			wantErr: "daemon API not found: no --daemon-api flag, FULLNODE_API_INFO unset, no HOME/.lotus/api, no lotus-miner or curio process with FULLNODE_API_INFO; start the daemon or set FULLNODE_API_INFO",
		},
	})
}

func TestDiscoverMiner(t *testing.T) {
	runDiscoverCases(t, DiscoverMiner, []discoverCase{
		{
			name:    "flag",
			flag:    flagInfo,
			vars:    map[string]string{"MINER_API_INFO": envInfo},
			wantURL: "http://10.0.0.1:1111/rpc/v0", wantTok: testToken, wantSrc: "--miner-api flag",
		},
		{
			name:    "env beats repo",
			vars:    map[string]string{"MINER_API_INFO": envInfo},
			setup:   func(t *testing.T, env *Env) { writeRepo(t, filepath.Join(env.Home, ".lotusminer")) },
			wantURL: "http://10.0.0.2:2222/rpc/v0", wantTok: testToken, wantSrc: "MINER_API_INFO",
		},
		{
			name:    "default repo",
			setup:   func(t *testing.T, env *Env) { writeRepo(t, filepath.Join(env.Home, ".lotusminer")) },
			wantURL: "http://127.0.0.1:3333/rpc/v0", wantTok: fileToken, wantSrc: "repo HOME/.lotusminer",
		},
		{
			name: "LOTUS_MINER_PATH beats LOTUS_STORAGE_PATH",
			vars: map[string]string{"LOTUS_MINER_PATH": "~/miner", "LOTUS_STORAGE_PATH": "~/storage"},
			setup: func(t *testing.T, env *Env) {
				writeRepo(t, filepath.Join(env.Home, "miner"))
				writeRepo(t, filepath.Join(env.Home, "storage"))
			},
			wantURL: "http://127.0.0.1:3333/rpc/v0", wantTok: fileToken, wantSrc: "repo HOME/miner",
		},
		{
			name: "LOTUS_STORAGE_PATH beats default",
			vars: map[string]string{"LOTUS_STORAGE_PATH": "HOME/storage"},
			setup: func(t *testing.T, env *Env) {
				writeRepo(t, filepath.Join(env.Home, "storage"))
				writeFile(t, filepath.Join(env.Home, ".lotusminer", "api"), "/ip4/10.9.9.9/tcp/9/http")
			},
			wantURL: "http://127.0.0.1:3333/rpc/v0", wantTok: fileToken, wantSrc: "repo HOME/storage",
		},
		{
			name:    "broken env does not fall through",
			vars:    map[string]string{"MINER_API_INFO": "nonsense"},
			setup:   func(t *testing.T, env *Env) { writeRepo(t, filepath.Join(env.Home, ".lotusminer")) },
			wantErr: "MINER_API_INFO: value is neither",
		},
		{
			name:    "missing token file",
			setup:   func(t *testing.T, env *Env) { writeFile(t, filepath.Join(env.Home, ".lotusminer", "api"), repoAddr) },
			wantErr: "repo HOME/.lotusminer: reading token: no such file or directory; run as the lotus user or set MINER_API_INFO",
		},
		{
			name:    "nothing found",
			wantErr: "miner API not found: no --miner-api flag, MINER_API_INFO unset, no HOME/.lotusminer/api; start lotus-miner or set MINER_API_INFO",
		},
	})
}

// TestDiscoverUnreadableRepo checks that a repo we may not read is an error, not "absent".
// An api file that exists but cannot be read is an error, not "not here". A folder in its
// place stands for any read error: unlike a permission, even root cannot read it.
func TestDiscoverUnreadableRepo(t *testing.T) {
	env := Env{Getenv: func(string) string { return "" }, Home: t.TempDir(), UID: os.Getuid()}
	dir := filepath.Join(env.Home, ".lotus")
	if err := os.MkdirAll(filepath.Join(dir, "api"), 0o755); err != nil {
		t.Fatal(err)
	}
	_, err := DiscoverDaemon("", env)
	want := "repo " + dir + ": reading api: is a directory; run as the lotus user or set FULLNODE_API_INFO"
	if err == nil || err.Error() != want {
		t.Errorf("got error %v, want %q", err, want)
	}
}

func runDiscoverCases(t *testing.T, discover func(string, Env) (Endpoint, error), tests []discoverCase) {
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			home := t.TempDir()
			env := Env{
				Getenv:  func(k string) string { return strings.ReplaceAll(tt.vars[k], "HOME", home) },
				Home:    home,
				ProcDir: t.TempDir(),
				UID:     os.Getuid(),
			}
			if tt.setup != nil {
				tt.setup(t, &env)
			}
			ep, err := discover(tt.flag, env)
			if tt.wantErr != "" {
				wantErr := strings.ReplaceAll(tt.wantErr, "HOME", home)
				if err == nil || !strings.Contains(err.Error(), wantErr) {
					t.Fatalf("got %v, %v; want error containing %q", ep, err, wantErr)
				}
				if strings.Contains(err.Error(), testToken) || strings.Contains(err.Error(), fileToken) {
					t.Errorf("error leaks a token: %q", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := Endpoint{URL: tt.wantURL, Token: tt.wantTok, Source: strings.ReplaceAll(tt.wantSrc, "HOME", home)}
			if ep != want {
				t.Errorf("got %+v, want %+v", ep, want)
			}
		})
	}
}

// FuzzRepoFilesNeverLeakToken: whatever a repo's api file holds (a hand-edited one may hold
// TOKEN:MULTIADDR, or the token alone), the discovery error never shows the token.
func FuzzRepoFilesNeverLeakToken(f *testing.F) {
	for _, api := range []string{repoAddr, fileToken + ":" + repoAddr, fileToken, "/ip4/" + fileToken + "/tcp/1", "/dns/x/tcp/" + fileToken, "http://" + fileToken + "@h:1"} {
		f.Add(api, fileToken)
	}
	f.Fuzz(func(t *testing.T, api, token string) {
		token = strings.TrimSpace(token)
		if len(token) < 8 || strings.ContainsAny(token, "\x00/") {
			return
		}
		dir := t.TempDir()
		writeFile(t, filepath.Join(dir, ".lotus", "api"), api)
		writeFile(t, filepath.Join(dir, ".lotus", "token"), token)
		env := Env{Getenv: func(string) string { return "" }, Home: dir, ProcDir: filepath.Join(dir, "proc")}
		ep, err := DiscoverDaemon("", env)
		if err != nil && strings.Contains(err.Error(), token) {
			t.Errorf("error %q shows the token", err)
		}
		if err == nil && (strings.Contains(ep.String(), token) || strings.Contains(ep.URL, token)) {
			t.Errorf("endpoint %v shows the token", ep)
		}
	})
}
