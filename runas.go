// Whose Lotus this is: a run that reaches nothing as the wrong user names the right one, and leaves that user's files alone.
package main

import (
	"fmt"
	"log/slog"
	"os"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"github.com/lotus-farcaster/lotus-farcaster/metrics"
	"github.com/lotus-farcaster/lotus-farcaster/proc"
)

// runAsOwner is the one line a run or --check says instead of fourteen failures when it is
// run by the wrong user (root, say), or "" when nothing says so. Before the sources are
// reached (node nil), discovery must have found none at all, and this run's user must own no
// Lotus itself; after, none must have answered, and a file of ours in the output folder must
// belong to another user: a run must not replace it with a file of every API down.
func runAsOwner(c config, f found, node *metrics.Node) string {
	reached := node != nil && (node.Daemon != nil || node.Miner != nil || node.Curio != nil)
	if c.demo || c.output == "-" || reached || node == nil && !f.nothing() {
		return ""
	}
	dir, _, _ := outputDir(c) // a folder that is refused still says whose files are in it
	theirs := othersFiles(c, dir)
	owners, selfToo := lotusOwners(theirs)
	switch {
	case node != nil && len(theirs) == 0:
		return ""
	case node == nil && selfToo, len(owners) == 0:
		return "" // this user's Lotus is not found: discovery's lines say why
	}
	who := owners[0]
	if len(theirs) > 0 {
		who = userName(theirs[0]) // the one whose file it is
	}
	cmd := "sudo -u " + who + " " + shellJoin(append([]string{os.Args[0]}, withoutSecrets(c.args)...))
	if len(owners) == 1 {
		return fmt.Sprintf("this host's Lotus repos belong to %s: run as that user: %s", owners[0], cmd)
	}
	return fmt.Sprintf("this host's Lotus repos belong to %s: run as the one whose miner this job reads, e.g. %s", strings.Join(owners, ", "), cmd)
}

// sayRunAs says line, alone: a PROBLEM of --check, or a run's one stderr line (log) for a
// run that writes nothing.
func sayRunAs(c config, log *slog.Logger, line string) int {
	if c.check {
		fmt.Fprintf(c.stdout, "PROBLEM:    %s\nverdict: PROBLEM (1, see above)\n", line)
	} else {
		log.Error(line + "; nothing written")
	}
	return exitUsage
}

// othersFiles are the users, other than this run's, who own the files a run would write:
// --output, or our lotus-*.prom files in dir.
func othersFiles(c config, dir string) []int {
	paths := []string{c.output}
	if c.output == "" {
		paths = nil
		for _, id := range ourFiles(dir) {
			paths = append(paths, filepath.Join(dir, "lotus-"+id+".prom"))
		}
	}
	var uids []int
	for _, p := range paths {
		if uid, ok := ownerUID(p); ok && uid != os.Geteuid() {
			uids = append(uids, uid)
		}
	}
	return uids
}

// lotusOwners are the names of the users, other than this run's, whose Lotus this host runs:
// the owners of running lotus, lotus-miner and curio processes, of the Lotus repos (.lotus or
// .lotusminer folders holding an api file) in the home folders, and fileOwners; selfToo says
// this run's user is one of them. Any user can start a program named lotus or make such a
// folder, so they only name a user to advise; what the run does (leave a file alone) rests
// on the file's owner alone, in a folder textfile.CheckDir trusts.
func lotusOwners(fileOwners []int) (names []string, selfToo bool) {
	uids := slices.Clone(fileOwners)
	for _, p := range proc.Find(hostRoot+"/proc", "lotus", "lotus-miner", "curio") {
		uids = append(uids, p.EUID)
	}
	for _, pattern := range []string{"/home/*/.lotus", "/home/*/.lotusminer", "/root/.lotus", "/root/.lotusminer"} {
		repos, _ := filepath.Glob(hostRoot + pattern + "/api")
		for _, api := range repos {
			if uid, ok := ownerUID(filepath.Dir(api)); ok {
				uids = append(uids, uid)
			}
		}
	}
	for _, uid := range uids {
		if uid == os.Geteuid() {
			selfToo = true
		} else {
			names = append(names, userName(uid))
		}
	}
	slices.Sort(names)
	return slices.Compact(names), selfToo
}

// ownerUID is the user owning path, itself and not a link's target.
func ownerUID(path string) (int, bool) {
	var st syscall.Stat_t
	if path == "" || syscall.Lstat(path, &st) != nil {
		return 0, false
	}
	return int(st.Uid), true
}

// userName names uid, by its number only when the host has no name for it.
func userName(uid int) string {
	if u, err := user.LookupId(strconv.Itoa(uid)); err == nil {
		return u.Username
	}
	return "uid " + strconv.Itoa(uid)
}

// secretFlags may hold a token or a password; run as the Lotus user, the exporter finds them
// in its repos and environment instead.
var secretFlags = []string{"daemon-api", "miner-api", "curio-db"}

// withoutSecrets is the command line without secretFlags and their values.
func withoutSecrets(args []string) []string {
	var out []string
	for i := 0; i < len(args); i++ {
		name, _, hasValue := strings.Cut(strings.TrimLeft(args[i], "-"), "=")
		if strings.HasPrefix(args[i], "-") && slices.Contains(secretFlags, name) {
			if !hasValue {
				i++ // the value is the next argument
			}
			continue
		}
		out = append(out, args[i])
	}
	return out
}

// shellJoin quotes words for a shell, where they need it.
func shellJoin(words []string) string {
	quoted := make([]string, len(words))
	for i, w := range words {
		if w != "" && strings.Trim(w, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./:=,@%+-") == "" {
			quoted[i] = w
		} else {
			quoted[i] = "'" + strings.ReplaceAll(w, "'", `'\''`) + "'"
		}
	}
	return strings.Join(quoted, " ")
}
