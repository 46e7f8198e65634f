// Which textfile folders the installer may open to the lotus user.

package textfile

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"github.com/lotus-farcaster/lotus-farcaster/proc"
)

// Change says whether the installer may change the group and mode of a textfile folder so
// that the lotus user can write to it. Giving a group write access to a folder root reads
// from (/etc/cron.d, /usr/lib, a user's ~/.ssh) hands that group root, so it may change only
// a folder it creates or node_exporter's documented folder, and never a system or home folder.
type Change struct {
	Dir string `json:"dir"`
	// Verdict is "yes"; "acl" when the installer may not, but an administrator may let the
	// lotus user write there (setfacl); "no" when the folder must not be opened to it at all.
	Verdict string `json:"verdict"`
	Why     string `json:"why"`
}

// systemFolders are never opened to the lotus user, nor anything inside them.
var systemFolders = []string{"/etc", "/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/boot", "/proc", "/sys", "/dev", "/root", "/home"}

// MayChange decides for dir on the host under root ("" for this one), whose users trust
// knows. chgrp and chmod follow symbolic links, so it decides on the folder dir leads to.
func MayChange(root, dir string, trust proc.Trust) Change {
	c := Change{Dir: dir, Verdict: "no"}
	if !filepath.IsAbs(dir) {
		c.Why = dir + " is not an absolute path"
		return c
	}
	real, looked, err := resolve(root, dir)
	if err != nil {
		c.Why = err.Error()
		return c
	}
	what := real
	if real != filepath.Clean(dir) {
		what = fmt.Sprintf("%s (which leads to %s)", dir, real)
	}
	if real == "/" {
		c.Why = what + " is the root folder"
		return c
	}
	for _, s := range systemFolders {
		if proc.Within(s, real) {
			c.Why = fmt.Sprintf("%s is in %s, a system folder", what, s)
			return c
		}
	}
	users, _ := readUsers(root + "/etc/passwd") // without the file, the system folders above still hold /root and /home
	for _, u := range users {
		// Root's and ordinary users' homes; system users' are their service's data (Debian's
		// prometheus user lives in /var/lib/prometheus, which holds the documented folder).
		ordinary := u.uid == 0 || u.uid >= trust.UIDMin && (trust.UIDMax == 0 || u.uid <= trust.UIDMax)
		if ordinary && u.home != "" && u.home != "/" && proc.Within(filepath.Clean(u.home), real) {
			c.Why = fmt.Sprintf("%s is in %s, the home folder of %s", what, u.home, u.name)
			return c
		}
	}
	// Between this verdict and the change, whoever can write in a folder on the way could put
	// a link to /etc where the folder is.
	for _, d := range looked {
		var st syscall.Stat_t
		if err := syscall.Stat(root+d, &st); err != nil {
			continue // not there (yet): the installer creates it, in a folder checked here
		}
		switch {
		case !trust.TrustsUser(int(st.Uid)):
			c.Why = fmt.Sprintf("%s lies in %s, which belongs to %s, who could swap it for a link to another folder", what, d, users.byUID(int(st.Uid)))
			return c
		case st.Mode&0o022 != 0:
			c.Why = fmt.Sprintf("%s lies in %s, which others than its owner can write (mode %04o), who could swap it for a link to another folder", what, d, st.Mode&0o7777)
			return c
		}
	}
	switch {
	case !exists(root + real):
		c.Verdict, c.Why = "yes", what+" does not exist yet: the installer creates it"
	case slices.Contains(DefaultCandidates, real):
		c.Verdict, c.Why = "yes", what+" is node_exporter's documented folder"
	default:
		c.Verdict = "acl"
		c.Why = fmt.Sprintf("%s is neither node_exporter's documented folder (%s) nor one the installer creates", what, strings.Join(DefaultCandidates, " or "))
	}
	return c
}

func exists(p string) bool { _, err := os.Lstat(p); return err == nil }

// resolve follows the symbolic links in path on the host under root, as chgrp would on that
// host; what does not exist yet is kept as named. looked lists the folders it looked in.
func resolve(root, path string) (real string, looked []string, err error) {
	parts := strings.Split(path, "/")
	cur := "/"
	for hops := 0; len(parts) > 0; {
		part := parts[0]
		parts = parts[1:]
		switch part {
		case "", ".":
			continue
		case "..":
			cur = filepath.Dir(cur)
			continue
		}
		next := filepath.Join(cur, part)
		if !slices.Contains(looked, cur) {
			looked = append(looked, cur)
		}
		fi, err := os.Lstat(root + next)
		if err != nil || fi.Mode()&os.ModeSymlink == 0 {
			cur = next
			continue
		}
		if hops++; hops > 40 { // the kernel's limit (ELOOP)
			return "", nil, fmt.Errorf("%s: too many levels of symbolic links", path)
		}
		target, err := os.Readlink(root + next)
		if err != nil {
			return "", nil, err
		}
		if filepath.IsAbs(target) {
			cur = "/"
		}
		parts = append(strings.Split(target, "/"), parts...)
	}
	return cur, looked, nil
}
