// Detection of the folder node_exporter's textfile collector reads.

package textfile

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Dir is a detected textfile-collector folder.
type Dir struct {
	Path string
	// How says, for humans, why Path was chosen.
	How string
}

// DefaultCandidates are the usual textfile-collector folders, checked in
// order when no running node_exporter names one.
var DefaultCandidates = []string{
	"/var/lib/prometheus/node-exporter",
	"/var/lib/node_exporter/textfile_collector",
}

// candidateOrigins explains the known DefaultCandidates in Dir.How.
var candidateOrigins = map[string]string{
	"/var/lib/prometheus/node-exporter":         "Debian/Ubuntu default",
	"/var/lib/node_exporter/textfile_collector": "common manual-install location",
}

const textfileFlag = "--collector.textfile.directory"

// DetectDir finds the folder node_exporter's textfile collector reads.
//
// First it looks for a running node_exporter under procDir ("/proc" in
// production) and uses its --collector.textfile.directory, since that is
// what node_exporter really reads. Processes that cannot be read, or that run
// without the flag, are skipped. Then it returns the first of candidates that
// is an existing folder. Otherwise it returns an error telling the user to
// pass --textfile-dir.
func DetectDir(procDir string, candidates []string) (Dir, error) {
	if d, ok := fromProcesses(procDir); ok {
		return d, nil
	}
	for _, c := range candidates {
		if fi, err := os.Stat(c); err == nil && fi.IsDir() {
			how := candidateOrigins[c]
			if how == "" {
				how = "existing folder"
			}
			return Dir{Path: c, How: how + " " + c}, nil
		}
	}
	return Dir{}, errors.New("no node_exporter textfile folder found " +
		"(no running node_exporter with " + textfileFlag + ", no default folder exists); pass --textfile-dir")
}

// fromProcesses returns the textfile folder of the first node_exporter
// process under procDir that has the flag.
func fromProcesses(procDir string) (Dir, bool) {
	entries, err := os.ReadDir(procDir)
	if err != nil {
		return Dir{}, false
	}
	for _, e := range entries {
		pid := e.Name()
		if _, err := strconv.Atoi(pid); err != nil {
			continue // not a process, e.g. /proc/meminfo
		}
		path, ok := processTextfileDir(filepath.Join(procDir, pid))
		if ok {
			return Dir{Path: path, How: fmt.Sprintf("%s of running node_exporter (pid %s)", textfileFlag, pid)}, true
		}
	}
	return Dir{}, false
}

// processTextfileDir returns the flag value of the node_exporter whose
// /proc/PID folder is procPID. It reports false for any other process.
func processTextfileDir(procPID string) (string, bool) {
	raw, err := os.ReadFile(filepath.Join(procPID, "cmdline"))
	if err != nil {
		return "", false
	}
	// argv is NUL-separated. comm is not used: it is cut to 15 characters,
	// too short for "prometheus-node-exporter".
	args := strings.Split(strings.TrimSuffix(string(raw), "\x00"), "\x00")
	if name := filepath.Base(args[0]); name != "node_exporter" && name != "prometheus-node-exporter" {
		return "", false
	}

	dir := flagValue(args[1:])
	if dir == "" {
		return "", false
	}
	if filepath.IsAbs(dir) {
		return dir, true
	}
	// A relative folder is relative to node_exporter's working folder.
	cwd, err := os.Readlink(filepath.Join(procPID, "cwd"))
	if err != nil {
		return "", false
	}
	return filepath.Join(cwd, dir), true
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
