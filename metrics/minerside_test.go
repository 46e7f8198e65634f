// Proving, sealing, jobs, workers and storage against the small scenario, odd shapes included.
package metrics

import (
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"

	"github.com/lotus-farcaster/lotus-farcaster/lotusapi"
	"github.com/lotus-farcaster/lotus-farcaster/lotusapi/lotustest"
)

// values runs c and returns its series as `name{label="value",...}` → value, labels sorted.
func values(t *testing.T, f *fixture, c Collector) (map[string]float64, error) {
	t.Helper()
	o := &one{c: c, src: f.src}
	return gathered(t, o), o.err
}

// gathered is what collector gathers, as values returns it.
func gathered(t *testing.T, collector prometheus.Collector) map[string]float64 {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(collector)
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, fam := range families {
		for _, m := range fam.Metric {
			out[seriesKey(fam.GetName(), m)] = m.GetGauge().GetValue() + m.GetCounter().GetValue()
		}
	}
	return out
}

func seriesKey(name string, m *dto.Metric) string {
	var labels []string
	for _, l := range m.Label {
		labels = append(labels, l.GetName()+`="`+l.GetValue()+`"`)
	}
	sort.Strings(labels)
	return name + "{" + strings.Join(labels, ",") + "}"
}

// expectValues asserts each wanted series' value, and that the absent ones are not there.
func expectValues(t *testing.T, got map[string]float64, want map[string]float64, absent ...string) {
	t.Helper()
	for k, v := range want {
		if g, ok := got[k]; !ok {
			t.Errorf("%s missing", k)
		} else if g != v {
			t.Errorf("%s = %v, want %v", k, g, v)
		}
	}
	for _, k := range absent {
		if _, ok := got[k]; ok {
			t.Errorf("%s present, want it absent", k)
		}
	}
}

func TestProving(t *testing.T) {
	f := newFixture(t, nil, nil)
	got, err := values(t, f, Proving{})
	if err != nil {
		t.Fatal(err)
	}
	expectValues(t, got, map[string]float64{
		`lotus_miner_proving_deadline_index{}`:        17,
		`lotus_miner_proving_period_start_epoch{}`:    4998816,
		`lotus_miner_onchain_sectors{state="live"}`:   55081,
		`lotus_miner_onchain_sectors{state="active"}`: 55046,
		`lotus_miner_onchain_sectors{state="faulty"}`: 12,
		// Open now: opened at epoch 4998816+17×60, 37 epochs before the head; in wall-clock
		// time from genesis (1598306400), 30 s an epoch.
		`lotus_miner_deadline_open_timestamp_seconds{deadline="17"}`: 1598306400 + (4998816+17*60)*30,
		// Later this period, and (deadline 4) in the next period.
		`lotus_miner_deadline_open_timestamp_seconds{deadline="31"}`: 1598306400 + (4998816+31*60)*30,
		`lotus_miner_deadline_open_timestamp_seconds{deadline="4"}`:  1598306400 + (4998816+4*60+2880)*30,
		// Daily fees: only the newest sectors (deadline 38) pay one.
		`lotus_miner_deadline_daily_fee_fil{deadline="38"}`: 0.001937618284913722,
		`lotus_miner_deadline_daily_fee_fil{deadline="9"}`:  0,
		// The open deadline: 2 of 3 partitions proven so far.
		`lotus_miner_deadline_partitions{deadline="17"}`:           3,
		`lotus_miner_deadline_partitions_proven{deadline="17"}`:    2,
		`lotus_miner_deadline_sectors{deadline="17",state="all"}`:  2349 + 2349 + 1163,
		`lotus_miner_deadline_sectors{deadline="17",state="live"}`: 2349 + 2349 + 1163,
		// Faults: 12 faulty, 5 of them declared recovering.
		`lotus_miner_deadline_sectors{deadline="9",state="faulty"}`:     12,
		`lotus_miner_deadline_sectors{deadline="9",state="recovering"}`: 5,
		// Terminated sectors stay in "all" until compaction.
		`lotus_miner_deadline_sectors{deadline="31",state="all"}`:  1517,
		`lotus_miner_deadline_sectors{deadline="31",state="live"}`: 1514,
		// Every partition has sectors to prove, the one with faults too.
		`lotus_miner_deadline_partitions_provable{deadline="17"}`: 3,
		`lotus_miner_deadline_partitions_provable{deadline="9"}`:  2,
		// An empty deadline: Lotus answers null partitions.
		`lotus_miner_deadline_partitions{deadline="4"}`:          0,
		`lotus_miner_deadline_partitions_provable{deadline="4"}`: 0,
		`lotus_miner_deadline_sectors{deadline="4",state="all"}`: 0,
		`lotus_miner_deadline_partitions_proven{deadline="4"}`:   0,
	})
	// Live but not yet proven: in live, not in active.
	if live, active := got[`lotus_miner_deadline_sectors{deadline="38",state="live"}`], got[`lotus_miner_deadline_sectors{deadline="38",state="active"}`]; live-active != 23 {
		t.Errorf("deadline 38: live %v − active %v, want 23 unproven", live, active)
	}
	// The per-deadline counts add up to the chain's own count.
	var live, faulty float64
	for i := range 48 {
		live += got[`lotus_miner_deadline_sectors{deadline="`+strconv.Itoa(i)+`",state="live"}`]
		faulty += got[`lotus_miner_deadline_sectors{deadline="`+strconv.Itoa(i)+`",state="faulty"}`]
	}
	if live != 55081 || faulty != 12 {
		t.Errorf("deadlines sum to %v live, %v faulty; want 55081, 12", live, faulty)
	}
	if n := len(got); n != 5+48*10 {
		t.Errorf("%d series, want %d: the count must not depend on the sectors", n, 5+48*10)
	}
}

