// Which user the jobs run as: --user, an earlier run's, or the one the host names.
package setup

import (
	"os/user"
	"strconv"
	"strings"
)

// lotusUser is the user the jobs run as.
type lotusUser struct {
	Name, Group, Home string
	UID, GID          int
}

// chooseUser: --user, else an earlier run's, else the one the host names.
func (r *run) chooseUser() error {
	name, how := r.o.User, "--user"
	if name == "" {
		name, how = r.firstEarlier(KindUser), "chosen by an earlier run"
	}
	if name == "" {
		var skipped, names []string
		for _, m := range r.found.MinerRepos {
			if m.Skip != "" {
				skipped = append(skipped, "; skipped "+m.Path+": "+m.Skip)
			}
		}
		for _, u := range r.found.Users {
			names = append(names, orUID(u))
		}
		switch {
		case len(r.found.Users) == 0:
			return fail("no lotus user found: no lotus-miner or curio runs, and no ~/.lotusminer* folder with an api file that answers is in /root or /home/*%s; pass --user", strings.Join(skipped, ""))
		case r.found.LotusUser == "":
			return fail("several users run lotus-miner or curio, or own miner repos (%s); pass --user", strings.Join(names, " "))
		}
		name = r.found.LotusUser
		for _, u := range r.found.Users {
			if u.Name == name {
				how = strings.Join(u.Why, "; ")
			}
		}
	}
	pw, err := user.Lookup(name)
	if err != nil {
		return fail("user %s does not exist", name)
	}
	r.user = lotusUser{Name: name, Home: pw.HomeDir}
	r.user.UID, _ = strconv.Atoi(pw.Uid)
	r.user.GID, _ = strconv.Atoi(pw.Gid)
	r.user.Group = groupName(r.user.GID)
	r.say("lotus user: %s (%s)", name, how)
	r.desire(Entry{Kind: KindUser, Path: name})
	return nil
}

func orUID(u User) string {
	if u.Name == "" {
		return "uid " + strconv.Itoa(u.UID)
	}
	return u.Name
}

// groupName is gid's name, or its number when no group has it (one since deleted).
func groupName(gid int) string {
	if g, err := user.LookupGroupId(strconv.Itoa(gid)); err == nil {
		return g.Name
	}
	return strconv.Itoa(gid)
}
