// Tests that errors and nulls reach the wire as real Lotus sends them, and that the client classifies them.
package lotustest

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/lotus-farcaster/lotus-farcaster/lotusapi"
)

// How a wireCase authenticates.
const (
	noToken = iota
	adminToken
	wrongToken
)

// wireCase is one call and the answer Lotus gives it on the wire.
type wireCase struct {
	name   string
	api    string // "" for the daemon, "miner", daemonV2, or a path on the miner's server
	auth   int
	method string
	params func(sc *Scenario) []any
	setup  func(sc *Scenario)

	status  int
	code    int    // JSON-RPC error code; 0 for a result
	message string // the error message, or its start when it ends in "..."
	result  string // the raw result, when there is no error ("" to skip)
}

func (c wireCase) check(t *testing.T, srv *Server, sc *Scenario) {
	t.Helper()
	if c.setup != nil {
		srv.Update(c.setup)
	}
	url, token := srv.DaemonURL, srv.DaemonToken
	switch c.api {
	case "miner":
		url, token = srv.MinerURL, srv.MinerToken
	case daemonV2:
		url = daemonV2URL(srv)
	case "":
	default:
		url, token = strings.TrimSuffix(srv.MinerURL, "/rpc/v0")+c.api, srv.MinerToken
	}
	switch c.auth {
	case noToken:
		token = ""
	case wrongToken:
		token = "eyJhbGciOiJIUzI1NiJ9.e30.wrong"
	}
	var params []any
	if c.params != nil {
		params = c.params(sc)
	}
	resp := rawCall(t, url, token, c.method, params)
	if resp.Status != c.status {
		t.Errorf("HTTP %d, want %d (%s%+v)", resp.Status, c.status, resp.Text, resp.Error)
	}
	switch {
	case c.code == 0 && resp.Error != nil:
		t.Errorf("error %d %q, want a result", resp.Error.Code, resp.Error.Message)
	case c.code == 0 && c.result != "" && string(resp.Result) != c.result:
		t.Errorf("result %s, want %s", resp.Result, c.result)
	case c.code != 0 && resp.Error == nil:
		t.Errorf("result %s, want error %d", resp.Result, c.code)
	case c.code != 0 && resp.Error.Code != c.code:
		t.Errorf("error code %d (%q), want %d", resp.Error.Code, resp.Error.Message, c.code)
	case c.code != 0 && !matches(resp.Error.Message, c.message):
		t.Errorf("error message %q, want %q", resp.Error.Message, c.message)
	case c.code != 0 && resp.Result != nil:
		t.Errorf("an error with a result: %s", resp.Result)
	}
}

func matches(got, want string) bool {
	if prefix, ok := strings.CutSuffix(want, "..."); ok {
		return strings.HasPrefix(got, prefix)
	}
	return got == want
}

func head(sc *Scenario) lotusapi.TipSetKey { return sc.Head.Cids }

// daemonV2 is a wireCase's api for the daemon's /rpc/v2.
const daemonV2 = "daemon /rpc/v2"

// forEachRelease runs test against the Small scenario served with both APIs at each
// release.
func forEachRelease(t *testing.T, test func(t *testing.T, v LotusVersion, srv *Server, sc *Scenario)) {
	for _, r := range []struct {
		name    string
		version LotusVersion
	}{{"v1.34", V1_34}, {"v1.36", V1_36}} {
		t.Run(r.name, func(t *testing.T) {
			sc := Small()
			sc.DaemonVersion, sc.MinerVersion = r.version, r.version
			srv := Start(sc)
			t.Cleanup(srv.Close)
			test(t, r.version, srv, sc)
		})
	}
}

// byRelease is an expectation that changed between Lotus releases, written out for each.
type byRelease map[LotusVersion]int

// TestNotesOnTheWire pins each error and null of ../shared/lotus-api/NOTES.md the fake
// serves, as the wire carries it from each release; each case quotes its line of NOTES.md.
func TestNotesOnTheWire(t *testing.T) { forEachRelease(t, notesOnTheWire) }

