// Finding the Lotus daemon and lotus-miner APIs without a config file: flags, environment, repo folders, running processes.
package lotusapi

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"strings"

	"github.com/lotus-farcaster/lotus-farcaster/proc"
)

// Env is what discovery reads from the system; production uses OSEnv(), tests fill it by hand.
type Env struct {
	Getenv  func(string) string
	Home    string // the user's home folder
	ProcDir string // "/proc"
	UID     int    // only processes of this user are read
}

// OSEnv returns the Env of the running program.
func OSEnv() Env {
	home, err := os.UserHomeDir()
	if err != nil {
		// $HOME may be unset under systemd; the passwd entry still knows it.
		if u, err := user.Current(); err == nil {
			home = u.HomeDir
		}
	}
	return Env{Getenv: os.Getenv, Home: home, ProcDir: "/proc", UID: os.Getuid()}
}

// apiSpec says where one Lotus API is configured and how to talk about it in errors.
type apiSpec struct {
	name        string   // "daemon API"
	flag        string   // "--daemon-api"
	envVar      string   // "FULLNODE_API_INFO"
	repoVars    []string // variables naming the repo folder; the first one set wins
	repoDefault string   // repo folder under the home folder
	rpcPath     string
	program     string // what the user should start
}

var (
	daemonSpec = apiSpec{
		name:        "daemon API",
		flag:        "--daemon-api",
		envVar:      "FULLNODE_API_INFO",
		repoVars:    []string{"LOTUS_PATH"},
		repoDefault: ".lotus",
		rpcPath:     "/rpc/v1",
		program:     "the daemon",
	}
	minerSpec = apiSpec{
		name:        "miner API",
		flag:        "--miner-api",
		envVar:      "MINER_API_INFO",
		repoVars:    []string{"LOTUS_MINER_PATH", "LOTUS_STORAGE_PATH"}, // LOTUS_STORAGE_PATH is the legacy name
		repoDefault: ".lotusminer",
		rpcPath:     "/rpc/v0",
		program:     "lotus-miner",
	}
)

// apiNotFoundError lists every place searched, so the user sees what to fix.
type apiNotFoundError struct {
	spec  apiSpec
	tried []string
}

// IsNotFound reports whether discovery found no trace of the API at all, as on a Curio host
// without lotus-miner, rather than a trace it could not use.
func IsNotFound(err error) bool {
	var nf *apiNotFoundError
	return errors.As(err, &nf)
}

func (e *apiNotFoundError) Error() string {
	return fmt.Sprintf("%s not found: %s; start %s or set %s",
		e.spec.name, strings.Join(e.tried, ", "), e.spec.program, e.spec.envVar)
}

// DiscoverDaemon finds the full node API, in this order: flag (non-empty
// flagValue); env FULLNODE_API_INFO; the repo folder $LOTUS_PATH (default
// ~/.lotus) with its api and token files; and, only when none of those
// exists, FULLNODE_API_INFO of a running lotus-miner or curio process owned
// by env.UID. A source that is present but broken is an error.
func DiscoverDaemon(flagValue string, env Env) (Endpoint, error) {
	ep, err := discover(daemonSpec, flagValue, env)
	var nf *apiNotFoundError
	if !errors.As(err, &nf) {
		return ep, err
	}
	// A miner with a remote daemon usually has its address only in its environment.
	ep, found, err := fromMinerProcess(env)
	if found || err != nil {
		return ep, err
	}
	nf.tried = append(nf.tried, "no lotus-miner or curio process with FULLNODE_API_INFO")
	return Endpoint{}, nf
}

// DiscoverMiner finds the lotus-miner API: flag (non-empty flagValue); env
// MINER_API_INFO; the repo folder $LOTUS_MINER_PATH, else the legacy
// $LOTUS_STORAGE_PATH, default ~/.lotusminer. A source that is present but
// broken is an error.
func DiscoverMiner(flagValue string, env Env) (Endpoint, error) {
	return discover(minerSpec, flagValue, env)
}