func TestProvingSectorDetails(t *testing.T) {
	f := newFixture(t, nil, nil)
	f.src.Options.SectorDetails = true
	got, err := values(t, f, Proving{})
	if err != nil {
		t.Fatal(err)
	}
	byState := map[string]int{}
	for k := range got {
		if strings.HasPrefix(k, "lotus_miner_proving_sector_info{") {
			byState[k[strings.Index(k, `state="`)+7:strings.LastIndex(k, `"`)]]++
		}
	}
	want := map[string]int{"active": 55046, "faulty": 7, "recovering": 5, "unproven": 23}
	for s, n := range want {
		if byState[s] != n {
			t.Errorf("%d sectors %s, want %d (all: %v)", byState[s], s, n, byState)
		}
	}
	expectValues(t, got, map[string]float64{
		`lotus_miner_proving_sector_info{deadline="9",partition="1",sector="3352",state="faulty"}`:      1,
		`lotus_miner_proving_sector_info{deadline="9",partition="1",sector="19905",state="recovering"}`: 1,
	})
}

func TestProvingPartitionsFail(t *testing.T) {
	f := newFixture(t, nil, func(s *lotustest.Server) {
		s.SetFault("daemon", "StateMinerPartitions", lotustest.Fault{Kind: lotustest.FaultRPCError, Message: "blockstore: not found"})
	})
	got, err := values(t, f, Proving{})
	if err == nil || !strings.Contains(err.Error(), "blockstore: not found") {
		t.Errorf("error %v, want the partitions' error", err)
	}
	// Counts that need the partitions are left out, not reported as zero; the rest stays.
	expectValues(t, got, map[string]float64{
		`lotus_miner_proving_deadline_index{}`:                  17,
		`lotus_miner_deadline_partitions_proven{deadline="17"}`: 2,
	}, `lotus_miner_deadline_partitions{deadline="17"}`, `lotus_miner_deadline_sectors{deadline="9",state="faulty"}`)
}

