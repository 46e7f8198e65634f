// Lotus's error answers, as the wire carries them from v1.34 and v1.36 nodes, read into CallErrors.
package lotusapi

import (
	"context"
	"fmt"
	"testing"
)

// revertData is an Ethereum revert reason as Lotus puts it in an "execution reverted"
// error's data: Error(string) "not owner", ABI-encoded.
const revertData = "0x08c379a0" +
	"0000000000000000000000000000000000000000000000000000000000000020" +
	"0000000000000000000000000000000000000000000000000000000000000009" +
	"6e6f74206f776e65720000000000000000000000000000000000000000000000"

// callWithError returns the error of a call the node answers with the JSON-RPC error
// object errObj.
func callWithError(t *testing.T, errObj string) error {
	t.Helper()
	d, _ := dialRaw(t, &rawServer{errObj: errObj})
	_, err := d.StateVerifiedClientStatus(context.Background(), "f1wq7qnyd7xhk2vieeg4w7imasqokiieb73pkq32e", nil)
	return err
}

func TestClassifyLotusErrors(t *testing.T) {
	for _, c := range []struct {
		name   string
		errObj string // the "error" of the answer, byte for byte
		kind   Kind
		code   int
		text   string // the CallError's message
	}{
		// StateLookupID and StateVerifiedClientStatus of a key not on chain: api.ErrActorNotFound.
		{"v1.36 api.ErrActorNotFound", `{"code":11,"message":"actor not found"}`,
			KindActorNotFound, 11, "daemon StateVerifiedClientStatus: actor not found"},
		{"v1.34 api.ErrActorNotFound", `{"code":3,"message":"actor not found"}`,
			KindActorNotFound, 3, "daemon StateVerifiedClientStatus: actor not found"},
		// Both releases: the state tree's error, wrapped (StateGetActor, the miner methods).
		{"StateGetActor of a key not on chain", `{"code":1,"message":"resolution lookup failed (f1wq7qnyd7xhk2vieeg4w7imasqokiieb73pkq32e): resolve address f1wq7qnyd7xhk2vieeg4w7imasqokiieb73pkq32e: actor not found"}`,
			KindActorNotFound, 1, "daemon StateVerifiedClientStatus: resolution lookup failed (f1wq7qnyd7xhk2vieeg4w7imasqokiieb73pkq32e): resolve address f1wq7qnyd7xhk2vieeg4w7imasqokiieb73pkq32e: actor not found"},
		{"StateMinerInfo of an ID without actor", `{"code":1,"message":"failed to load miner actor: actor not found"}`,
			KindActorNotFound, 1, "daemon StateVerifiedClientStatus: failed to load miner actor: actor not found"},
		// An Ethereum call's revert (api.ErrExecutionReverted): code 3 from v1.35.0, 11 before.
		{"v1.36 api.ErrExecutionReverted", `{"code":3,"message":"execution reverted","data":"` + revertData + `"}`,
			KindFailed, 3, "daemon StateVerifiedClientStatus: execution reverted"},
		{"v1.34 api.ErrExecutionReverted", `{"code":11,"message":"execution reverted","data":"` + revertData + `"}`,
			KindFailed, 11, "daemon StateVerifiedClientStatus: execution reverted"},
		// StateAccountKey of an ID without actor formats the cause away (chain/vm/vm.go).
		{"code 1, another message", `{"code":1,"message":"failed to find actor: f09999"}`,
			KindFailed, 1, "daemon StateVerifiedClientStatus: failed to find actor: f09999"},
		// Lotus sends none of these: nothing but the forms above is taken for "actor not found".
		{"code 3, another message", `{"code":3,"message":"resolve address f1wq7qnyd7xhk2vieeg4w7imasqokiieb73pkq32e: actor not found"}`,
			KindFailed, 3, "daemon StateVerifiedClientStatus: resolve address f1wq7qnyd7xhk2vieeg4w7imasqokiieb73pkq32e: actor not found"},
		{"code 11, another message", `{"code":11,"message":"actor not found in the init actor"}`,
			KindFailed, 11, "daemon StateVerifiedClientStatus: actor not found in the init actor"},
		{"another code", `{"code":4,"message":"actor not found"}`,
			KindFailed, 4, "daemon StateVerifiedClientStatus: actor not found"},
		// Every F3 method of a node without F3: api.ErrF3Disabled, code 4 in both releases.
		{"F3 disabled", `{"code":4,"message":"f3 is disabled"}`,
			KindF3Disabled, 4, "daemon StateVerifiedClientStatus: f3 is disabled"},
		// The certificate methods while F3 is stopped: go-f3's ErrF3NotRunning, in either case.
		{"F3 not running", `{"code":1,"message":"f3 is not running"}`,
			KindF3NotRunning, 1, "daemon StateVerifiedClientStatus: f3 is not running"},
		{"F3 not running, older go-f3", `{"code":1,"message":"F3 is not running"}`,
			KindF3NotRunning, 1, "daemon StateVerifiedClientStatus: F3 is not running"},
		{"F3 not running, wrapped", `{"code":1,"message":"getting F3 certificate: f3 is not running"}`,
			KindFailed, 1, "daemon StateVerifiedClientStatus: getting F3 certificate: f3 is not running"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := callWithError(t, c.errObj)
			ce, ok := err.(*CallError)
			if !ok {
				t.Fatalf("%T %v, want a *CallError", err, err)
			}
			if ce.Kind != c.kind || ce.Code != c.code || ce.Error() != c.text {
				t.Errorf("kind %d, code %d, %q; want kind %d, code %d, %q", ce.Kind, ce.Code, ce.Error(), c.kind, c.code, c.text)
			}
			if !IsNodeAnswer(err) {
				t.Error("IsNodeAnswer = false for the node's own answer")
			}
		})
	}
}

// Each of codes 3 and 11 is "actor not found" in one release and "execution reverted" in
// the other: a client that read the code alone would take one for the other.
func TestActorNotFoundIsReadFromTheMessage(t *testing.T) {
	for _, code := range []int{3, 11} {
		notFound := callWithError(t, fmt.Sprintf(`{"code":%d,"message":"actor not found"}`, code))
		reverted := callWithError(t, fmt.Sprintf(`{"code":%d,"message":"execution reverted","data":"0x"}`, code))
		if !IsActorNotFound(notFound) || IsActorNotFound(reverted) {
			t.Errorf("code %d: actor not found → %v, execution reverted → %v; want true, false",
				code, IsActorNotFound(notFound), IsActorNotFound(reverted))
		}
	}
}

// A node before v1.33 has no /rpc/v2: its HTTP 404 there means the method is not served,
// while a 404 on /rpc/v1 is a wrong address and stays an HTTP failure.
func TestNotFoundOnV2IsNotServed(t *testing.T) {
	d, _ := dialRaw(t, &rawServer{status: 404})
	ctx := context.Background()
	_, err := d.ChainGetTipSetFinalityStatus(ctx)
	if !IsMethodNotFound(err) || err.Error() != "daemon ChainGetTipSetFinalityStatus: not served: no /rpc/v2 on this node (Lotus before v1.33)" {
		t.Errorf("/rpc/v2 404: %v (kind %d), want not served", err, KindOf(err))
	}
	if _, err := d.F3IsRunning(ctx); KindOf(err) != KindHTTPStatus {
		t.Errorf("/rpc/v1 404: %v (kind %d), want an HTTP failure", err, KindOf(err))
	}
}