func notesOnTheWire(t *testing.T, v LotusVersion, srv *Server, sc *Scenario) {
	cases := []wireCase{
		// "A method that fails answers HTTP 200 with {"error": {"code": 1, "message": "..."}}"
		// "StorageStat of an unreachable remote path fails with `all endpoints failed for remote storage <id>`."
		{name: "failed method", api: "miner", auth: adminToken, method: "StorageStat",
			setup: func(sc *Scenario) {
				p := sc.Storage["c95e0d3a-7f18-4e2b-9c64-3a8f5b1d2e70"]
				p.Unreachable = true
				sc.Storage["c95e0d3a-7f18-4e2b-9c64-3a8f5b1d2e70"] = p
			},
			params: func(*Scenario) []any { return []any{"c95e0d3a-7f18-4e2b-9c64-3a8f5b1d2e70"} },
			status: 200, code: 1, message: "all endpoints failed for remote storage c95e0d3a-7f18-4e2b-9c64-3a8f5b1d2e70"},
		// "an unknown method answers HTTP 500 with code -32601"
		// "it has no Net* methods (they left with the markets subsystem in v1.28)"
		{name: "unknown method", api: "miner", auth: adminToken, method: "NetPeers",
			status: 500, code: -32601, message: "method 'Filecoin.NetPeers' not found"},
		// "wrong parameter count -32602"
		{name: "wrong parameter count", auth: adminToken, method: "ChainHead", params: func(*Scenario) []any { return []any{1} },
			status: 500, code: -32602, message: "wrong param count (method 'Filecoin.ChainHead'): 1 != 0"},
		// "undecodable params -32700"
		{name: "undecodable params", auth: adminToken, method: "StateMinerPower", params: func(*Scenario) []any { return []any{"f01234", 7} },
			status: 500, code: -32700, message: "unmarshaling params for 'Filecoin.StateMinerPower'..."},
		// "No `Authorization` header = read-only access"
		{name: "read without a token", method: "ChainHead", status: 200},
		// "a wrong token = HTTP 401"
		{name: "wrong token", auth: wrongToken, method: "ChainHead", status: 401},
		// "Admin-only methods called with a read token fail with `missing permission to invoke 'WorkerStats' (need 'admin')`."
		{name: "admin method without token", api: "miner", method: "WorkerStats",
			status: 200, code: 1, message: "missing permission to invoke 'WorkerStats' (need 'admin')"},
		// "lotus-miner v1.36 serves only `/rpc/v0`"
		{name: "miner /rpc/v1", api: "/rpc/v1", auth: adminToken, method: "Version", status: 404},
		// "`StateMinerPartitions` of an empty deadline returns `null`, not `[]`."
		// "Since v1.27.1 every successful call carries "result" (null for methods without a value)."
		{name: "empty deadline", auth: adminToken, method: "StateMinerPartitions",
			params: func(sc *Scenario) []any { return []any{sc.MinerID, 4, head(sc)} }, status: 200, result: "null"},
		// "`StateLookupID` and `StateVerifiedClientStatus` answer with `api.EActorNotFound` and the message
		// `actor not found`, but that code **changed with Lotus's version** [...]: code **11** from v1.35.0 on
		// (v1.36.2 included; [...]), code **3** in v1.34.x and earlier."
		{name: "StateLookupID of a key not on chain", auth: adminToken, method: "StateLookupID",
			params: func(sc *Scenario) []any { return []any{smallUnfundedKey, head(sc)} }, status: 200,
			code: byRelease{V1_34: 3, V1_36: 11}[v], message: "actor not found"},
		{name: "StateVerifiedClientStatus of a key not on chain", auth: adminToken, method: "StateVerifiedClientStatus",
			params: func(sc *Scenario) []any { return []any{smallUnfundedKey, head(sc)} }, status: 200,
			code: byRelease{V1_34: 3, V1_36: 11}[v], message: "actor not found"},
		// "`StateGetActor` answers code **1** with the state tree's message, e.g.
		// `resolution lookup failed (f1...): resolve address f1...: actor not found`"
		{name: "StateGetActor of a key not on chain", auth: adminToken, method: "StateGetActor",
			params: func(sc *Scenario) []any { return []any{smallUnfundedKey, head(sc)} }, status: 200, code: 1,
			message: "resolution lookup failed (" + smallUnfundedKey + "): resolve address " + smallUnfundedKey + ": actor not found"},
		// "`StateVerifiedClientStatus` is `null` for an address without datacap."
		{name: "StateVerifiedClientStatus without DataCap", auth: adminToken, method: "StateVerifiedClientStatus",
			params: func(sc *Scenario) []any { return []any{smallWorkerKey, head(sc)} }, status: 200, result: "null"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { c.check(t, srv, sc) })
	}
}