func TestSealing(t *testing.T) {
	f := newFixture(t, nil, nil)
	o := &one{c: Sealing{}, src: f.src}
	// 55085 is listed twice by Lotus and reported once; Available and Removed sectors are
	// only counted; the failed sector keeps its error state verbatim.
	err := testutil.CollectAndCompare(o, strings.NewReader(`
# HELP lotus_miner_sealing_sector_info 1 for each sector in the sealing pipeline, with its state and number of deals.
# TYPE lotus_miner_sealing_sector_info gauge
lotus_miner_sealing_sector_info{deals="0",sector="55084",state="SubmitCommitAggregate"} 1
lotus_miner_sealing_sector_info{deals="0",sector="55086",state="Committing"} 1
lotus_miner_sealing_sector_info{deals="0",sector="55087",state="WaitSeed"} 1
lotus_miner_sealing_sector_info{deals="0",sector="55089",state="PreCommit2"} 1
lotus_miner_sealing_sector_info{deals="0",sector="55091",state="PreCommit1"} 1
lotus_miner_sealing_sector_info{deals="0",sector="55092",state="PreCommit1"} 1
lotus_miner_sealing_sector_info{deals="1",sector="55085",state="Committing"} 1
lotus_miner_sealing_sector_info{deals="1",sector="55088",state="SealPreCommit1Failed"} 1
lotus_miner_sealing_sector_info{deals="1",sector="55093",state="PreCommit1"} 1
lotus_miner_sealing_sector_info{deals="2",sector="55083",state="FinalizeSector"} 1
lotus_miner_sealing_sector_info{deals="2",sector="55090",state="PreCommit1"} 1
# HELP lotus_miner_sectors Sectors in each Lotus sealing state (SectorsSummary).
# TYPE lotus_miner_sectors gauge
lotus_miner_sectors{state="Available"} 1
lotus_miner_sectors{state="Committing"} 2
lotus_miner_sectors{state="FinalizeSector"} 1
lotus_miner_sectors{state="PreCommit1"} 4
lotus_miner_sectors{state="PreCommit2"} 1
lotus_miner_sectors{state="Proving"} 55079
lotus_miner_sectors{state="Removed"} 3
lotus_miner_sectors{state="SealPreCommit1Failed"} 1
lotus_miner_sectors{state="SubmitCommitAggregate"} 1
lotus_miner_sectors{state="WaitSeed"} 1
`), "lotus_miner_sealing_sector_info", "lotus_miner_sectors")
	if err != nil {
		t.Error(err)
	}
	if o.err != nil {
		t.Error(o.err)
	}
	got, _ := values(t, f, Sealing{})
	expectValues(t, got, map[string]float64{
		`lotus_miner_sealing_sector_created_timestamp_seconds{sector="55083"}`:    1748273450,
		`lotus_miner_sealing_sector_last_event_timestamp_seconds{sector="55083"}`: 1748302303,
		`lotus_miner_sealing_sector_last_event_timestamp_seconds{sector="55088"}`: 1748287097,
	})
	// One SectorsStatus per pipeline sector, the duplicate included only once.
	if n := f.fake.Requests("miner")["SectorsStatus"]; n != 2*11 {
		t.Errorf("%d SectorsStatus calls for two runs, want 22", n)
	}
}

// jobCounts keeps the lotus_miner_jobs series of got.
func jobCounts(got map[string]float64) map[string]float64 {
	jobs := map[string]float64{}
	for k, v := range got {
		if strings.HasPrefix(k, "lotus_miner_jobs{") {
			jobs[k] = v
		}
	}
	return jobs
}

// idleJobs is lotus_miner_jobs of Small's workers with nothing to do: the 9 tasks its three
// workers offer (AP FIN GET PC1 UNS; C1 FIN GET PC2; C2 PR2), each in the 7 states, at 0.
func idleJobs() map[string]float64 {
	want := map[string]float64{}
	for _, task := range []string{"AP", "FIN", "GET", "PC1", "UNS", "C1", "PC2", "C2", "PR2"} {
		for _, state := range []string{"queued", "assigned", "prepared", "running", "ret-wait", "returned", "ret-done"} {
			want[`lotus_miner_jobs{state="`+state+`",task="`+task+`"}`] = 0
		}
	}
	return want
}

