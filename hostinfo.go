// --host-info json: what setup finds on this host, for diagnosis.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/lotus-farcaster/lotus-farcaster/setup"
)

// hostInfoFlags are --host-info, --host-info.root and --host-info.textfile-dir.
type hostInfoFlags struct {
	format       string // "" when --host-info is not given
	root         string
	textfileDirs []string // other folders to give setup's verdict on
}

func (h *hostInfoFlags) register(fs *flag.FlagSet) {
	fs.Func("host-info", "print what setup finds on this host as `FORMAT` json, and exit (run as root)", func(v string) error {
		if v != "json" {
			return fmt.Errorf("want json, got %q", v)
		}
		h.format = v
		return nil
	})
	fs.StringVar(&h.root, "host-info.root", "", "with --host-info, look at the host installed under `DIR` (its files and DIR/proc) instead of / (for tests)")
	fs.Func("host-info.textfile-dir", "with --host-info, also say whether setup may change the group and mode of `DIR` (repeatable)", func(v string) error {
		h.textfileDirs = append(h.textfileDirs, v)
		return nil
	})
}

// printHostInfo is --host-info: it only reads, and exits 0 whatever it finds. The tokens it
// reads are added to secrets, which stdout hides.
func printHostInfo(h hostInfoFlags, stdout io.Writer, secrets *redaction) int {
	r := setup.Inspect(strings.TrimSuffix(h.root, "/"), h.textfileDirs, secrets.add)
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return exitNotWritten
	}
	return exitOK
}