// TestFinalityOnTheWire pins NOTES.md's "Finality and F3" as each release serves it; each
// case quotes its line. The cases run in order on one server: F3 running, stopped, disabled.
func TestFinalityOnTheWire(t *testing.T) { forEachRelease(t, finalityOnTheWire) }

func finalityOnTheWire(t *testing.T, v LotusVersion, srv *Server, sc *Scenario) {
	f3 := func(state F3State) func(*Scenario) { return func(sc *Scenario) { sc.F3 = state } }
	disabled := func(method string) wireCase {
		return wireCase{name: method + ", F3 disabled", setup: f3(F3Disabled), auth: adminToken, method: method,
			status: 200, code: 4, message: "f3 is disabled"}
	}
	cases := []wireCase{
		// "`/rpc/v2` is served on the daemon's port only (not lotus-miner's)"
		{name: "miner /rpc/v2", api: "/rpc/v2", auth: adminToken, method: "ChainGetTipSetFinalityStatus", status: 404},
		// "and, since v1.35.1, `ChainGetTipSetFinalityStatus`" "a v1.33–v1.35.0 node answers
		// -32601 "method not found" for ChainGetTipSetFinalityStatus"
		{name: "ChainGetTipSetFinalityStatus", api: daemonV2, auth: adminToken, method: "ChainGetTipSetFinalityStatus",
			status: byRelease{V1_34: 500, V1_36: 200}[v], code: byRelease{V1_34: -32601, V1_36: 0}[v],
			message: "method 'Filecoin.ChainGetTipSetFinalityStatus' not found"},
		// "Methods of `/rpc/v1` (ChainHead, State*) are not on `/rpc/v2`."
		{name: "ChainHead on /rpc/v2", api: daemonV2, auth: adminToken, method: "ChainHead",
			status: 500, code: -32601, message: "method 'Filecoin.ChainHead' not found"},
		// "F3 methods are on `/rpc/v1`: `F3IsRunning` (bool)"
		{name: "F3IsRunning", auth: adminToken, method: "F3IsRunning", status: 200, result: "true"},
		// "When F3 is enabled but not running: `F3IsRunning` false, certificate methods fail
		// with code 1 "f3 is not running""
		{name: "F3IsRunning, F3 not running", setup: f3(F3NotRunning), auth: adminToken, method: "F3IsRunning", status: 200, result: "false"},
		{name: "F3GetLatestCertificate, F3 not running", auth: adminToken, method: "F3GetLatestCertificate",
			status: 200, code: 1, message: "f3 is not running"},
		// "When F3 is disabled on the node: every F3 method fails with code 4
		// (`api.EF3Disabled`) "f3 is disabled"."
		disabled("F3IsRunning"),
		disabled("F3GetLatestCertificate"),
		disabled("F3ListParticipants"),
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { c.check(t, srv, sc) })
	}
}

// TestLotusSourceOnTheWire pins the answers NOTES.md is silent on, from Lotus's source;
// each release sends them alike.
func TestLotusSourceOnTheWire(t *testing.T) { forEachRelease(t, lotusSourceOnTheWire) }

