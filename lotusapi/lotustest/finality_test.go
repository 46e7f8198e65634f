// Tests of the finality status and F3 answers: Lotus's rules (chain_v2.go, f3.go), and the client reading them.
package lotustest

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/lotus-farcaster/lotus-farcaster/lotusapi"
)

// heights is ChainGetTipSetFinalityStatus's answer with each tipset cut to its height; -1
// stands for null.
type heights struct{ depth, ec, f3, finalized, head int64 }

func finalityHeights(t *testing.T, srv *Server) heights {
	t.Helper()
	resp := rawCall(t, daemonV2URL(srv), srv.DaemonToken, "ChainGetTipSetFinalityStatus", nil)
	if resp.Error != nil {
		t.Fatalf("error %d: %s", resp.Error.Code, resp.Error.Message)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(resp.Result, &raw); err != nil {
		t.Fatal(err)
	}
	var depth int64
	if err := json.Unmarshal(raw["ecFinalityThresholdDepth"], &depth); err != nil {
		t.Fatalf("ecFinalityThresholdDepth: %v in %s", err, resp.Result)
	}
	height := func(key string) int64 {
		var ts *struct{ Height int64 }
		v, ok := raw[key]
		if !ok {
			t.Fatalf("no %s in %s", key, resp.Result)
		}
		if err := json.Unmarshal(v, &ts); err != nil {
			t.Fatalf("%s: %v", key, err)
		}
		if ts == nil {
			return -1
		}
		return ts.Height
	}
	return heights{depth, height("ecFinalizedTipSet"), height("f3FinalizedTipSet"), height("finalizedTipSet"), height("head")}
}

// What ChainGetTipSetFinalityStatus answers in each state, by lotus node/impl/full/chain_v2.go:
// the EC tipset at the calculator's depth (the one before a null round), null at depth -1;
// F3's when it runs with a certificate at most 900 epochs old; the finalized one the newer of
// the two, head − 900 when neither is known. Small's head is 4999873.
func TestFinalityStatus(t *testing.T) {
	for _, c := range []struct {
		name   string
		change func(*Scenario)
		want   heights
	}{
		{"healthy", func(*Scenario) {}, heights{30, 4999843, 4999868, 4999868, 4999873}},
		{"EC degraded", func(sc *Scenario) { sc.ECFinalityDepth = -1 }, heights{-1, -1, 4999868, 4999868, 4999873}},
		{"F3 not running", func(sc *Scenario) { sc.F3 = F3NotRunning }, heights{30, 4999843, -1, 4999843, 4999873}},
		{"F3 disabled", func(sc *Scenario) { sc.F3 = F3Disabled }, heights{30, 4999843, -1, 4999843, 4999873}},
		{"no certificate yet", func(sc *Scenario) { sc.F3Certificate = nil }, heights{30, 4999843, -1, 4999843, 4999873}},
		{"certificate older than 900 epochs", func(sc *Scenario) { sc.F3Certificate.Lag = 901 }, heights{30, 4999843, -1, 4999843, 4999873}},
		{"EC degraded, F3 not running", func(sc *Scenario) { sc.ECFinalityDepth, sc.F3 = -1, F3NotRunning },
			heights{-1, -1, -1, 4998973, 4999873}},
		// 4999873 − 52 = 4999821, a null round like 4999820: the tipset at 4999819.
		{"EC depth on a null round", func(sc *Scenario) { sc.ECFinalityDepth = 52 }, heights{52, 4999819, 4999868, 4999868, 4999873}},
	} {
		t.Run(c.name, func(t *testing.T) {
			sc := Small()
			sc.F3Certificate = &F3Certificate{Instance: 77216, Lag: 5} // Small's, not shared between cases
			c.change(sc)
			srv := Start(sc)
			t.Cleanup(srv.Close)
			if got := finalityHeights(t, srv); got != c.want {
				t.Errorf("depth, ec, f3, finalized, head = %v, want %v", got, c.want)
			}
		})
	}
}

// The certificate finalizes the tipset the finality status calls F3's, and the participants'
// leases run from the instance after it (chain/lf3/participation_lease.go).
func TestF3Answers(t *testing.T) {
	srv, _ := start(t)
	resp := rawCall(t, srv.DaemonURL, srv.DaemonToken, "F3GetLatestCertificate", nil)
	var cert struct {
		GPBFTInstance uint64
		ECChain       []struct{ Epoch int64 }
	}
	if err := json.Unmarshal(resp.Result, &cert); err != nil {
		t.Fatal(err)
	}
	if cert.GPBFTInstance != 77216 || len(cert.ECChain) != 2 || cert.ECChain[0].Epoch != 4999867 || cert.ECChain[1].Epoch != 4999868 {
		t.Errorf("certificate %+v, want instance 77216 finalizing 4999868 on the base 4999867", cert)
	}
	resp = rawCall(t, srv.DaemonURL, srv.DaemonToken, "F3ListParticipants", nil)
	const want = `[{"MinerID":1234,"FromInstance":77217,"ValidityTerm":5},{"MinerID":2182902,"FromInstance":77217,"ValidityTerm":5}]`
	if string(resp.Result) != want {
		t.Errorf("F3ListParticipants = %s, want %s", resp.Result, want)
	}

	srv.Update(func(sc *Scenario) { sc.F3Certificate, sc.F3Participants = nil, nil })
	if resp := rawCall(t, srv.DaemonURL, srv.DaemonToken, "F3GetLatestCertificate", nil); string(resp.Result) != "null" || resp.Error != nil {
		t.Errorf("no certificate yet: %s %+v, want null", resp.Result, resp.Error)
	}
	if resp := rawCall(t, srv.DaemonURL, srv.DaemonToken, "F3ListParticipants", nil); string(resp.Result) != "[]" {
		t.Errorf("no participant: %s, want []", resp.Result)
	}
}

// The client reads each release's finality and F3 answers as what they are.
func TestClientReadsFinality(t *testing.T) { forEachRelease(t, clientReadsFinality) }

func clientReadsFinality(t *testing.T, v LotusVersion, srv *Server, _ *Scenario) {
	ctx := context.Background()
	d := dialDaemon(t, srv.DaemonEndpoint())
	st, err := d.ChainGetTipSetFinalityStatus(ctx)
	switch {
	case v == V1_34 && !lotusapi.IsMethodNotFound(err):
		t.Errorf("v1.34 ChainGetTipSetFinalityStatus: %v, want method not found", err)
	case v == V1_36 && (err != nil || st.ECFinalityThresholdDepth != 30 || st.ECFinalizedTipSet.Height != 4999843 ||
		st.F3FinalizedTipSet.Height != 4999868 || st.FinalizedTipSet.Height != 4999868):
		t.Errorf("v1.36 ChainGetTipSetFinalityStatus: %+v, %v", st, err)
	}
	if cert, err := d.F3GetLatestCertificate(ctx); err != nil || cert.GPBFTInstance != 77216 {
		t.Errorf("F3GetLatestCertificate: %+v, %v", cert, err)
	}

	srv.Update(func(sc *Scenario) { sc.F3Certificate = nil })
	if cert, err := d.F3GetLatestCertificate(ctx); err != nil || cert != nil {
		t.Errorf("F3GetLatestCertificate before the first certificate: %+v, %v; want nil, nil", cert, err)
	}
	srv.Update(func(sc *Scenario) { sc.F3 = F3NotRunning })
	if _, err := d.F3GetLatestCertificate(ctx); lotusapi.KindOf(err) != lotusapi.KindF3NotRunning {
		t.Errorf("F3GetLatestCertificate, F3 not running: %v", err)
	}
	srv.Update(func(sc *Scenario) { sc.F3 = F3Disabled })
	if _, err := d.F3IsRunning(ctx); lotusapi.KindOf(err) != lotusapi.KindF3Disabled {
		t.Errorf("F3IsRunning, F3 disabled: %v", err)
	}
	if _, err := d.F3ListParticipants(ctx); lotusapi.KindOf(err) != lotusapi.KindF3Disabled {
		t.Errorf("F3ListParticipants, F3 disabled: %v", err)
	}
}
