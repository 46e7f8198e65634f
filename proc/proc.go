// Package proc reads the running processes from a /proc tree, and says whose processes and files to believe.
package proc

import (
	"bufio"
	"cmp"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/prometheus/procfs"
)

// Process is a running program as its /proc/PID folder shows it.
type Process struct {
	PID  int
	Name string   // base name of argv[0]; comm is cut to 15 characters, too short for "prometheus-node-exporter"
	Args []string // argv
	// UID and EUID are its real and effective user: a set-user-ID program has two.
	UID, EUID int
	// SUID and FSUID are its saved and file-system user, which it can switch to at will.
	SUID, FSUID int
	p           procfs.Proc
	dir         string // its folder under the /proc tree
}

// Find lists the processes under procDir ("/proc" on a live host) named one of names, by
// PID. Processes that vanish or cannot be read while scanning are skipped: that is normal.
func Find(procDir string, names ...string) []Process {
	fs, err := procfs.NewFS(procDir)
	if err != nil {
		return nil
	}
	all, err := fs.AllProcs()
	if err != nil {
		return nil
	}
	var found []Process
	for _, p := range all {
		args, err := p.CmdLine()
		if err != nil || len(args) == 0 { // kernel threads have no command line
			continue
		}
		name := filepath.Base(args[0])
		if !slices.Contains(names, name) {
			continue
		}
		st, err := p.NewStatus()
		if err != nil {
			continue
		}
		found = append(found, Process{PID: p.PID, Name: name, Args: args, UID: int(st.UIDs[0]), EUID: int(st.UIDs[1]),
			SUID: int(st.UIDs[2]), FSUID: int(st.UIDs[3]), p: p, dir: filepath.Join(procDir, strconv.Itoa(p.PID))})
	}
	slices.SortFunc(found, func(a, b Process) int { return cmp.Compare(a.PID, b.PID) })
	return found
}

// Env returns the process's environment; nil when it cannot be read (another user's, unless we are root).
func (p Process) Env() map[string]string {
	kvs, err := p.p.Environ()
	if err != nil {
		return nil
	}
	env := make(map[string]string, len(kvs))
	for _, kv := range kvs {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v
		}
	}
	return env
}

// Cwd returns the process's working folder.
func (p Process) Cwd() (string, error) {
	wd, err := p.p.Cwd()
	if err == nil && wd == "" { // procfs says "" for a process that is gone
		err = os.ErrNotExist
	}
	return wd, err
}

// RunsAs says whether p runs as uid alone, real and effective user both.
func (p Process) RunsAs(uid int) bool { return p.UID == uid && p.EUID == uid }

// Trust is whose processes and folders the exporter believes: root's, its own user's, and
// system users' (below UID_MIN), which only an administrator creates. Any local user can start
// a program named node_exporter with any arguments, or make a folder: neither says how the
// host is set up.
type Trust struct {
	Root   string // the host's files (/etc/login.defs, /etc/passwd, /etc/group) are under Root; "" for this host
	UID    int    // the exporter's effective user
	UIDMin int    // the first user ID of ordinary users: UID_MIN of /etc/login.defs
	UIDMax int    // the last one: UID_MAX of /etc/login.defs
	// SubUIDs are the user ID ranges /etc/subuid delegates to users for their own containers.
	SubUIDs []IDRange
}

// IDRange is Count user IDs from First.
type IDRange struct{ First, Count int }

// The values of UID_MIN and UID_MAX when /etc/login.defs does not set them, as shadow's useradd assumes.
const (
	defaultUIDMin = 1000
	defaultUIDMax = 60000
)

// LoadTrust reads the trust of the running program on the host under root ("" for this one).
func LoadTrust(root string) Trust {
	return Trust{Root: root, UID: os.Geteuid(),
		UIDMin:  loginDef(root+"/etc/login.defs", "UID_MIN", defaultUIDMin),
		UIDMax:  loginDef(root+"/etc/login.defs", "UID_MAX", defaultUIDMax),
		SubUIDs: subIDs(root + "/etc/subuid")}
}

// loginDef reads a number from login.defs; a missing file or value means def.
func loginDef(path, name string, def int) int {
	f, err := os.Open(path)
	if err != nil {
		return def
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if fields := strings.Fields(sc.Text()); len(fields) >= 2 && fields[0] == name {
			if n, err := strconv.Atoi(fields[1]); err == nil {
				return n
			}
		}
	}
	return def
}

// subIDs reads the ranges of a subuid file (name:first:count, subuid(5)); none when it is missing.
func subIDs(path string) []IDRange {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	var rs []IDRange
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Split(sc.Text(), ":")
		if len(fields) != 3 {
			continue
		}
		first, err1 := strconv.Atoi(fields[1])
		count, err2 := strconv.Atoi(fields[2])
		if err1 == nil && err2 == nil {
			rs = append(rs, IDRange{first, count})
		}
	}
	return rs
}

// TrustsUser says whether what uid runs or owns is believed.
func (t Trust) TrustsUser(uid int) bool { return uid == 0 || uid == t.UID || uid < t.UIDMin }

// TrustsProcess says whether p is believed: each of its real, effective, saved and file-system
// users is, so a set-user-ID program an ordinary user started is not. A process may also run
// as a user above UID_MAX that /etc/subuid delegates to nobody, such as nobody (65534), as
// node_exporter's container image runs: only root can start one. A folder of such a user is
// not believed all the same: NFS gives nobody the files of every squashed user.
func (t Trust) TrustsProcess(p Process) bool {
	for _, uid := range []int{p.UID, p.EUID, p.SUID, p.FSUID} {
		if !t.TrustsUser(uid) && !t.rootOnly(uid) {
			return false
		}
	}
	return true
}

// rootOnly says whether only root can start a process as uid: no ordinary user has it, nor
// may map it into a user namespace of their own.
func (t Trust) rootOnly(uid int) bool {
	if t.UIDMax == 0 || uid <= t.UIDMax { // 0: not loaded, so none
		return false
	}
	for _, r := range t.SubUIDs {
		if uid >= r.First && uid < r.First+r.Count {
			return false
		}
	}
	return true
}
