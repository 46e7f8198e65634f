// Mount tables: which folder of which filesystem a process sees where.

package proc

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Mount is one line of a mount table, /proc/PID/mountinfo (proc(5)).
type Mount struct {
	ID         int    // unique on the host: a mount belongs to one mount namespace
	Device     string // major:minor of the filesystem
	Root       string // the folder of that filesystem mounted here
	MountPoint string // where, as the process sees its files
	FSType     string
	Source     string
}

// Mounts reads the mount table of p.
func (p Process) Mounts() ([]Mount, error) { return readMounts(filepath.Join(p.dir, "mountinfo")) }

// SelfMounts reads the mount table of the program itself from the /proc tree procDir.
func SelfMounts(procDir string) ([]Mount, error) {
	return readMounts(filepath.Join(procDir, "self", "mountinfo"))
}

func readMounts(path string) ([]Mount, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var ms []Mount
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20) // super options of an overlay list every layer
	for sc.Scan() {
		m, err := parseMount(sc.Text())
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		ms = append(ms, m)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return ms, nil
}

// parseMount reads "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTIONS".
func parseMount(line string) (Mount, error) {
	f := strings.Fields(line)
	sep := -1
	for i := 6; i < len(f); i++ {
		if f[i] == "-" {
			sep = i
			break
		}
	}
	if sep < 0 || len(f) < sep+3 {
		return Mount{}, fmt.Errorf("mount line %q: not ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS ... - FSTYPE SOURCE", line)
	}
	id, err := strconv.Atoi(f[0])
	if err != nil {
		return Mount{}, fmt.Errorf("mount line %q: mount ID %q", line, f[0])
	}
	return Mount{ID: id, Device: f[2], Root: unescape(f[3]), MountPoint: unescape(f[4]),
		FSType: f[sep+1], Source: unescape(f[sep+2])}, nil
}

// unescape undoes the kernel's octal escapes of space, tab, newline and backslash ("\040").
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// Covering returns the mount of ms that shows path: the one with the longest mount point
// that holds it, the last listed of those mounted on one point (it hides the others).
func Covering(ms []Mount, path string) (Mount, bool) {
	best, found := Mount{}, false
	for _, m := range ms {
		if Within(m.MountPoint, path) && (!found || len(m.MountPoint) >= len(best.MountPoint)) {
			best, found = m, true
		}
	}
	return best, found
}

// Within says whether path is dir or inside it; both are clean absolute paths.
func Within(dir, path string) bool {
	return dir == "/" || path == dir || strings.HasPrefix(path, dir+"/")
}
