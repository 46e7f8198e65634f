// The HTTP transport under both clients: requests counted, answers bounded, nulls caught.
package lotusapi

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
)

// Bounds on one answer read whole. Real answers are kilobytes; the three that grow
// (StateMinerSectors, StorageList, MpoolPending) are streamed and not bounded by them.
//
// The largest ordinary answer real Lotus sends is SectorsStatus of a sector stuck in an
// error loop: Lotus keeps its last 8,000 log entries (storage/pipeline/fsm.go, logAppend),
// each up to ~2 KB with an error's trace: 16 MB, 40,000 JSON values. A deadline's
// partitions have a few runs per bitfield; even fragmented as much as can be (two runs per
// sector, five bitfields per 2,349-sector partition, 24,000 values) ten of them fit.
// Values are bounded because an empty object in a list of structs decodes to the whole
// struct: 3 bytes of [{},{},...] become 120 of Go in a list of partitions.
const (
	MaxResponseBytes  = 16 << 20
	MaxResponseValues = 1 << 18
)

// An answer with more bytes or values than these is large: it is read further, and
// decoded, only while holding the process's one large-answer permit (calls.go). That bounds
// what answers cost a run, whatever Lotus sends (README, Scale; bench/memory.sh checks it).
// Of the at most 2×MaxInFlight calls in flight, one holds a large answer: about four times
// over while go-jsonrpc decodes it (the body, its decoder's buffer, the raw result: ~85 MiB
// at MaxResponseBytes), or the raw result and the decoded value (~85 MiB at
// MaxResponseValues of empty objects, the growing list included). The seven others hold
// small ones, ~3 MiB each. With the run's own ~20 MB that is ~130 MB live at most, and Go's
// collector lets the heap reach twice what is live: under 300 MB.
const (
	LargeAnswerBytes  = 256 << 10
	LargeAnswerValues = 1 << 13
)

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

var errNullResult = errors.New("null result")

// tooLargeError is an answer larger than its call may read; what says how.
type tooLargeError struct{ what string }

func (e *tooLargeError) Error() string { return "answer " + e.what }

// httpStatusError is an HTTP status that carries no JSON-RPC answer (401, 502, 503, ...).
type httpStatusError struct {
	code   int
	status string
	path   string // the URL path that answered it
}

func (e *httpStatusError) Error() string { return "HTTP " + e.status }

// malformedError is an answer that is not a JSON-RPC answer: a proxy's error page, a body cut
// short. The node answered, so it is not unreachable.
type malformedError struct {
	status string
	err    error
}

func (e *malformedError) Error() string {
	return fmt.Sprintf("malformed answer (HTTP %s): %v", e.status, e.err)
}

// transport counts requests and reads each answer whole under the bounds above, so it can
// refuse a null, a non-JSON-RPC status or a large answer without the permit before
// go-jsonrpc decodes it. Streamed calls (see stream.go) get the body as it arrives. Every
// request belongs to a call (calls.go), which holds its request slots and the permit.
type transport struct {
	base     http.RoundTripper
	api      string    // "daemon" or "miner"
	requests *Requests // for the requests whose context has none (CountRequests)
}

func (t *transport) RoundTrip(r *http.Request) (*http.Response, error) {
	c := callOf(r.Context())
	requests := t.requests
	if counted, ok := r.Context().Value(requestsKey{}).(*Requests); ok {
		requests = counted
	}
	if requests != nil {
		requests.of(t.api).Add(1)
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
		return nil, &httpStatusError{code: resp.StatusCode, status: resp.Status, path: r.URL.Path}
	}
	if c.streamed {
		return resp, nil
	}
	body, err := c.readAnswer(r.Context(), resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	null, values, err := scanAnswer(body)
	switch {
	case err != nil:
		return nil, &malformedError{status: resp.Status, err: err}
	case values > MaxResponseValues:
		return nil, &tooLargeError{fmt.Sprintf("of more than %d JSON values", MaxResponseValues)}
	case values > LargeAnswerValues:
		if err := c.holdLarge(r.Context()); err != nil {
			return nil, err
		}
	}
	if resp.StatusCode == http.StatusOK && null && NullableMethods[c.method] == "" {
		return nil, errNullResult
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return resp, nil
}

// readAnswer reads a whole answer of at most MaxResponseBytes; past LargeAnswerBytes it
// waits for the large-answer permit before reading on.
func (c *call) readAnswer(ctx context.Context, r io.Reader) ([]byte, error) {
	first, err := io.ReadAll(io.LimitReader(r, LargeAnswerBytes+1))
	if err != nil || len(first) <= LargeAnswerBytes {
		return first, err
	}
	if err := c.holdLarge(ctx); err != nil {
		return nil, err
	}
	body, err := io.ReadAll(io.MultiReader(bytes.NewReader(first), io.LimitReader(r, MaxResponseBytes-LargeAnswerBytes)))
	if err == nil && len(body) > MaxResponseBytes {
		err = &tooLargeError{fmt.Sprintf("larger than %d MiB", MaxResponseBytes>>20)}
	}
	return body, err
}

// scanAnswer reads a JSON-RPC answer: whether it succeeded with a null result, and how
// many JSON values it holds. It refuses what go-jsonrpc would, and JSON nested deeper or
// with longer strings than the scanner's bounds, which no real answer has.
func scanAnswer(body []byte) (null bool, values int, err error) {
	s := scanBytes(body)
	answered := false
	err = s.Object(func(key []byte) error {
		switch string(key) {
		case "result", "error":
			if isNull, err := s.Null(); isNull || err != nil {
				return err
			}
			answered = true
		}
		return s.Skip()
	})
	return !answered, s.skipped, err
}
