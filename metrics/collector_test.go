// The collector spine's bounds: label values, series per collector, one line per failure.
package metrics

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/lotus-farcaster/lotus-farcaster/curio"
	"github.com/lotus-farcaster/lotus-farcaster/lotusapi"
)

func TestLabelValue(t *testing.T) {
	long := strings.Repeat("sealer-", 100000) // a 700 kB hostname
	other := long[:len(long)-1] + "X"
	a, b := labelValue(long), labelValue(other)
	if len(a) > maxLabelValue || len(b) > maxLabelValue {
		t.Errorf("cut values of %d and %d bytes, want at most %d", len(a), len(b), maxLabelValue)
	}
	if a == b {
		t.Error("two long values that share a prefix were cut to the same value")
	}
	if !strings.HasPrefix(a, "sealer-sealer-") {
		t.Errorf("cut value %q does not keep the beginning", a)
	}
	if got := labelValue("ok-host"); got != "ok-host" {
		t.Errorf("short value changed to %q", got)
	}
	if got := labelValue("bad\xffutf8" + strings.Repeat("é", 200)); !utf8.ValidString(got) || len(got) > maxLabelValue {
		t.Errorf("invalid UTF-8 or long multibyte value made %q", got)
	}
}

// flood stands for a collector fed a hostile answer: a million distinct series.
type flood struct{}

func (flood) Name() string { return "flood" }
func (flood) Needs() Need  { return 0 }
func (flood) Update(_ context.Context, _ *Sources, ch chan<- prometheus.Metric) error {
	desc := prometheus.NewDesc("lotus_test_flood", "Test.", []string{"n"}, nil)
	for i := range 1_000_000 {
		ch <- constMetric(desc, prometheus.GaugeValue, 1, fmt.Sprint(i))
	}
	return nil
}

func TestSeriesBound(t *testing.T) {
	src := (&Node{}).ForMiner(context.Background(), MinerSpec{MinerID: "f01234"})
	run := Execute(context.Background(), src, []Collector{flood{}})
	if err := run.Outcomes[0].Err; err == nil || !strings.Contains(err.Error(), "series beyond the bound") {
		t.Errorf("error %v, want the bound named", err)
	}
	if n := testutil.CollectAndCount(run, "lotus_test_flood"); n != maxSeries {
		t.Errorf("%d series written, want the bound %d", n, maxSeries)
	}
}

func TestSummarizeKeepsOneLine(t *testing.T) {
	errs := []error{errors.New("sector 1: gone")}
	for i := 2; i <= 100; i++ {
		errs = append(errs, fmt.Errorf("sector %d: gone", i))
	}
	err := summarize(joinErrs(joinErrs(errs[:50]...), joinErrs(errs[50:]...)))
	if got := err.Error(); got != "sector 1: gone (and 99 more failures)" {
		t.Errorf("summarize = %q", got)
	}
}

func TestStateRoundTrip(t *testing.T) {
	st := NewState()
	st.update(func(f *stateFile) {
		f.Rewards = &rewardsState{From: 40, Height: 42, Blocks: 3, WinCount: 4, Rewards: bigFIL(t, "16"), LastWon: 1598306400 + 41*30}
	})
	var buf strings.Builder
	if err := st.Encode(&buf, "f01234"); err != nil {
		t.Fatal(err)
	}
	back, err := ReadState(strings.NewReader(buf.String()), "f01234", nil)
	if err != nil || back.file.Rewards == nil || back.file.Rewards.Blocks != 3 {
		t.Fatalf("read back %+v, %v", back.file, err)
	}
	for name, in := range map[string]string{
		"corrupt":         buf.String()[:10],
		"other miner":     buf.String(),
		"another version": strings.Replace(buf.String(), `"version":1`, `"version":99`, 1),
		"not JSON":        "\x00\x01",
	} {
		miner := "f01234"
		if name == "other miner" {
			miner = "f05678"
		}
		st, err := ReadState(strings.NewReader(in), miner, nil)
		if err == nil || st == nil || st.file.Rewards != nil {
			t.Errorf("%s: state %+v, err %v; want an empty state and the reason", name, st, err)
		}
	}
}

