// Finding Curio's database with zero flags: --curio-db, Curio's own variables, a running curio's settings, Curio's defaults.
package curio

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/lotus-farcaster/lotus-farcaster/proc"
)

// Settings say how to reach Curio's database, and where that was found.
type Settings struct {
	URL    string // postgres://user:password@host:port[,host:port...]/database
	Source string // where the settings came from, for --check and --host-info
}

// Redacted is the URL without its password, for printing.
func (s Settings) Redacted() string {
	u, err := url.Parse(s.URL)
	if err != nil {
		return "(an address that is no URL)"
	}
	return u.Redacted()
}

// Secret is the password to hide from all output like a token. Curio's default password is
// published and equals its default user and database names: hiding it would blank those
// names in every message and hide nothing.
func (s Settings) Secret() string {
	u, err := url.Parse(s.URL)
	if err != nil {
		return s.URL // unparsable: the whole address may hold the password
	}
	if p, ok := u.User.Password(); ok && p != defaultPassword {
		return p
	}
	return ""
}

// Env is what Discover reads from the system; tests give a fake one.
type Env struct {
	Getenv  func(string) string
	ProcDir string     // "/proc" on a live host
	Trust   proc.Trust // whose curio processes to believe
}

// ErrNotFound means no Curio was found: no flag, no variable, no curio process.
var ErrNotFound = errors.New("Curio's database not found")

// Curio's connection settings and their defaults (cmd/curio/main.go): each flag of curio also
// reads the variables listed with it, the first one set winning, and the flag beats them.
const (
	defaultHost     = "127.0.0.1"
	defaultPort     = "5433"
	defaultName     = "yugabyte"
	defaultUser     = "yugabyte"
	defaultPassword = "yugabyte"
)

type setting struct {
	flag, def string
	vars      []string
}

var (
	hostSetting     = setting{"db-host", defaultHost, []string{"CURIO_DB_HOST", "CURIO_HARMONYDB_HOSTS"}}
	portSetting     = setting{"db-port", defaultPort, []string{"CURIO_DB_PORT"}}
	nameSetting     = setting{"db-name", defaultName, []string{"CURIO_DB_NAME"}}
	userSetting     = setting{"db-user", defaultUser, []string{"CURIO_DB_USER"}}
	passwordSetting = setting{"db-password", defaultPassword, []string{"CURIO_DB_PASSWORD"}}
	allSettings     = []setting{hostSetting, portSetting, nameSetting, userSetting, passwordSetting}
)

// Discover finds Curio's database: the --curio-db URL (flagURL), else Curio's variables in
// our environment, else the flags and variables of a running curio process that env.Trust
// believes (its values, then Curio's defaults for the rest). A curio process of an ordinary
// other user is never believed: anyone can start a program named curio. ErrNotFound means
// none of these is there.
func Discover(flagURL string, env Env) (Settings, error) {
	if flagURL != "" {
		u, err := url.Parse(flagURL)
		if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") || u.Host == "" {
			// url's error quotes the address, password included: say what is wrong without it.
			return Settings{}, errors.New("--curio-db flag: want postgres://user:password@host:port/database")
		}
		return Settings{URL: flagURL, Source: "--curio-db flag"}, nil
	}
	if s, found := fromValues(func(st setting) (string, string) { return lookupVars(env.Getenv, st.vars) }); found != nil {
		return Settings{URL: s, Source: "environment (" + strings.Join(found, ", ") + ")"}, nil
	}
	tried := []string{"no --curio-db flag", "CURIO_DB_HOST and the other CURIO_DB_* variables unset"}
	for _, p := range proc.Find(env.ProcDir, "curio") {
		if !env.Trust.TrustsProcess(p) {
			tried = append(tried, fmt.Sprintf("curio process %d ignored: an ordinary user's (uid %d)", p.PID, p.UID))
			continue
		}
		penv := p.Env()
		s, found := fromValues(func(st setting) (string, string) {
			if v, ok := flagValue(p.Args, st.flag); ok {
				return v, "--" + st.flag
			}
			return lookupVars(func(k string) string { return penv[k] }, st.vars)
		})
		source := fmt.Sprintf("curio process %d (%s)", p.PID, strings.Join(found, ", "))
		if found == nil {
			source = fmt.Sprintf("Curio's defaults, as curio process %d sets none", p.PID)
		}
		if penv == nil {
			source += "; its environment could not be read: run as its user or root"
		}
		return Settings{URL: s, Source: source}, nil
	}
	return Settings{}, fmt.Errorf("%w: %s; pass --curio-db or set CURIO_DB_HOST", ErrNotFound, strings.Join(append(tried, "no curio process running"), ", "))
}

// fromValues builds the URL from lookup's value of each setting, Curio's default where it
// has none, and names where each value found came from; found is nil when none was.
func fromValues(lookup func(setting) (value, from string)) (u string, found []string) {
	vals := make(map[string]string, len(allSettings))
	for _, st := range allSettings {
		v, from := lookup(st)
		if from == "" {
			v = st.def
		} else {
			found = append(found, from)
		}
		vals[st.flag] = v
	}
	var hosts []string
	for h := range strings.SplitSeq(vals[hostSetting.flag], ",") {
		if h = strings.TrimSpace(h); h != "" {
			hosts = append(hosts, net.JoinHostPort(h, vals[portSetting.flag]))
		}
	}
	if hosts == nil {
		hosts = []string{net.JoinHostPort(defaultHost, vals[portSetting.flag])}
	}
	return (&url.URL{
		Scheme: "postgres",
		User:   url.UserPassword(vals[userSetting.flag], vals[passwordSetting.flag]),
		Host:   strings.Join(hosts, ","),
		Path:   "/" + vals[nameSetting.flag],
	}).String(), found
}

// lookupVars returns the first of vars set, and its name.
func lookupVars(getenv func(string) string, vars []string) (value, name string) {
	for _, v := range vars {
		if s := getenv(v); s != "" {
			return s, v
		}
	}
	return "", ""
}

// flagValue finds a flag in a command line the way curio's parser (urfave/cli) reads it:
// -name or --name, followed by its value or by =value.
func flagValue(args []string, name string) (string, bool) {
	for i, a := range args {
		for _, f := range []string{"--" + name, "-" + name} {
			if a == f && i+1 < len(args) {
				return args[i+1], true
			}
			if v, ok := strings.CutPrefix(a, f+"="); ok {
				return v, true
			}
		}
	}
	return "", false
}