func TestJobs(t *testing.T) {
	f := newFixture(t, nil, nil)
	got, err := values(t, f, Jobs{})
	if err != nil {
		t.Fatal(err)
	}
	want := idleJobs()
	for k, v := range map[string]float64{
		`lotus_miner_jobs{state="running",task="PC1"}`:  1,
		`lotus_miner_jobs{state="assigned",task="PC1"}`: 1,
		`lotus_miner_jobs{state="assigned",task="FIN"}`: 1,
		`lotus_miner_jobs{state="running",task="GET"}`:  2,
		`lotus_miner_jobs{state="prepared",task="PC2"}`: 1,
		`lotus_miner_jobs{state="ret-wait",task="C2"}`:  1,
		`lotus_miner_jobs{state="returned",task="C1"}`:  1,
		`lotus_miner_jobs{state="ret-done",task="C2"}`:  1,
		`lotus_miner_jobs{state="queued",task="PC1"}`:   2,
		`lotus_miner_jobs{state="queued",task="C2"}`:    1,
	} {
		want[k] = v
	}
	jobs := jobCounts(got)
	if len(jobs) != len(want) {
		t.Errorf("%d job counts, want %d: %v", len(jobs), len(want), jobs)
	}
	expectValues(t, got, want)
	// Finished calls sit on the all-zero worker ID, which WorkerStats does not list: they
	// carry the hostname of the worker that ran them. The two fetches of sector 55089 on
	// one worker are one series.
	expectValues(t, got, map[string]float64{
		// 2025-05-27 01:11:28 +02:00, and so on: Unix times, however late the file is read.
		`lotus_miner_job_start_timestamp_seconds{sector="55085",state="ret-wait",task="C2",worker="gpu-2"}`:             1748301088,
		`lotus_miner_job_start_timestamp_seconds{sector="55086",state="returned",task="C1",worker="sealer-1"}`:          1748301992,
		`lotus_miner_job_start_timestamp_seconds{sector="55084",state="ret-done",task="C2",worker="gpu-2"}`:             1748298187,
		`lotus_miner_job_start_timestamp_seconds{sector="55089",state="running",task="GET",worker="sealer-1/6f1e2d3c"}`: 1748302176.071946025,
	})
	if n := len(got) - len(jobs); n != 8 {
		t.Errorf("%d start series, want 8 (9 jobs, two fetches merged)", n)
	}
}

// An idle miner has a 0 for each task its workers offer in each state, not "no data"; a
// job whose hostname Lotus does not know is on worker "unknown".
func TestJobsIdle(t *testing.T) {
	sc := lotustest.Small()
	sc.Jobs, sc.SchedRequests = nil, nil
	f := newFixture(t, sc, nil)
	got, err := values(t, f, Jobs{})
	if err != nil {
		t.Fatal(err)
	}
	if jobs := jobCounts(got); len(jobs) != 63 || len(got) != 63 {
		t.Errorf("%d job counts, %d series; want 63 zeros: %v", len(jobs), len(got), got)
	}
	expectValues(t, got, idleJobs())

	sc = lotustest.Small()
	sc.Jobs = map[string][]lotusapi.WorkerJob{"00000000-0000-0000-0000-000000000000": {
		{Sector: lotusapi.SectorID{Miner: 1234, Number: 7}, Task: "seal/v0/commit/2", RunWait: -1, Start: time.Unix(1748301088, 0)},
	}}
	got, _ = values(t, newFixture(t, sc, nil), Jobs{})
	expectValues(t, got, map[string]float64{
		`lotus_miner_job_start_timestamp_seconds{sector="7",state="ret-wait",task="C2",worker="unknown"}`: 1748301088,
	})
}

