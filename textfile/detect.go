// Detection of the folder node_exporter's textfile collector reads.

package textfile

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/lotus-farcaster/lotus-farcaster/proc"
)

// Dir is a detected textfile-collector folder.
type Dir struct {
	Path string
	// How says, for humans, why Path was chosen.
	How string
	// PID is the running node_exporter that reads Path; 0 when Path is only a usual folder.
	// With an error, it is the one in a container whose folder no folder here shows.
	PID int
	// Note, when set, warns of a running node_exporter whose textfile collector reads no folder.
	Note string
}

// DebianDefault is the folder Debian's prometheus-node-exporter reads when it runs without
// --collector.textfile.directory: Debian builds it with this default (its --help shows it,
// and /etc/default/prometheus-node-exporter sets no flag). Upstream node_exporter has no
// default: without the flag its textfile collector reads nothing.
const DebianDefault = "/var/lib/prometheus/node-exporter"

// DefaultCandidates are the usual textfile-collector folders, checked in
// order when no running node_exporter names one.
var DefaultCandidates = []string{
	DebianDefault,
	"/var/lib/node_exporter/textfile_collector",
}

// candidateOrigins explains the known DefaultCandidates in Dir.How.
var candidateOrigins = map[string]string{
	DebianDefault: "Debian/Ubuntu default",
	"/var/lib/node_exporter/textfile_collector": "common manual-install location",
}

const (
	textfileFlag = "--collector.textfile.directory"
	debianName   = "prometheus-node-exporter"
)

// DetectDir finds the folder node_exporter's textfile collector reads.
//
// First it looks for a running node_exporter under procDir ("/proc" in
// production) that trust believes, and uses what it reads: its
// --collector.textfile.directory, or DebianDefault for Debian's build without
// the flag, mapped to the host folder when it runs in a container; or, when
// no host folder shows that one, an error saying why. Processes that vanish
// or cannot be read while scanning are skipped. Then it returns the first of
// candidates that is an existing folder, with a Note when a running
// node_exporter reads none. Otherwise it returns an error telling the user to
// pass --textfile-dir, and a Dir holding only that Note.
func DetectDir(procDir string, candidates []string, trust proc.Trust) (Dir, error) {
	return detectDir("", procDir, candidates, trust)
}

// DetectDirUnder is DetectDir for the host whose files are under root, with
// its processes in root/proc, as the running program trusts them; the paths
// it returns are the host's, without root.
func DetectDirUnder(root string) (Dir, error) {
	return detectDir(root, root+"/proc", DefaultCandidates, proc.LoadTrust(root))
}

func detectDir(root, procDir string, candidates []string, trust proc.Trust) (Dir, error) {
	d, found, err := fromProcesses(procDir, trust)
	if found {
		return d, err
	}
	for _, c := range candidates {
		if fi, err := os.Stat(root + c); err == nil && fi.IsDir() {
			how := candidateOrigins[c]
			if how == "" {
				how = "existing folder"
			}
			return Dir{Path: c, How: how + " " + c, Note: d.Note}, nil
		}
	}
	msg := "no node_exporter textfile folder found (no running node_exporter of root, a system user or this user reads one, no default folder exists); pass --textfile-dir"
	if d.Note != "" {
		msg += "; " + d.Note
	}
	return Dir{Note: d.Note}, errors.New(msg)
}

// fromProcesses returns the folder of the first node_exporter under procDir
// that trust believes and that reads one, as this program sees it; otherwise
// found is false and d.Note tells of one that reads none. Anyone can start a
// program named node_exporter that names a folder of their choice: only an
// administrator's says where node_exporter reads. When every such node_exporter
// runs in a container whose folder no folder here shows, err says why for the
// first, and d holds only its PID and, in How, the same sentence: writing
// anywhere else would write where nobody reads.
func fromProcesses(procDir string, trust proc.Trust) (d Dir, found bool, err error) {
	var ours []proc.Mount
	var unreachable error
	for _, p := range proc.Find(procDir, "node_exporter", debianName) {
		if !trust.TrustsProcess(p) {
			continue
		}
		path, how, ok := processTextfileDir(p)
		switch {
		case !ok:
			continue
		case path == "":
			if d.Note == "" {
				d.Note = how
			}
			continue
		}
		if ours == nil {
			if ours, err = proc.SelfMounts(procDir); err != nil {
				err = fmt.Errorf("cannot tell where %s (pid %d) reads %s: %v; pass --textfile-dir", p.Name, p.PID, path, err)
				return Dir{PID: p.PID, How: err.Error()}, true, err
			}
		}
		host, inContainer, err := hostFolder(p, path, ours)
		switch {
		case errors.Is(err, errGone):
			continue
		case err != nil:
			if unreachable == nil {
				unreachable = fmt.Errorf("%s (pid %d) runs in a container and reads %s from %v; mount a folder of this host there (docker run -v /srv/textfile:%s), or pass --textfile-dir with the host folder it reads",
					p.Name, p.PID, path, err, path)
				d.PID = p.PID
			}
			continue
		case inContainer:
			how = fmt.Sprintf("%s (pid %d) runs in a container and reads %s, which is %s here", p.Name, p.PID, path, host)
		}
		return Dir{Path: host, How: how, PID: p.PID}, true, nil
	}
	if unreachable != nil {
		return Dir{PID: d.PID, How: unreachable.Error(), Note: d.Note}, true, unreachable
	}
	return d, false, nil
}

// processTextfileDir says which folder node_exporter p reads: path is "" when
// it reads none; how says why; ok is false when p is gone.
func processTextfileDir(p proc.Process) (path, how string, ok bool) {
	if slices.Contains(p.Args[1:], "--no-collector.textfile") {
		return "", fmt.Sprintf("%s (pid %d) runs with --no-collector.textfile, so it reads no textfile folder", p.Name, p.PID), true
	}
	path = flagValue(p.Args[1:])
	switch {
	case path == "" && p.Name == debianName:
		return DebianDefault, fmt.Sprintf("built-in default of running %s (pid %d), Debian's build", p.Name, p.PID), true
	case path == "":
		return "", fmt.Sprintf("%s (pid %d) runs without %s, so its textfile collector reads no folder", p.Name, p.PID, textfileFlag), true
	case !filepath.IsAbs(path):
		// A relative folder is relative to node_exporter's working folder.
		cwd, err := p.Cwd()
		if err != nil {
			return "", "", false
		}
		path = filepath.Join(cwd, path)
	}
	return path, fmt.Sprintf("%s of running node_exporter (pid %d)", textfileFlag, p.PID), true
}

// flagValue returns the value of the textfile flag in args, given either as
// "--flag=X" or as "--flag X", or "" when it is absent.
func flagValue(args []string) string {
	for i, a := range args {
		if v, ok := strings.CutPrefix(a, textfileFlag+"="); ok {
			return v
		}
		if a == textfileFlag && i+1 < len(args) {
			return args[i+1]
		}
	}
	return ""
}
