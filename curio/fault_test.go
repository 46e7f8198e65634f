// Faults of the database: down, a refused password, an older Curio, a table the user may not read, a slow statement.
package curio

import (
	"context"
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/lotus-farcaster/lotus-farcaster/curio/curiotest"
)

func TestDatabaseDown(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	_, err = Open(testContext(t), Settings{URL: "postgres://yugabyte:a-password-1@" + addr + "/yugabyte"})
	if want := "Curio's database unreachable: dial tcp " + addr + ": connect: connection refused"; err == nil || err.Error() != want || !IsUnreachable(err) {
		t.Errorf("%v, want %q, without the password", err, want)
	}
}

func TestWrongPassword(t *testing.T) {
	tdb := curiotest.New(t)
	_, err := Open(testContext(t), Settings{URL: tdb.URLAs(curiotest.ReaderUser, "not-the-password-7")})
	if err == nil || err.Error() != `Curio's database refused the connection: password authentication failed for user "farcaster" (SQLSTATE 28P01)` || SQLState(err) != "28P01" ||
		strings.Contains(err.Error(), "not-the-password-7") || strings.Contains(err.Error(), curiotest.ReaderPassword) {
		t.Errorf("%v, want the refused password said, without any password", err)
	}
}

// An older Curio lacks tables and columns: that read fails, in the server's words and once
// per cause, and every other read is unaffected.
func TestOlderCurio(t *testing.T) {
	tdb, db := open(t, true)
	ctx := testContext(t)
	// alert_conditions came with 20260702-alert-lifecycle.sql, after_synth with
	// 20240617-synthetic-proofs.sql, harmony_machine_details.version with 20260501.
	tdb.Exec(t, `DROP TABLE alert_conditions; ALTER TABLE sectors_sdr_pipeline DROP COLUMN after_synth CASCADE;
ALTER TABLE harmony_machine_details DROP COLUMN version`)

	if _, err := db.Alerts(ctx); err == nil || err.Error() != `reading alert_conditions from Curio's database: relation "curio.alert_conditions" does not exist (SQLSTATE 42P01)` {
		t.Errorf("alerts: %v", err)
	}
	const noSynth = `reading sectors_sdr_pipeline from Curio's database: column "after_synth" does not exist (SQLSTATE 42703)`
	if _, err := db.PoRepPipeline(ctx, 1234, curiotest.PencilHead); err == nil || err.Error() != noSynth {
		t.Errorf("porep: %v", err)
	}
	// The snap pipeline's failed sector is still there.
	failed, err := db.FailedSectors(ctx, 1234, curiotest.PencilHead)
	if err == nil || err.Error() != noSynth || len(failed) != 1 || failed[0].Sector != 24 {
		t.Errorf("failed sectors %+v, %v; want snap's sector 24 and the porep read's error", failed, err)
	}
	// Machines without a version are read.
	machines, err := db.Machines(ctx)
	if err != nil || len(machines) != 3 || machines[0].Version != "" || machines[0].Name != "sealer-1" {
		t.Errorf("machines %+v, %v", machines, err)
	}
	if _, err := db.SnapPipeline(ctx, 1234); err != nil {
		t.Error(err)
	}
}

// A table the user may not read fails its read alone; the configuration's tables are not
// readable by the reader at all.
func TestPermissionDenied(t *testing.T) {
	tdb, db := open(t, true)
	ctx := testContext(t)
	tdb.Exec(t, `REVOKE SELECT ON harmony_task FROM `+curiotest.ReaderUser)
	if _, err := db.Tasks(ctx); err == nil || err.Error() != "reading harmony_task from Curio's database: permission denied for table harmony_task (SQLSTATE 42501)" {
		t.Errorf("tasks: %v", err)
	}
	if _, err := db.Machines(ctx); err != nil {
		t.Error(err)
	}
	err := db.read(ctx, "harmony_config", "SELECT count(*) FROM curio."+"harmony_config", nil, nil)
	if err == nil || !strings.Contains(err.Error(), "permission denied") {
		t.Errorf("the reader reads the configuration: %v", err)
	}
}

// A statement stuck behind a lock ends at the run's deadline, stopped by the server's
// statement_timeout, and the other reads go on.
func TestSlowStatement(t *testing.T) {
	tdb, db := open(t, true)
	lock, err := tdb.Admin.Begin(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Rollback(context.Background())
	if _, err := lock.Exec(context.Background(), "LOCK TABLE harmony_machines IN ACCESS EXCLUSIVE MODE"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	start := time.Now()
	_, err = db.Machines(ctx)
	if !errors.Is(err, context.DeadlineExceeded) || !strings.HasPrefix(err.Error(), "reading harmony_machines, harmony_machine_details from Curio's database: ") {
		t.Errorf("machines: %v, want the deadline", err)
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("the stuck read took %s, want about 1 s", took)
	}
	// The lock still held, the connections still serve.
	if _, err := db.Tasks(testContext(t)); err != nil {
		t.Error(err)
	}
}

// Every statement runs with statement_timeout set to what is left of the run.
func TestStatementTimeoutFromDeadline(t *testing.T) {
	_, db := open(t, false)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var timeout string
	err := db.read(ctx, "settings", "SELECT current_setting('statement_timeout'), current_setting('transaction_read_only')", nil, func(r pgx.Rows) error {
		var readOnly string
		if err := r.Scan(&timeout, &readOnly); err != nil {
			return err
		}
		if readOnly != "on" {
			t.Errorf("transaction_read_only %s", readOnly)
		}
		return nil
	})
	if err != nil || (timeout != "10s" && !strings.HasPrefix(timeout, "99")) {
		t.Errorf("statement_timeout %q, %v; want about 10 s", timeout, err)
	}
}

// The configuration's table holds secrets: no text of the package's code may name it.
func TestNoQueryNamesTheConfiguration(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	read := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		file, err := parser.ParseFile(fset, f, src, 0)
		if err != nil {
			t.Fatal(err)
		}
		read++
		ast.Inspect(file, func(n ast.Node) bool {
			if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING && strings.Contains(strings.ToLower(lit.Value), "harmony_config") {
				t.Errorf("%s: a string names harmony_config: %s", fset.Position(lit.Pos()), lit.Value)
			}
			return true
		})
	}
	if read < 5 {
		t.Fatalf("%d source files read", read)
	}
}

// failed_reason is a varchar(20) at this Curio; should one widen it, a megabyte of reason
// still comes back as its first kilobyte.
func TestHugeFailedReason(t *testing.T) {
	tdb, db := open(t, true)
	tdb.Exec(t, `ALTER TABLE sectors_sdr_pipeline ALTER COLUMN failed_reason TYPE text;
UPDATE sectors_sdr_pipeline SET failed_reason = repeat(E'line\n', 200000) WHERE sp_id = 1234 AND sector_number = 10`)
	failed, err := db.FailedSectors(testContext(t), 1234, curiotest.PencilHead)
	if err != nil || len(failed) != 3 || failed[1].Sector != 10 || failed[1].Reason != strings.Repeat("line\n", 1024/5)+"line" {
		t.Errorf("%d sectors, %v; sector 10's reason %d bytes", len(failed), err, len(failed[1].Reason))
	}
}
