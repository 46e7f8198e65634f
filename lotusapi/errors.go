// Classification of JSON-RPC errors that the collectors treat specially.
package lotusapi

import (
	"errors"

	"github.com/filecoin-project/go-jsonrpc"
)

// Lotus error codes (api/api_errors.go) and JSON-RPC's own.
const (
	codeActorNotFound  = 11
	codeMethodNotFound = -32601
)

// IsActorNotFound reports whether err is Lotus's "actor not found", which a key
// address that never received funds legitimately gets.
func IsActorNotFound(err error) bool { return hasCode(err, codeActorNotFound) }

// IsMethodNotFound reports whether the API does not serve the method at all.
func IsMethodNotFound(err error) bool { return hasCode(err, codeMethodNotFound) }

func hasCode(err error, code jsonrpc.ErrorCode) bool {
	var jerr *jsonrpc.JSONRPCError
	return errors.As(err, &jerr) && jerr.Code == code
}

// IsRPCError reports whether the API answered with a JSON-RPC error (as opposed to a
// transport failure), i.e. the node is up but refused this particular call.
func IsRPCError(err error) bool {
	var jerr *jsonrpc.JSONRPCError
	return errors.As(err, &jerr)
}
