// The HTTP transport under both clients: few requests in flight, bounded answers, nulls caught.
package lotusapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"sync/atomic"
)

// MaxInFlight is how many requests one API has in flight at once. The daemon a run reads
// is the one that submits WindowPoSt: the exporter must never crowd it.
const MaxInFlight = 4

// MaxResponseBytes bounds one answer read whole. Real answers are kilobytes; the two that
// grow with the miner (StateMinerSectors, StorageList) are streamed and not bounded by it.
const MaxResponseBytes = 64 << 20

// NullableMethods are the methods Lotus legitimately answers with null, and what null means
// there (from Lotus's source: node/impl/full/state.go, node/impl/storminer.go). From any
// other method a null is an error: it would otherwise read as zeros. The lists Lotus builds
// with make (NetPeers, LogAlerts, WalletList, MpoolPending) are never null.
var NullableMethods = map[string]string{
	"StateMinerPartitions":      "a deadline without partitions",
	"StateVerifiedClientStatus": "no DataCap entry",
	"MinerGetBaseInfo":          "no power at the lookback",
	"SectorsListInStates":       "no sector in those states (a nil Go slice)",
	"F3GetLatestCertificate":    "F3 running without a certificate yet (go-f3 certstore Latest)",
}

var (
	errNullResult = errors.New("null result")
	errTooLarge   = errors.New("answer too large")
)

// httpStatusError is an HTTP status that carries no JSON-RPC answer (401, 502, 503, ...).
type httpStatusError struct {
	code   int
	status string
	path   string // the URL path that answered it
}

func (e *httpStatusError) Error() string { return "HTTP " + e.status }

// transport counts requests, holds at most MaxInFlight at a time, and reads each answer
// whole under MaxResponseBytes so it can refuse a null or a non-JSON-RPC status before
// go-jsonrpc decodes it. Streamed calls (see stream.go) get the body as it arrives.
type transport struct {
	base     http.RoundTripper
	requests *atomic.Int64
	slots    chan struct{}
}

type streamKey struct{}

func (t *transport) RoundTrip(r *http.Request) (*http.Response, error) {
	select {
	case t.slots <- struct{}{}:
	case <-r.Context().Done():
		return nil, r.Context().Err()
	}
	release := func() { <-t.slots }
	if t.requests != nil {
		t.requests.Add(1)
	}
	resp, err := t.base.RoundTrip(r)
	if err != nil {
		release()
		return nil, err
	}
	// go-jsonrpc answers with 200, and with 400 or 500 for its own errors; any other status
	// (a 401 for a wrong token, a proxy's 502) carries no JSON-RPC answer.
	switch resp.StatusCode {
	case http.StatusOK, http.StatusBadRequest, http.StatusInternalServerError:
	default:
		resp.Body.Close()
		release()
		return nil, &httpStatusError{code: resp.StatusCode, status: resp.Status, path: r.URL.Path}
	}
	if r.Context().Value(streamKey{}) != nil {
		resp.Body = &releasingBody{ReadCloser: resp.Body, release: release}
		return resp, nil
	}
	defer release()
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxResponseBytes+1))
	resp.Body.Close()
	switch {
	case err != nil:
		return nil, err
	case len(body) > MaxResponseBytes:
		return nil, errTooLarge
	}
	if resp.StatusCode == http.StatusOK && isNullResult(body) && NullableMethods[method(r)] == "" {
		return nil, errNullResult
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return resp, nil
}

// isNullResult reports whether a JSON-RPC answer succeeded with a null result.
func isNullResult(body []byte) bool {
	var answer struct {
		Result json.RawMessage `json:"result"`
		Error  json.RawMessage `json:"error"`
	}
	if json.Unmarshal(body, &answer) != nil {
		return false // go-jsonrpc reports what is wrong with it
	}
	return len(answer.Error) == 0 && (len(answer.Result) == 0 || string(answer.Result) == "null")
}

// method reads the JSON-RPC method name of a request without consuming its body.
func method(r *http.Request) string {
	if r.GetBody == nil {
		return ""
	}
	body, err := r.GetBody()
	if err != nil {
		return ""
	}
	defer body.Close()
	var req struct {
		Method string `json:"method"`
	}
	if json.NewDecoder(body).Decode(&req) != nil {
		return ""
	}
	_, name, found := bytes.Cut([]byte(req.Method), []byte("."))
	if !found {
		return req.Method
	}
	return string(name)
}

// releasingBody frees the request's slot when a streamed answer is closed.
type releasingBody struct {
	io.ReadCloser
	release func()
	done    atomic.Bool
}

func (b *releasingBody) Close() error {
	err := b.ReadCloser.Close()
	if b.done.CompareAndSwap(false, true) {
		b.release()
	}
	return err
}
