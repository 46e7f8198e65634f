// The HTTP transport under both clients: requests counted, bounded answers, nulls caught.
package lotusapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
)

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
}

var errNullResult = errors.New("null result")

// tooLargeError is an answer longer than its call may read.
type tooLargeError struct{ limit int64 }

func (e *tooLargeError) Error() string { return fmt.Sprintf("answer larger than %d MiB", e.limit>>20) }

// httpStatusError is an HTTP status that carries no JSON-RPC answer (401, 502, 503, ...).
type httpStatusError struct {
	code   int
	status string
}

func (e *httpStatusError) Error() string { return "HTTP " + e.status }

// transport counts requests and reads each answer whole under MaxResponseBytes, so it can
// refuse a null or a non-JSON-RPC status before go-jsonrpc decodes it. Streamed calls (see
// stream.go) get the body as it arrives. Every request belongs to a call (calls.go), which
// holds its request slots.
type transport struct {
	base     http.RoundTripper
	requests *atomic.Int64
}

func (t *transport) RoundTrip(r *http.Request) (*http.Response, error) {
	c := callOf(r.Context())
	if t.requests != nil {
		t.requests.Add(1)
	}
	resp, err := t.base.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	// go-jsonrpc answers with 200, and with 400 or 500 for its own errors; any other status
	// (a 401 for a wrong token, a proxy's 502) carries no JSON-RPC answer.
	switch resp.StatusCode {
	case http.StatusOK, http.StatusBadRequest, http.StatusInternalServerError:
	default:
		resp.Body.Close()
		return nil, &httpStatusError{code: resp.StatusCode, status: resp.Status}
	}
	if c.streamed {
		return resp, nil
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxResponseBytes+1))
	resp.Body.Close()
	switch {
	case err != nil:
		return nil, err
	case len(body) > MaxResponseBytes:
		return nil, &tooLargeError{MaxResponseBytes}
	}
	if resp.StatusCode == http.StatusOK && isNullResult(body) && NullableMethods[c.method] == "" {
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
