// Tests that the fake Lotus answers in real Lotus's shapes and that auth, faults and counts work.
package lotustest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync/atomic"
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
	var n atomic.Int64
	d, closer, err := lotusapi.DialDaemon(context.Background(), ep, &n)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(closer)
	return d
}

func dialMiner(t *testing.T, ep lotusapi.Endpoint) *lotusapi.Miner {
	t.Helper()
	var n atomic.Int64
	m, closer, err := lotusapi.DialMiner(context.Background(), ep, &n)
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

// servedMethods lists the client's methods (the fields of its API structs) that api serves.
func servedMethods(api string) map[string]reflect.Type {
	structs := []any{lotusapi.CommonAPI{}, lotusapi.FullNodeAPI{}}
	if api == "miner" {
		structs = []any{lotusapi.CommonAPI{}, lotusapi.MinerAPI{}}
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
	return methods
}

// paramsFor builds valid params for a method from its client signature.
func paramsFor(sc *Scenario, method string, fn reflect.Type) []any {
	var params []any
	for i := 1; i < fn.NumIn(); i++ {
		switch fn.In(i) {
		case reflect.TypeOf(""):
			if method == "StateAccountKey" {
				params = append(params, sc.MinerInfo.Worker)
			} else {
				params = append(params, sc.MinerID)
			}
		case reflect.TypeOf(lotusapi.TipSetKey{}):
			params = append(params, sc.Head.Cids)
		case reflect.TypeOf(int64(0)):
			params = append(params, sc.Head.Height+1)
		default:
			panic("no param for " + fn.In(i).String())
		}
	}
	return params
}

// rpcResponse is a JSON-RPC response as read off the wire.
type rpcResponse struct {
	Result json.RawMessage
	Error  *struct {
		Code    int
		Message string
	}
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
	var r rpcResponse
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
			v, ok := m[f.Name]
			if !ok {
				*errs = append(*errs, fmt.Sprintf("%s.%s: client field not in the example", path, f.Name))
				continue
			}
			checkFields(f.Type, v, path+"."+f.Name, errs)
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
				var got any
				if err := json.Unmarshal(resp.Result, &got); err != nil {
					t.Fatal(err)
				}
				var errs []string
				want := r.response
				if fn.Out(0).Kind() == reflect.Map {
					// Keys of a map result are data (protocol names): compare values with the example's.
					got, want = mapValues(got), mapValues(want)
				}
				compareShape(got, want, method, &errs)
				checkFields(fn.Out(0), r.response, method, &errs)
				for _, e := range errs {
					t.Error(e)
				}
			})
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
	_, err := d.LogAlerts(ctx)
	if err == nil || err.Error() != "missing permission to invoke 'LogAlerts' (need 'admin')" {
		t.Errorf("LogAlerts without token: err = %v", err)
	}
	if _, err := d.WalletList(ctx); err == nil || !strings.Contains(err.Error(), "(need 'write')") {
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

	for _, kind := range []FaultKind{FaultMalformed, FaultHTTP500, FaultUnauthorized} {
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
		if _, err := d.MpoolPending(ctx, tsk); err == nil {
			t.Errorf("MpoolPending with key %v: no error", tsk)
		}
	}
}

func TestActorNotFound(t *testing.T) {
	srv, sc := start(t)
	d := dialDaemon(t, srv.DaemonEndpoint())
	ctx := context.Background()
	tsk := sc.Head.Cids
	_, err := d.StateGetActor(ctx, smallUnfundedKey, tsk)
	if !lotusapi.IsActorNotFound(err) {
		t.Errorf("StateGetActor of an unfunded wallet: err = %v", err)
	}
	_, err = d.StateMinerInfo(ctx, "f09999", tsk)
	if !lotusapi.IsActorNotFound(err) {
		t.Errorf("StateMinerInfo of an unknown miner: err = %v", err)
	}
	_, err = d.StateAccountKey(ctx, sc.MinerID, tsk)
	if !lotusapi.IsActorNotFound(err) {
		t.Errorf("StateAccountKey of the miner: err = %v", err)
	}
	_, err = d.StateReadState(ctx, smallOwnerID, tsk)
	if !lotusapi.IsActorNotFound(err) {
		t.Errorf("StateReadState of an account: err = %v", err)
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