func lotusSourceOnTheWire(t *testing.T, _ LotusVersion, srv *Server, sc *Scenario) {
	minerCall := func(method, addr string) wireCase {
		return wireCase{name: method + " of " + addr, auth: adminToken, method: method, status: 200, code: 1,
			params: func(sc *Scenario) []any { return []any{addr, head(sc)} }}
	}
	with := func(c wireCase, message string) wireCase { c.message = message; return c }
	result := func(c wireCase, result string) wireCase { c.code, c.result = 0, result; return c }
	resolution := "resolution lookup failed (" + smallUnfundedKey + "): resolve address " + smallUnfundedKey + ": actor not found"
	cases := []wireCase{
		// node/impl/full/state.go: miner methods wrap the state tree's error; an ID address
		// without an actor is a bare types.ErrActorNotFound (chain/state/statetree.go).
		with(minerCall("StateMinerInfo", "f09999"), "failed to load miner actor: actor not found"),
		with(minerCall("StateMinerInfo", smallUnfundedKey), "failed to load miner actor: "+resolution),
		with(minerCall("StateMinerInfo", smallOwnerID), "failed to load miner actor state: actor code is not miner: account"),
		with(minerCall("StateMinerProvingDeadline", "f09999"), "failed to load miner actor: actor not found"),
		with(minerCall("StateMinerAvailableBalance", "f09999"), "failed to load miner actor: actor not found"),
		with(minerCall("StateMinerDeadlines", "f09999"), "failed to load miner actor: actor not found"),
		with(minerCall("StateMinerSectorCount", "f09999"), "actor not found"),
		with(minerCall("StateMinerSectorCount", smallOwnerID), "actor code is not miner: account"),
		with(minerCall("StateReadState", "f09999"), "getting actor: actor not found"),
		with(minerCall("StateGetActor", "f09999"), "actor not found"),
		// chain/stmgr/actors.go GetPowerRaw: no claim is no power, not an error.
		result(minerCall("StateMinerPower", "f09999"), ""),
		// chain/stmgr/actors.go MinerGetBaseInfo looks a miner missing at the lookback up again.
		{name: "MinerGetBaseInfo of f09999", auth: adminToken, method: "MinerGetBaseInfo", status: 200, code: 1,
			params:  func(sc *Scenario) []any { return []any{"f09999", sc.Head.Height + 1, head(sc)} },
			message: "loading miner in current state: actor not found"},
		// chain/vm/vm.go ResolveToDeterministicAddr, chain/actors/builtin/account/account.go Load.
		with(minerCall("StateAccountKey", smallMiner), "failed to get account actor state for f01234: actor code is not account: storageminer"),
		with(minerCall("StateAccountKey", "f09999"), "failed to find actor: f09999"),
		result(minerCall("StateAccountKey", smallUnfundedKey), `"`+smallUnfundedKey+`"`),
		// node/impl/full/state.go StateLookupID: an ID address is answered as it is.
		result(minerCall("StateLookupID", "f09999"), `"f09999"`),
		result(minerCall("StateLookupID", smallWorkerKey), `"`+smallWorkerID+`"`),
		// chain/stmgr/actors.go MarketBalance: the ID lookup fails for an unknown key; no entry is zero.
		with(minerCall("StateMarketBalance", smallUnfundedKey), "resolve address "+smallUnfundedKey+": actor not found"),
		result(minerCall("StateMarketBalance", "f09999"), `{"Escrow":"0","Locked":"0"}`),
		result(minerCall("StateMarketBalance", smallMiner), `{"Escrow":"3172816402981736591","Locked":"1209874512376091823"}`),
		// node/impl/full/state.go StateVerifiedClientStatus: no DataCap entry is null.
		result(minerCall("StateVerifiedClientStatus", "f09999"), "null"),
		result(minerCall("StateVerifiedClientStatus", smallControl1Key), `"1124628596523008"`),
		// chain/store/store.go GetTipsetByHeight.
		{name: "tipset above the start point", auth: adminToken, method: "ChainGetTipSetByHeight", status: 200, code: 1,
			params:  func(sc *Scenario) []any { return []any{sc.Head.Height + 1, head(sc)} },
			message: "looking for tipset with height greater than start point, req: 4999874, head: 4999873"},
		// node/impl/storminer.go SectorsListInStates: a nil slice when nothing matches.
		{name: "no sector in the states", api: "miner", auth: adminToken, method: "SectorsListInStates", status: 200, result: "null",
			params: func(*Scenario) []any { return []any{[]string{"NoSuchState"}} }},
		{name: "StateMinerSectors of f09999", auth: adminToken, method: "StateMinerSectors", status: 200, code: 1,
			params:  func(sc *Scenario) []any { return []any{"f09999", nil, head(sc)} },
			message: "failed to load miner actor: actor not found"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { c.check(t, srv, sc) })
	}
}

