// The transport under the clients: requests in flight, bounded answers, nulls, HTTP statuses.
package lotusapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// rawServer answers every JSON-RPC request with result (raw JSON), or with the error object
// errObj when set, after holding it for hold, and records the most requests it had in flight
// at once.
type rawServer struct {
	result   string
	errObj   string
	status   int
	hold     time.Duration
	inFlight atomic.Int64
	most     atomic.Int64
}

func (s *rawServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := s.inFlight.Add(1)
	defer s.inFlight.Add(-1)
	for {
		m := s.most.Load()
		if n <= m || s.most.CompareAndSwap(m, n) {
			break
		}
	}
	time.Sleep(s.hold)
	if s.status != 0 {
		http.Error(w, http.StatusText(s.status), s.status)
		return
	}
	var req struct{ ID json.RawMessage }
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if s.errObj != "" {
		fmt.Fprintf(w, `{"jsonrpc":"2.0","id":%s,"error":%s}`, req.ID, s.errObj)
		return
	}
	fmt.Fprintf(w, `{"jsonrpc":"2.0","id":%s,"result":%s}`, req.ID, s.result)
}

func dialRaw(t *testing.T, s *rawServer) (*Daemon, *Requests) {
	t.Helper()
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	var requests Requests
	d, closer, err := DialDaemon(context.Background(), Endpoint{URL: srv.URL}, &requests)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(closer)
	return d, &requests
}

