// Command fakelotus serves the fake Lotus daemon and miner for the benchmark scripts.
//
//	fakelotus --scenario large --sectors 100000 --home DIR
//	fakelotus --scenario small --huge --home DIR   # every answer just under the client's bounds
//
// It writes Lotus repo folders under DIR, prints "ready LOTUS_PATH=... LOTUS_MINER_PATH=..."
// and serves until SIGINT or SIGTERM. SIGUSR1 zeroes its request counts; SIGUSR2 prints
// the requests received since, one "method api count" line each, then "end", to stderr.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"reflect"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/lotus-farcaster/lotus-farcaster/lotusapi"
	"github.com/lotus-farcaster/lotus-farcaster/lotusapi/lotustest"
)

func main() {
	def := lotustest.LargeDefault()
	scenario := flag.String("scenario", "large", "small or large")
	home := flag.String("home", "", "directory for the .lotus and .lotusminer repos (required)")
	p := lotustest.LargeParams{}
	flag.IntVar(&p.Sectors, "sectors", def.Sectors, "large: proving sectors")
	flag.IntVar(&p.Workers, "workers", def.Workers, "large: workers")
	flag.IntVar(&p.Sealing, "sealing", def.Sealing, "large: sectors being sealed")
	flag.IntVar(&p.Jobs, "jobs", def.Jobs, "large: worker jobs")
	flag.IntVar(&p.StoragePaths, "paths", def.StoragePaths, "large: storage paths")
	huge := flag.Bool("huge", false, "answer every method read whole just under the client's bounds (bench/memory.sh)")
	flag.Parse()

	var sc *lotustest.Scenario
	switch *scenario {
	case "small":
		sc = lotustest.Small()
	case "large":
		sc = lotustest.Large(p)
	default:
		fail("unknown scenario %q: want small or large", *scenario)
	}
	if *home == "" {
		fail("--home is required")
	}

	// A head at the wall clock's epoch, so the exporter sees a synced node.
	srv := lotustest.Start(sc.AtTime(time.Now()))
	if *huge {
		hugeAnswers(srv)
	}
	lotusPath, minerPath, err := srv.WriteRepos(*home)
	if err != nil {
		srv.Close()
		fail("%v", err)
	}
	fmt.Printf("ready LOTUS_PATH=%s LOTUS_MINER_PATH=%s\n", lotusPath, minerPath)

	signals := make(chan os.Signal, 1)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM, syscall.SIGUSR1, syscall.SIGUSR2)
	for sig := range signals {
		switch sig {
		case syscall.SIGUSR1:
			srv.ResetRequests()
		case syscall.SIGUSR2:
			printRequests(srv)
		default:
			srv.Close()
			return
		}
	}
}

// hugeAnswers makes every answer the client reads whole (every method of its API structs;
// the streamed ones are not bounded) just under its bounds: the usual answer padded with
// white space, so the run goes on as usual, and, where the decoded value grows with the
// answer, lists filled up to the bound on values, then padded: a sector's log, the
// daemon's peers, the workers, and a deadline's partitions as empty objects, the most Go
// memory per JSON value.
func hugeAnswers(srv *lotustest.Server) {
	const size = lotusapi.MaxResponseBytes - 1<<10
	for api, structs := range map[string][]any{
		"daemon": {lotusapi.CommonAPI{}, lotusapi.FullNodeAPI{}},
		"miner":  {lotusapi.CommonAPI{}, lotusapi.MinerAPI{}},
	} {
		for _, s := range structs {
			t := reflect.TypeOf(s)
			for i := range t.NumField() {
				srv.SetFault(api, t.Field(i).Name, lotustest.Fault{Kind: lotustest.FaultPadded, Size: size})
			}
		}
	}
	result := func(api, method, open, close string, item func(i int) string, values int) {
		var b strings.Builder
		b.WriteString(open)
		for i := 0; b.Len() < size-2<<10 && (i+1)*values < lotusapi.MaxResponseValues-16; i++ {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(item(i))
		}
		b.WriteString(strings.Repeat(" ", max(0, size-2<<10-b.Len())))
		b.WriteString(close)
		srv.SetFault(api, method, lotustest.Fault{Kind: lotustest.FaultResult, Result: []byte(b.String())})
	}
	result("miner", "SectorsStatus", `{"SectorID":1,"State":"PreCommit1","Deals":[0],"LastErr":"","Log":[`, `]}`, func(i int) string {
		return fmt.Sprintf(`{"Kind":"event;sealing.SectorRetryPreCommit1","Timestamp":%d,"Trace":"","Message":"{\"User\":{}}"}`, 1700000000+i)
	}, 5)
	result("daemon", "NetPeers", `[`, `]`, func(i int) string {
		return fmt.Sprintf(`{"ID":"12D3KooW%044d","Addrs":["/ip4/10.0.%d.%d/tcp/24001"]}`, i, i>>8&255, i&255)
	}, 4)
	result("miner", "WorkerStats", `{`, `}`, func(i int) string {
		return fmt.Sprintf(`"%08x-52d1-4f3e-9a86-1c2d3e4f5a6b":{"Info":{"Hostname":"sealer-%d","IgnoreResources":false,`+
			`"Resources":{"MemPhysical":549755813888,"MemUsed":2147483648,"MemSwap":0,"MemSwapUsed":0,"CPUs":64,"GPUs":["NVIDIA RTX 4090"]}},`+
			`"Tasks":["seal/v0/precommit/1","seal/v0/precommit/2"],"Enabled":true,"MemUsedMin":0,"MemUsedMax":0,"GpuUsed":0,"CpuUse":0,`+
			`"TaskCounts":{"8:seal/v0/precommit/1":1}}`, i, i)
	}, 24)
	result("daemon", "StateMinerPartitions", `[`, `]`, func(int) string { return `{}` }, 1)
}

// printRequests writes the request counts, one "method api count" line each, then "end".
func printRequests(srv *lotustest.Server) {
	var lines []string
	for _, api := range []string{"daemon", "miner"} {
		for method, n := range srv.Requests(api) {
			lines = append(lines, fmt.Sprintf("%s %s %d", method, api, n))
		}
	}
	slices.Sort(lines)
	for _, l := range lines {
		fmt.Fprintln(os.Stderr, l)
	}
	fmt.Fprintln(os.Stderr, "end")
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "fakelotus: "+format+"\n", args...)
	os.Exit(2)
}
