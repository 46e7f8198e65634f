// Streamed calls: the answers that grow with the miner, read as they arrive instead of whole.
package lotusapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"

	"github.com/filecoin-project/go-jsonrpc"
)

// stream calls method with params and hands the scanner, positioned at the result, to
// readResult, which must consume it; an answer longer than limit bytes fails, unless limit
// is unbounded. go-jsonrpc reads every answer whole (420 MB of JSON for StateMinerSectors at
// a million sectors), so the streamed calls are made by hand.
func (c *rpcClient) stream(ctx context.Context, method string, params []any, limit int64, readResult func(*scanner) error) error {
	err := c.call(ctx, method, params, limit, readResult)
	if err != nil {
		return classify(c.api, method, err)
	}
	return nil
}

// unbounded is the limit of the answers that grow with the miner.
const unbounded = 0

func (c *rpcClient) call(ctx context.Context, method string, params []any, limit int64, readResult func(*scanner) error) error {
	ctx, end, err := c.slots.begin(ctx, method, true)
	if err != nil {
		return err
	}
	defer end()
	body, err := json.Marshal(map[string]any{
		"jsonrpc": "2.0", "id": c.id.Add(1), "method": "Filecoin." + method, "params": params,
	})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header = c.header.Clone()
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var answer io.Reader = resp.Body
	if limit != unbounded {
		answer = &cappedReader{r: answer, limit: limit}
	}

	s := newScanner(answer)
	var rpcErr *jsonrpc.JSONRPCError
	gotResult := false
	err = s.Object(func(key []byte) error {
		switch string(key) {
		case "result":
			if null, err := s.Null(); null || err != nil {
				return err // null stays !gotResult
			}
			gotResult = true
			return readResult(s)
		case "error":
			rpcErr = &jsonrpc.JSONRPCError{}
			return s.Object(func(key []byte) error {
				switch string(key) {
				case "code":
					code, err := s.Int()
					rpcErr.Code = jsonrpc.ErrorCode(code)
					return err
				case "message":
					msg, err := s.String()
					rpcErr.Message = string(msg)
					return err
				}
				return s.Skip()
			})
		}
		return s.Skip()
	})
	switch {
	case rpcErr != nil:
		return rpcErr
	case err != nil:
		return fmt.Errorf("reading the answer: %w", err)
	case !gotResult:
		return errNullResult
	}
	return nil
}

// cappedReader fails with a tooLargeError once more than limit bytes have come.
type cappedReader struct {
	r           io.Reader
	limit, read int64
}

func (c *cappedReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if c.read += int64(n); c.read > c.limit {
		return n, &tooLargeError{fmt.Sprintf("larger than %d MiB", c.limit>>20)}
	}
	return n, err
}

// MpoolPending streams the sender (Message.From) of each message pending in the daemon's
// mpool at tsk to fn; from is valid only during the call, and empty for a message without
// one. A busy node's mpool is the one ordinary answer that is legitimately large.
func (d *Daemon) MpoolPending(ctx context.Context, tsk TipSetKey, fn func(from []byte)) error {
	var from []byte
	return d.rpc.stream(ctx, "MpoolPending", []any{tsk}, maxMpoolBytes, func(s *scanner) error {
		return s.Array(func() error {
			from = from[:0]
			err := s.Object(func(key []byte) error {
				if string(key) != "Message" {
					return s.Skip()
				}
				return s.Object(func(key []byte) error {
					if string(key) != "From" {
						return s.Skip()
					}
					f, err := s.String()
					from = append(from, f...)
					return err
				})
			})
			if err == nil {
				fn(from)
			}
			return err
		})
	})
}

// maxMpoolBytes bounds MpoolPending. Lotus keeps at most 30,000 pending messages
// (chain/messagepool/config.go, MemPoolSizeLimitHiDefault), each at most 64 KiB
// (MaxMessageSize) and most a few hundred bytes: a full pool is tens of MB of JSON. Streamed,
// it costs no memory; the bound is on the time a hostile answer can take.
const maxMpoolBytes = 256 << 20

// StateMinerSectors streams every sector of miner at tsk to fn, one at a time; sector is
// reused between calls.
func (d *Daemon) StateMinerSectors(ctx context.Context, miner string, tsk TipSetKey, fn func(sector *SectorOnChainInfo) error) error {
	var sector SectorOnChainInfo
	return d.rpc.stream(ctx, "StateMinerSectors", []any{miner, nil, tsk}, unbounded, func(s *scanner) error {
		return s.Array(func() error {
			if err := decodeSector(s, &sector); err != nil {
				return err
			}
			return fn(&sector)
		})
	})
}

// decodeSector reads the fields of a sector the exporter uses and skips the others.
func decodeSector(s *scanner, out *SectorOnChainInfo) error {
	out.SectorNumber, out.Activation, out.Expiration, out.PowerBaseEpoch, out.Flags = 0, 0, 0, 0, 0
	for _, b := range []*BigInt{&out.DealWeight, &out.VerifiedDealWeight, &out.InitialPledge, &out.DailyFee} {
		b.v.SetInt64(0) // keeps the big.Int's storage: no allocation per sector
	}
	return s.Object(func(key []byte) (err error) {
		switch string(key) {
		case "SectorNumber":
			out.SectorNumber, err = s.Uint()
		case "Activation":
			out.Activation, err = s.Int()
		case "Expiration":
			out.Expiration, err = s.Int()
		case "PowerBaseEpoch":
			out.PowerBaseEpoch, err = s.Int()
		case "Flags":
			out.Flags, err = s.Uint()
		case "DealWeight":
			err = s.BigInt(&out.DealWeight)
		case "VerifiedDealWeight":
			err = s.BigInt(&out.VerifiedDealWeight)
		case "InitialPledge":
			err = s.BigInt(&out.InitialPledge)
		case "DailyFee":
			err = s.BigInt(&out.DailyFee)
		default:
			err = s.Skip()
		}
		return err
	})
}

// StorageList returns the storage path IDs of lotus-miner's index: StorageList's keys. Its
// values declare every sector file on every path, a million entries on a large miner; they
// are skipped as they arrive.
func (m *Miner) StorageList(ctx context.Context) ([]string, error) {
	var ids []string
	err := m.rpc.stream(ctx, "StorageList", []any{}, unbounded, func(s *scanner) error {
		return s.Object(func(key []byte) error {
			if len(ids) >= maxStoragePaths {
				return fmt.Errorf("more than %d storage paths", maxStoragePaths)
			}
			ids = append(ids, string(key))
			return s.Skip()
		})
	})
	return ids, err
}

// maxStoragePaths bounds what a hostile StorageList can make the exporter keep.
const maxStoragePaths = 10000