// However many calls the collectors make at once, of however many methods, the daemon
// that also submits WindowPoSt sees at most MaxInFlight of them.
func TestAtMostMaxInFlight(t *testing.T) {
	s := &rawServer{result: `"mainnet"`, hold: 20 * time.Millisecond}
	d, requests := dialRaw(t, s)
	ctx := context.Background()
	calls := []func() (string, error){
		func() (string, error) { return d.StateNetworkName(ctx) },
		func() (string, error) { return d.WalletDefaultAddress(ctx) },
		func() (string, error) { return d.StateAccountKey(ctx, "f0100", nil) },
	}
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() {
			if _, err := calls[i%len(calls)](); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if most := s.most.Load(); most > MaxInFlight {
		t.Errorf("%d requests in flight at once, want at most %d", most, MaxInFlight)
	}
	if n := requests.Daemon.Load(); n != 50 {
		t.Errorf("%d requests counted, want 50", n)
	}
}

// /rpc/v1 and /rpc/v2 are paths of one node: together they too hold MaxInFlight at most.
func TestAtMostMaxInFlightOverBothPaths(t *testing.T) {
	s := &rawServer{errObj: `{"code":1,"message":"busy"}`, hold: 20 * time.Millisecond}
	d, requests := dialRaw(t, s)
	var wg sync.WaitGroup
	for range 25 {
		wg.Go(func() { _, _ = d.F3IsRunning(context.Background()) })
		wg.Go(func() { _, _ = d.ChainGetTipSetFinalityStatus(context.Background()) })
	}
	wg.Wait()
	if most := s.most.Load(); most > MaxInFlight {
		t.Errorf("%d requests in flight at once, want at most %d", most, MaxInFlight)
	}
	if n := requests.Daemon.Load(); n != 50 {
		t.Errorf("%d requests counted, want 50", n)
	}
}

// A null from a method Lotus never answers with null is an error, not zeros; from one of
// NullableMethods it is the method's empty answer.
func TestNullResult(t *testing.T) {
	d, _ := dialRaw(t, &rawServer{result: `null`})
	_, err := d.StateMinerSectorCount(context.Background(), "f01234", nil)
	if KindOf(err) != KindNull || err.Error() != "daemon StateMinerSectorCount: answered null" {
		t.Errorf("StateMinerSectorCount null: %v (kind %d), want KindNull", err, KindOf(err))
	}
	if _, err := d.StateMinerDeadlines(context.Background(), "f01234", nil); KindOf(err) != KindNull {
		t.Errorf("StateMinerDeadlines null: %v, want KindNull", err)
	}
	parts, err := d.StateMinerPartitions(context.Background(), "f01234", 4, nil)
	if err != nil || parts != nil {
		t.Errorf("StateMinerPartitions null: %v, %v; want no partitions and no error", parts, err)
	}
	dc, err := d.StateVerifiedClientStatus(context.Background(), "f0100", nil)
	if err != nil || dc != nil {
		t.Errorf("StateVerifiedClientStatus null: %v, %v; want nil (no DataCap)", dc, err)
	}
	cert, err := d.F3GetLatestCertificate(context.Background())
	if err != nil || cert != nil {
		t.Errorf("F3GetLatestCertificate null: %v, %v; want nil (no certificate yet)", cert, err)
	}
	if _, err := d.ChainGetTipSetFinalityStatus(context.Background()); KindOf(err) != KindNull {
		t.Errorf("ChainGetTipSetFinalityStatus null: %v, want KindNull", err)
	}
}

func TestResponseTooLarge(t *testing.T) {
	d, _ := dialRaw(t, &rawServer{result: `"` + strings.Repeat("x", MaxResponseBytes) + `"`})
	if _, err := d.StateNetworkName(context.Background()); KindOf(err) != KindTooLarge {
		t.Errorf("answer over %d bytes: %v, want KindTooLarge", MaxResponseBytes, err)
	}
}

// A list of empty objects decodes to many times its size: values are bounded like bytes.
func TestResponseTooManyValues(t *testing.T) {
	d, _ := dialRaw(t, &rawServer{result: `[{}` + strings.Repeat(`,{}`, MaxResponseValues) + `]`})
	_, err := d.StateMinerPartitions(context.Background(), "f01234", 0, nil)
	if KindOf(err) != KindTooLarge || err.Error() != "daemon StateMinerPartitions: answer of more than 262144 JSON values" {
		t.Errorf("answer of %d values: %v, want KindTooLarge", MaxResponseValues+2, err)
	}
}

// MpoolPending is streamed: each message's sender, one without a sender included.
func TestMpoolPending(t *testing.T) {
	d, _ := dialRaw(t, &rawServer{result: `[{"Message":{"To":"f01234","From":"f1abc","Params":"gg=="},"CID":{"/":"bafy"}},
		{"Message":{"From":"f3xyz"}},{"Message":{"Nonce":7}}]`})
	var froms []string
	err := d.MpoolPending(context.Background(), nil, func(from []byte) { froms = append(froms, string(from)) })
	if err != nil || strings.Join(froms, ",") != "f1abc,f3xyz," {
		t.Errorf("MpoolPending: %q, %v", froms, err)
	}
}

// Streamed, MpoolPending is still bounded: a larger answer is not Lotus's, and reading it
// stops at the bound.
func TestMpoolPendingTooLarge(t *testing.T) {
	msg := []byte(`{"Message":{"From":"f1abc","Params":"` + strings.Repeat("A", 64<<10) + `"}},`)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"jsonrpc":"2.0","id":1,"result":[`)
		for written := 0; written <= 2*maxMpoolBytes; written += len(msg) {
			if _, err := w.Write(msg); err != nil {
				return
			}
		}
		fmt.Fprint(w, `{}]}`)
	}))
	t.Cleanup(srv.Close)
	d, closer, err := DialDaemon(context.Background(), Endpoint{URL: srv.URL}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(closer)
	n := 0
	err = d.MpoolPending(context.Background(), nil, func([]byte) { n++ })
	if KindOf(err) != KindTooLarge || err.Error() != "daemon MpoolPending: answer larger than 256 MiB" {
		t.Errorf("answer over %d bytes: %v, want KindTooLarge", maxMpoolBytes, err)
	}
	if n > maxMpoolBytes/len(msg) {
		t.Errorf("%d messages read, more than %d bytes", n, maxMpoolBytes)
	}
}

func TestHTTPStatus(t *testing.T) {
	for status, kind := range map[int]Kind{401: KindUnauthorized, 502: KindHTTPStatus, 503: KindHTTPStatus} {
		d, _ := dialRaw(t, &rawServer{status: status})
		_, err := d.StateNetworkName(context.Background())
		if KindOf(err) != kind {
			t.Errorf("HTTP %d: %v (kind %d), want kind %d", status, err, KindOf(err), kind)
		}
	}
}

// A node that is down: one short line, with the reason and not go-jsonrpc's wrappers.
func TestUnreachable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	d, closer, err := DialDaemon(context.Background(), Endpoint{URL: url}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer closer()
	_, err = d.ChainHead(context.Background())
	if KindOf(err) != KindUnreachable || !strings.HasPrefix(err.Error(), "daemon ChainHead: unreachable: ") || strings.Contains(err.Error(), "RPC client error") {
		t.Errorf("down: %q (kind %d)", err, KindOf(err))
	}
}

func TestTimeout(t *testing.T) {
	d, _ := dialRaw(t, &rawServer{result: `"x"`, hold: time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := d.StateNetworkName(ctx); KindOf(err) != KindTimeout || !strings.Contains(err.Error(), "no answer in time") {
		t.Errorf("slow: %v (kind %d), want KindTimeout", err, KindOf(err))
	}
}

// An answer that is not JSON-RPC (a proxy's error page, a body cut short) is malformed: the
// node answered, so it is not unreachable.
func TestNotJSONRPCIsMalformed(t *testing.T) {
	for name, s := range map[string]*rawServer{
		"cut short":      {result: `{"Height":12`},
		"a 500 in text":  {status: http.StatusInternalServerError},
		"not an answer":  {result: `1}]`},
		"a string error": {errObj: `"not an object"`},
	} {
		d, _ := dialRaw(t, s)
		_, err := d.ChainHead(context.Background())
		if KindOf(err) != KindMalformed || !strings.Contains(err.Error(), "daemon ChainHead: malformed answer") {
			t.Errorf("%s: %v (kind %d), want a malformed answer", name, err, KindOf(err))
		}
	}
}