// Without the scheduler's answer the queued counts are unknown: absent, not 0.
func TestJobsWithoutSchedDiag(t *testing.T) {
	f := newFixture(t, nil, func(s *lotustest.Server) {
		s.SetFault("miner", "SealingSchedDiag", lotustest.Fault{Message: "scheduler busy"})
	})
	got, err := values(t, f, Jobs{})
	if err == nil || !strings.Contains(err.Error(), "scheduler busy") {
		t.Errorf("error %v, want SealingSchedDiag's", err)
	}
	for k := range jobCounts(got) {
		if strings.Contains(k, `state="queued"`) {
			t.Errorf("%s written without the scheduler's answer", k)
		}
	}
	expectValues(t, got, map[string]float64{`lotus_miner_jobs{state="running",task="GET"}`: 2, `lotus_miner_jobs{state="running",task="UNS"}`: 0})
}

func TestWorkers(t *testing.T) {
	f := newFixture(t, nil, nil)
	got, err := values(t, f, Workers{})
	if err != nil {
		t.Fatal(err)
	}
	// Two workers share the host sealer-1 and are told apart by their ID; 0b9c4e7a has no GPU.
	expectValues(t, got, map[string]float64{
		`lotus_miner_worker_info{enabled="true",worker="sealer-1/0b9c4e7a",worker_id="0b9c4e7a-52d1-4f3e-9a86-1c2d3e4f5a6b"}`: 1,
		`lotus_miner_worker_info{enabled="true",worker="sealer-1/6f1e2d3c",worker_id="6f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9"}`: 1,
		`lotus_miner_worker_info{enabled="false",worker="gpu-2",worker_id="d4c3b2a1-9e8f-4d7c-b6a5-0f1e2d3c4b5a"}`:            1,
		`lotus_miner_worker_cpus{worker="gpu-2"}`:                                      64,
		`lotus_miner_worker_cpus_used{worker="sealer-1/6f1e2d3c"}`:                     128,
		`lotus_miner_worker_gpus{worker="sealer-1/0b9c4e7a"}`:                          0,
		`lotus_miner_worker_gpus{worker="gpu-2"}`:                                      2,
		`lotus_miner_worker_gpus_used{worker="sealer-1/6f1e2d3c"}`:                     1,
		`lotus_miner_worker_memory_bytes{kind="physical",worker="gpu-2"}`:              549755813888,
		`lotus_miner_worker_memory_bytes{kind="swap",worker="gpu-2"}`:                  17179869184,
		`lotus_miner_worker_memory_bytes{kind="used",worker="sealer-1/0b9c4e7a"}`:      418759311360,
		`lotus_miner_worker_memory_bytes{kind="tasks_min",worker="sealer-1/0b9c4e7a"}`: 60129542144,
		`lotus_miner_worker_memory_bytes{kind="tasks_max",worker="sealer-1/0b9c4e7a"}`: 68719476736,
	})
	if len(got) != 3*11 {
		t.Errorf("%d series, want 33 (11 per worker)", len(got))
	}
}

const (
	sealPathID   = "2f8a6c1e-93d4-4b57-a0e2-6d1c8b3f9a47"
	workerPathID = "c95e0d3a-7f18-4e2b-9c64-3a8f5b1d2e70"
)

