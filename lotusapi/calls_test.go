// The request slots, and the large-answer permit.
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

// One large answer at a time, process-wide: while a call holds the permit, a call whose
// answer is large in bytes or in values waits, and goes on once that call has returned.
func TestOneLargeAnswerAtATime(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			ID     json.RawMessage
			Method string
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		fmt.Fprintf(w, `{"jsonrpc":"2.0","id":%s,"result":`, req.ID)
		switch req.Method {
		case "Filecoin.StateNetworkName": // large, and unfinished until released
			fmt.Fprint(w, `"`+strings.Repeat("x", LargeAnswerBytes))
			w.(http.Flusher).Flush()
			<-release
			fmt.Fprint(w, `"`)
		case "Filecoin.WalletDefaultAddress": // large in bytes
			fmt.Fprint(w, `"`+strings.Repeat("x", LargeAnswerBytes)+`"`)
		case "Filecoin.WalletList": // small in bytes, large in values
			fmt.Fprint(w, `[""`+strings.Repeat(`,""`, LargeAnswerValues)+`]`)
		}
		fmt.Fprint(w, `}`)
	}))
	t.Cleanup(srv.Close)
	unblock := sync.OnceFunc(func() { close(release) })
	t.Cleanup(unblock) // before srv.Close, which waits for the handler
	d, closer, err := DialDaemon(context.Background(), Endpoint{URL: srv.URL}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(closer)

	first := make(chan error, 1)
	go func() {
		_, err := d.StateNetworkName(context.Background())
		first <- err
	}()
	for deadline := time.Now().Add(10 * time.Second); len(largeAnswer) == 0; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("a call reading a large answer does not hold the permit")
		}
	}
	waits := func(name string, call func(context.Context) error) {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		if err := call(ctx); KindOf(err) != KindTimeout {
			t.Errorf("%s while another large answer is held: %v, want it to wait", name, err)
		}
	}
	defaultAddress := func(ctx context.Context) error { _, err := d.WalletDefaultAddress(ctx); return err }
	walletList := func(ctx context.Context) error { _, err := d.WalletList(ctx); return err }
	waits("WalletDefaultAddress", defaultAddress)
	waits("WalletList", walletList)

	unblock()
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	for name, call := range map[string]func(context.Context) error{"WalletDefaultAddress": defaultAddress, "WalletList": walletList} {
		if err := call(context.Background()); err != nil {
			t.Errorf("%s once the permit is free: %v", name, err)
		}
	}
	if len(largeAnswer) != 0 {
		t.Error("the permit is still held after every call returned")
	}
}

// A request is counted in the Requests of its call's context, else in the client's own:
// streamed calls as the others.
func TestCountRequests(t *testing.T) {
	d, requests := dialRaw(t, &rawServer{result: `[]`})
	var mine Requests
	ctx := CountRequests(context.Background(), &mine)
	if _, err := d.WalletList(ctx); err != nil {
		t.Fatal(err)
	}
	if err := d.MpoolPending(ctx, nil, func([]byte) {}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.WalletList(context.Background()); err != nil {
		t.Fatal(err)
	}
	if mine.Daemon.Load() != 2 || requests.Daemon.Load() != 1 || mine.Miner.Load()+requests.Miner.Load() != 0 {
		t.Errorf("counted %d+%d in the context's, %d+%d in the client's; want 2+0 and 1+0",
			mine.Daemon.Load(), mine.Miner.Load(), requests.Daemon.Load(), requests.Miner.Load())
	}
}
