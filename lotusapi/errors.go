// Lotus's error model: every failed call becomes one *CallError that says, in one line, what went wrong.
package lotusapi

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/filecoin-project/go-jsonrpc"
)

// JSON-RPC error codes Lotus sends (see ../shared/lotus-api/NOTES.md).
const (
	// codeMethodError is go-jsonrpc's code for an error a method returned that has no
	// registered type: most Lotus failures, StateGetActor's "actor not found" among them.
	codeMethodError = 1
	// api.EActorNotFound (lotus api/api_errors.go, iota + jsonrpc.FirstUserCode), sent by
	// StateLookupID and StateVerifiedClientStatus: 3 up to v1.34.x, 11 from v1.35.0 on.
	// PR #13467 swapped it with EExecutionReverted, so each code means "actor not found"
	// in one release and an Ethereum call's "execution reverted" in the other.
	codeActorNotFoundV1_34 = 3
	codeActorNotFound      = 11
	codeMethodNotFound     = -32601
)

// Kind says what sort of failure a call met.
type Kind int

// Kinds of failure, from the node's own answers to the transport's.
const (
	KindFailed         Kind = iota // the method ran and returned an error (JSON-RPC error)
	KindActorNotFound              // the address is not on chain: a fact, not a failure
	KindF3Disabled                 // the node runs without F3: a fact
	KindF3NotRunning               // F3 is enabled but not running now: a fact
	KindPermission                 // the token lacks a permission the method needs
	KindMethodNotFound             // the API does not serve the method (or has no /rpc/v2)
	KindUnauthorized               // HTTP 401: the token was refused
	KindUnreachable                // no answer: connection refused, DNS, reset
	KindTimeout                    // no answer before the run's deadline
	KindNull                       // null from a method that never answers null
	KindMalformed                  // an answer that is not JSON-RPC, or does not decode
	KindTooLarge                   // an answer larger than its call may read (MaxResponseBytes)
	KindHTTPStatus                 // an HTTP status go-jsonrpc does not speak (502, 503, ...)
)

// CallError is a failed call of one method. Its message is one line and never holds the token.
type CallError struct {
	API    string // "daemon" or "miner"
	Method string
	Kind   Kind
	Code   int    // the JSON-RPC error code, for KindFailed and the kinds read from it
	Need   string // the missing permission, for KindPermission ("admin", "write", ...)
	Detail string // what the node or the transport said
	err    error  // the cause, for errors.Is (context.DeadlineExceeded)
}

func (e *CallError) Error() string {
	call := strings.TrimSpace(e.API + " " + e.Method)
	switch e.Kind {
	case KindPermission:
		return fmt.Sprintf("%s: the token lacks the %q permission", call, e.Need)
	case KindUnauthorized:
		return call + ": token refused (HTTP 401): the token is not one of this node's"
	case KindNull:
		return call + ": answered null"
	case KindTimeout:
		return call + ": no answer in time"
	}
	return call + ": " + e.Detail
}

func (e *CallError) Unwrap() error { return e.err }

// KindOf returns the kind of err's CallError, or KindFailed for other errors.
func KindOf(err error) Kind {
	var ce *CallError
	if errors.As(err, &ce) {
		return ce.Kind
	}
	return KindFailed
}

// IsActorNotFound reports whether the node said the address is not on chain, in any of the
// forms Lotus sends. A key address that never received funds legitimately gets it.
func IsActorNotFound(err error) bool { return err != nil && KindOf(err) == KindActorNotFound }

// IsMethodNotFound reports whether the API does not serve the method at all.
func IsMethodNotFound(err error) bool { return err != nil && KindOf(err) == KindMethodNotFound }

// IsNodeAnswer reports whether the node itself answered with an error (the method ran and
// failed), as opposed to a transport failure or a refused token.
func IsNodeAnswer(err error) bool {
	switch KindOf(err) {
	case KindFailed, KindActorNotFound, KindF3Disabled, KindF3NotRunning:
		return err != nil
	}
	return false
}

// Lotus's permission check (api/permissioned.go, go-jsonrpc/auth):
// "missing permission to invoke 'WorkerStats' (need 'admin')".
var permissionRE = regexp.MustCompile(`missing permission to invoke '[^']*' \(need '([a-z]+)'\)`)

