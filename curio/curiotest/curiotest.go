// Package curiotest runs a throw-away PostgreSQL server with Curio's schema, for the tests of code that reads Curio's database.
//
// The schema is Curio's own: testdata/migrations holds Curio's migration files
// (harmony/harmonydb/sql of github.com/filecoin-project/curio at commit e0294b0f, under
// Curio's license, LICENSE-MIT there), applied in file-name order in schema curio the way
// Curio applies them (harmony/harmonydb/harmonydb.go, upgrade: each file one multi-statement
// execution with search_path=curio). PostgreSQL 15 takes every one of them unchanged, though
// they are written for YugabyteDB.
package curiotest

import (
	"cmp"
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// The role the exporter reads as: SELECT on every table of schema curio but the
// configuration's two, which hold secrets.
const (
	ReaderUser     = "farcaster"
	ReaderPassword = "reader-8d1fe07c" // long enough to be hidden from output like a token
)

// TimeZone is the server's: not UTC, so a reading that leans on the session's zone shows.
// Curio's databases run in UTC.
const TimeZone = "Asia/Kolkata"

// server is the PostgreSQL server of one test binary.
type server struct {
	dir      string // data folder, log and password file, removed at the end
	port     int
	admin    string     // the superuser's password
	cmd      *exec.Cmd  // postgres, nil once it exited
	exited   chan error // what postgres's Wait returned
	template string     // the database every DB is copied from
}

var (
	startOnce sync.Once
	srv       *server
	srvErr    error
	created   atomic.Int64
	createMu  sync.Mutex // CREATE DATABASE ... TEMPLATE wants the template to itself
)

// Main runs a package's tests and then stops the server, if one was started: a package whose
// tests call New calls it from TestMain.
func Main(m *testing.M) {
	code := m.Run()
	if srv != nil {
		srv.stop()
	}
	os.Exit(code)
}

// ErrNoPostgres means PostgreSQL is not installed.
var ErrNoPostgres = errors.New("PostgreSQL's initdb and postgres not found on PATH nor in /usr/lib/postgresql/*/bin (Debian package postgresql)")

// Available starts the package's server, once, and says why it cannot: ErrNoPostgres when
// PostgreSQL is not installed.
func Available() error {
	startOnce.Do(func() { srv, srvErr = start() })
	return srvErr
}

// DB is a database of its own for one test: Curio's schema and no rows, dropped at the end.
type DB struct {
	Name  string
	Admin *pgx.Conn // the superuser's connection to it: for the rows of a scenario, and faults
}

// New returns a fresh database with Curio's schema. Without PostgreSQL the test is skipped,
// or fails when CI is set.
func New(tb testing.TB) *DB {
	tb.Helper()
	switch err := Available(); {
	case errors.Is(err, ErrNoPostgres) && os.Getenv("CI") == "":
		tb.Skip(err.Error() + "; skipping")
	case err != nil:
		tb.Fatal(err)
	}
	name := fmt.Sprintf("test%d", created.Add(1))
	ctx := context.Background()
	createMu.Lock()
	err := srv.exec(ctx, "postgres", "CREATE DATABASE "+name+" TEMPLATE "+srv.template)
	createMu.Unlock()
	if err != nil {
		tb.Fatal(err)
	}
	admin, err := pgx.Connect(ctx, srv.url("postgres", srv.admin, name))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		_ = admin.Close(ctx)
		if err := srv.exec(ctx, "postgres", "DROP DATABASE "+name+" WITH (FORCE)"); err != nil {
			tb.Error(err)
		}
	})
	return &DB{Name: name, Admin: admin}
}

// URL is the address the exporter reads the database at, as ReaderUser.
func (d *DB) URL() string { return d.URLAs(ReaderUser, ReaderPassword) }

// URLAs is the database's address with another user or password.
func (d *DB) URLAs(user, password string) string { return srv.url(user, password, d.Name) }

// Exec runs SQL as the superuser, failing the test on an error. Tables need no schema: the
// superuser's search_path starts with curio.
func (d *DB) Exec(tb testing.TB, sql string, args ...any) {
	tb.Helper()
	if _, err := d.Admin.Exec(context.Background(), sql, args...); err != nil {
		tb.Fatalf("%v\n%s", err, sql)
	}
}

func (s *server) url(user, password, db string) string {
	u := url.URL{Scheme: "postgres", User: url.UserPassword(user, password), Host: net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)), Path: "/" + db}
	if user == "postgres" {
		u.RawQuery = "search_path=curio,public"
	}
	return u.String()
}

func (s *server) exec(ctx context.Context, db, sql string) error {
	conn, err := pgx.Connect(ctx, s.url("postgres", s.admin, db))
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, sql)
	return err
}

// start runs initdb and postgres in a temporary folder, listening on a free loopback port,
// and makes the template database.
func start() (*server, error) {
	bin, err := binDir()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "curiotest-")
	if err != nil {
		return nil, err
	}
	s := &server{dir: dir, admin: "admin-" + strconv.FormatInt(time.Now().UnixNano(), 36), template: "curio_template"}
	if err := s.run(bin); err != nil {
		s.stop()
		return nil, err
	}
	if err := s.makeTemplate(); err != nil {
		s.stop()
		return nil, err
	}
	return s, nil
}

