// Tests that the fake Lotus answers in real Lotus's shapes and that auth, faults and counts work.
package lotustest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/filecoin-project/go-jsonrpc"

	"github.com/lotus-farcaster/lotus-farcaster/lotusapi"
)

func start(t *testing.T) (*Server, *Scenario) {
	t.Helper()
	sc := Small()
	srv := Start(sc)
	t.Cleanup(srv.Close)
	return srv, sc
}

func dialDaemon(t *testing.T, ep lotusapi.Endpoint) *lotusapi.Daemon {
	t.Helper()
	d, closer, err := lotusapi.DialDaemon(context.Background(), ep, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(closer)
	return d
}

func dialMiner(t *testing.T, ep lotusapi.Endpoint) *lotusapi.Miner {
	t.Helper()
	m, closer, err := lotusapi.DialMiner(context.Background(), ep, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(closer)
	return m
}

// refMethod is one method section of the reference: its permission and example response.
type refMethod struct {
	perm     string
	response any
}

// readReference parses the "### Method" sections of a reference file in testdata.
func readReference(t *testing.T, name string) map[string]refMethod {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	methods := map[string]refMethod{}
	var method string
	var block *bytes.Buffer // collecting a ```json response block
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case block != nil && line == "```":
			m := methods[method]
			if err := json.Unmarshal(block.Bytes(), &m.response); err != nil {
				t.Fatalf("%s: response of %s: %v", name, method, err)
			}
			methods[method] = m
			block = nil
		case block != nil:
			block.WriteString(line + "\n")
		case strings.HasPrefix(line, "### "):
			method = strings.TrimPrefix(line, "### ")
			methods[method] = refMethod{}
		case strings.HasPrefix(line, "Perms: "):
			m := methods[method]
			m.perm = strings.TrimPrefix(line, "Perms: ")
			methods[method] = m
		case strings.HasPrefix(line, "Response: `"):
			m := methods[method]
			inline := strings.TrimSuffix(strings.TrimPrefix(line, "Response: `"), "`")
			if err := json.Unmarshal([]byte(inline), &m.response); err != nil {
				t.Fatalf("%s: response of %s: %v", name, method, err)
			}
			methods[method] = m
		case line == "Response:":
			if !sc.Scan() || sc.Text() != "```json" {
				t.Fatalf("%s: response of %s is not a json block", name, method)
			}
			block = new(bytes.Buffer)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return methods
}

// streamed are the methods the client calls by hand (lotusapi/stream.go), as client-style
// signatures; they are in no API struct.
var streamed = map[string]map[string]reflect.Type{
	"daemon": {
		"StateMinerSectors": reflect.TypeFor[func(context.Context, string, *lotusapi.BitField, lotusapi.TipSetKey) ([]lotusapi.SectorOnChainInfo, error)](),
		"MpoolPending":      reflect.TypeFor[func(context.Context, lotusapi.TipSetKey) ([]*SignedMessage, error)](),
	},
	"miner": {"StorageList": reflect.TypeFor[func(context.Context) (map[string][]Decl, error)]()},
}

// servedMethods lists the client's methods (the fields of its API structs, and the streamed
// ones) that api serves.
func servedMethods(api string) map[string]reflect.Type {
	structs := []any{lotusapi.CommonAPI{}, lotusapi.FullNodeAPI{}}
	switch api {
	case "miner":
		structs = []any{lotusapi.CommonAPI{}, lotusapi.MinerAPI{}}
	case "daemon /rpc/v2":
		structs = []any{lotusapi.FullNodeV2API{}}
	}
	methods := map[string]reflect.Type{}
	for _, s := range structs {
		t := reflect.TypeOf(s)
		for i := range t.NumField() {
			f := t.Field(i)
			if api == "miner" && strings.HasPrefix(f.Name, "Net") {
				continue
			}
			methods[f.Name] = f.Type
		}
	}
	maps.Copy(methods, streamed[api])
	return methods
}

// daemonV2URL is the daemon's /rpc/v2, beside its /rpc/v1.
func daemonV2URL(srv *Server) string { return strings.TrimSuffix(srv.DaemonURL, "/rpc/v1") + "/rpc/v2" }

// paramsFor builds valid params for a method from its client signature.
func paramsFor(sc *Scenario, method string, fn reflect.Type) []any {
	var params []any
	for i := 1; i < fn.NumIn(); i++ {
		switch fn.In(i) {
		case reflect.TypeOf(""):
			switch method {
			case "StateAccountKey":
				params = append(params, sc.MinerInfo.Worker)
			case "StateVerifiedClientStatus": // a DataCap holder, so the answer is not null
				params = append(params, sc.AccountKeys[slices.Sorted(maps.Keys(sc.DataCap))[0]])
			case "StorageInfo", "StorageStat":
				params = append(params, reachablePath(sc))
			default:
				params = append(params, sc.MinerID)
			}
		case reflect.TypeOf(lotusapi.TipSetKey{}):
			params = append(params, sc.Head.Cids)
		case reflect.TypeOf(int64(0)):
			if method == "ChainGetTipSetByHeight" {
				params = append(params, sc.Head.Height-1)
			} else { // MinerGetBaseInfo: the next round
				params = append(params, sc.Head.Height+1)
			}
		case reflect.TypeOf(&lotusapi.BitField{}): // StateMinerSectors: no filter
			params = append(params, nil)
		case reflect.TypeOf(uint64(0)):
			if method == "StateMinerPartitions" {
				params = append(params, sc.ProvingDeadline.Index)
			} else { // SectorsStatus: the failed sector, whose info has every field
				params = append(params, failedSector(sc))
			}
		case reflect.TypeOf(false):
			params = append(params, false)
		case reflect.TypeOf([]string{}):
			params = append(params, slices.Collect(maps.Keys(sc.SectorsSummary)))
		default:
			panic("no param for " + fn.In(i).String())
		}
	}
	return params
}

// reachablePath returns the first storage ID of sc, in ID order, that StorageStat answers.
func reachablePath(sc *Scenario) string {
	for _, id := range slices.Sorted(maps.Keys(sc.Storage)) {
		if !sc.Storage[id].Unreachable {
			return id
		}
	}
	panic("no reachable storage path")
}

// failedSector returns the lowest sector of sc with an error.
func failedSector(sc *Scenario) uint64 {
	for _, n := range slices.Sorted(maps.Keys(sc.Sectors)) {
		if sc.Sectors[n].LastErr != "" {
			return n
		}
	}
	panic("no failed sector")
}

// rpcResponse is a JSON-RPC response as read off the wire. Result is "null" for a present
// null and empty when absent; a plain-text answer (401, 404) is left in Text.
type rpcResponse struct {
	Status int // the HTTP status
	Result json.RawMessage
	Error  *struct {
		Code    int
		Message string
	}
	Text string
}

// rawCall posts one JSON-RPC request, bypassing the client.
func rawCall(t *testing.T, url, token, method string, params []any) rpcResponse {
	t.Helper()
	body, err := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": 1, "method": "Filecoin." + method, "params": params})
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	r := rpcResponse{Status: resp.StatusCode}
	if resp.Header.Get("Content-Type") != "application/json" {
		text, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		r.Text = string(text)
		return r
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		t.Fatalf("%s: HTTP %s: %v", method, resp.Status, err)
	}
	return r
}

// rawMessagePlaceholder is what the reference generator writes for a json.RawMessage,
// whose real content is any JSON (LogAlerts messages are objects).
const rawMessagePlaceholder = "json raw message"

// compareShape reports every key of got that the example lacks or holds with another JSON
// kind. A null on either side matches anything; an empty example object is free-form
// (StateReadState's State); arrays compare each element with the example's first.
func compareShape(got, want any, path string, errs *[]string) {
	if got == nil || want == nil || want == rawMessagePlaceholder {
		return
	}
	switch g := got.(type) {
	case map[string]any:
		w, ok := want.(map[string]any)
		if !ok {
			*errs = append(*errs, fmt.Sprintf("%s: fake sends an object, example has %T", path, want))
			return
		}
		if len(w) == 0 {
			return
		}
		for k, v := range g {
			wv, ok := w[k]
			if !ok {
				*errs = append(*errs, fmt.Sprintf("%s.%s: not in the example", path, k))
				continue
			}
			compareShape(v, wv, path+"."+k, errs)
		}
	case []any:
		w, ok := want.([]any)
		if !ok {
			*errs = append(*errs, fmt.Sprintf("%s: fake sends an array, example has %T", path, want))
			return
		}
		if len(w) == 0 {
			return
		}
		for i, v := range g {
			compareShape(v, w[0], fmt.Sprintf("%s[%d]", path, i), errs)
		}
	default:
		if reflect.TypeOf(got) != reflect.TypeOf(want) {
			*errs = append(*errs, fmt.Sprintf("%s: fake sends %T, example has %T", path, got, want))
		}
	}
}

var (
	cidType      = reflect.TypeOf(lotusapi.Cid{})
	bigIntType   = reflect.TypeOf(lotusapi.BigInt{})
	bitFieldType = reflect.TypeOf(lotusapi.BitField{})
	timeType     = reflect.TypeOf(time.Time{})
	rawType      = reflect.TypeOf(json.RawMessage{})
)

// checkFields reports every exported field of the client type t that the example lacks,
// or holds with a JSON kind t cannot decode.
func checkFields(t reflect.Type, example any, path string, errs *[]string) {
	if example == nil || t == rawType {
		return
	}
	kindErr := func(want string) {
		*errs = append(*errs, fmt.Sprintf("%s: client type %s wants %s, example has %T", path, t, want, example))
	}
	switch {
	case t == cidType:
		if m, ok := example.(map[string]any); !ok || m["/"] == nil {
			kindErr(`{"/": ...}`)
		}
		return
	case t == bigIntType || t == timeType:
		if _, ok := example.(string); !ok {
			kindErr("a string")
		}
		return
	case t == bitFieldType:
		if _, ok := example.([]any); !ok {
			kindErr("an array")
		}
		return
	}
	switch t.Kind() {
	case reflect.Pointer:
		checkFields(t.Elem(), example, path, errs)
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			if _, ok := example.(string); !ok {
				kindErr("base64 string")
			}
			return
		}
		a, ok := example.([]any)
		if !ok {
			kindErr("an array")
			return
		}
		if len(a) > 0 {
			checkFields(t.Elem(), a[0], path+"[0]", errs)
		}
	case reflect.Map:
		m, ok := example.(map[string]any)
		if !ok {
			kindErr("an object")
			return
		}
		for k, v := range m {
			checkFields(t.Elem(), v, path+"."+k, errs)
		}
	case reflect.Struct:
		m, ok := example.(map[string]any)
		if !ok {
			kindErr("an object")
			return
		}
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name := f.Name
			if tag, _, _ := strings.Cut(f.Tag.Get("json"), ","); tag != "" {
				name = tag // ChainGetTipSetFinalityStatus's fields are camelCase
			}
			v, ok := m[name]
			if !ok {
				*errs = append(*errs, fmt.Sprintf("%s.%s: client field not in the example", path, name))
				continue
			}
			checkFields(f.Type, v, path+"."+name, errs)
		}
	case reflect.String:
		if _, ok := example.(string); !ok {
			kindErr("a string")
		}
	case reflect.Bool:
		if _, ok := example.(bool); !ok {
			kindErr("a bool")
		}
	default: // numbers
		if _, ok := example.(float64); !ok {
			kindErr("a number")
		}
	}
}

