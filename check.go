// --check: say where each API and the textfile folder were found, and whether they work.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/lotus-farcaster/lotus-farcaster/lotusapi"
	"github.com/lotus-farcaster/lotus-farcaster/metrics"
	"github.com/lotus-farcaster/lotus-farcaster/textfile"
)

// check prints one block per API and one for the textfile, then a verdict. Discovery
// problems were already logged by endpoints.
func check(ctx context.Context, c config, daemonEP, minerEP *lotusapi.Endpoint, discoveryFailed bool, out io.Writer) int {
	src := metrics.Connect(ctx, daemonEP, minerEP, time.Now())
	defer src.Close()
	ok := !discoveryFailed

	ok = checkAPI(out, "daemon", daemonEP, src.DaemonVersion, src.DaemonErr, src.Daemon != nil) && ok
	if src.Head != nil {
		fmt.Fprintf(out, "  head epoch: %d\n", src.Head.Height)
	}
	ok = checkAPI(out, "miner", minerEP, src.MinerVersion, src.MinerErr, src.Miner != nil) && ok
	if src.Miner != nil {
		fmt.Fprintf(out, "  miner ID:   %s\n", src.MinerID)
	}

	fmt.Fprintln(out, "textfile:")
	if target, how, err := checkTarget(c, src); err != nil {
		fmt.Fprintf(out, "  PROBLEM:    %v\n", err)
		ok = false
	} else {
		fmt.Fprintf(out, "  file:       %s\n  chosen by:  %s\n", target, how)
	}

	if !ok {
		fmt.Fprintln(out, "verdict: PROBLEM (see above)")
		if discoveryFailed {
			return exitUsage
		}
		return exitFailed
	}
	fmt.Fprintln(out, "verdict: OK")
	return exitOK
}

func checkAPI(out io.Writer, name string, ep *lotusapi.Endpoint, v lotusapi.Version, err error, up bool) bool {
	fmt.Fprintf(out, "%s API:\n", name)
	if ep == nil {
		fmt.Fprintln(out, "  PROBLEM:    not found (the reason is on stderr)")
		return false
	}
	fmt.Fprintf(out, "  found via:  %s\n  address:    %s\n", ep.Source, ep.URL)
	if !up {
		fmt.Fprintf(out, "  PROBLEM:    %v\n", err)
		return false
	}
	fmt.Fprintf(out, "  version:    %s (API %s)\n", v.Version, apiVersion(v.APIVersion))
	return true
}

// apiVersion renders Lotus's packed semver (major<<16 | minor<<8 | patch).
func apiVersion(v uint32) string {
	return fmt.Sprintf("%d.%d.%d", v>>16, (v>>8)&0xff, v&0xff)
}

// checkTarget resolves the file a run would write and proves its folder is writable.
func checkTarget(c config, src *metrics.Sources) (target, how string, err error) {
	dir := c.textfileDir
	switch {
	case c.output == "-":
		return "-", "--output (stdout)", nil
	case c.output != "":
		target, how, dir = c.output, "--output", filepath.Dir(c.output)
	case dir != "":
		how = "--textfile-dir"
	default:
		d, err := textfile.DetectDir("/proc", textfile.DefaultCandidates)
		if err != nil {
			return "", "", err
		}
		dir, how = d.Path, d.How
	}
	if target == "" {
		name := "lotus-<miner id>.prom"
		if src.MinerID != "" {
			name = "lotus-" + src.MinerID + ".prom"
		}
		target = filepath.Join(dir, name)
	}
	f, err := os.CreateTemp(dir, ".lotus-farcaster-check-*")
	if err != nil {
		return "", "", fmt.Errorf("cannot write in %s: %w", dir, err)
	}
	f.Close()
	os.Remove(f.Name())
	return target, how, nil
}
