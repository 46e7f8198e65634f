// setup's command line.
package setup

import (
	"errors"
	"flag"
	"reflect"
	"testing"
)

func TestParseOptions(t *testing.T) {
	root := t.TempDir()
	for _, tc := range []struct {
		args []string
		want Options
		err  string
	}{
		{nil, Options{Prefix: "/usr/local"}, ""},
		{[]string{"--user", "lotus", "--miner-repo", "/a/", "--miner-repo=/b", "--textfile-dir", "/srv/tf/", "--systemd", "--prefix", "/usr", "--binary", "./x", "--no-check", "--dry-run"},
			Options{User: "lotus", MinerRepos: []string{"/a", "/b"}, TextfileDir: "/srv/tf", Scheduler: Systemd, Prefix: "/usr", Binary: "./x", NoCheck: true, DryRun: true}, ""},
		{[]string{"--uninstall", "--keep-data", "--root", root + "/"}, Options{Prefix: "/usr/local", Uninstall: true, KeepData: true, Root: root}, ""},
		{[]string{"--miner", "f01234,f05678", "--cron"}, Options{Prefix: "/usr/local", Miners: "f01234,f05678", Scheduler: Cron}, ""},
		{[]string{"--miner", "f01234, f05678,f01234"}, Options{Prefix: "/usr/local", Miners: "f01234,f05678"}, ""},
		{[]string{"--keep-data"}, Options{}, "--keep-data goes with --uninstall"},
		{[]string{"--miner", "f01", "--miner-repo", "/x"}, Options{}, "--miner and --miner-repo exclude each other"},
		{[]string{"--miner", "12345"}, Options{}, `--miner: "12345" is not a miner ID like f01234`},
		{[]string{"--usr", "lotus"}, Options{}, "unknown option --usr"},
		{[]string{"--user"}, Options{}, "--user needs a value"},
		{[]string{"--user="}, Options{}, "--user needs a value"},
		{[]string{"--root", root + "/nowhere"}, Options{}, "--root " + root + "/nowhere is not a folder"},
		{[]string{"--textfile-dir", "/srv/my tf"}, Options{}, "/srv/my tf: give an absolute path of letters, digits and ._/@+-"},
		{[]string{"--miner-repo", "lotusminer"}, Options{}, "lotusminer: give an absolute path of letters, digits and ._/@+-"},
		{[]string{"extra"}, Options{}, `unexpected argument "extra"`},
	} {
		got, err := ParseOptions(tc.args)
		switch {
		case tc.err != "" && (err == nil || err.Error() != tc.err):
			t.Errorf("%q: error %v, want %s", tc.args, err, tc.err)
		case tc.err == "" && (err != nil || !reflect.DeepEqual(got, tc.want)):
			t.Errorf("%q: %+v, %v\nwant %+v", tc.args, got, err, tc.want)
		}
	}
	if _, err := ParseOptions([]string{"--help"}); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("--help: %v", err)
	}
}
