// Finding Curio's database on fake /proc trees: flag, environment, a believed curio process, defaults.
package curio

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lotus-farcaster/lotus-farcaster/proc"
	"github.com/lotus-farcaster/lotus-farcaster/proc/proctest"
)

// We run as uid 1001; ordinary users start at 1000.
var trust = proc.Trust{UID: 1001, UIDMin: 1000}

func env(procDir string, vars ...string) Env {
	m := map[string]string{}
	for _, kv := range vars {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = v
	}
	return Env{Getenv: func(k string) string { return m[k] }, ProcDir: procDir, Trust: trust}
}

func TestDiscover(t *testing.T) {
	procDir := t.TempDir()
	// Anyone can start a program named curio: an ordinary other user's is never believed.
	proctest.Write(t, procDir, proctest.Process{PID: "10", Argv: []string{"curio", "--db-host=evil.example", "run"}, UID: 1500, EUID: 1500})
	// Root's: flags beat its environment, which gives the rest.
	proctest.Write(t, procDir, proctest.Process{PID: "20", Argv: []string{"/usr/local/bin/curio", "--db-host", "yb1", "-db-port=5434", "run", "--layers=seal"},
		Env: []string{"CURIO_DB_HOST=ignored", "CURIO_DB_PASSWORD=from-its-env"}})

	for _, tc := range []struct {
		name, flag string
		env        Env
		url        string
		source     string
	}{
		{"the flag first", "postgres://reader:pw@db.example:5433/curio?sslmode=require", env(procDir, "CURIO_DB_HOST=x"),
			"postgres://reader:pw@db.example:5433/curio?sslmode=require", "--curio-db flag"},
		{"then Curio's variables, defaults for the rest", "", env(procDir, "CURIO_HARMONYDB_HOSTS=db1, db2", "CURIO_DB_PASSWORD=s3cret-pw"),
			"postgres://yugabyte:s3cret-pw@db1:5433,db2:5433/yugabyte", "environment (CURIO_HARMONYDB_HOSTS, CURIO_DB_PASSWORD)"},
		{"CURIO_DB_HOST before its alias", "", env(procDir, "CURIO_DB_HOST=a", "CURIO_HARMONYDB_HOSTS=b", "CURIO_DB_NAME=curio", "CURIO_DB_USER=u", "CURIO_DB_PORT=6000"),
			"postgres://u:yugabyte@a:6000/curio", "environment (CURIO_DB_HOST, CURIO_DB_PORT, CURIO_DB_NAME, CURIO_DB_USER)"},
		{"then a believed curio process", "", env(procDir),
			"postgres://yugabyte:from-its-env@yb1:5434/yugabyte", "curio process 20 (--db-host, --db-port, CURIO_DB_PASSWORD)"},
	} {
		s, err := Discover(tc.flag, tc.env)
		if err != nil || s.URL != tc.url || s.Source != tc.source {
			t.Errorf("%s: %+v, %v; want %s from %s", tc.name, s, err, tc.url, tc.source)
		}
	}
}

func TestDiscoverDefaults(t *testing.T) {
	procDir := t.TempDir()
	// Our own curio, with no setting at all: Curio's defaults. Its environment unreadable
	// (another user's, when we are not root) is said.
	proctest.Write(t, procDir, proctest.Process{PID: "30", Argv: []string{"curio", "run"}, UID: 1001, EUID: 1001})
	if err := os.Remove(filepath.Join(procDir, "30", "environ")); err != nil {
		t.Fatal(err)
	}
	s, err := Discover("", env(procDir))
	want := "Curio's defaults, as curio process 30 sets none; its environment could not be read: run as its user or root"
	if err != nil || s.URL != "postgres://yugabyte:yugabyte@127.0.0.1:5433/yugabyte" || s.Source != want {
		t.Errorf("%+v, %v; want Curio's defaults", s, err)
	}
	// Curio's published default password is no secret, and equals the user's and the
	// database's names: it is not hidden.
	if s.Secret() != "" || s.Redacted() != "postgres://yugabyte:xxxxx@127.0.0.1:5433/yugabyte" {
		t.Errorf("secret %q, redacted %q", s.Secret(), s.Redacted())
	}
}

func TestDiscoverNothing(t *testing.T) {
	procDir := t.TempDir()
	proctest.Write(t, procDir, proctest.Process{PID: "10", Argv: []string{"curio", "--db-password=theirs"}, UID: 1500, EUID: 1500})
	_, err := Discover("", env(procDir))
	want := "Curio's database not found: no --curio-db flag, CURIO_DB_HOST and the other CURIO_DB_* variables unset, curio process 10 ignored: an ordinary user's (uid 1500), no curio process running; pass --curio-db or set CURIO_DB_HOST"
	if !errors.Is(err, ErrNotFound) || err.Error() != want {
		t.Errorf("%v\nwant %s", err, want)
	}
}

// A malformed --curio-db is an error that does not repeat the address and its password.
func TestDiscoverBadFlag(t *testing.T) {
	for _, flag := range []string{"http://u:hunter2-pw@db:5433/x", "postgres://u:hunter2-pw@/x", "u:hunter2-pw@db %zz"} {
		_, err := Discover(flag, env(t.TempDir()))
		if err == nil || errors.Is(err, ErrNotFound) || strings.Contains(err.Error(), "hunter2") {
			t.Errorf("%s: %v, want an error without the password", flag, err)
		}
	}
	s, _ := Discover("postgres://u:hunter2-pw@db:5433/x", env(t.TempDir()))
	if s.Secret() != "hunter2-pw" || strings.Contains(s.Redacted(), "hunter2") {
		t.Errorf("secret %q, redacted %q", s.Secret(), s.Redacted())
	}
}
