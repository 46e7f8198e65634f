// Finality and F3 in every state a daemon can be in, with the values written out by hand.
package metrics

import (
	"context"
	"encoding/json"
	"maps"
	"strings"
	"testing"

	"github.com/lotus-farcaster/lotus-farcaster/lotusapi/lotustest"
)

// The HELP and TYPE lines of the finality series, in the order testutil sorts them.
const (
	finalizedHelp = `
# HELP lotus_chain_ec_finality_threshold_depth Depth in epochs at which EC finality's reorg guarantee is met (ecFinalityThresholdDepth); -1 when it is not: EC finality degraded.
# TYPE lotus_chain_ec_finality_threshold_depth gauge
`
	epochsHelp = `# HELP lotus_chain_finalized_epoch Height of the finalized tipset: any = the one the daemon treats as final, f3 = by the newest F3 certificate, ec = by the EC finality calculator.
# TYPE lotus_chain_finalized_epoch gauge
`
	runningHelp = `# HELP lotus_f3_running 1 when F3 runs on the daemon (F3IsRunning), else 0: enabled but stopped, or disabled.
# TYPE lotus_f3_running gauge
`
	instanceHelp = `# HELP lotus_f3_latest_instance GPBFT instance of the newest F3 certificate.
# TYPE lotus_f3_latest_instance gauge
`
	participatingHelp = `# HELP lotus_miner_f3_participating 1 when the daemon lists the miner among its F3 participants (F3ListParticipants), else 0; written while F3 runs.
# TYPE lotus_miner_f3_participating gauge
`
)

// Small's daemon, v1.36 with F3 running, head 4999873: EC finality 30 epochs deep at
// 4999843, F3's certificate 77216 finalizing 4999868, the newer, so the one treated as final;
// f01234 takes part in F3.
func TestFinality(t *testing.T) {
	f := newFixture(t, nil, nil)
	expectCollector(t, f, Finality{}, finalizedHelp+`lotus_chain_ec_finality_threshold_depth 30
`+epochsHelp+`lotus_chain_finalized_epoch{kind="any"} 4999868
lotus_chain_finalized_epoch{kind="ec"} 4999843
lotus_chain_finalized_epoch{kind="f3"} 4999868
`+runningHelp+`lotus_f3_running 1
`+instanceHelp+`lotus_f3_latest_instance 77216
`+participatingHelp+`lotus_miner_f3_participating 1
`, "")
}

// A v1.34 daemon has no ChainGetTipSetFinalityStatus (-32601): no finalized epochs, and no
// failure; its F3 methods still answer.
func TestFinalityOnV1_34(t *testing.T) {
	sc := lotustest.Small()
	sc.DaemonVersion = lotustest.V1_34
	f := newFixture(t, sc, nil)
	expectCollector(t, f, Finality{}, runningHelp+`lotus_f3_running 1
`+instanceHelp+`lotus_f3_latest_instance 77216
`+participatingHelp+`lotus_miner_f3_participating 1
`, "")
}

// Without F3 every F3 method answers "f3 is disabled" (code 4): F3 does not run, nothing
// more of it is asked, and nothing failed. Finality is EC's.
func TestFinalityF3Disabled(t *testing.T) {
	sc := lotustest.Small()
	sc.F3 = lotustest.F3Disabled
	f := newFixture(t, sc, nil)
	expectCollector(t, f, Finality{}, finalizedHelp+`lotus_chain_ec_finality_threshold_depth 30
`+epochsHelp+`lotus_chain_finalized_epoch{kind="any"} 4999843
lotus_chain_finalized_epoch{kind="ec"} 4999843
`+runningHelp+`lotus_f3_running 0
`, "")
}

// F3 enabled but stopped: running 0, and neither its certificate nor its participants are
// asked for (they would say "f3 is not running").
func TestFinalityF3NotRunning(t *testing.T) {
	sc := lotustest.Small()
	sc.F3 = lotustest.F3NotRunning
	f := newFixture(t, sc, nil)
	f.fake.ResetRequests()
	expectCollector(t, f, Finality{}, finalizedHelp+`lotus_chain_ec_finality_threshold_depth 30
`+epochsHelp+`lotus_chain_finalized_epoch{kind="any"} 4999843
lotus_chain_finalized_epoch{kind="ec"} 4999843
`+runningHelp+`lotus_f3_running 0
`, "")
	want := map[string]int{"ChainGetTipSetFinalityStatus": 1, "F3IsRunning": 1}
	if got := f.fake.Requests("daemon"); !maps.Equal(got, want) {
		t.Errorf("requests %v, want %v", got, want)
	}
}

// F3 stopping between F3IsRunning and its certificate: the certificate's "f3 is not running"
// is a fact too.
func TestFinalityF3StopsDuringTheRun(t *testing.T) {
	f := newFixture(t, nil, func(s *lotustest.Server) {
		s.SetFault("daemon", "F3GetLatestCertificate", lotustest.Fault{Message: "f3 is not running"})
	})
	got, err := values(t, f, Finality{})
	if err != nil {
		t.Fatal(err)
	}
	expectValues(t, got, map[string]float64{`lotus_f3_running{}`: 1, `lotus_miner_f3_participating{}`: 1}, `lotus_f3_latest_instance{}`)
}

