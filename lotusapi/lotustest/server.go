// Fake Lotus daemon and lotus-miner over real HTTP, with Lotus auth, request counts and faults.
package lotustest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	"github.com/filecoin-project/go-jsonrpc"
	logging "github.com/ipfs/go-log/v2"

	"github.com/lotus-farcaster/lotus-farcaster/lotusapi"
)

// Admin tokens of the fake nodes: JWT-shaped, never verified beyond string equality.
const (
	daemonToken = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJBbGxvdyI6WyJyZWFkIiwid3JpdGUiLCJzaWduIiwiYWRtaW4iXX0.fakedaemonsig"
	minerToken  = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJBbGxvdyI6WyJyZWFkIiwid3JpdGUiLCJzaWduIiwiYWRtaW4iXX0.fakeminersig"
)

// perms is the permission each served method needs, from the Lotus API reference.
// Only read is granted without a token.
var perms = map[string]string{
	"Version":                      "read",
	"StartTime":                    "read",
	"LogAlerts":                    "admin",
	"NetPeers":                     "read",
	"NetAutoNatStatus":             "read",
	"NetBandwidthStats":            "read",
	"NetBandwidthStatsByProtocol":  "read",
	"ChainHead":                    "read",
	"ChainGetGenesis":              "read",
	"ChainGetTipSetByHeight":       "read",
	"StateNetworkName":             "read",
	"StateNetworkVersion":          "read",
	"SyncState":                    "read",
	"MpoolPending":                 "read",
	"StateMinerInfo":               "read",
	"StateMinerPower":              "read",
	"MinerGetBaseInfo":             "read",
	"StateMinerAvailableBalance":   "read",
	"StateReadState":               "read",
	"StateGetActor":                "read",
	"StateAccountKey":              "read",
	"StateLookupID":                "read",
	"StateMarketBalance":           "read",
	"StateVerifiedClientStatus":    "read",
	"StateMinerSectors":            "read",
	"WalletList":                   "write",
	"WalletDefaultAddress":         "write",
	"StateMinerProvingDeadline":    "read",
	"StateMinerDeadlines":          "read",
	"StateMinerPartitions":         "read",
	"StateMinerSectorCount":        "read",
	"F3IsRunning":                  "read",
	"F3GetLatestCertificate":       "read",
	"F3ListParticipants":           "read",
	"ChainGetTipSetFinalityStatus": "read",
	"ActorAddress":                 "read",
	"SectorsSummary":               "read",
	"SectorsListInStates":          "read",
	"SectorsStatus":                "read",
	"WorkerStats":                  "admin",
	"WorkerJobs":                   "admin",
	"SealingSchedDiag":             "admin",
	"StorageList":                  "admin",
	"StorageLocal":                 "admin",
	"StorageInfo":                  "admin",
	"StorageStat":                  "admin",
}

// FaultKind selects how a faulty method answers.
type FaultKind int

// Fault kinds.
const (
	FaultRPCError     FaultKind = iota // HTTP 200 with a JSON-RPC error
	FaultDelay                         // answer normally after Delay, or give up when the client does
	FaultMalformed                     // HTTP 200 with truncated JSON
	FaultHTTP500                       // plain-text HTTP 500
	FaultUnauthorized                  // HTTP 401, as for a wrong token
	FaultNull                          // HTTP 200 with "result": null
	FaultResult                        // HTTP 200 with Result as the result, byte for byte
	FaultPadded                        // the usual answer, padded with white space to Size bytes
)

// Fault is an injected failure of one method. The zero Fault answers a JSON-RPC error
// with code 1.
type Fault struct {
	Kind    FaultKind
	Delay   time.Duration // FaultDelay
	Code    int           // FaultRPCError; 0 means 1, Lotus's generic error code
	Message string        // FaultRPCError; empty means a generic message
	// Result is FaultResult's answer, sent as it is (valid JSON or not) and streamed from
	// this one copy, so a test can send hundreds of megabytes.
	Result json.RawMessage
	// Size is FaultPadded's length of the answer. The white space goes inside the result
	// (after the bracket of an object or a list), so a client holds it as it holds the
	// result; an error answer is left as it is.
	Size int
	// Match limits the fault to the calls whose JSON-RPC request contains it, such as one
	// address or one deadline index among the params; empty matches every call.
	Match string
}

// apiMethod names a method of one API, "daemon" or "miner".
type apiMethod struct{ api, method string }

