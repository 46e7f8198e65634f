// Package curio reads Curio's database (HarmonyDB, YugabyteDB speaking PostgreSQL's protocol):
// read-only SELECTs of the tables in schema curio, each on its own, bounded by the run's deadline.
//
// The facts it relies on are Curio's (github.com/filecoin-project/curio, harmony/harmonydb/sql
// for the tables): the project's NOTES.md names them. It never reads the configuration layers'
// table, which holds secrets.
package curio

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// DB is Curio's database as one run reads it, on at most two connections.
type DB struct {
	pool *pgxpool.Pool
	now  time.Time // the database's clock when the run connected
}

// maxConns bounds the connections a run opens: Curio's machines share the database, and the
// exporter's reads are few and small.
const maxConns = 2

// maxRows bounds the rows of one list read (machines, storage paths, alerts...): real
// clusters have dozens. More means a broken database, and the read fails instead of growing
// the file without bound.
const maxRows = 10_000

// Open connects to the database of s and asks it for its clock, which proves it answers and
// accepted the user and password. ctx bounds the connection and, through its deadline, every
// later read.
func Open(ctx context.Context, s Settings) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(s.URL)
	if err != nil {
		// pgx's parse errors quote the address: say what is wrong without it.
		return nil, errors.New("Curio's database address is not a valid postgres:// URL")
	}
	cfg.MaxConns = maxConns
	cfg.ConnConfig.RuntimeParams["application_name"] = "lotus-farcaster"
	// Each statement runs once per run: one round trip, no prepared statement kept.
	cfg.ConnConfig.DefaultQueryExecMode = pgx.QueryExecModeExec
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("Curio's database: %w", err)
	}
	db := &DB{pool: pool}
	if err := db.read(ctx, "now()", `SELECT now()`, nil, func(r pgx.Rows) error { return r.Scan(&db.now) }); err != nil {
		pool.Close()
		return nil, err
	}
	return db, nil
}

// Close closes the connections.
func (db *DB) Close() { db.pool.Close() }

// Now is the database's time when the run connected.
func (db *DB) Now() time.Time { return db.now }

// read runs one SELECT in a read-only transaction of its own and calls scan for each row.
// One statement per transaction, not savepoints in a shared one: a failed statement then
// aborts nothing else, the two connections serve two reads at a time, and no snapshot is
// held open across the run. statement_timeout is set from ctx's deadline, so the server
// stops a slow statement by itself. what names the tables read, for the error.
func (db *DB) read(ctx context.Context, what, sql string, args []any, scan func(pgx.Rows) error) error {
	begin := "BEGIN READ ONLY"
	if deadline, ok := ctx.Deadline(); ok {
		left := time.Until(deadline).Milliseconds()
		if left <= 0 {
			return readError(what, context.DeadlineExceeded)
		}
		// SET LOCAL ends with the transaction; the connection keeps no setting of ours.
		begin += fmt.Sprintf("; SET LOCAL statement_timeout = %d", left)
	}
	tx, err := db.pool.BeginTx(ctx, pgx.TxOptions{BeginQuery: begin})
	if err != nil {
		return readError(what, err)
	}
	// Read-only: nothing to commit. A rollback that fails (ctx ended, say) closes the
	// connection, and the pool drops it.
	defer func() { _ = tx.Rollback(ctx) }()
	rows, err := tx.Query(ctx, sql, args...)
	if err != nil {
		return readError(what, err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return readError(what, err)
		}
	}
	return readError(what, rows.Err())
}

// readError says what failed in the words of the cause, so that one cause makes one message
// however many reads it failed: the server's message for a statement it refused (a missing
// table or column of an older Curio, a table the user may not read), the connection's error
// for a database that stopped answering. A statement the server stopped at statement_timeout
// is the run's deadline passing, and says so.
func readError(what string, err error) error {
	var ce *pgconn.ConnectError
	var pe *pgconn.PgError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ce):
		return connectError(ce)
	case errors.As(err, &pe) && pe.Code == "57014": // query_canceled: statement_timeout
		return fmt.Errorf("reading %s from Curio's database: %w", what, context.DeadlineExceeded)
	case errors.As(err, &pe):
		return &refusedError{what: what, msg: pe.Message, code: pe.Code}
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return fmt.Errorf("reading %s from Curio's database: %w", what, err)
	}
	return fmt.Errorf("Curio's database: %w", err)
}

// connectError says why no connection was made, in one short line: pgx's own lists every
// address it tried, in several lines. A refused login keeps its SQLSTATE, and never holds
// the password (pgx's message names the user alone).
func connectError(ce *pgconn.ConnectError) error {
	var pe *pgconn.PgError
	var op *net.OpError
	switch {
	case errors.As(ce, &pe):
		return &refusedError{what: "a connection", msg: pe.Message, code: pe.Code}
	case errors.As(ce, &op):
		return fmt.Errorf("Curio's database unreachable: %w", op)
	}
	return fmt.Errorf("Curio's database: %w", ce)
}

// refusedError is a statement the server refused, in the server's words.
type refusedError struct{ what, msg, code string }

func (e *refusedError) Error() string {
	if e.what == "a connection" {
		return fmt.Sprintf("Curio's database refused the connection: %s (SQLSTATE %s)", e.msg, e.code)
	}
	return fmt.Sprintf("reading %s from Curio's database: %s (SQLSTATE %s)", e.what, e.msg, e.code)
}

// IsUnreachable reports whether err is a database no connection could be made to.
func IsUnreachable(err error) bool {
	var op *net.OpError
	return errors.As(err, &op)
}

// SQLState is the SQLSTATE code of what the server refused, a login or a statement
// (28P01: a wrong password; 42501: a table the user may not read; 42P01: a table an older
// Curio lacks), or "" for any other error.
func SQLState(err error) string {
	var re *refusedError
	var pe *pgconn.PgError
	switch {
	case errors.As(err, &re):
		return re.code
	case errors.As(err, &pe):
		return pe.Code
	}
	return ""
}

// readList reads the rows of sql, each made by scan, at most maxRows: its last parameter is
// the LIMIT, one more than maxRows, so that a longer list is an error rather than cut.
func readList[T any](ctx context.Context, db *DB, what, sql string, scan func(pgx.Rows) (T, error), args ...any) ([]T, error) {
	var out []T
	err := db.read(ctx, what, sql, append(args, maxRows+1), func(r pgx.Rows) error {
		v, err := scan(r)
		out = append(out, v)
		return err
	})
	switch {
	case err != nil:
		return nil, err
	case len(out) > maxRows:
		return nil, fmt.Errorf("reading %s from Curio's database: more than %d rows, not a plausible cluster", what, maxRows)
	}
	return out, nil
}

// deref is *p, or the zero value for a NULL.
func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
