// Each read of Curio's database against the Pencil cluster, with the figures worked out by hand from curiotest/testdata/pencil.sql.
package curio

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/lotus-farcaster/lotus-farcaster/curio/curiotest"
)

func TestMain(m *testing.M) { curiotest.Main(m) }

// open connects to a fresh database as the exporter's reader, with the Pencil cluster when
// pencil is set.
func open(t testing.TB, pencil bool) (*curiotest.DB, *DB) {
	t.Helper()
	tdb := curiotest.New(t)
	if pencil {
		tdb.Pencil(t)
	}
	db, err := Open(testContext(t), Settings{URL: tdb.URL()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	return tdb, db
}

// testContext is a run's: with a deadline, which every statement gets as its timeout.
func testContext(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// ts writes a time as the tests expect it: UTC, "-" for none.
func ts(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

// lines formats each item with format and compares the lines with want's.
func lines[T any](t *testing.T, what string, got []T, err error, format func(T) string, want string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	var b strings.Builder
	for _, v := range got {
		b.WriteString(format(v) + "\n")
	}
	if w := strings.TrimLeft(want, "\n"); b.String() != w {
		t.Errorf("%s:\n%s\nwant:\n%s", what, b.String(), w)
	}
}

func stage(s StageCount) string {
	return fmt.Sprintf("%s %d %d %s", s.Stage, s.Active, s.Failed, ts(s.Oldest))
}

func TestPencilPoRepPipeline(t *testing.T) {
	_, db := open(t, true)
	ctx := testContext(t)
	// stage, active, failed, oldest create_time of the active ones.
	got, err := db.PoRepPipeline(ctx, 1234, curiotest.PencilHead)
	lines(t, "f01234", got, err, stage, `
sdr 1 0 2026-08-20T09:00:00Z
tree_d 2 1 2026-08-20T07:30:00Z
tree_c 1 0 2026-08-20T07:00:00Z
tree_r 0 0 -
synth 1 0 2026-08-20T06:00:00Z
precommit_msg 0 1 -
precommit_wait 1 0 2026-08-20T05:00:00Z
wait_seed 1 0 2026-08-20T04:00:00Z
porep 1 0 2026-08-20T03:00:00Z
finalize 0 0 -
move_storage 2 0 2026-08-20T01:00:00Z
commit_msg 0 0 -
commit_wait 0 0 -
done 1 0 2026-08-19T00:00:00Z
`)
	// Ten epochs on, sector 6's seed epoch (4999883) is reached: it moves to porep.
	got, err = db.PoRepPipeline(ctx, 1234, curiotest.PencilHead+10)
	if err != nil || got[7].Active != 0 || got[8].Active != 2 {
		t.Errorf("at head+10: wait_seed %+v, porep %+v, %v; want 0 and 2", got[7], got[8], err)
	}
	got, err = db.PoRepPipeline(ctx, 2000, curiotest.PencilHead)
	if err != nil || got[0].Active != 1 {
		t.Errorf("f02000: %v, %v; want its one sector at sdr", got, err)
	}
}

func TestPencilSnapPipeline(t *testing.T) {
	_, db := open(t, true)
	// start_time is UTC without a zone, and the server's zone is not UTC.
	got, err := db.SnapPipeline(testContext(t), 1234)
	lines(t, "f01234", got, err, stage, `
encode 1 0 2026-08-20T08:00:00Z
prove 1 1 2026-08-20T07:00:00Z
submit 0 0 -
submit_wait 1 0 2026-08-20T06:00:00Z
move_storage 0 0 -
done 0 0 -
`)
	got, err = db.SnapPipeline(testContext(t), 2000)
	lines(t, "f02000, no snap sector", got, err, stage, `
encode 0 0 -
prove 0 0 -
submit 0 0 -
submit_wait 0 0 -
move_storage 0 0 -
done 0 0 -
`)
}

func TestPencilFailedSectors(t *testing.T) {
	_, db := open(t, true)
	// Newest first over both pipelines; sector 11's failed_at is NULL: last.
	got, err := db.FailedSectors(testContext(t), 1234, curiotest.PencilHead)
	lines(t, "f01234", got, err, func(f FailedSector) string {
		return fmt.Sprintf("%s %d %s %q %s", f.Pipeline, f.Sector, f.Stage, f.Reason, ts(f.FailedAt))
	}, `
snap 24 prove "prove-timeout" 2026-08-20T09:45:00Z
porep 10 tree_d "tree_d\nfailed" 2026-08-20T09:30:00Z
porep 11 precommit_msg "precommit-send" -
`)
}

func TestPencilWdPost(t *testing.T) {
	_, db := open(t, true)
	got, err := db.WdPostMessages(testContext(t), 1234)
	lines(t, "f01234", got, err, func(d WdPostDeadline) string {
		return fmt.Sprintf("deadline %d: landed %d failed %d pending %d", d.Deadline, d.Landed, d.Failed, d.Pending)
	}, `
deadline 0: landed 1 failed 0 pending 0
deadline 1: landed 0 failed 1 pending 1
deadline 2: landed 0 failed 0 pending 1
deadline 47: landed 1 failed 0 pending 0
`)
}

func TestPencilMachines(t *testing.T) {
	_, db := open(t, true)
	ctx := testContext(t)
	got, err := db.Machines(ctx)
	lines(t, "machines", got, err, func(m Machine) string {
		return fmt.Sprintf("%d %s %s %q contact %s startup %s cordoned %t cpus %d gpus %g memory %d",
			m.ID, m.Name, m.HostAndPort, m.Version, ts(m.LastContact), ts(m.Startup), m.Unschedulable, m.CPUs, m.GPUs, m.MemoryBytes)
	}, `
1 sealer-1 10.0.0.1:12300 "1.28.1" contact 2026-08-20T09:59:00Z startup 2026-08-19T12:00:00Z cordoned false cpus 64 gpus 2 memory 274877906944
2 10.0.0.2:12300 10.0.0.2:12300 "" contact 2026-08-20T09:59:30Z startup 2026-08-20T08:00:00Z cordoned true cpus 32 gpus 0.5 memory 137438953472
3 10.0.0.3:12300 10.0.0.3:12300 "" contact 2026-08-20T09:58:00Z startup - cordoned false cpus 16 gpus 0 memory 68719476736
`)
	miners, err := db.Miners(ctx)
	if err != nil || strings.Join(miners, ",") != "f01234,f02000" {
		t.Errorf("miners %v, %v; want f01234 and f02000", miners, err)
	}
}

// Two machines of one name stay two series: each name gets its machine's ID.
func TestMachinesOfOneName(t *testing.T) {
	tdb, db := open(t, true)
	tdb.Exec(t, `UPDATE harmony_machine_details SET machine_name = 'sealer-1' WHERE machine_id = 2`)
	got, err := db.Machines(testContext(t))
	lines(t, "machines", got, err, func(m Machine) string { return m.Name }, `
sealer-1/1
sealer-1/2
10.0.0.3:12300
`)
}

func TestPencilTasks(t *testing.T) {
	_, db := open(t, true)
	got, err := db.Tasks(testContext(t))
	lines(t, "tasks", got, err, func(q TaskQueue) string {
		return fmt.Sprintf("%s queued %d running %d oldest %s", q.Name, q.Queued, q.Running, ts(q.OldestQueued))
	}, `
PoRep queued 1 running 0 oldest 2026-08-20T09:20:00Z
SDR queued 2 running 1 oldest 2026-08-20T09:00:00Z
WdPost queued 0 running 1 oldest -
`)
}

func TestPencilStorage(t *testing.T) {
	_, db := open(t, true)
	ctx := testContext(t)
	num := func(p *int64) string {
		if p == nil {
			return "-"
		}
		return fmt.Sprint(*p)
	}
	got, err := db.StoragePaths(ctx)
	lines(t, "storage paths", got, err, func(p StoragePath) string {
		return fmt.Sprintf("%s %q seal %t store %t %q %s %s %s %s %s max %s heartbeat %s", p.ID, p.URLs, p.CanSeal, p.CanStore, p.Groups,
			num(p.Capacity), num(p.Available), num(p.FSAvailable), num(p.Reserved), num(p.Used), num(p.MaxStorage), ts(p.LastHeartbeat))
	}, `
st-nulls "" seal false store false "" - - - - - max - heartbeat -
st-seal "http://10.0.0.1:12300/remote" seal true store false "g1" 1000000000000 400000000000 500000000000 100000000000 300000000000 max 0 heartbeat 2026-08-20T09:59:50Z
st-store "http://10.0.0.2:12300/remote,http://10.0.0.3:12300/remote" seal false store true "" 100000000000000 40000000000000 45000000000000 0 55000000000000 max 50000000000000 heartbeat 2026-08-20T09:40:00Z
`)
	urls, err := db.StorageURLs(ctx)
	lines(t, "storage URLs", urls, err, func(u StorageURL) string { return fmt.Sprintf("%s %s %t", u.StorageID, u.URL, u.Live) }, `
st-nulls http://10.0.0.9:12300/remote false
st-seal http://10.0.0.1:12300/remote true
st-store http://10.0.0.2:12300/remote false
st-store http://10.0.0.3:12300/remote true
`)
}

func TestPencilAlertsAndMessages(t *testing.T) {
	_, db := open(t, true)
	ctx := testContext(t)
	alerts, err := db.Alerts(ctx)
	lines(t, "alerts", alerts, err, func(a Alert) string { return a.System + " " + a.Subsystem + " " + a.Condition }, `
sector-index storage st-nulls-unreachable
sector-index storage st-store-heartbeat
`)
	p, err := db.PendingMessages(ctx)
	if err != nil || p.Count != 2 || ts(p.Oldest) != "2026-08-20T09:30:00Z" {
		t.Errorf("pending messages %d, oldest %s, %v; want 2, sent at 09:30", p.Count, ts(p.Oldest), err)
	}
}

// An empty database: every list empty, every stage 0, nothing pending.
func TestEmptyCluster(t *testing.T) {
	_, db := open(t, false)
	ctx := testContext(t)
	machines, err1 := db.Machines(ctx)
	miners, err2 := db.Miners(ctx)
	p, err3 := db.PendingMessages(ctx)
	porep, err4 := db.PoRepPipeline(ctx, 1234, curiotest.PencilHead)
	if len(machines)+len(miners)+p.Count != 0 || !p.Oldest.IsZero() || len(porep) != len(PoRepStages) || porep[0].Active != 0 {
		t.Errorf("machines %v, miners %v, pending %+v, porep %v", machines, miners, p, porep)
	}
	for _, err := range []error{err1, err2, err3, err4} {
		if err != nil {
			t.Error(err)
		}
	}
}
