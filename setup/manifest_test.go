// The record: this version's entries, and those of older install.sh versions.
package setup

import (
	"reflect"
	"testing"
)

func TestParseManifest(t *testing.T) {
	text := manifestHead + "dir /var\nfile /etc/cron.d/lotus-farcaster\nfile /etc/logrotate.d/lotus-farcaster 06f961b802bc46ee168555f066d28f4f0e9afdf3f88174c1ee6f9de004fc30a0\nlink /etc/systemd/system/timers.target.wants/lotus-farcaster.timer\n" +
		"perm /srv/tf 0 2755\n" +
		"perm /srv/old 0 118 755\n" + // the first installer's "perm PATH UID GID MODE"
		"repo /home/lotus/.lotusminer /home/lotus/.lotus f01234\nrepo /data/miner2 - -\n" +
		"repo /data/miner3 /data/lotus3\nrepo /data/miner4\n" + // before 0.2: "repo PATH [DAEMON]"
		"user lotus\noption --miner f01234,f05678\noption --cron\ntextfile /srv/tf\nlogfile /var/log/lotus-farcaster/lotus-farcaster.log\n" +
		"data /srv/tf/.lotus-f01234.prom.state\nowned /srv/tf\n\n# a comment\n"
	want := []Entry{
		{Kind: KindDir, Path: "/var"},
		{Kind: KindFile, Path: "/etc/cron.d/lotus-farcaster"}, // an earlier version's, without its hash
		{Kind: KindFile, Path: "/etc/logrotate.d/lotus-farcaster", Hash: "06f961b802bc46ee168555f066d28f4f0e9afdf3f88174c1ee6f9de004fc30a0"},
		{Kind: KindLink, Path: "/etc/systemd/system/timers.target.wants/lotus-farcaster.timer"},
		{Kind: KindPerm, Path: "/srv/tf", GID: 0, Mode: 0o2755},
		{Kind: KindPerm, Path: "/srv/old", GID: 118, Mode: 0o755},
		{Kind: KindRepo, Path: "/home/lotus/.lotusminer", Daemon: "/home/lotus/.lotus", MinerID: "f01234"},
		{Kind: KindRepo, Path: "/data/miner2"},
		{Kind: KindRepo, Path: "/data/miner3", Daemon: "/data/lotus3"},
		{Kind: KindRepo, Path: "/data/miner4"},
		{Kind: KindUser, Path: "lotus"},
		{Kind: KindOption, Path: "--miner", Value: "f01234,f05678"},
		{Kind: KindOption, Path: "--cron"},
		{Kind: KindTextfile, Path: "/srv/tf"},
		{Kind: KindLogfile, Path: "/var/log/lotus-farcaster/lotus-farcaster.log"},
		{Kind: KindData, Path: "/srv/tf/.lotus-f01234.prom.state"},
	}
	got := parseManifest(text)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("entries\n%+v\nwant\n%+v", got, want)
	}
	// Written again, in this version's format.
	wantText := manifestHead + "dir /var\nfile /etc/cron.d/lotus-farcaster\nfile /etc/logrotate.d/lotus-farcaster 06f961b802bc46ee168555f066d28f4f0e9afdf3f88174c1ee6f9de004fc30a0\nlink /etc/systemd/system/timers.target.wants/lotus-farcaster.timer\n" +
		"perm /srv/tf 0 2755\nperm /srv/old 118 755\n" +
		"repo /home/lotus/.lotusminer /home/lotus/.lotus f01234\nrepo /data/miner2 - -\nrepo /data/miner3 /data/lotus3 -\nrepo /data/miner4 - -\n" +
		"user lotus\noption --miner f01234,f05678\noption --cron\ntextfile /srv/tf\nlogfile /var/log/lotus-farcaster/lotus-farcaster.log\n" +
		"data /srv/tf/.lotus-f01234.prom.state\n"
	if got := formatManifest(got); got != wantText {
		t.Errorf("written\n%s\nwant\n%s", got, wantText)
	}
}
