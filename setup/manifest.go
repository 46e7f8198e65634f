// The record of what setup put on the host: /var/lib/lotus-farcaster/installed.
package setup

import (
	"fmt"
	"strconv"
	"strings"
)

// Manifest is where the record is, relative to the host's root.
const Manifest = "/var/lib/lotus-farcaster/installed"

// manifestHead opens the record, as install.sh wrote it before setup moved into Go: a record
// is the same text whichever wrote it, so a re-run of either finds nothing changed.
const manifestHead = "# What lotus-farcaster's install.sh put on this host; install.sh --uninstall removes it.\nversion 2\n"

// Kind is what an entry of the record describes.
type Kind string

// The kinds of entry, one line each, "KIND PATH [DETAIL]":
const (
	KindDir      Kind = "dir"      // a folder setup created (removed on uninstall when empty)
	KindFile     Kind = "file"     // "file PATH [SHA256]": a file it wrote (binary, cron file, units, logrotate file); under /etc, the hash of what it wrote
	KindLink     Kind = "link"     // a symbolic link it made (an enabled timer)
	KindPerm     Kind = "perm"     // "perm PATH GID MODE": the textfile folder's group and mode before it granted write access
	KindRepo     Kind = "repo"     // "repo PATH DAEMON ID": a repo it exports ("-" when unknown; before 0.2 "repo PATH [DAEMON]")
	KindUser     Kind = "user"     // "user NAME": the lotus user, kept for a re-run without --user
	KindOption   Kind = "option"   // "option FLAG [VALUE]": --miner, --miner-repo, --textfile-dir, --cron or --systemd as given
	KindTextfile Kind = "textfile" // the folder the job writes to; uninstall removes the exporter's files there
	KindLogfile  Kind = "logfile"  // the job's log file; removed with its rotations
	KindData     Kind = "data"     // a file of the exporter's that --uninstall --keep-data kept
)

// Entry is one line of the record. It is comparable: a re-run compares what it wants with
// what an earlier run recorded.
type Entry struct {
	Kind    Kind
	Path    string // the path; the name for KindUser; the flag for KindOption
	Daemon  string // KindRepo: its daemon repo, "" when unknown
	MinerID string // KindRepo: its miner, "" when unknown
	GID     int    // KindPerm
	Mode    uint32 // KindPerm: permission bits, as stat %a prints them
	Value   string // KindOption
	Hash    string // KindFile under /etc: the SHA-256 of the content setup wanted there, "" when unknown (an earlier version's record)
}

func (e Entry) String() string {
	switch e.Kind {
	case KindPerm:
		return fmt.Sprintf("perm %s %d %o", e.Path, e.GID, e.Mode)
	case KindRepo:
		return fmt.Sprintf("repo %s %s %s", e.Path, orDash(e.Daemon), orDash(e.MinerID))
	case KindFile:
		if e.Hash != "" {
			return "file " + e.Path + " " + e.Hash
		}
	case KindOption:
		if e.Value == "" {
			return "option " + e.Path
		}
		return "option " + e.Path + " " + e.Value
	}
	return string(e.Kind) + " " + e.Path
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func fromDash(s string) string {
	if s == "-" {
		return ""
	}
	return s
}

// parseEntry reads one line of the record; ok is false for a line this version does not know.
func parseEntry(line string) (e Entry, ok bool) {
	f := strings.Fields(line)
	if len(f) < 2 {
		return e, false
	}
	e.Kind, e.Path = Kind(f[0]), f[1]
	switch e.Kind {
	case KindDir, KindLink, KindUser, KindTextfile, KindLogfile, KindData:
		return e, true
	case KindFile:
		if len(f) > 2 {
			e.Hash = f[2]
		}
		return e, true
	case KindRepo:
		if len(f) > 2 {
			e.Daemon = fromDash(f[2])
		}
		if len(f) > 3 {
			e.MinerID = fromDash(f[3])
		}
		return e, true
	case KindOption:
		e.Value = strings.Join(f[2:], " ")
		return e, true
	case KindPerm:
		// The first installer's record was "perm PATH UID GID MODE".
		if len(f) == 5 {
			f = append(f[:2], f[3:]...)
		}
		if len(f) != 4 {
			return e, false
		}
		gid, err1 := strconv.Atoi(f[2])
		mode, err2 := strconv.ParseUint(f[3], 8, 32)
		if err1 != nil || err2 != nil {
			return e, false
		}
		e.GID, e.Mode = gid, uint32(mode)
		return e, true
	}
	return e, false
}

// parseManifest reads the record's entries, in their order.
func parseManifest(text string) []Entry {
	var entries []Entry
	for _, line := range strings.Split(text, "\n") {
		if line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, "version ") {
			continue
		}
		if e, ok := parseEntry(line); ok {
			entries = append(entries, e)
		}
	}
	return entries
}

// formatManifest is the record's text.
func formatManifest(entries []Entry) string {
	var b strings.Builder
	b.WriteString(manifestHead)
	for _, e := range entries {
		b.WriteString(e.String())
		b.WriteByte('\n')
	}
	return b.String()
}