// TestClientClassifiesErrors checks that lotusapi reads each of Lotus's answers as what it
// is, from each release.
func TestClientClassifiesErrors(t *testing.T) { forEachRelease(t, clientClassifiesErrors) }

func clientClassifiesErrors(t *testing.T, _ LotusVersion, srv *Server, sc *Scenario) {
	ctx := context.Background()
	d := dialDaemon(t, srv.DaemonEndpoint())
	tsk := sc.Head.Key()
	notFound := map[string]error{}
	_, notFound["StateVerifiedClientStatus (api.EActorNotFound)"] = d.StateVerifiedClientStatus(ctx, smallUnfundedKey, tsk)
	_, notFound["StateGetActor (code 1)"] = d.StateGetActor(ctx, smallUnfundedKey, tsk)
	_, notFound["StateGetActor of an ID"] = d.StateGetActor(ctx, "f09999", tsk)
	_, notFound["StateMinerInfo"] = d.StateMinerInfo(ctx, "f09999", tsk)
	_, notFound["StateMarketBalance"] = d.StateMarketBalance(ctx, smallUnfundedKey, tsk)
	for name, err := range notFound {
		if !lotusapi.IsActorNotFound(err) {
			t.Errorf("%s: %v is not actor not found", name, err)
		}
	}
	// Lotus formats this one with %s: the state tree's error is lost, and so is the kind.
	if _, err := d.StateAccountKey(ctx, "f09999", tsk); err == nil || lotusapi.IsActorNotFound(err) || lotusapi.KindOf(err) != lotusapi.KindFailed {
		t.Errorf("StateAccountKey of f09999: %v", err)
	}
	if dc, err := d.StateVerifiedClientStatus(ctx, smallWorkerKey, tsk); err != nil || dc != nil {
		t.Errorf("StateVerifiedClientStatus without DataCap = %v, %v; want nil, nil", dc, err)
	}

	anon := srv.DaemonEndpoint()
	anon.Token = ""
	var ce *lotusapi.CallError
	if _, err := dialDaemon(t, anon).WalletList(ctx); !errors.As(err, &ce) || ce.Kind != lotusapi.KindPermission || ce.Need != "write" {
		t.Errorf("WalletList without token: %v", err)
	}
	wrong := srv.MinerEndpoint()
	wrong.Token = "eyJhbGciOiJIUzI1NiJ9.e30.wrong"
	if _, err := dialMiner(t, wrong).WorkerStats(ctx); lotusapi.KindOf(err) != lotusapi.KindUnauthorized {
		t.Errorf("wrong token: %v", err)
	}
	if _, err := dialMiner(t, srv.MinerEndpoint()).NetPeers(ctx); lotusapi.KindOf(err) != lotusapi.KindMethodNotFound {
		t.Errorf("miner NetPeers: %v", err)
	}

	srv.SetFault("daemon", "ChainHead", Fault{Kind: FaultNull})
	srv.SetFault("daemon", "StateVerifiedClientStatus", Fault{Kind: FaultNull})
	if _, err := d.ChainHead(ctx); lotusapi.KindOf(err) != lotusapi.KindNull {
		t.Errorf("null ChainHead: %v", err)
	}
	if dc, err := d.StateVerifiedClientStatus(ctx, smallControl1Key, tsk); err != nil || dc != nil {
		t.Errorf("null StateVerifiedClientStatus = %v, %v; it may be null", dc, err)
	}
}