// mapValues returns the values of a JSON object as an array.
func mapValues(v any) []any {
	var values []any
	for _, e := range v.(map[string]any) {
		values = append(values, e)
	}
	return values
}

func TestShapesMatchReference(t *testing.T) {
	srv, sc := start(t)
	apis := []struct {
		api, url, token, reference string
	}{
		{"daemon", srv.DaemonURL, srv.DaemonToken, "full-node-v1-methods.md"},
		{"daemon /rpc/v2", daemonV2URL(srv), srv.DaemonToken, "full-node-v2-methods.md"},
		{"miner", srv.MinerURL, srv.MinerToken, "miner-v0-methods.md"},
	}
	for _, a := range apis {
		ref := readReference(t, a.reference)
		for method, fn := range servedMethods(a.api) {
			t.Run(a.api+"/"+method, func(t *testing.T) {
				r, ok := ref[method]
				if !ok {
					t.Fatalf("%s is not in %s", method, a.reference)
				}
				if perms[method] != r.perm {
					t.Errorf("perms[%q] = %q, reference says %q", method, perms[method], r.perm)
				}
				resp := rawCall(t, a.url, a.token, method, paramsFor(sc, method, fn))
				if resp.Error != nil {
					t.Fatalf("error %d: %s", resp.Error.Code, resp.Error.Message)
				}
				got := decodeSample(t, resp.Result)
				var errs []string
				out, example := fn.Out(0), r.response
				switch method {
				case "StorageList":
					// The client decodes only the keys; check the declarations the fake sends.
					out = reflect.TypeOf(map[string][]Decl{})
				case "SealingSchedDiag":
					// The reference's example is a bare {}; NOTES.md describes the real shape.
					example = schedDiagExample(t)
				}
				want := example
				if out.Kind() == reflect.Map {
					// Keys of a map result are data (protocol names, UUIDs): compare values with the example's.
					got, want = mapValues(got), mapValues(want)
				}
				compareShape(got, want, method, &errs)
				checkFields(out, example, method, &errs)
				for _, e := range errs {
					t.Error(e)
				}
			})
		}
	}
}

