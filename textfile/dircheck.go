// Refusing a folder whose files another user could replace.

package textfile

import (
	"bufio"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"github.com/lotus-farcaster/lotus-farcaster/proc"
)

// CheckDir returns an error naming who else can write in dir, and the fix, unless only
// users trust believes can: dir must belong to one of them, must not be writable by all
// (a sticky bit does not help: others could still plant the lock or state file first), and
// may be writable by its group only when every member of the group is one of them. Another
// writer could replace the metrics node_exporter serves, or the state the next run reads.
// The users and groups are read from trust.Root's /etc/passwd and /etc/group.
func CheckDir(dir string, trust proc.Trust) error {
	var st syscall.Stat_t
	if err := syscall.Stat(dir, &st); err != nil {
		return fmt.Errorf("folder %s: %w", dir, err)
	}
	mode := st.Mode & 0o7777
	users, err := readUsers(trust.Root + "/etc/passwd")
	switch {
	case !trust.TrustsUser(int(st.Uid)):
		u := users.byUID(int(st.Uid))
		return fmt.Errorf("folder %s belongs to %s, who could replace what is written there; %s or chown root %s", dir, u, runAs(u), dir)
	case mode&0o002 != 0:
		return fmt.Errorf("folder %s is writable by every user (mode %04o), who could replace what is written there; use another folder, or chmod o-w %s", dir, mode, dir)
	case mode&0o020 == 0:
		return nil
	case err != nil:
		return fmt.Errorf("folder %s is writable by its group, and who is in it is unknown: %v; chmod g-w %s", dir, err, dir)
	}
	group, members, err := readGroup(trust.Root+"/etc/group", int(st.Gid))
	if err != nil {
		return fmt.Errorf("folder %s is writable by group %d, and who is in it is unknown: %v; chmod g-w %s", dir, st.Gid, err, dir)
	}
	// Its members: those it lists, and the users whose primary group it is.
	for _, u := range users {
		if u.gid == int(st.Gid) {
			members = append(members, u.name)
		}
	}
	slices.Sort(members)
	var others []user
	for _, name := range slices.Compact(members) {
		// A member without a passwd entry comes from elsewhere (LDAP, say): not an administrator's.
		if u, ok := users.byName(name); !ok || !trust.TrustsUser(u.uid) {
			others = append(others, u)
		}
	}
	switch len(others) {
	case 0:
		return nil
	case 1:
		return fmt.Errorf("folder %s is writable by group %s, whose member %s could replace what is written there; %s or chmod g-w %s", dir, group, others[0], runAs(others[0]), dir)
	}
	names := make([]string, len(others))
	for i, u := range others {
		names[i] = u.String()
	}
	return fmt.Errorf("folder %s is writable by group %s, whose members %s could replace what is written there; chmod g-w %s", dir, group, strings.Join(names, ", "), dir)
}

// runAs is the fix of a folder one other user can write: be that user.
func runAs(u user) string {
	if u.name == "" {
		return "run lotus-farcaster as uid " + strconv.Itoa(u.uid)
	}
	return fmt.Sprintf("run lotus-farcaster as %s (sudo -u %s lotus-farcaster, or in %s's crontab)", u.name, u.name, u.name)
}

// user is one line of /etc/passwd; a name alone when the file does not list it.
type user struct {
	name     string
	uid, gid int
	home     string
}

func (u user) String() string {
	switch {
	case u.name == "":
		return "uid " + strconv.Itoa(u.uid)
	case u.uid < 0:
		return u.name + " (not in /etc/passwd)"
	}
	return fmt.Sprintf("%s (uid %d)", u.name, u.uid)
}

type userList []user

func (us userList) byUID(uid int) user {
	for _, u := range us {
		if u.uid == uid {
			return u
		}
	}
	return user{uid: uid, gid: -1}
}

func (us userList) byName(name string) (user, bool) {
	for _, u := range us {
		if u.name == name {
			return u, true
		}
	}
	return user{name: name, uid: -1, gid: -1}, false
}

// readUsers reads a passwd file (name:password:uid:gid:gecos:home:shell), as os/user does without cgo.
func readUsers(path string) (userList, error) {
	var us userList
	err := eachLine(path, func(f []string) {
		if len(f) < 4 {
			return
		}
		uid, err1 := strconv.Atoi(f[2])
		gid, err2 := strconv.Atoi(f[3])
		if err1 == nil && err2 == nil {
			u := user{name: f[0], uid: uid, gid: gid}
			if len(f) >= 6 {
				u.home = f[5]
			}
			us = append(us, u)
		}
	})
	return us, err
}

// readGroup finds gid in a group file (name:password:gid:member,member) and returns its
// name and listed members. A group the file does not list is an error: its members are unknown.
func readGroup(path string, gid int) (name string, members []string, err error) {
	found := false
	err = eachLine(path, func(f []string) {
		if found || len(f) < 4 || f[2] != strconv.Itoa(gid) {
			return
		}
		found, name = true, f[0]
		for _, m := range strings.Split(f[3], ",") {
			if m = strings.TrimSpace(m); m != "" {
				members = append(members, m)
			}
		}
	})
	if err == nil && !found {
		err = fmt.Errorf("%s does not list it", path)
	}
	return name, members, err
}

// eachLine calls fn with the colon-separated fields of each line of path but comments.
func eachLine(path string, fn func(fields []string)) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if line := sc.Text(); line != "" && !strings.HasPrefix(line, "#") {
			fn(strings.Split(line, ":"))
		}
	}
	return sc.Err()
}