// Server is a running fake daemon and lotus-miner on loopback.
type Server struct {
	DaemonURL   string // http://127.0.0.1:PORT/rpc/v1; /rpc/v2 is on the same port
	MinerURL    string // http://127.0.0.1:PORT/rpc/v0
	DaemonToken string // admin token of the daemon
	MinerToken  string // admin token of the miner

	daemon, miner *httptest.Server
	scenario      *Scenario
	others        map[string]http.Handler // the daemon's answers about Scenario.OtherMiners

	mu       sync.Mutex
	requests map[apiMethod]int
	faults   map[apiMethod]Fault

	// scenarioMu lets Update change the scenario while the nodes serve: each call reads it
	// under the read lock.
	scenarioMu sync.RWMutex
}

// Update runs change on the scenario while no call is being answered, so a test can move
// the chain or the miner along between runs (or during them) without a data race.
func (s *Server) Update(change func(*Scenario)) {
	s.scenarioMu.Lock()
	defer s.scenarioMu.Unlock()
	change(s.scenario)
}

// Start serves s: the daemon on /rpc/v1, /rpc/v2 and /rpc/v0 like real Lotus, the miner on
// /rpc/v0 alone.
func Start(s *Scenario) *Server {
	// go-jsonrpc's server logs every error answer (unknown methods included, which lotus-miner
	// answers for Net* by design); in tests and the demo that is noise.
	_ = logging.SetLogLevel("rpc", "fatal")
	srv := &Server{
		scenario:    s,
		DaemonToken: daemonToken,
		MinerToken:  minerToken,
		requests:    map[apiMethod]int{},
		faults:      map[apiMethod]Fault{},
	}
	// The other miners' answers come from the same daemon, hence its release.
	srv.others = map[string]http.Handler{}
	for id, other := range s.OtherMiners {
		srv.others[id] = rpcServer(&daemonHandler{s: other, release: s.DaemonVersion}, s.DaemonVersion)
	}
	daemon := http.NewServeMux()
	daemon.Handle("/rpc/v1", rpcServer(&daemonHandler{s: s, release: s.DaemonVersion}, s.DaemonVersion))
	daemon.Handle("/rpc/v0", rpcServer(&daemonHandler{s: s, release: s.DaemonVersion, v0: true}, s.DaemonVersion))
	daemon.Handle("/rpc/v2", rpcServer(s.DaemonVersion.daemonV2(s), s.DaemonVersion))
	miner := http.NewServeMux()
	miner.Handle("/rpc/v0", rpcServer(&minerHandler{s: s, release: s.MinerVersion}, s.MinerVersion))

	srv.daemon = httptest.NewServer(srv.front("daemon", daemonToken, daemon))
	srv.miner = httptest.NewServer(srv.front("miner", minerToken, miner))
	srv.DaemonURL = srv.daemon.URL + "/rpc/v1"
	srv.MinerURL = srv.miner.URL + "/rpc/v0"
	return srv
}

// rpcServer serves handler's methods with the error codes of release, as one API of it does.
func rpcServer(handler any, release LotusVersion) *jsonrpc.RPCServer {
	rpc := jsonrpc.NewServer(jsonrpc.WithServerErrors(release.rpcErrors()))
	rpc.Register("Filecoin", handler)
	return rpc
}

// Close stops both nodes, waiting for calls in flight.
func (s *Server) Close() {
	s.daemon.Close()
	s.miner.Close()
}

// CloseDaemon stops only the daemon, so its URL refuses connections while the miner answers.
func (s *Server) CloseDaemon() { s.daemon.Close() }

// CloseMiner stops only lotus-miner, as `lotus-miner stop` does, while the daemon answers.
func (s *Server) CloseMiner() { s.miner.Close() }

// DaemonEndpoint returns the daemon's /rpc/v1 endpoint with its admin token.
func (s *Server) DaemonEndpoint() lotusapi.Endpoint {
	return lotusapi.Endpoint{URL: s.DaemonURL, Token: s.DaemonToken, Source: "lotustest"}
}

// MinerEndpoint returns the miner's endpoint with its admin token.
func (s *Server) MinerEndpoint() lotusapi.Endpoint {
	return lotusapi.Endpoint{URL: s.MinerURL, Token: s.MinerToken, Source: "lotustest"}
}

// Requests returns how many requests api ("daemon" or "miner") received per method,
// counting those refused or failed by auth and faults.
func (s *Server) Requests(api string) map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	counts := map[string]int{}
	for k, n := range s.requests {
		if k.api == api {
			counts[k.method] = n
		}
	}
	return counts
}

// ResetRequests zeroes the request counts.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.requests)
}

// SetFault makes method of api ("daemon" or "miner") fail as f until ClearFaults.
func (s *Server) SetFault(api, method string, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[apiMethod{api, method}] = f
}

// ClearFaults removes every injected fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.faults)
}

