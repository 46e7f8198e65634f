// Command fakelotus serves the fake Lotus daemon and miner for the benchmark script.
//
//	fakelotus --scenario large --sectors 100000 --home DIR
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
	"slices"
	"syscall"
	"time"

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