func TestStorage(t *testing.T) {
	f := newFixture(t, nil, nil)
	got, err := values(t, f, Storage{})
	if err != nil {
		t.Fatal(err)
	}
	expectValues(t, got, map[string]float64{
		`lotus_miner_storage_info{can_seal="true",can_store="false",host="127.0.0.1",path="/mnt/nvme0/lotus-seal",storage_id="` + sealPathID + `",url="http://127.0.0.1:2345/remote",weight="5"}`: 1,
		`lotus_miner_storage_info{can_seal="true",can_store="false",host="10.0.0.21",path="",storage_id="` + workerPathID + `",url="http://10.0.0.21:3456/remote",weight="2"}`:                    1,
		`lotus_miner_storage_capacity_bytes{storage_id="` + sealPathID + `"}`:     7681501126656,
		`lotus_miner_storage_available_bytes{storage_id="` + sealPathID + `"}`:    2166471794688,
		`lotus_miner_storage_fs_available_bytes{storage_id="` + sealPathID + `"}`: 3197263945728,
		`lotus_miner_storage_reserved_bytes{storage_id="` + sealPathID + `"}`:     1030792151040,
		`lotus_miner_storage_used_bytes{storage_id="` + workerPathID + `"}`:       1073741824,
		`lotus_miner_storage_stat_error{storage_id="` + workerPathID + `"}`:       0,
		`lotus_miner_storage_max_bytes{storage_id="` + sealPathID + `"}`:          6597069766656,
	}, `lotus_miner_storage_max_bytes{storage_id="`+workerPathID+`"}`)
	if len(got) != 3*7+1 {
		t.Errorf("%d series, want 22 (7 per path, and the seal path's limit)", len(got))
	}
}

// A worker that is down: its path keeps its info, loses its space, and the others are untouched.
func TestStorageUnreachablePath(t *testing.T) {
	sc := lotustest.Small()
	p := sc.Storage[workerPathID]
	p.Unreachable = true
	sc.Storage[workerPathID] = p
	f := newFixture(t, sc, nil)
	// The path being down is what lotus-miner says about the miner: a value, not a failure.
	got, err := values(t, f, Storage{})
	if err != nil {
		t.Errorf("error %v, want success: an unreachable path is data", err)
	}
	expectValues(t, got, map[string]float64{
		`lotus_miner_storage_info{can_seal="true",can_store="false",host="10.0.0.21",path="",storage_id="` + workerPathID + `",url="http://10.0.0.21:3456/remote",weight="2"}`: 1,
		`lotus_miner_storage_stat_error{storage_id="` + workerPathID + `"}`:                                                                                                    1,
		`lotus_miner_storage_stat_error{storage_id="` + sealPathID + `"}`:                                                                                                      0,
		`lotus_miner_storage_capacity_bytes{storage_id="` + sealPathID + `"}`:                                                                                                  7681501126656,
	}, `lotus_miner_storage_capacity_bytes{storage_id="`+workerPathID+`"}`, `lotus_miner_storage_available_bytes{storage_id="`+workerPathID+`"}`)
	if len(got) != 3*2+2*5+1 {
		t.Errorf("%d series, want 17 (info and stat_error per path, 5 space series for each reachable path, a limit)", len(got))
	}
}

// A node 10 epochs behind the wall clock: the deadlines' opening times are where the wall
// clock is when the chain reaches them, so they do not move with the lag, and the open
// deadline shows as open 10 epochs longer than its head says (the WindowPoSt alert compares
// them with time()).
func TestDeadlineTimesOnALaggingNode(t *testing.T) {
	synced := newFixture(t, nil, nil)
	lagging := newFixture(t, nil, nil)
	lagging.src.Node.Now = synced.src.Now.Add(10 * 30 * time.Second)
	a, errA := values(t, synced, Proving{})
	b, errB := values(t, lagging, Proving{})
	if errA != nil || errB != nil {
		t.Fatal(errA, errB)
	}
	for i := range 48 {
		k := `lotus_miner_deadline_open_timestamp_seconds{deadline="` + strconv.Itoa(i) + `"}`
		if a[k] != b[k] {
			t.Errorf("%s: %v synced, %v lagging; want the same", k, a[k], b[k])
		}
	}
	open := b[`lotus_miner_deadline_open_timestamp_seconds{deadline="17"}`]
	if since := float64(lagging.src.Now.Unix()) - open; since != (37+10)*30+45 {
		t.Errorf("the open deadline opened %v s before the lagging run, want %d (37 epochs before the head, 10 of lag, 45 s into the epoch)", since, (37+10)*30+45)
	}
}
