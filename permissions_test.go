// docs/permissions.md's table of the permission each collector's token needs is what the code does; a read-only token can be chosen knowingly.
package main

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lotus-farcaster/lotus-farcaster/lotusapi/lotustest"
	"github.com/lotus-farcaster/lotus-farcaster/metrics"
)

// permissionsDoc holds the table between these lines.
const (
	permissionsDoc = "docs/permissions.md"
	tableStart     = "<!-- The table is written by `go test -run TestPermissionsTable -update`, from what each collector calls. -->\n"
	tableEnd       = "<!-- End of the table. -->\n"
)

// referencePerms reads the permission of each method from the Lotus API reference, as
// lotustest's tests do: "### Method" sections with a "Perms: read" line.
func referencePerms(t *testing.T, files ...string) map[string]string {
	t.Helper()
	perms := map[string]string{}
	for _, name := range files {
		f, err := os.Open(filepath.Join("lotusapi/lotustest/testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		var method string
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			line := sc.Text()
			if m, ok := strings.CutPrefix(line, "### "); ok {
				method = m
			} else if p, ok := strings.CutPrefix(line, "Perms: "); ok && perms[method] == "" {
				perms[method] = p
			}
		}
		f.Close()
		if err := sc.Err(); err != nil {
			t.Fatal(err)
		}
	}
	return perms
}

// permissionCell says what a token must allow for these calls: "-" for none the API serves, "read", or the
// methods that need more, by permission, strongest first.
func permissionCell(calls map[string]int, perms map[string]string) string {
	byPerm := map[string][]string{}
	served := 0
	for method := range calls {
		// lotus-miner serves no Net* method, which the net collector knows: no permission.
		if p, ok := perms[method]; ok {
			served++
			if p != "read" {
				byPerm[p] = append(byPerm[p], method)
			}
		}
	}
	if served == 0 {
		return "-"
	}
	var parts []string
	for _, p := range []string{"admin", "sign", "write"} {
		if ms := byPerm[p]; ms != nil {
			slices.Sort(ms)
			parts = append(parts, "**"+p+"**: "+strings.Join(ms, ", "))
		}
	}
	if parts == nil {
		return "read"
	}
	return strings.Join(parts, "; ")
}

// needsCell renders a collector's Needs().
func needsCell(n metrics.Need) string {
	var parts []string
	for _, b := range []struct {
		bit  metrics.Need
		name string
	}{{metrics.NeedDaemon, "daemon"}, {metrics.NeedMinerID, "miner ID"}, {metrics.NeedLotusMiner, "lotus-miner"}, {metrics.NeedCurioDB, "Curio's database"}} {
		if n&b.bit != 0 {
			parts = append(parts, b.name)
		}
	}
	if parts == nil {
		return "either API"
	}
	return strings.Join(parts, ", ")
}

// permissionsTable runs each of Lotus's collectors alone against the fake Lotus, with admin
// tokens, and looks every method it called up in the reference. The fake serves the
// reference's permissions (lotustest checks them), so a method the code calls and the
// reference lacks fails here.
func permissionsTable(t *testing.T) string {
	t.Helper()
	perms := map[string]map[string]string{
		"daemon": referencePerms(t, "full-node-v1-methods.md", "full-node-v2-methods.md"),
		"miner":  referencePerms(t, "miner-v0-methods.md"),
	}
	sc := lotustest.Small()
	fake := lotustest.Start(sc)
	defer fake.Close()
	d, m := fake.DaemonEndpoint(), fake.MinerEndpoint()
	now := time.Unix(int64(sc.Head.Blocks[0].Timestamp)+45, 0)
	var b strings.Builder
	b.WriteString("| collector | needs | daemon token | lotus-miner token |\n| --- | --- | --- | --- |\n")
	row := func(name, needs string) {
		b.WriteString("| " + name + " | " + needs + " | " + permissionCell(fake.Requests("daemon"), perms["daemon"]) +
			" | " + permissionCell(fake.Requests("miner"), perms["miner"]) + " |\n")
	}
	for i, col := range metrics.All {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		fake.ResetRequests()
		node := metrics.ConnectNode(ctx, &d, &m, now)
		if i == 0 {
			row("(every run)", "-")
		}
		fake.ResetRequests()
		run := metrics.Execute(ctx, node.ForMiner(ctx, metrics.MinerSpec{MinerID: node.ServedMiner(), SaysShared: true}), []metrics.Collector{col})
		for _, o := range run.Failed() {
			t.Errorf("collector %s failed: %v", o.Name, o.Err)
		}
		row(col.Name(), needsCell(col.Needs()))
		node.Close()
		cancel()
	}
	return b.String()
}

// TestPermissionsTable: the table of docs/permissions.md is the one the code gives; -update
// writes it.
func TestPermissionsTable(t *testing.T) {
	doc, err := os.ReadFile(permissionsDoc)
	if err != nil {
		t.Fatal(err)
	}
	head, rest, ok1 := strings.Cut(string(doc), tableStart)
	table, tail, ok2 := strings.Cut(rest, tableEnd)
	if !ok1 || !ok2 {
		t.Fatalf("%s lacks the lines around its table:\n%s%s", permissionsDoc, tableStart, tableEnd)
	}
	want := permissionsTable(t)
	if *update {
		if err := os.WriteFile(permissionsDoc, []byte(head+tableStart+want+tableEnd+tail), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if table != want {
		t.Errorf("the table of %s is not what the code does (go test -run TestPermissionsTable -update rewrites it):\n%s", permissionsDoc, lineDiff(want, table))
	}
}

// readOnly is the API flags of fake without tokens: read access only, as with a token of
// `lotus auth api-info --perm read`.
func readOnly(t *testing.T, fake *lotustest.Server) []string {
	return []string{
		"--daemon-api", strings.TrimPrefix(apiFlag(t, fake.DaemonURL, ""), ":"),
		"--miner-api", strings.TrimPrefix(apiFlag(t, fake.MinerURL, ""), ":"),
	}
}

// A provider gives the exporter read-only tokens: each run says, per API, what the token
// lacks and the --collectors that leaves out what it cannot serve. With that flag, the runs
// are clean: exit 0, nothing on stderr, no failing collector in the file (so
// LotusExporterCollectorFailing cannot fire), and --check says once what is left out.
func TestReadOnlyTokenChosenKnowingly(t *testing.T) {
	fake := lotustest.Start(lotustest.Small())
	defer fake.Close()
	dir := t.TempDir()
	file := filepath.Join(dir, "lotus-f01234.prom")
	args := append(readOnly(t, fake), "--textfile-dir", dir, "--timeout", "20s")
	const skip = "--collectors -alerts,-money,-jobs,-workers,-storage,-market"

	var stdout, stderr bytes.Buffer
	code := run(args, &stdout, &stderr)
	want := `level=ERROR msg="the daemon API token lacks the \"admin\" permission" collectors=alerts,money,market fix="use the daemon's admin token: the repo's token file, or ` + "`lotus auth api-info --perm admin`" + `, or leave out what it cannot serve (docs/permissions.md): ` + skip + `"` + "\n" +
		`level=ERROR msg="the miner API token lacks the \"admin\" permission" collectors=jobs,workers,storage fix="use lotus-miner's admin token: the repo's token file, or ` + "`lotus-miner auth api-info --perm admin`" + `, or leave out what it cannot serve (docs/permissions.md): ` + skip + `"` + "\n"
	if code != exitFailed || stderr.String() != want {
		t.Errorf("exit %d, stderr:\n%s\nwant exit %d and:\n%s", code, stderr.String(), exitFailed, want)
	}
	for _, c := range []string{"alerts", "money", "market", "jobs", "workers", "storage"} {
		wantValue(t, parseFile(t, file), "lotus_exporter_collector_success", map[string]string{"collector": c, "miner_id": "f01234"}, 0)
	}

	stderr.Reset()
	code = run(append(args, strings.Fields(skip)...), &stdout, &stderr)
	if code != exitOK || stderr.Len() != 0 {
		t.Errorf("with %s: exit %d, stderr:\n%s", skip, code, stderr.String())
	}
	var ran []string
	for _, m := range parseFile(t, file)["lotus_exporter_collector_success"].GetMetric() {
		if m.GetGauge().GetValue() != 1 {
			t.Errorf("with %s: %v", skip, m)
		}
		for _, l := range m.GetLabel() {
			if l.GetName() == "collector" {
				ran = append(ran, l.GetValue())
			}
		}
	}
	slices.Sort(ran)
	if got := strings.Join(ran, ","); got != "chain,finality,lifecycle,miner,mpool,net,proving,rewards,sealing" {
		t.Errorf("with %s: collectors in the file %s", skip, got)
	}

	stdout.Reset()
	code = run(append(args, append(strings.Fields(skip), "--check")...), &stdout, &stderr)
	wantLines := "    alerts     left out (--collectors)\n    money      left out (--collectors)\n    jobs       left out (--collectors)\n" +
		"    workers    left out (--collectors)\n    storage    left out (--collectors)\n    market     left out (--collectors)\n"
	if code != exitOK || !strings.Contains(stdout.String(), wantLines) || !strings.HasSuffix(stdout.String(), "verdict: OK\n") {
		t.Errorf("--check %s: exit %d:\n%s\nwant verdict OK and:\n%s", skip, code, stdout.String(), wantLines)
	}

	// Without the flag, --check says it once for both tokens.
	stdout.Reset()
	run(append(args, "--check"), &stdout, &stderr)
	if !strings.Contains(stdout.String(), "  fix:        or leave out what the tokens cannot serve (docs/permissions.md): "+skip+"\n") {
		t.Errorf("--check does not name %s:\n%s", skip, stdout.String())
	}
}