// front wraps an API's go-jsonrpc handler with what sits in front of it in Lotus (auth and
// permissions) and in a test (counting and faults).
func (s *Server) front(api, token string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, "reading request: "+err.Error(), http.StatusBadRequest)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		// An undecodable request goes on to go-jsonrpc, which answers it with a parse error.
		var req struct {
			ID     json.RawMessage   `json:"id"`
			Method string            `json:"method"`
			Params []json.RawMessage `json:"params"`
		}
		_ = json.Unmarshal(body, &req)
		method := strings.TrimPrefix(req.Method, "Filecoin.")

		s.mu.Lock()
		s.requests[apiMethod{api, method}]++
		fault, faulty := s.faults[apiMethod{api, method}]
		s.mu.Unlock()
		faulty = faulty && bytes.Contains(body, []byte(fault.Match))

		// Lotus: no header is read access, a wrong token is refused outright.
		auth := r.Header.Get("Authorization")
		if auth != "" && auth != "Bearer "+token {
			unauthorized(w)
			return
		}
		if faulty && fault.Kind == FaultPadded {
			rec := httptest.NewRecorder()
			defer writePadded(w, rec, fault.Size)
			w = rec
		} else if faulty && !fault.apply(w, r, req.ID) {
			return
		}
		if need := perms[method]; auth == "" && need != "" && need != "read" {
			writeRPCError(w, req.ID, 1, fmt.Sprintf("missing permission to invoke '%s' (need '%s')", method, need))
			return
		}
		s.scenarioMu.RLock()
		defer s.scenarioMu.RUnlock()
		if api == "daemon" && len(req.Params) > 0 {
			var addr string
			if json.Unmarshal(req.Params[0], &addr) == nil && s.others[addr] != nil {
				s.others[addr].ServeHTTP(w, r)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// apply answers r as f says; it returns true when the request should still be served.
func (f Fault) apply(w http.ResponseWriter, r *http.Request, id json.RawMessage) bool {
	switch f.Kind {
	case FaultDelay:
		t := time.NewTimer(f.Delay)
		defer t.Stop()
		select {
		case <-t.C:
			return true
		case <-r.Context().Done():
			return false
		}
	case FaultMalformed:
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"jsonrpc":"2.0","id":%s,"result":{"Cids":[{"/":"bafy2bz`, idOrNull(id))
	case FaultHTTP500:
		http.Error(w, "internal server error", http.StatusInternalServerError)
	case FaultUnauthorized:
		unauthorized(w)
	case FaultNull:
		writeResult(w, id, []byte("null"))
	case FaultResult:
		writeResult(w, id, f.Result)
	default:
		code, message := f.Code, f.Message
		if code == 0 {
			code = 1
		}
		if message == "" {
			message = "lotustest: injected fault"
		}
		writeRPCError(w, id, code, message)
	}
	return false
}

func unauthorized(w http.ResponseWriter) {
	http.Error(w, "unauthorized", http.StatusUnauthorized)
}

// writeRPCError answers like go-jsonrpc for a method that returned an error: HTTP 200.
func writeRPCError(w http.ResponseWriter, id json.RawMessage, code int, message string) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"jsonrpc": "2.0",
		"id":      json.RawMessage(idOrNull(id)),
		"error":   map[string]any{"code": code, "message": message},
	})
}

// writeResult answers result, HTTP 200, writing it straight from the caller's bytes.
func writeResult(w http.ResponseWriter, id json.RawMessage, result []byte) {
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"jsonrpc":"2.0","id":%s,"result":`, idOrNull(id))
	_, _ = w.Write(result)
	_, _ = io.WriteString(w, "}\n")
}

// writePadded writes the answer rec holds, padded with white space inside its result to
// size bytes.
func writePadded(w http.ResponseWriter, rec *httptest.ResponseRecorder, size int) {
	var answer struct {
		ID     json.RawMessage
		Result json.RawMessage
	}
	if json.Unmarshal(rec.Body.Bytes(), &answer) != nil || answer.Result == nil {
		maps.Copy(w.Header(), rec.Header())
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
		return
	}
	open, rest := answer.Result[:0], answer.Result
	if rest[0] == '{' || rest[0] == '[' {
		open, rest = rest[:1], rest[1:]
	}
	head := fmt.Sprintf(`{"jsonrpc":"2.0","id":%s,"result":%s`, idOrNull(answer.ID), open)
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, head)
	for pad := size - len(head) - len(rest) - len("}\n"); pad > 0; pad -= len(spaces) {
		if _, err := w.Write(spaces[:min(pad, len(spaces))]); err != nil {
			return
		}
	}
	_, _ = w.Write(rest)
	_, _ = io.WriteString(w, "}\n")
}

var spaces = bytes.Repeat([]byte(" "), 64<<10)

// idOrNull returns the request id to echo, null for a notification.
func idOrNull(id json.RawMessage) []byte {
	if len(id) == 0 {
		return []byte("null")
	}
	return id
}
