// The request slots: a method that hangs holds only its share of them.
package lotusapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// StateMinerPartitions hangs, called once per deadline: it holds MaxPerMethod of the
// daemon's slots, and the other methods' calls still go through, never more than
// MaxInFlight in flight in all.
func TestSlowMethodHoldsItsShare(t *testing.T) {
	release := make(chan struct{})
	arrived := make(chan struct{}, 48)
	var hanging, inFlight, most atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			ID     json.RawMessage
			Method string
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if req.Method == "Filecoin.StateMinerPartitions" {
			hanging.Add(1)
			arrived <- struct{}{}
			<-release
			fmt.Fprintf(w, `{"jsonrpc":"2.0","id":%s,"result":[]}`, req.ID)
			return
		}
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		time.Sleep(5 * time.Millisecond)
		fmt.Fprintf(w, `{"jsonrpc":"2.0","id":%s,"result":"mainnet"}`, req.ID)
	}))
	t.Cleanup(srv.Close)
	d, closer, err := DialDaemon(context.Background(), Endpoint{URL: srv.URL}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(closer)

	var wg sync.WaitGroup
	for i := range 48 {
		wg.Go(func() {
			if _, err := d.StateMinerPartitions(context.Background(), "f01234", uint64(i), nil); err != nil {
				t.Error(err)
			}
		})
	}
	for range MaxPerMethod {
		<-arrived
	}
	// A guard, not a measure: before the shares, these waited for the hanging calls.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var others sync.WaitGroup
	for range 20 {
		others.Go(func() {
			if _, err := d.StateNetworkName(ctx); err != nil {
				t.Error(err)
			}
		})
	}
	others.Wait()
	if n := hanging.Load(); n != MaxPerMethod {
		t.Errorf("%d StateMinerPartitions in flight, want %d", n, MaxPerMethod)
	}
	if m := most.Load(); m != MaxPerMethod {
		t.Errorf("%d StateNetworkName in flight at most beside the hanging calls, want %d", m, MaxPerMethod)
	}
	close(release)
	wg.Wait()
}