// classify turns what go-jsonrpc returned for a call of method on api into a *CallError.
func classify(api, method string, err error) *CallError {
	ce := &CallError{API: api, Method: method, Kind: KindFailed, err: err}
	var jerr *jsonrpc.JSONRPCError
	var status *httpStatusError
	var urlErr *url.Error
	var tooLarge *tooLargeError
	var malformed *malformedError
	switch {
	case errors.As(err, &jerr):
		ce.Code = int(jerr.Code)
		ce.Detail = oneLine(jerr.Message)
		switch {
		case actorNotFound(jerr.Code, jerr.Message):
			ce.Kind = KindActorNotFound
		case jerr.Message == "f3 is disabled":
			// api.ErrF3Disabled, from every F3 method of a node without F3 (lotus
			// node/impl/full/f3.go). Its code, api.EF3Disabled, is 4 in v1.34 and v1.36 alike,
			// but its neighbours moved in v1.35.0 (api/api_errors.go): the message is the
			// stable part.
			ce.Kind = KindF3Disabled
		case strings.EqualFold(jerr.Message, "f3 is not running"):
			// go-f3's ErrF3NotRunning, code 1, from the certificate methods while F3 is
			// enabled but stopped (go-f3 f3.go GetLatestCert); older go-f3 releases wrote "F3 is ...".
			ce.Kind = KindF3NotRunning
		case jerr.Code == codeMethodNotFound:
			ce.Kind = KindMethodNotFound
			ce.Detail = "method not served by this API"
		case permissionRE.MatchString(jerr.Message):
			ce.Kind = KindPermission
			ce.Need = permissionRE.FindStringSubmatch(jerr.Message)[1]
		}
	case errors.As(err, &status):
		ce.Detail = "HTTP " + status.status
		ce.Kind = KindHTTPStatus
		switch {
		case status.code == http.StatusUnauthorized:
			ce.Kind = KindUnauthorized
		case status.code == http.StatusNotFound && strings.HasSuffix(status.path, "/rpc/v2"):
			// Lotus before v1.33 has no /rpc/v2 (NOTES.md): none of its methods is served.
			ce.Kind, ce.Detail = KindMethodNotFound, "not served: no /rpc/v2 on this node (Lotus before v1.33)"
		}
	case errors.Is(err, errNullResult):
		ce.Kind = KindNull
	case errors.As(err, &tooLarge):
		ce.Kind, ce.Detail = KindTooLarge, tooLarge.Error()
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		ce.Kind = KindTimeout
	case errors.As(err, &malformed):
		ce.Kind, ce.Detail = KindMalformed, oneLine(malformed.Error())
	case errors.As(err, &urlErr):
		ce.Kind, ce.Detail = KindUnreachable, unreachable(urlErr.Err)
	default:
		// go-jsonrpc's own wording ("RPC client error: sendRequest failed: ...") adds nothing.
		ce.Kind, ce.Detail = KindMalformed, "malformed answer: "+oneLine(lastPart(err.Error()))
	}
	return ce
}

// actorNotFound reports whether a node's error says the address is not on chain: Lotus's
// api.ErrActorNotFound under either release's code, or the state tree's error, wrapped or
// not, under code 1 ("resolution lookup failed (f1...): resolve address f1...: actor not
// found"). The message is the stable part; the code alone proves nothing.
func actorNotFound(code jsonrpc.ErrorCode, message string) bool {
	switch code {
	case codeActorNotFound, codeActorNotFoundV1_34:
		return message == "actor not found"
	case codeMethodError:
		return strings.HasSuffix(message, "actor not found")
	}
	return false
}

// unreachable says why no answer came, without the URL (the caller logs it once).
func unreachable(err error) string {
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		return "unreachable: " + op.Err.Error()
	}
	return "unreachable: " + oneLine(err.Error())
}

// lastPart drops go-jsonrpc's prefixes ("RPC client error: sendRequest failed: ...").
func lastPart(s string) string {
	for _, p := range []string{"RPC client error: ", "sendRequest failed: ", "unmarshaling result: "} {
		s = strings.TrimPrefix(s, p)
	}
	return s
}

// maxDetail bounds what a node's error message adds to a log line.
const maxDetail = 300

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > maxDetail {
		s = strings.ToValidUTF8(s[:maxDetail], "") + "…"
	}
	return s
}