// binDir finds PostgreSQL's programs: on PATH, or where Debian installs them, the newest
// version first.
func binDir() (string, error) {
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p), nil
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	slices.SortFunc(dirs, func(a, b string) int {
		va, _ := strconv.Atoi(filepath.Base(filepath.Dir(a)))
		vb, _ := strconv.Atoi(filepath.Base(filepath.Dir(b)))
		return cmp.Compare(vb, va)
	})
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "postgres")); err == nil {
			return d, nil
		}
	}
	return "", ErrNoPostgres
}

// command runs a PostgreSQL program. PostgreSQL refuses to run as root: as root, it runs as
// the postgres user (nobody without one), and dies with the test binary.
func (s *server) command(prog string, args ...string) (*exec.Cmd, error) {
	if os.Geteuid() != 0 {
		cmd := exec.Command(prog, args...)
		cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
		return cmd, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		if u, err = user.Lookup("nobody"); err != nil {
			return nil, err
		}
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if err := os.Chown(s.dir, uid, gid); err != nil {
		return nil, err
	}
	return exec.Command("setpriv", append([]string{"--reuid=" + u.Uid, "--regid=" + u.Gid, "--clear-groups", "--pdeathsig=KILL", "--", prog}, args...)...), nil
}

func (s *server) run(bin string) error {
	pwfile := filepath.Join(s.dir, "pwfile")
	if err := os.WriteFile(pwfile, []byte(s.admin+"\n"), 0o644); err != nil {
		return err
	}
	data := filepath.Join(s.dir, "data")
	initdb, err := s.command(filepath.Join(bin, "initdb"), "-D", data, "-U", "postgres", "--pwfile="+pwfile,
		"--auth-host=scram-sha-256", "--auth-local=trust", "-E", "UTF8", "--locale=C", "--no-sync")
	if err != nil {
		return err
	}
	if out, err := initdb.CombinedOutput(); err != nil {
		return fmt.Errorf("initdb: %v\n%s", err, out)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	s.port = l.Addr().(*net.TCPAddr).Port
	l.Close()
	logFile, err := os.Create(filepath.Join(s.dir, "postgres.log"))
	if err != nil {
		return err
	}
	defer logFile.Close()
	s.cmd, err = s.command(filepath.Join(bin, "postgres"), "-D", data, "-p", strconv.Itoa(s.port),
		"-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=", "-c", "TimeZone="+TimeZone,
		"-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")
	if err != nil {
		return err
	}
	s.cmd.Stdout, s.cmd.Stderr = logFile, logFile
	if err := s.cmd.Start(); err != nil {
		return err
	}
	s.exited = make(chan error, 1)
	go func() { s.exited <- s.cmd.Wait() }()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); {
		select {
		case err := <-s.exited:
			s.cmd = nil
			logged, _ := os.ReadFile(logFile.Name())
			return fmt.Errorf("postgres exited: %v\n%s", err, logged)
		case <-time.After(100 * time.Millisecond):
		}
		if s.exec(context.Background(), "postgres", "SELECT 1") == nil {
			return nil
		}
	}
	return errors.New("postgres did not accept connections within 30 s")
}

//go:embed testdata/migrations/*.sql
var migrations embed.FS

// makeTemplate makes the reader's role, and a database with Curio's schema in which the role
// may read every table but the configuration's.
func (s *server) makeTemplate() error {
	ctx := context.Background()
	for _, sql := range []string{
		"CREATE ROLE " + ReaderUser + " LOGIN PASSWORD '" + ReaderPassword + "'",
		"CREATE DATABASE " + s.template,
	} {
		if err := s.exec(ctx, "postgres", sql); err != nil {
			return err
		}
	}
	conn, err := pgx.Connect(ctx, s.url("postgres", s.admin, s.template))
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA curio"); err != nil {
		return err
	}
	files, err := fs.Glob(migrations, "testdata/migrations/*.sql")
	if err != nil {
		return err
	}
	slices.Sort(files)
	for _, f := range files {
		sql, err := migrations.ReadFile(f)
		if err != nil {
			return err
		}
		if _, err := conn.Exec(ctx, string(sql)); err != nil {
			return fmt.Errorf("Curio's migration %s: %w", path.Base(f), err)
		}
	}
	_, err = conn.Exec(ctx, `GRANT USAGE ON SCHEMA curio TO `+ReaderUser+`;
GRANT SELECT ON ALL TABLES IN SCHEMA curio TO `+ReaderUser+`;
REVOKE ALL ON curio.harmony_config, curio.harmony_config_history FROM `+ReaderUser)
	return err
}

// stop stops postgres, fast (SIGINT), and removes the folder.
func (s *server) stop() {
	if s.cmd != nil {
		_ = s.cmd.Process.Signal(os.Interrupt)
		select {
		case <-s.exited:
		case <-time.After(10 * time.Second):
			_ = s.cmd.Process.Kill()
			<-s.exited
		}
	}
	_ = os.RemoveAll(s.dir)
}

//go:embed testdata/pencil.sql
var pencil string

//go:embed testdata/large.sql
var large string

// Large fills the database as a large cluster's (testdata/large.sql): 2,000,000 finished task
// attempts, 100,000 sectors in the pipeline, 50 machines; for benchmarks.
func (d *DB) Large(tb testing.TB) {
	tb.Helper()
	d.Exec(tb, large)
}

// PencilHead is the chain head the Pencil cluster is written for: lotustest's Small and Pencil head.
const PencilHead = 4999873

// Pencil fills the database with the Pencil cluster of testdata/pencil.sql, whose every
// figure can be checked by hand.
func (d *DB) Pencil(tb testing.TB) {
	tb.Helper()
	d.Exec(tb, pencil)
}