// decodeSample decodes a result; of a long array (StateMinerSectors), only the first 1000
// and the last 100 elements, which hold every kind of element the scenarios send.
func decodeSample(t *testing.T, result json.RawMessage) any {
	t.Helper()
	var elems []json.RawMessage
	if json.Unmarshal(result, &elems) == nil && len(elems) > 1100 {
		elems = append(elems[:1000], elems[len(elems)-100:]...)
		result, _ = json.Marshal(elems)
	}
	var v any
	if err := json.Unmarshal(result, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// schedDiagExample is SealingSchedDiag's answer as NOTES.md describes it, with placeholder
// values like the reference's; CallToWork, keyed by call IDs, is free-form.
func schedDiagExample(t *testing.T) any {
	t.Helper()
	const example = `{
		"SchedInfo": {
			"Requests": [{"Sector": {"Miner": 1000, "Number": 100}, "TaskType": "seal/v0/precommit/1", "Priority": 0,
				"SchedId": "ef8d99a2-6865-4189-8ffa-9fef0f806eee"}],
			"OpenWindows": ["ef8d99a2-6865-4189-8ffa-9fef0f806eee"]
		},
		"ReturnedWork": ["string value"],
		"Waiting": ["string value"],
		"CallToWork": {},
		"EarlyRet": ["string value"]
	}`
	var v any
	if err := json.Unmarshal([]byte(example), &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// The conformance test only checks that what the fake sends is in the example; this checks
// that SealingSchedDiag sends all of NOTES.md's shape and nothing else.
func TestSealingSchedDiagShape(t *testing.T) {
	srv, _ := start(t)
	resp := rawCall(t, srv.MinerURL, srv.MinerToken, "SealingSchedDiag", []any{true})
	if resp.Error != nil {
		t.Fatal(resp.Error.Message)
	}
	var diag struct {
		SchedInfo struct {
			Requests []json.RawMessage
		}
	}
	if err := json.Unmarshal(resp.Result, &diag); err != nil {
		t.Fatal(err)
	}
	var info struct{ SchedInfo json.RawMessage }
	_ = json.Unmarshal(resp.Result, &info)
	for _, c := range []struct {
		name string
		raw  json.RawMessage
		want []string
	}{
		{"result", resp.Result, []string{"CallToWork", "EarlyRet", "ReturnedWork", "SchedInfo", "Waiting"}},
		{"SchedInfo", info.SchedInfo, []string{"OpenWindows", "Requests"}},
		{"request", diag.SchedInfo.Requests[0], []string{"Priority", "SchedId", "Sector", "TaskType"}},
	} {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(c.raw, &m); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got := slices.Sorted(maps.Keys(m)); !slices.Equal(got, c.want) {
			t.Errorf("%s keys = %q, want %q", c.name, got, c.want)
		}
	}
}

// TestShapeCheckersCatchMismatches guards the checkers against passing everything.
func TestShapeCheckersCatchMismatches(t *testing.T) {
	var example, got any
	_ = json.Unmarshal([]byte(`{"Height": 1, "Cids": [{"/": "x"}]}`), &example)
	_ = json.Unmarshal([]byte(`{"Height": "1", "Cids": [{"/": "x", "Extra": 1}], "More": true}`), &got)
	var errs []string
	compareShape(got, example, "ts", &errs)
	checkFields(reflect.TypeOf(lotusapi.TipSet{}), example, "ts", &errs)
	want := []string{
		"ts.Height: fake sends string, example has float64",
		"ts.Cids[0].Extra: not in the example",
		"ts.More: not in the example",
		"ts.Blocks: client field not in the example",
	}
	for _, w := range want {
		if !slices.Contains(errs, w) {
			t.Errorf("missing %q in %q", w, errs)
		}
	}
}

func TestClientReadsScenario(t *testing.T) {
	srv, sc := start(t)
	ctx := context.Background()
	d := dialDaemon(t, srv.DaemonEndpoint())
	head, err := d.ChainHead(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if head.Height != sc.Head.Height || len(head.Blocks) != 3 || head.Blocks[0].Timestamp != 1598306400+30*uint64(head.Height) {
		t.Errorf("head = %+v", head)
	}
	rs, err := d.StateReadState(ctx, sc.MinerID, head.Key())
	if err != nil {
		t.Fatal(err)
	}
	var ms lotusapi.MinerState
	if err := json.Unmarshal(rs.State, &ms); err != nil {
		t.Fatal(err)
	}
	if ms.InitialPledge.String() != sc.MinerState.InitialPledge.String() || rs.Balance.String() != sc.Actors[sc.MinerID].Balance.String() {
		t.Errorf("StateReadState = %+v, state %+v", rs, ms)
	}
	byKey, err := d.StateGetActor(ctx, smallWorkerKey, head.Key())
	if err != nil {
		t.Fatal(err)
	}
	if byKey.Nonce != sc.Actors[smallWorkerID].Nonce {
		t.Errorf("worker by key = %+v", byKey)
	}
	start, err := d.StartTime(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, offset := start.Zone(); offset != 2*60*60 || !start.Equal(sc.DaemonStart) {
		t.Errorf("StartTime = %v, want %v in +02:00", start, sc.DaemonStart)
	}

	v0 := srv.DaemonEndpoint()
	v0.URL = strings.TrimSuffix(v0.URL, "/rpc/v1") + "/rpc/v0"
	v, err := dialDaemon(t, v0).Version(ctx)
	if err != nil || v.APIVersion != 66816 {
		t.Errorf("daemon /rpc/v0 Version = %+v, %v", v, err)
	}
	addr, err := dialMiner(t, srv.MinerEndpoint()).ActorAddress(ctx)
	if err != nil || addr != "f01234" {
		t.Errorf("ActorAddress = %q, %v", addr, err)
	}
}

// Each API answers as its own release: a v1.34 daemon with a v1.36 lotus-miner, and the
// reverse, as providers run them mid-upgrade.
func TestReleasePerAPI(t *testing.T) {
	for _, c := range []struct {
		daemon, miner               LotusVersion
		daemonV1, daemonV0, minerV0 string // Version's raw answers
		actorNotFound               int    // the daemon's code for StateVerifiedClientStatus of a key not on chain
	}{
		{V1_34, V1_36,
			`{"Version":"1.34.2+mainnet+git.3d7e5a1","APIVersion":131840,"BlockDelay":30,"Agent":"lotus"}`,
			`{"Version":"1.34.2+mainnet+git.3d7e5a1","APIVersion":66816,"BlockDelay":30,"Agent":"lotus"}`,
			`{"Version":"1.36.1+mainnet+git.9a8b7c6","APIVersion":66816,"BlockDelay":30,"Agent":"lotus"}`, 3},
		{V1_36, V1_34,
			`{"Version":"1.36.2+mainnet+git.0f1d2e3","APIVersion":131840,"BlockDelay":30,"Agent":"lotus"}`,
			`{"Version":"1.36.2+mainnet+git.0f1d2e3","APIVersion":66816,"BlockDelay":30,"Agent":"lotus"}`,
			`{"Version":"1.34.1+mainnet+git.b6c40f9","APIVersion":66816,"BlockDelay":30,"Agent":"lotus"}`, 11},
	} {
		sc := Small()
		sc.DaemonVersion, sc.MinerVersion = c.daemon, c.miner
		srv := Start(sc)
		defer srv.Close()
		daemonV0 := strings.TrimSuffix(srv.DaemonURL, "/rpc/v1") + "/rpc/v0"
		for _, v := range []struct{ url, token, want string }{
			{srv.DaemonURL, srv.DaemonToken, c.daemonV1},
			{daemonV0, srv.DaemonToken, c.daemonV0},
			{srv.MinerURL, srv.MinerToken, c.minerV0},
		} {
			if got := rawCall(t, v.url, v.token, "Version", nil); string(got.Result) != v.want {
				t.Errorf("%s Version = %s, want %s", v.url, got.Result, v.want)
			}
		}
		resp := rawCall(t, srv.DaemonURL, srv.DaemonToken, "StateVerifiedClientStatus", []any{smallUnfundedKey, head(sc)})
		if resp.Error == nil || resp.Error.Code != c.actorNotFound {
			t.Errorf("daemon %s: StateVerifiedClientStatus of a key not on chain answered %+v, want code %d", c.daemonV1, resp.Error, c.actorNotFound)
		}
	}
}

func TestSmallAmountsAreNotFloatExact(t *testing.T) {
	sc := Small()
	for name, b := range map[string]lotusapi.BigInt{
		"owner balance": sc.Actors[smallOwnerID].Balance,
		"miner balance": sc.Actors[sc.MinerID].Balance,
		"available":     sc.AvailableBalance,
		"locked":        sc.MinerState.LockedFunds,
	} {
		back, _ := new(big.Float).SetFloat64(b.Float64()).Int(nil)
		if back.Cmp(b.Int()) == 0 {
			t.Errorf("%s %s is exact in float64", name, b)
		}
	}
}

func TestAtTime(t *testing.T) {
	sc := Small()
	now := time.Unix(1598306400+30*5100000+17, 0)
	at := sc.AtTime(now)
	if at.Head.Height != 5100000 || at.Head.Blocks[1].Timestamp != 1598306400+30*5100000 || at.Head.Blocks[1].Height != 5100000 {
		t.Errorf("AtTime head = %+v", at.Head)
	}
	if sc.Head.Height != smallHeadHeight || sc.Head.Blocks[1].Height != smallHeadHeight {
		t.Errorf("AtTime changed the original head: %+v", sc.Head)
	}
	// The open deadline stays open, so its PoSt submissions stay consistent.
	if pd := at.ProvingDeadline; pd.Index != 17 || pd.Open != 5100000-37 {
		t.Errorf("AtTime proving deadline %+v", pd)
	}
	if sc.ProvingDeadline.CurrentEpoch != smallHeadHeight {
		t.Errorf("AtTime changed the original proving deadline: %+v", sc.ProvingDeadline)
	}
	// Every timestamp moves with the head; the original keeps its own.
	const shift = (5100000 - smallHeadHeight) * 30
	if got := at.Sectors[55083].Log[0].Timestamp; got != 1748273450+shift || sc.Sectors[55083].Log[0].Timestamp != 1748273450 {
		t.Errorf("sector log moved to %d (original %d), want %d", got, sc.Sectors[55083].Log[0].Timestamp, 1748273450+shift)
	}
	for w, jobs := range at.Jobs {
		if d := jobs[0].Start.Sub(sc.Jobs[w][0].Start); d != shift*time.Second {
			t.Errorf("job of %s moved by %s", w, d)
		}
	}
	if d := at.MinerStart.Sub(sc.MinerStart); d != shift*time.Second || at.DaemonAlerts[0].LastActive.Time.Sub(sc.DaemonAlerts[0].LastActive.Time) != d {
		t.Errorf("start and alert times moved by %s", d)
	}
	checkConsistency(t, at)
}

func TestAuth(t *testing.T) {
	srv, _ := start(t)
	ctx := context.Background()

	wrong := srv.DaemonEndpoint()
	wrong.Token = "eyJhbGciOiJIUzI1NiJ9.e30.wrong"
	if _, err := dialDaemon(t, wrong).ChainHead(ctx); err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("wrong token: err = %v, want 401", err)
	}

	anon := srv.DaemonEndpoint()
	anon.Token = ""
	d := dialDaemon(t, anon)
	if _, err := d.ChainHead(ctx); err != nil {
		t.Errorf("read without token: %v", err)
	}
	var ce *lotusapi.CallError
	_, err := d.LogAlerts(ctx)
	if !errors.As(err, &ce) || ce.Kind != lotusapi.KindPermission || ce.Need != "admin" {
		t.Errorf("LogAlerts without token: err = %v", err)
	}
	_, err = d.WalletList(ctx)
	if !errors.As(err, &ce) || ce.Kind != lotusapi.KindPermission || ce.Need != "write" {
		t.Errorf("WalletList without token: err = %v", err)
	}

	m := dialMiner(t, srv.MinerEndpoint())
	if _, err := m.NetPeers(ctx); !lotusapi.IsMethodNotFound(err) {
		t.Errorf("miner NetPeers: err = %v, want method not found", err)
	}
}

func TestFaults(t *testing.T) {
	srv, _ := start(t)
	d := dialDaemon(t, srv.DaemonEndpoint())
	ctx := context.Background()

	srv.SetFault("daemon", "ChainHead", Fault{Kind: FaultRPCError, Code: 7, Message: "boom"})
	var jerr *jsonrpc.JSONRPCError
	if _, err := d.ChainHead(ctx); !errors.As(err, &jerr) || jerr.Code != 7 || jerr.Message != "boom" {
		t.Errorf("RPC error fault: err = %v", err)
	}

	srv.SetFault("daemon", "ChainHead", Fault{Kind: FaultDelay, Delay: time.Minute})
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := d.ChainHead(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("delay fault: err = %v, want deadline exceeded", err)
	}

	srv.SetFault("daemon", "ChainHead", Fault{Kind: FaultResult, Result: json.RawMessage(`{"Cids":[],"Blocks":null,"Height":-5}`)})
	if resp := rawCall(t, srv.DaemonURL, srv.DaemonToken, "ChainHead", nil); resp.Status != 200 || string(resp.Result) != `{"Cids":[],"Blocks":null,"Height":-5}` {
		t.Errorf("result fault: HTTP %d, %s", resp.Status, resp.Result)
	}
	srv.SetFault("daemon", "ChainHead", Fault{Kind: FaultNull})
	if resp := rawCall(t, srv.DaemonURL, srv.DaemonToken, "ChainHead", nil); resp.Status != 200 || string(resp.Result) != "null" || resp.Error != nil {
		t.Errorf("null fault: HTTP %d, %s, %+v", resp.Status, resp.Result, resp.Error)
	}

	for _, kind := range []FaultKind{FaultMalformed, FaultHTTP500, FaultUnauthorized, FaultNull} {
		srv.SetFault("daemon", "ChainHead", Fault{Kind: kind})
		if _, err := d.ChainHead(ctx); err == nil {
			t.Errorf("fault kind %d: no error", kind)
		}
	}
	if _, err := d.StateNetworkName(ctx); err != nil {
		t.Errorf("a fault leaked to another method: %v", err)
	}

	srv.ClearFaults()
	if _, err := d.ChainHead(ctx); err != nil {
		t.Errorf("after ClearFaults: %v", err)
	}
	srv.SetFault("daemon", "ChainHead", Fault{Kind: FaultDelay, Delay: time.Millisecond})
	if _, err := d.ChainHead(ctx); err != nil {
		t.Errorf("short delay fault: %v", err)
	}
}

// A padded answer has the size asked for and the usual value; an error answer is not padded.
func TestFaultPadded(t *testing.T) {
	srv, sc := start(t)
	d := dialDaemon(t, srv.DaemonEndpoint())
	for _, method := range []string{"ChainHead", "StateNetworkName", "StateLookupID"} {
		srv.SetFault("daemon", method, Fault{Kind: FaultPadded, Size: 1 << 20})
	}
	body, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": 1, "method": "Filecoin.ChainHead", "params": []any{}})
	req, _ := http.NewRequest(http.MethodPost, srv.DaemonURL, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+srv.DaemonToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	answer, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || len(answer) != 1<<20 {
		t.Errorf("padded answer of %d bytes, %v; want %d", len(answer), err, 1<<20)
	}
	head, err := d.ChainHead(context.Background())
	if err != nil || head.Height != sc.Head.Height {
		t.Errorf("padded ChainHead: %v, %v", head, err)
	}
	if name, err := d.StateNetworkName(context.Background()); err != nil || name != sc.Network {
		t.Errorf("padded StateNetworkName: %q, %v", name, err)
	}
	if resp := rawCall(t, srv.DaemonURL, srv.DaemonToken, "StateLookupID", []any{"f1nowhere", sc.Head.Cids}); resp.Error == nil {
		t.Errorf("padded error answer: %+v, want the error", resp)
	}
}

// A huge FaultResult goes out from the test's one copy, as it is written.
func TestFaultResultStreamed(t *testing.T) {
	srv, _ := start(t)
	const size = 128 << 20
	result := bytes.Repeat([]byte("x"), size)
	result[0], result[size-1] = '"', '"'
	srv.SetFault("daemon", "StateNetworkName", Fault{Kind: FaultResult, Result: result})

	body, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": 1, "method": "Filecoin.StateNetworkName", "params": []any{}})
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	resp, err := http.Post(srv.DaemonURL, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	n, err := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	runtime.ReadMemStats(&after)
	if err != nil || n != int64(size+len(`{"jsonrpc":"2.0","id":1,"result":}`)+1) {
		t.Errorf("read %d bytes, %v", n, err)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 16<<20 {
		t.Errorf("serving %d MiB allocated %d MiB", size>>20, alloc>>20)
	}
	// The client refuses it without reading it all.
	if _, err := dialDaemon(t, srv.DaemonEndpoint()).StateNetworkName(context.Background()); lotusapi.KindOf(err) != lotusapi.KindTooLarge {
		t.Errorf("client: %v", err)
	}
}

func TestTipSetKeyPinned(t *testing.T) {
	srv, sc := start(t)
	d := dialDaemon(t, srv.DaemonEndpoint())
	ctx := context.Background()
	if _, err := d.StateMinerPower(ctx, sc.MinerID, sc.Genesis.Cids); err != nil {
		t.Errorf("genesis key: %v", err)
	}
	other := lotusapi.TipSetKey{{Root: "bafy2bzacecofut5eqe3mgzm5pxn2lntdwj76viidkjeukadfjnc3zunyaaaaa"}}
	for _, tsk := range []lotusapi.TipSetKey{nil, other, sc.Head.Cids[:1]} {
		if _, err := d.StateMinerPower(ctx, sc.MinerID, tsk); err == nil {
			t.Errorf("StateMinerPower with key %v: no error", tsk)
		}
		if err := d.MpoolPending(ctx, tsk, func([]byte) {}); err == nil {
			t.Errorf("MpoolPending with key %v: no error", tsk)
		}
	}
}

func TestBaseInfoNull(t *testing.T) {
	srv, sc := start(t)
	sc.BaseInfo = nil
	resp := rawCall(t, srv.DaemonURL, srv.DaemonToken, "MinerGetBaseInfo", []any{sc.MinerID, sc.Head.Height + 1, sc.Head.Cids})
	if resp.Error != nil || string(resp.Result) != "null" {
		t.Errorf("MinerGetBaseInfo = %s, %+v; want null", resp.Result, resp.Error)
	}
}

func TestRequestsAndCloseDaemon(t *testing.T) {
	srv, _ := start(t)
	ctx := context.Background()
	d := dialDaemon(t, srv.DaemonEndpoint())
	m := dialMiner(t, srv.MinerEndpoint())
	srv.ResetRequests()
	for range 2 {
		if _, err := d.ChainHead(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := d.Version(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Version(ctx); err != nil {
		t.Fatal(err)
	}
	if got := srv.Requests("daemon"); !reflect.DeepEqual(got, map[string]int{"ChainHead": 2, "Version": 1}) {
		t.Errorf("daemon requests = %v", got)
	}
	if got := srv.Requests("miner"); !reflect.DeepEqual(got, map[string]int{"Version": 1}) {
		t.Errorf("miner requests = %v", got)
	}
	srv.ResetRequests()
	if got := srv.Requests("daemon"); len(got) != 0 {
		t.Errorf("after reset: %v", got)
	}

	srv.CloseDaemon()
	var connErr *jsonrpc.RPCConnectionError
	if _, err := d.ChainHead(ctx); !errors.As(err, &connErr) {
		t.Errorf("daemon down: err = %v, want a connection error", err)
	}
	if _, err := m.ActorAddress(ctx); err != nil {
		t.Errorf("miner after CloseDaemon: %v", err)
	}
}

func TestWriteRepos(t *testing.T) {
	srv, _ := start(t)
	home := t.TempDir()
	lotusPath, minerPath, err := srv.WriteRepos(home)
	if err != nil {
		t.Fatal(err)
	}
	if lotusPath != filepath.Join(home, ".lotus") || minerPath != filepath.Join(home, ".lotusminer") {
		t.Errorf("paths = %s, %s", lotusPath, minerPath)
	}
	for _, r := range []struct{ dir, url, token string }{
		{lotusPath, srv.DaemonURL, srv.DaemonToken},
		{minerPath, srv.MinerURL, srv.MinerToken},
	} {
		hostPort := strings.TrimPrefix(r.url, "http://")
		hostPort = hostPort[:strings.Index(hostPort, "/")]
		host, port, _ := strings.Cut(hostPort, ":")
		checkFile(t, filepath.Join(r.dir, "api"), "/ip4/"+host+"/tcp/"+port+"/http", 0o644)
		checkFile(t, filepath.Join(r.dir, "token"), r.token, 0o600)
	}
}

// checkFile checks content and mode; a umask may clear group and other bits of mode.
func checkFile(t *testing.T, path, content string, mode os.FileMode) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(data) != content {
		t.Errorf("%s = %q, want %q", path, data, content)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got&^mode != 0 || got&0o600 != 0o600 {
		t.Errorf("%s mode = %v, want %v", path, got, mode)
	}
}

func TestAdminMethodsNeedToken(t *testing.T) {
	srv, sc := start(t)
	admin := 0
	for method, fn := range servedMethods("miner") {
		if perms[method] != "admin" {
			continue
		}
		admin++
		resp := rawCall(t, srv.MinerURL, "", method, paramsFor(sc, method, fn))
		want := fmt.Sprintf("missing permission to invoke '%s' (need 'admin')", method)
		if resp.Error == nil || resp.Error.Message != want {
			t.Errorf("%s without token: %s, %+v; want %q", method, resp.Result, resp.Error, want)
		}
	}
	if admin != 8 { // LogAlerts, WorkerStats, WorkerJobs, SealingSchedDiag, Storage{List,Local,Info,Stat}
		t.Errorf("%d admin methods on the miner, want 8", admin)
	}
}

func TestProvingMethods(t *testing.T) {
	srv, sc := start(t)
	ctx := context.Background()
	d := dialDaemon(t, srv.DaemonEndpoint())
	tsk := sc.Head.Cids

	resp := rawCall(t, srv.DaemonURL, srv.DaemonToken, "StateMinerPartitions", []any{sc.MinerID, 4, tsk})
	if resp.Error != nil || string(resp.Result) != "null" {
		t.Errorf("partitions of empty deadline 4 = %s, %+v; want null", resp.Result, resp.Error)
	}
	parts, err := d.StateMinerPartitions(ctx, sc.MinerID, 4, tsk)
	if err != nil || parts != nil {
		t.Errorf("client: partitions of deadline 4 = %#v, %v; want a nil slice", parts, err)
	}
	if parts, err := d.StateMinerPartitions(ctx, sc.MinerID, 17, tsk); err != nil || len(parts) != 3 {
		t.Errorf("partitions of deadline 17 = %d, %v", len(parts), err)
	}
	if _, err := d.StateMinerPartitions(ctx, sc.MinerID, 48, tsk); err == nil {
		t.Error("deadline 48: no error")
	}
	dl, err := d.StateMinerProvingDeadline(ctx, sc.MinerID, tsk)
	if err != nil || *dl != sc.ProvingDeadline {
		t.Errorf("StateMinerProvingDeadline = %+v, %v", dl, err)
	}
	count, err := d.StateMinerSectorCount(ctx, sc.MinerID, tsk)
	if err != nil || count != (lotusapi.MinerSectors{Live: 55081, Active: 55046, Faulty: 12}) {
		t.Errorf("StateMinerSectorCount = %+v, %v", count, err)
	}
	deadlines, err := d.StateMinerDeadlines(ctx, sc.MinerID, tsk)
	if err != nil || len(deadlines) != 48 || deadlines[17].PostSubmissions.Count() != 2 {
		t.Errorf("StateMinerDeadlines = %d deadlines, %v", len(deadlines), err)
	}

	calls := map[string]func(tsk lotusapi.TipSetKey, miner string) error{
		"StateMinerProvingDeadline": func(k lotusapi.TipSetKey, m string) error {
			_, err := d.StateMinerProvingDeadline(ctx, m, k)
			return err
		},
		"StateMinerDeadlines": func(k lotusapi.TipSetKey, m string) error {
			_, err := d.StateMinerDeadlines(ctx, m, k)
			return err
		},
		"StateMinerPartitions": func(k lotusapi.TipSetKey, m string) error {
			_, err := d.StateMinerPartitions(ctx, m, 0, k)
			return err
		},
		"StateMinerSectorCount": func(k lotusapi.TipSetKey, m string) error {
			_, err := d.StateMinerSectorCount(ctx, m, k)
			return err
		},
	}
	for name, call := range calls {
		if err := call(tsk, "f09999"); !lotusapi.IsActorNotFound(err) {
			t.Errorf("%s of an unknown miner: err = %v", name, err)
		}
		if err := call(nil, sc.MinerID); err == nil {
			t.Errorf("%s without a tipset key: no error", name)
		}
	}
}

func TestSealingAndStorageMethods(t *testing.T) {
	srv, sc := start(t)
	ctx := context.Background()
	m := dialMiner(t, srv.MinerEndpoint())

	committing, err := m.SectorsListInStates(ctx, []string{"Committing"})
	if want := []uint64{55085, 55085, 55086}; err != nil || !slices.Equal(committing, want) {
		t.Errorf("SectorsListInStates(Committing) = %v, %v; want %v", committing, err, want)
	}
	if none, err := m.SectorsListInStates(ctx, []string{"NoSuchState"}); err != nil || none != nil {
		t.Errorf("SectorsListInStates(NoSuchState) = %#v, %v", none, err)
	}
	info, err := m.SectorsStatus(ctx, 55088, false)
	if err != nil || info.State != "SealPreCommit1Failed" || info.LastErr == "" || len(info.Log) != 9 {
		t.Errorf("SectorsStatus(55088) = %+v, %v", info, err)
	}
	if _, err := m.SectorsStatus(ctx, 1, false); err == nil {
		t.Error("SectorsStatus of a sector outside Sectors: no error")
	}
	jobs, err := m.WorkerJobs(ctx)
	if err != nil || len(jobs[allZeroUUID]) != 3 || jobs[allZeroUUID][0].Hostname != "gpu-2" {
		t.Errorf("WorkerJobs = %+v, %v", jobs, err)
	}
	diag, err := m.SealingSchedDiag(ctx, false)
	if err != nil || len(diag.SchedInfo.Requests) != 3 {
		t.Errorf("SealingSchedDiag = %+v, %v", diag, err)
	}
	ids, err := m.StorageList(ctx)
	if err != nil || len(ids) != 3 {
		t.Errorf("StorageList = %v, %v", ids, err)
	}
	local, err := m.StorageLocal(ctx)
	if err != nil || !reflect.DeepEqual(local, map[string]string{
		"2f8a6c1e-93d4-4b57-a0e2-6d1c8b3f9a47": "/mnt/nvme0/lotus-seal", "8d41b7e2-0c6f-4a93-b5d8-e17f2a9c4b06": "/mnt/store01",
	}) {
		t.Errorf("StorageLocal = %v, %v", local, err)
	}

	const down = "c95e0d3a-7f18-4e2b-9c64-3a8f5b1d2e70"
	if si, err := m.StorageInfo(ctx, down); err != nil || si.URLs[0] != "http://10.0.0.21:3456/remote" {
		t.Errorf("StorageInfo(%s) = %+v, %v", down, si, err)
	}
	worker := sc.Storage[down]
	worker.Unreachable = true
	sc.Storage[down] = worker
	_, err = m.StorageStat(ctx, down)
	var ce *lotusapi.CallError
	if want := "all endpoints failed for remote storage " + down; !errors.As(err, &ce) || ce.Detail != want {
		t.Errorf("StorageStat of the unreachable path: err = %v, want %q", err, want)
	}
	if _, err := m.StorageStat(ctx, "nope"); err == nil {
		t.Error("StorageStat of an unknown ID: no error")
	}
	if _, err := m.StorageInfo(ctx, "nope"); err == nil {
		t.Error("StorageInfo of an unknown ID: no error")
	}
}

// bitSet expands a bitfield, for checks only.
func bitSet(b lotusapi.BitField) map[uint64]bool {
	set := map[uint64]bool{}
	b.ForEach(func(n uint64) bool {
		set[n] = true
		return true
	})
	return set
}

// subset reports whether every number of a is in b.
func subset(a, b map[uint64]bool) bool {
	for n := range a {
		if !b[n] {
			return false
		}
	}
	return true
}

// checkConsistency checks sc against what real Lotus guarantees (see NOTES.md).
func checkConsistency(t *testing.T, sc *Scenario) {
	t.Helper()
	pd := sc.ProvingDeadline
	if pd.WPoStPeriodDeadlines != 48 || pd.WPoStProvingPeriod != 2880 || pd.WPoStChallengeWindow != 60 ||
		pd.WPoStChallengeLookback != 20 || pd.FaultDeclarationCutoff != 70 || pd.CurrentEpoch != sc.Head.Height ||
		pd.Open != pd.PeriodStart+int64(pd.Index)*60 || pd.Close != pd.Open+60 || pd.Challenge != pd.Open-20 ||
		pd.FaultCutoff != pd.Open-70 || pd.PeriodStart > pd.CurrentEpoch || pd.CurrentEpoch >= pd.PeriodStart+2880 ||
		pd.Open > pd.CurrentEpoch || pd.CurrentEpoch >= pd.Close {
		t.Errorf("proving deadline %+v at head %d", pd, sc.Head.Height)
	}
	if len(sc.Deadlines) != 48 || len(sc.Partitions) != 48 {
		t.Fatalf("%d deadlines, %d partition lists; want 48", len(sc.Deadlines), len(sc.Partitions))
	}

	var sum lotusapi.MinerSectors
	miner := map[uint64]bool{} // every sector of the miner
	for dl, parts := range sc.Partitions {
		if parts != nil && len(parts) == 0 {
			t.Errorf("deadline %d: empty but not nil, would answer [] instead of null", dl)
		}
		for i, p := range parts {
			all, live, active := bitSet(p.AllSectors), bitSet(p.LiveSectors), bitSet(p.ActiveSectors)
			faulty, recovering := bitSet(p.FaultySectors), bitSet(p.RecoveringSectors)
			if len(all) > 2349 {
				t.Errorf("deadline %d partition %d: %d sectors", dl, i, len(all))
			}
			if !subset(recovering, faulty) || !subset(faulty, live) || !subset(live, all) || !subset(active, live) {
				t.Errorf("deadline %d partition %d: not Recovering ⊆ Faulty ⊆ Live ⊆ All, Active ⊆ Live", dl, i)
			}
			for n := range active {
				if faulty[n] {
					t.Errorf("deadline %d partition %d: sector %d active and faulty", dl, i, n)
				}
			}
			for n := range all {
				if miner[n] {
					t.Errorf("sector %d in two partitions", n)
				}
				miner[n] = true
			}
			sum.Live += uint64(len(live))
			sum.Active += uint64(len(active))
			sum.Faulty += uint64(len(faulty))
		}
		posts := sc.Deadlines[dl].PostSubmissions
		if posts.Count() > 0 && uint64(dl) != pd.Index {
			t.Errorf("deadline %d has PoSt submissions but deadline %d is open", dl, pd.Index)
		}
		posts.ForEach(func(i uint64) bool {
			if i >= uint64(len(parts)) {
				t.Errorf("deadline %d: partition %d proven of %d", dl, i, len(parts))
			}
			return true
		})
	}
	if sum != sc.SectorCount {
		t.Errorf("partitions sum to %+v, SectorCount is %+v", sum, sc.SectorCount)
	}
	checkOnChain(t, sc)
	checkChain(t, sc)

	if !slices.IsSortedFunc(sc.SectorList, func(a, b uint64) int { return strings.Compare(fmt.Sprint(a), fmt.Sprint(b)) }) {
		t.Errorf("SectorList is not in datastore order: %v", sc.SectorList)
	}
	listed := map[uint64]bool{}
	byState := map[string]int{}
	for _, n := range sc.SectorList {
		info, ok := sc.Sectors[n]
		if !ok {
			t.Errorf("sector %d listed without SectorsStatus", n)
		}
		if !listed[n] {
			byState[info.State]++
		}
		listed[n], miner[n] = true, true
	}
	total := 0
	for state, count := range sc.SectorsSummary {
		total += count
		if state != "Proving" && count != byState[state] {
			t.Errorf("SectorsSummary[%s] = %d, %d listed", state, count, byState[state])
		}
	}
	if total != len(miner) {
		t.Errorf("SectorsSummary counts %d sectors, the miner has %d", total, len(miner))
	}
	for n, info := range sc.Sectors {
		if !listed[n] || info.SectorID != n {
			t.Errorf("sector %d: listed %v, SectorID %d", n, listed[n], info.SectorID)
		}
		for i, l := range info.Log {
			if !strings.HasPrefix(l.Kind, "event;sealing.Sector") || i > 0 && l.Timestamp < info.Log[i-1].Timestamp ||
				l.Timestamp > sc.Head.Blocks[0].Timestamp {
				t.Errorf("sector %d log %d: %+v", n, i, l)
			}
		}
	}

	if _, ok := sc.Workers[allZeroUUID]; ok {
		t.Error("WorkerStats lists the all-zero UUID")
	}
	for w, jobs := range sc.Jobs {
		if _, ok := sc.Workers[w]; !ok && w != allZeroUUID {
			t.Errorf("jobs of unknown worker %s", w)
		}
		for _, j := range jobs {
			finished := j.RunWait < 0
			if finished != (w == allZeroUUID) || finished != (j.Hostname != "") {
				t.Errorf("worker %s job %+v: finished calls go under the all-zero UUID, with a hostname", w, j)
			}
			if _, offset := j.Start.Zone(); offset != 2*60*60 || !strings.Contains(j.Task, "/v0/") {
				t.Errorf("job %+v", j)
			}
		}
	}
	for id, p := range sc.Storage {
		if p.Info.ID != id || p.Unreachable && p.LocalPath != "" {
			t.Errorf("storage %s: %+v", id, p)
		}
	}
}

func TestSmallConsistent(t *testing.T) { checkConsistency(t, Small()) }

func TestPencilConsistent(t *testing.T) { checkConsistency(t, Pencil()) }

func TestLargeConsistent(t *testing.T) {
	sc := Large(LargeDefault())
	checkConsistency(t, sc)
	jobs, unreachable, stuck := 0, 0, 0
	for _, j := range sc.Jobs {
		jobs += len(j)
	}
	for _, p := range sc.Storage {
		if p.Unreachable {
			unreachable++
		}
	}
	for _, info := range sc.Sectors {
		if info.Log[len(info.Log)-1].Timestamp == sc.Head.Blocks[0].Timestamp-3*24*60*60 {
			stuck++
		}
	}
	if sc.SectorCount.Live != 100000 || len(sc.Sectors) != 200 || len(sc.Workers) != 20 || jobs != 300 ||
		len(sc.Storage) != 6 || unreachable != 1 || stuck != 1 {
		t.Errorf("Large(LargeDefault()): %d live, %d sealing, %d workers, %d jobs, %d paths (%d unreachable), %d stuck",
			sc.SectorCount.Live, len(sc.Sectors), len(sc.Workers), jobs, len(sc.Storage), unreachable, stuck)
	}
	if f := sc.SectorCount.Faulty; f < 400 || f > 600 {
		t.Errorf("%d faulty sectors, want about 0.5%%", f)
	}
	// Every proving sector is declared on a store path.
	declared := 0
	for _, p := range sc.Storage {
		if p.Info.CanStore {
			declared += len(p.Sectors)
		}
	}
	if declared != 100000 {
		t.Errorf("%d sectors declared on store paths", declared)
	}
	// Every dashboard panel has data.
	for _, b := range sc.ExpirationBuckets() {
		if b.Sectors == 0 {
			t.Errorf("no sector expires within %d days", b.Days)
		}
	}
	if len(sc.WonBlocks(0, sc.Head.Height)) == 0 || len(sc.Market) == 0 || len(sc.DataCap) == 0 {
		t.Errorf("Large lacks blocks won, market funds or DataCap")
	}
}

// TestSmallMinerState pins the facts of Small that tests elsewhere rely on.
func TestSmallMinerState(t *testing.T) {
	sc := Small()
	if pd := sc.ProvingDeadline; pd.Index != 17 || pd.Open != 4999836 || pd.PeriodStart != 4998816 {
		t.Errorf("proving deadline %+v", pd)
	}
	var empty []int
	for dl, parts := range sc.Partitions {
		if parts == nil {
			empty = append(empty, dl)
		}
	}
	if !slices.Equal(empty, []int{4, 23, 24, 41}) {
		t.Errorf("empty deadlines %v", empty)
	}
	// 55084 sectors dealt out (smallPartitionSizes); 3 terminated leave 55081 live, of which
	// 12 faulty and 23 not yet proven are not active.
	if want := (lotusapi.MinerSectors{Live: 55081, Active: 55046, Faulty: 12}); sc.SectorCount != want {
		t.Errorf("SectorCount %+v, want %+v", sc.SectorCount, want)
	}
	p := sc.Partitions
	if len(p[17]) != 3 || sc.Deadlines[17].PostSubmissions.Count() != 2 {
		t.Errorf("deadline 17: %d partitions, %d proven", len(p[17]), sc.Deadlines[17].PostSubmissions.Count())
	}
	if f, r := p[9][1].FaultySectors.Count(), p[9][1].RecoveringSectors.Count(); f != 12 || r != 5 {
		t.Errorf("deadline 9 partition 1: %d faulty, %d recovering", f, r)
	}
	if all, live := p[31][0].AllSectors.Count(), p[31][0].LiveSectors.Count(); all-live != 3 {
		t.Errorf("deadline 31: %d all, %d live", all, live)
	}
	if live, active := p[38][1].LiveSectors.Count(), p[38][1].ActiveSectors.Count(); live-active != 23 {
		t.Errorf("deadline 38 partition 1: %d live, %d active", live, active)
	}
	want := map[string]int{"Proving": 55079, "Available": 1, "Removed": 3, "FinalizeSector": 1, "SubmitCommitAggregate": 1,
		"Committing": 2, "WaitSeed": 1, "SealPreCommit1Failed": 1, "PreCommit2": 1, "PreCommit1": 4}
	if !maps.Equal(sc.SectorsSummary, want) {
		t.Errorf("SectorsSummary = %v", sc.SectorsSummary)
	}
	hosts := map[string]int{}
	var noGPU, disabled int
	for _, w := range sc.Workers {
		hosts[w.Info.Hostname]++
		if w.Info.Resources.GPUs == nil {
			noGPU++
		}
		if !w.Enabled {
			disabled++
		}
	}
	if hosts["sealer-1"] != 2 || hosts["gpu-2"] != 1 || noGPU != 1 || disabled != 1 {
		t.Errorf("workers: hosts %v, %d without GPU, %d disabled", hosts, noGPU, disabled)
	}
	runWaits := map[int]bool{}
	for _, jobs := range sc.Jobs {
		for _, j := range jobs {
			runWaits[j.RunWait] = true
		}
	}
	if got := slices.Sorted(maps.Keys(runWaits)); !slices.Equal(got, []int{-3, -2, -1, 0, 1, 2, 3}) {
		t.Errorf("RunWait values %v", got)
	}
}
