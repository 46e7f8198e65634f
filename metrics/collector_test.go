// The collector spine's bounds: label values, series per collector, one line per failure.
package metrics

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
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
func (flood) Update(_ context.Context, _ *Sources, ch chan<- prometheus.Metric) error {
	desc := prometheus.NewDesc("lotus_test_flood", "Test.", []string{"n"}, nil)
	for i := range 1_000_000 {
		ch <- constMetric(desc, prometheus.GaugeValue, 1, fmt.Sprint(i))
	}
	return nil
}

func TestSeriesBound(t *testing.T) {
	src := (&Node{}).ForMiner(context.Background(), "f01234", false)
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
	st.update(func(f *stateFile) { f.Rewards = &rewardsState{Height: 42, Blocks: 3, WinCount: 4} })
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
