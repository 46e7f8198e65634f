// The folder a node_exporter in a container reads, as the host sees it.

package textfile

import (
	"errors"
	"fmt"
	"path/filepath"

	"github.com/lotus-farcaster/lotus-farcaster/proc"
)

// errGone: the process ended while it was looked at.
var errGone = errors.New("process gone")

// hostFolder maps path, a folder as process p sees it, to the folder this program sees,
// through both mount tables (mountinfo in proc(5)); ours is this program's. inContainer says
// p's mount is not one of ours: it runs in another mount namespace, a container. Writing
// through /proc/PID/root would reach the folder too, but only while that process runs, and
// as whatever the container makes of it: the host folder is the one that lasts.
func hostFolder(p proc.Process, path string, ours []proc.Mount) (host string, inContainer bool, err error) {
	theirs, err := p.Mounts()
	if err != nil {
		return "", false, errGone
	}
	m, ok := proc.Covering(theirs, path)
	if !ok {
		return "", true, errors.New("a folder its mount table does not show")
	}
	rest, _ := filepath.Rel(m.MountPoint, path)
	for _, o := range ours {
		if o.ID == m.ID { // the same mount: the same namespace, maybe another root
			return filepath.Join(o.MountPoint, rest), false, nil
		}
	}
	// A bind mount shows a folder (Root) of a filesystem (Device); a mount of ours that shows
	// a folder around it, and that nothing is mounted over here, shows it too.
	inFS := filepath.Join(m.Root, rest)
	for _, o := range ours {
		if o.Device != m.Device || !proc.Within(o.Root, inFS) {
			continue
		}
		rel, _ := filepath.Rel(o.Root, inFS)
		candidate := filepath.Join(o.MountPoint, rel)
		if top, _ := proc.Covering(ours, candidate); top.ID == o.ID {
			return candidate, true, nil
		}
	}
	switch m.FSType {
	case "tmpfs", "ramfs":
		return "", true, fmt.Errorf("a %s of the container's own, which no folder of this host shows", m.FSType)
	case "overlay", "aufs", "fuse-overlayfs":
		return "", true, fmt.Errorf("the container's own %s filesystem (its image), not a folder mounted from this host", m.FSType)
	}
	return "", true, fmt.Errorf("%s of %s %s (device %s), which no folder of this host shows", inFS, m.FSType, m.Source, m.Device)
}