// EC finality degraded (depth -1, no EC tipset): F3's is the finalized one.
func TestFinalityECDegraded(t *testing.T) {
	sc := lotustest.Small()
	sc.ECFinalityDepth = -1
	f := newFixture(t, sc, nil)
	expectCollector(t, f, Finality{}, finalizedHelp+`lotus_chain_ec_finality_threshold_depth -1
`+epochsHelp+`lotus_chain_finalized_epoch{kind="any"} 4999868
lotus_chain_finalized_epoch{kind="f3"} 4999868
`+runningHelp+`lotus_f3_running 1
`+instanceHelp+`lotus_f3_latest_instance 77216
`+participatingHelp+`lotus_miner_f3_participating 1
`, "")
}

// F3 running before its first certificate (F3GetLatestCertificate answers null), with
// degraded EC finality: the static head − 900 is final, and the miner, not among the
// participants, is written as 0.
func TestFinalityBeforeTheFirstCertificate(t *testing.T) {
	sc := lotustest.Small()
	sc.ECFinalityDepth, sc.F3Certificate, sc.F3Participants = -1, nil, []uint64{2182902}
	f := newFixture(t, sc, nil)
	expectCollector(t, f, Finality{}, finalizedHelp+`lotus_chain_ec_finality_threshold_depth -1
`+epochsHelp+`lotus_chain_finalized_epoch{kind="any"} 4998973
`+runningHelp+`lotus_f3_running 1
`+participatingHelp+`lotus_miner_f3_participating 0
`, "")
}

// Anything else that fails is a failure: what was read is still written.
func TestFinalityFailures(t *testing.T) {
	for _, c := range []struct {
		name, method string
		fault        lotustest.Fault
		wantErr      string
		present      []string
		absent       []string
	}{
		{"finality status 500", "ChainGetTipSetFinalityStatus", lotustest.Fault{Kind: lotustest.FaultHTTP500},
			"daemon ChainGetTipSetFinalityStatus: malformed answer",
			[]string{`lotus_f3_running{}`, `lotus_f3_latest_instance{}`}, []string{`lotus_chain_finalized_epoch{kind="any"}`}},
		{"null finalized tipset", "ChainGetTipSetFinalityStatus",
			lotustest.Fault{Kind: lotustest.FaultResult, Result: json.RawMessage(`{"ecFinalityThresholdDepth":-1,"ecFinalizedTipSet":null,"f3FinalizedTipSet":null,"finalizedTipSet":null,"head":null}`)},
			"daemon ChainGetTipSetFinalityStatus: finalizedTipSet is null",
			[]string{`lotus_f3_running{}`}, []string{`lotus_chain_ec_finality_threshold_depth{}`}},
		{"no EC tipset at a known depth", "ChainGetTipSetFinalityStatus",
			lotustest.Fault{Kind: lotustest.FaultResult, Result: json.RawMessage(`{"ecFinalityThresholdDepth":30,"ecFinalizedTipSet":null,"f3FinalizedTipSet":null,"finalizedTipSet":{"Cids":[],"Blocks":[],"Height":4998973},"head":null}`)},
			"daemon ChainGetTipSetFinalityStatus: ecFinalizedTipSet is null at depth 30",
			nil, []string{`lotus_chain_finalized_epoch{kind="any"}`}},
		{"F3IsRunning fails", "F3IsRunning", lotustest.Fault{Message: "blockstore: block not found"},
			"daemon F3IsRunning: blockstore: block not found",
			[]string{`lotus_chain_finalized_epoch{kind="f3"}`}, []string{`lotus_f3_running{}`, `lotus_miner_f3_participating{}`}},
		{"participants garbage", "F3ListParticipants", lotustest.Fault{Kind: lotustest.FaultMalformed},
			"daemon F3ListParticipants: malformed answer",
			[]string{`lotus_f3_running{}`, `lotus_f3_latest_instance{}`}, []string{`lotus_miner_f3_participating{}`}},
		{"F3IsRunning null", "F3IsRunning", lotustest.Fault{Kind: lotustest.FaultNull},
			"daemon F3IsRunning: answered null", nil, []string{`lotus_f3_running{}`}},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t, nil, func(s *lotustest.Server) { s.SetFault("daemon", c.method, c.fault) })
			got, err := values(t, f, Finality{})
			if err == nil || !strings.HasPrefix(err.Error(), c.wantErr) {
				t.Errorf("error %v, want %q", err, c.wantErr)
			}
			for _, k := range c.present {
				if _, ok := got[k]; !ok {
					t.Errorf("%s missing: a failure elsewhere drops nothing else", k)
				}
			}
			expectValues(t, got, nil, c.absent...)
		})
	}
}

// Several miners read by one daemon: each call is made once per run, and each miner's file
// says whether that miner takes part in F3.
func TestFinalityOncePerRun(t *testing.T) {
	f := newFixture(t, nil, nil)
	f.fake.ResetRequests()
	other := f.src.ForMiner(context.Background(), MinerSpec{MinerID: "f05678", DaemonOnly: true})
	for miner, want := range map[*Sources]float64{f.src: 1, other: 0} {
		got, err := values(t, &fixture{src: miner}, Finality{})
		if err != nil {
			t.Fatal(err)
		}
		expectValues(t, got, map[string]float64{`lotus_miner_f3_participating{}`: want, `lotus_chain_finalized_epoch{kind="any"}`: 4999868})
	}
	want := map[string]int{"ChainGetTipSetFinalityStatus": 1, "F3IsRunning": 1, "F3GetLatestCertificate": 1, "F3ListParticipants": 1}
	if got := f.fake.Requests("daemon"); !maps.Equal(got, want) {
		t.Errorf("requests %v, want %v", got, want)
	}
}