func bigFIL(t *testing.T, attoFIL string) lotusapi.BigInt {
	t.Helper()
	b, err := lotusapi.ParseBigInt(attoFIL)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A state whose figures contradict each other or the chain is not believed; a head a few
// epochs below the state's, as after a short reorg, is no contradiction.
func TestStateContradictions(t *testing.T) {
	head := &lotusapi.TipSet{Height: 1000, Blocks: []lotusapi.BlockHeader{{Height: 1000, Timestamp: 1598306400 + 1000*30}}}
	good := func() *stateFile {
		return &stateFile{Version: stateVersion, MinerID: "f01234", Rewards: &rewardsState{
			From: 900, Height: 1000, Blocks: 2, WinCount: 3, Rewards: bigFIL(t, "7"), LastWon: 1598306400 + 990*30,
			Recent: []countedBlock{{CID: "bafy2bzacea", Height: 998}},
		}, Schedule: &sectorSchedule{Read: time.Unix(1700000000, 0), Height: 990,
			Buckets: [5]expiryStat{{Sectors: 1}, {Sectors: 2}, {Sectors: 2}, {Sectors: 5}, {Sectors: 9}}, CC: 4, Deals: 3, Verified: 2},
			CurioBlocks: &curio.Blocks{Epoch: 995, Mined: 3, Orphaned: 1, Unchecked: []curio.MinedBlock{{Epoch: 990, CID: "bafy2bzacea"}}},
			CurioTasks: &curio.TaskHistory{From: time.Unix(1700000000, 0), After: time.Unix(1700000600, 0), Seen: []int64{7},
				Tasks: map[string]*curio.TaskAttempts{"SDR": {Success: curio.Attempts{Count: 1, Seconds: 9}}}}}
	}
	for _, tc := range []struct {
		name  string
		edit  func(f *stateFile)
		wrong string // "" when the state is to be believed
	}{
		{"as written", func(*stateFile) {}, ""},
		{"a reorg 6 epochs deep", func(f *stateFile) { f.Rewards.Height = 1006 }, ""},
		{"a height beyond the head", func(f *stateFile) { f.Rewards.Height = 1007 }, "rewards: epoch 1007 was read, beyond the head 1000"},
		{"started after the end", func(f *stateFile) { f.Rewards.From = 1001 }, "rewards: counting started at epoch 1001, after the last epoch read 1000"},
		{"more blocks than wins", func(f *stateFile) { f.Rewards.Blocks = 4 }, "rewards: 4 blocks but 3 wins"},
		{"rewards without blocks", func(f *stateFile) { f.Rewards.Blocks, f.Rewards.Recent = 0, nil }, "rewards: 0 blocks, 7 attoFIL"},
		{"a block without rewards", func(f *stateFile) { f.Rewards.Rewards = bigFIL(t, "0") }, "rewards: 2 blocks, 0 attoFIL"},
		{"negative rewards", func(f *stateFile) { f.Rewards.Rewards = bigFIL(t, "-7") }, "rewards: 2 blocks, -7 attoFIL"},
		{"a block won in the future", func(f *stateFile) { f.Rewards.LastWon = 1598306400 + 1001*30 }, "rewards: a block won at 1598336430, after the head's time 1598336400"},
		{"more recent blocks than blocks", func(f *stateFile) {
			f.Rewards.Recent = append(f.Rewards.Recent, countedBlock{"a", 999}, countedBlock{"b", 1000})
		}, "rewards: 3 recent blocks of 2"},
		{"a schedule beyond the head", func(f *stateFile) { f.Schedule.Height = 1007 }, "sector schedule: read at epoch 1007, beyond the head 1000"},
		{"fewer expiring within more days", func(f *stateFile) { f.Schedule.Buckets[3].Sectors = 1 }, "sector schedule: expirations within more days are fewer"},
		{"more expiring than live", func(f *stateFile) { f.Schedule.CC = 3 }, "sector schedule: 9 sectors expire within a year of 8 live"},
		{"more blocks orphaned than mined", func(f *stateFile) { f.CurioBlocks.Orphaned = 4 }, "Curio's blocks: 4 blocks orphaned of 3 mined"},
		{"Curio's blocks read beyond the head", func(f *stateFile) { f.CurioBlocks.Epoch = 1002 }, "Curio's blocks: read up to epoch 1002, beyond the head 1000"},
		{"Curio's tasks read before counting began", func(f *stateFile) { f.CurioTasks.After = time.Unix(1600000000, 0) }, "Curio's tasks: reading on at"},
		{"a negative run time", func(f *stateFile) { f.CurioTasks.Tasks["SDR"].Failure.Seconds = -1 }, `Curio's tasks: task "SDR" has no counts, or a negative run time`},
	} {
		f := good()
		tc.edit(f)
		data, err := json.Marshal(f)
		if err != nil {
			t.Fatal(err)
		}
		st, err := ReadState(bytes.NewReader(data), "f01234", head)
		switch {
		case tc.wrong == "" && err != nil:
			t.Errorf("%s: %v, want it believed", tc.name, err)
		case tc.wrong != "" && (err == nil || !strings.HasPrefix(err.Error(), tc.wrong)):
			t.Errorf("%s: %v, want %q", tc.name, err, tc.wrong)
		case tc.wrong != "" && st.file.Rewards != nil:
			t.Errorf("%s: the contradicting state was kept", tc.name)
		}
	}
}