// discover tries flag, environment and repo in turn; it returns an
// *apiNotFoundError when none of them is there.
func discover(spec apiSpec, flagValue string, env Env) (Endpoint, error) {
	if flagValue != "" {
		return ParseAPIInfo(flagValue, spec.rpcPath, spec.flag+" flag")
	}
	if v := env.Getenv(spec.envVar); v != "" {
		return ParseAPIInfo(v, spec.rpcPath, spec.envVar)
	}
	dir := repoDir(spec, env)
	ep, found, err := fromRepo(spec, dir)
	if found || err != nil {
		return ep, err
	}
	return Endpoint{}, &apiNotFoundError{spec: spec, tried: []string{
		"no " + spec.flag + " flag",
		spec.envVar + " unset",
		"no " + filepath.Join(dir, "api"),
	}}
}

// repoDir picks the repo folder as Lotus does: the first variable set, else
// the default under the home folder. Lotus expands a leading "~/", so we do too.
func repoDir(spec apiSpec, env Env) string {
	for _, v := range spec.repoVars {
		if p := env.Getenv(v); p != "" {
			if rest, ok := strings.CutPrefix(p, "~/"); ok {
				return filepath.Join(env.Home, rest)
			}
			return p
		}
	}
	return filepath.Join(env.Home, spec.repoDefault)
}

// fromRepo reads the api and token files Lotus writes into its repo folder.
// A missing folder or api file means "not here"; any other failure is an
// error, so a misconfiguration is not hidden by falling through.
func fromRepo(spec apiSpec, dir string) (ep Endpoint, found bool, err error) {
	src := "repo " + dir
	ma, err := os.ReadFile(filepath.Join(dir, "api"))
	if errors.Is(err, fs.ErrNotExist) {
		return Endpoint{}, false, nil
	}
	if err != nil {
		return Endpoint{}, true, fmt.Errorf("%s: reading api: %v; run as the lotus user or set %s", src, withoutPath(err), spec.envVar)
	}
	tok, err := os.ReadFile(filepath.Join(dir, "token"))
	if err != nil {
		return Endpoint{}, true, fmt.Errorf("%s: reading token: %v; run as the lotus user or set %s", src, withoutPath(err), spec.envVar)
	}
	// The file is never quoted: a hand-edited one may hold TOKEN:MULTIADDR.
	base, err := MultiaddrURL(strings.TrimSpace(string(ma)))
	if err != nil {
		return Endpoint{}, true, fmt.Errorf("%s: the api file holds no usable multiaddr: %v; restart %s or set %s", src, err, spec.program, spec.envVar)
	}
	return Endpoint{URL: base + spec.rpcPath, Token: strings.TrimSpace(string(tok)), Source: src}, true, nil
}

// withoutPath drops the file name from an os error; our message already names it.
func withoutPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// fromMinerProcess looks for FULLNODE_API_INFO in the environment of a
// running lotus-miner or curio (which has no lotus-miner API but reads the chain through a
// daemon the same way) that runs as env.UID alone. Only our own user's, not the wider trust
// of proc.Trust: the variable holds a token, and a run as root must not take up the
// credentials of a service it was not given, nor find other APIs than a run as that user
// would (without root we could not read another user's environment anyway).
func fromMinerProcess(env Env) (ep Endpoint, found bool, err error) {
	for _, p := range proc.Find(env.ProcDir, "lotus-miner", "curio") {
		if !p.RunsAs(env.UID) {
			continue
		}
		if v := p.Env()["FULLNODE_API_INFO"]; v != "" {
			ep, err = ParseAPIInfo(v, daemonSpec.rpcPath, fmt.Sprintf("FULLNODE_API_INFO of %s process %d", p.Name, p.PID))
			return ep, true, err
		}
	}
	return Endpoint{}, false, nil
}
