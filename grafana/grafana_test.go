// Tests of the Grafana dashboard and the Prometheus alert rules: static checks, promtool, the
// dashboard linter, and every panel's queries against a real Prometheus fed by the exporter.
package grafana

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/lotus-farcaster/lotus-farcaster/curio/curiotest"
	"github.com/lotus-farcaster/lotus-farcaster/lotusapi"
	"github.com/lotus-farcaster/lotus-farcaster/lotusapi/lotustest"
)

// rulesTestFiles are promtool's unit tests of the rules: the second evaluates hourly, for the
// alerts whose windows span days.
var rulesTestFiles = []string{"alerts_test.yml", "alerts_days_test.yml"}

const (
	dashboardFile  = "lotus-farcaster.json"
	rulesFile      = "alerts.yml"
	lintConfigFile = ".lint"
	// The dashboard and the rules use the metric contract's names (a copy of the project's
	// shared metrics-contract.md, v3), which every later version of the exporter keeps, and
	// the few more the exporter shipped with them writes (its catalogue, which a test ties to
	// the code).
	catalogueFile = "testdata/metrics-contract.md"
	exporterFile  = "../docs/metrics.md"

	// emptyWhenHealthy in a panel's description marks a panel that shows nothing on a
	// healthy miner; the end-to-end test lets its queries return no series.
	emptyWhenHealthy = "Empty when healthy"

	datasourceVar = "${datasource}"

	// curioFilter keeps a Curio cluster's series, which carry no miner_id (lotus-curio.prom),
	// to the hosts whose exporter reads the cluster of a selected miner: that job writes each
	// miner's lotus_up{api="curio_db"} beside them, on the same job and instance.
	curioFilter = `and on (job, instance) lotus_up{job=~"$job", instance=~"$instance", miner_id=~"$miner_id", api="curio_db"}`
)

// nodeExporterMetrics are the node_exporter series the dashboard and the rules use.
var nodeExporterMetrics = []string{"node_textfile_mtime_seconds", "node_textfile_scrape_error"}

// tool finds one of names on PATH. Without it the test is skipped, or fails when CI is set.
func tool(t *testing.T, how string, names ...string) string {
	t.Helper()
	for _, name := range names {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := fmt.Sprintf("%s not on PATH (%s)", names[0], how)
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg + "; skipping")
	return ""
}

func promtool(t *testing.T) string {
	return tool(t, "Debian package prometheus", "promtool")
}

// ---------------------------------------------------------------- the dashboard model

type dashboard struct {
	UID           string  `json:"uid"`
	Title         string  `json:"title"`
	SchemaVersion int     `json:"schemaVersion"`
	Editable      bool    `json:"editable"`
	Panels        []panel `json:"panels"`
	Templating    struct {
		List []variable `json:"list"`
	} `json:"templating"`
	Annotations struct {
		List []struct {
			Name       string          `json:"name"`
			Datasource json.RawMessage `json:"datasource"`
			Expr       string          `json:"expr"`
		} `json:"list"`
	} `json:"annotations"`
}

type panel struct {
	ID          int                      `json:"id"`
	Type        string                   `json:"type"`
	Title       string                   `json:"title"`
	Description string                   `json:"description"`
	Datasource  json.RawMessage          `json:"datasource"`
	GridPos     struct{ X, Y, W, H int } `json:"gridPos"`
	Repeat      string                   `json:"repeat"`
	Targets     []target                 `json:"targets"`
	Panels      []panel                  `json:"panels"` // a collapsed row's panels
	Transforms  []struct {
		ID string `json:"id"`
	} `json:"transformations"`
	FieldConfig struct {
		Defaults struct {
			Unit string `json:"unit"`
		} `json:"defaults"`
		Overrides []struct {
			Properties []struct {
				ID    string `json:"id"`
				Value any    `json:"value"`
			} `json:"properties"`
		} `json:"overrides"`
	} `json:"fieldConfig"`
}

type target struct {
	RefID      string          `json:"refId"`
	Expr       string          `json:"expr"`
	Datasource json.RawMessage `json:"datasource"`
}

type variable struct {
	Name       string          `json:"name"`
	Type       string          `json:"type"`
	Query      any             `json:"query"`
	Datasource json.RawMessage `json:"datasource"`
	Multi      bool            `json:"multi"`
	IncludeAll bool            `json:"includeAll"`
}

func loadDashboard(t *testing.T) dashboard {
	t.Helper()
	data, err := os.ReadFile(dashboardFile)
	if err != nil {
		t.Fatal(err)
	}
	var d dashboard
	if err := json.Unmarshal(data, &d); err != nil {
		t.Fatalf("%s: %v", dashboardFile, err)
	}
	return d
}

// allPanels lists every panel, rows' nested panels included, rows themselves too.
func (d dashboard) allPanels() []panel {
	var out []panel
	var walk func([]panel)
	walk = func(ps []panel) {
		for _, p := range ps {
			out = append(out, p)
			walk(p.Panels)
		}
	}
	walk(d.Panels)
	return out
}

// labelValues returns the PromQL selector inside a label_values(selector, label) query.
func (v variable) labelValues() (selector, label string, ok bool) {
	q, _ := v.Query.(string)
	if m, isMap := v.Query.(map[string]any); isMap {
		q, _ = m["query"].(string)
	}
	m := regexp.MustCompile(`^label_values\((.*),\s*(\w+)\)$`).FindStringSubmatch(strings.TrimSpace(q))
	if m == nil {
		return "", "", false
	}
	return m[1], m[2], true
}

// datasourceUID returns the uid of a datasource reference (an object or a bare string).
func datasourceUID(raw json.RawMessage) string {
	var ref struct {
		UID string `json:"uid"`
	}
	if json.Unmarshal(raw, &ref) == nil {
		return ref.UID
	}
	var s string
	_ = json.Unmarshal(raw, &s)
	return s
}

// ---------------------------------------------------------------- metric names in PromQL

// promqlWords are PromQL keywords and literals that look like metric names.
var promqlWords = map[string]bool{
	"by": true, "without": true, "on": true, "ignoring": true, "group_left": true, "group_right": true,
	"and": true, "or": true, "unless": true, "bool": true, "offset": true, "atan2": true,
	"inf": true, "nan": true, "start": true, "end": true,
}

var (
	promqlString   = regexp.MustCompile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'|`[^`]*`")
	promqlMatchers = regexp.MustCompile(`\{[^}]*\}`)
	promqlRange    = regexp.MustCompile(`\[[^\]]*\]`)
	promqlGrouping = regexp.MustCompile(`\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)`)
	grafanaVar     = regexp.MustCompile(`\$\{[^}]*\}|\$\w+|\[\[[^\]]*\]\]`)
	promqlIdent    = regexp.MustCompile(`[a-zA-Z_:][a-zA-Z0-9_:]*`)
)

// metricNames returns the metric names an expression selects. Without the Prometheus parser
// (not a dependency) it strips strings, label matchers, ranges, grouping label lists and
// Grafana variables, then takes the identifiers that are neither functions (followed by "(")
// nor keywords nor parts of numbers.
func metricNames(expr string) []string {
	s := grafanaVar.ReplaceAllString(expr, " ")
	s = promqlString.ReplaceAllString(s, `""`)
	s = promqlMatchers.ReplaceAllString(s, "{}")
	s = promqlRange.ReplaceAllString(s, "[]")
	s = promqlGrouping.ReplaceAllString(s, " ")
	var names []string
	for _, loc := range promqlIdent.FindAllStringIndex(s, -1) {
		word := s[loc[0]:loc[1]]
		if loc[0] > 0 && strings.ContainsAny(s[loc[0]-1:loc[0]], "0123456789.") {
			continue // the exponent or unit of a number: 1e9, 5m
		}
		if rest := strings.TrimLeft(s[loc[1]:], " \t\n"); strings.HasPrefix(rest, "(") {
			continue // a function or an aggregation
		}
		if promqlWords[strings.ToLower(word)] {
			continue
		}
		if !slices.Contains(names, word) {
			names = append(names, word)
		}
	}
	return names
}

func TestMetricNames(t *testing.T) {
	for expr, want := range map[string][]string{
		`lotus_up{job=~"$job", api="daemon"} == 0`: {"lotus_up"},
		`time() - label_replace(node_textfile_mtime_seconds{file=~".*lotus-$miner_id[.]prom"}, "miner_id", "$1", "file", ".*lotus-(.+)[.]prom") > 300`: {"node_textfile_mtime_seconds"},
		`(time() - a_seconds{x="y"}) * on (job, instance, sector) group_left (state, deals) b_info{state=~"Foo|Bar"} > 48 * 3600`:                      {"a_seconds", "b_info"},
		`rate(c_total[$__rate_interval]) / ignoring (kind) d > 1e9 and e unless on(job) f offset 5m`:                                                   {"c_total", "d", "e", "f"},
		`sum by (miner_id) (g) or max without (url, weight) (h{a="b"}) + 1e-18`:                                                                        {"g", "h"},
		`topk(25, i) / -(deriv(j[1d]) < 0)`: {"i", "j"},
	} {
		if got := metricNames(expr); !slices.Equal(got, want) {
			t.Errorf("metricNames(%q) = %q, want %q", expr, got, want)
		}
	}
}

// catalogue returns the metric names of the contract (the exporter writes every one of them:
// a test at the root keeps docs/metrics.md, a superset, equal to its output), plus
// node_exporter's textfile metrics.
func catalogue(t *testing.T) map[string]bool {
	t.Helper()
	names := map[string]bool{}
	for _, file := range []string{catalogueFile, exporterFile} {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		found := regexp.MustCompile(`(?m)^\|\s*(lotus_[a-z0-9_]+)\s*\|`).FindAllStringSubmatch(string(data), -1)
		if len(found) < 40 {
			t.Fatalf("%s: only %d metrics found in its tables", file, len(found))
		}
		for _, m := range found {
			names[m[1]] = true
		}
	}
	for _, n := range nodeExporterMetrics {
		names[n] = true
	}
	names["up"] = true // Prometheus' own, for LotusExporterMissing
	return names
}

// clusterMetrics returns the contract's cluster-wide Curio metrics: those without miner_id.
func clusterMetrics(t *testing.T) []string {
	t.Helper()
	data, err := os.ReadFile(catalogueFile)
	if err != nil {
		t.Fatal(err)
	}
	_, table, ok := strings.Cut(string(data), "\nCluster-wide (no `miner_id`")
	if !ok {
		t.Fatalf("%s: no cluster-wide table", catalogueFile)
	}
	table, _, _ = strings.Cut(table, "\n\n")
	var names []string
	for _, m := range regexp.MustCompile(`(?m)^\|\s*(lotus_[a-z0-9_]+)\s*\|`).FindAllStringSubmatch(table, -1) {
		names = append(names, m[1])
	}
	if len(names) < 10 {
		t.Fatalf("%s: only %d cluster-wide metrics found", catalogueFile, len(names))
	}
	return names
}

// ---------------------------------------------------------------- static checks

func TestDashboardStatic(t *testing.T) {
	d := loadDashboard(t)
	known := catalogue(t)
	cluster := clusterMetrics(t)
	if d.UID == "" || d.Title == "" || d.SchemaVersion < 39 {
		t.Errorf("dashboard uid %q, title %q, schemaVersion %d: want both set and a current schema", d.UID, d.Title, d.SchemaVersion)
	}

	checkExpr := func(where, expr string) {
		t.Helper()
		names := metricNames(expr)
		if len(names) == 0 {
			t.Errorf("%s: no metric found in %q", where, expr)
		}
		for _, n := range names {
			if !known[n] {
				t.Errorf("%s: metric %s is not in %s", where, n, catalogueFile)
			}
		}
	}

	// Variables: one Prometheus datasource variable; the rest query through it.
	vars := map[string]variable{}
	for _, v := range d.Templating.List {
		vars[v.Name] = v
		if v.Type == "datasource" {
			continue
		}
		if uid := datasourceUID(v.Datasource); uid != datasourceVar {
			t.Errorf("variable %s: datasource %q, want %q", v.Name, uid, datasourceVar)
		}
		sel, _, ok := v.labelValues()
		if !ok {
			t.Errorf("variable %s: query %v is not label_values(selector, label)", v.Name, v.Query)
			continue
		}
		checkExpr("variable "+v.Name, sel)
	}
	if ds, ok := vars["datasource"]; !ok || ds.Type != "datasource" || ds.Query != "prometheus" {
		t.Errorf("want a datasource variable named datasource of type prometheus, got %+v", ds)
	}
	for _, name := range []string{"job", "instance", "miner_id", "worker", "storage_id"} {
		if v, ok := vars[name]; !ok || !v.Multi || !v.IncludeAll {
			t.Errorf("want a multi-select variable %s with All, got %+v", name, v)
		}
	}
	if !vars["miner_id"].Multi {
		t.Error("miner_id must be multi-select, for farms")
	}

	// No datasource uid may be written anywhere but as the variable.
	var raw any
	data, _ := os.ReadFile(dashboardFile)
	_ = json.Unmarshal(data, &raw)
	walkJSON(raw, "", func(path string, key string, v any) {
		if key == "datasource" {
			if m, ok := v.(map[string]any); ok {
				if uid, _ := m["uid"].(string); uid != datasourceVar {
					t.Errorf("%s: datasource uid %q, want %q", path, uid, datasourceVar)
				}
			} else if s, ok := v.(string); ok && s != "prometheus" { // the variable's plugin type
				t.Errorf("%s: datasource %q, want {uid: %q}", path, s, datasourceVar)
			}
		}
	})

	for _, a := range d.Annotations.List {
		checkExpr("annotation "+a.Name, a.Expr)
	}

	ids := map[int]string{}
	repeats := map[string]bool{}
	var boxes []panel
	for _, p := range d.allPanels() {
		where := fmt.Sprintf("panel %d %q", p.ID, p.Title)
		if prev, dup := ids[p.ID]; dup {
			t.Errorf("%s: id already used by %q", where, prev)
		}
		ids[p.ID] = p.Title
		g := p.GridPos
		if g.W <= 0 || g.H <= 0 || g.X < 0 || g.Y < 0 || g.X+g.W > 24 {
			t.Errorf("%s: gridPos %+v outside the 24-column grid", where, g)
		}
		boxes = append(boxes, p)
		if p.Type == "row" {
			if p.Title == "" {
				t.Errorf("%s: row without a title", where)
			}
			continue
		}
		if p.Title == "" || p.Description == "" {
			t.Errorf("%s: want a title and a description", where)
		}
		if p.Repeat != "" {
			repeats[p.Repeat] = true
			if !strings.Contains(p.Title, "$"+p.Repeat) {
				t.Errorf("%s: repeats by %s but its title does not name it", where, p.Repeat)
			}
		}
		if unit := p.unit(); unit == "" {
			t.Errorf("%s: no unit", where)
		}
		if uid := datasourceUID(p.Datasource); uid != datasourceVar {
			t.Errorf("%s: datasource %q, want %q", where, uid, datasourceVar)
		}
		if len(p.Targets) == 0 {
			t.Errorf("%s: no targets", where)
		}
		for _, tg := range p.Targets {
			if uid := datasourceUID(tg.Datasource); uid != datasourceVar {
				t.Errorf("%s target %s: datasource %q, want %q", where, tg.RefID, uid, datasourceVar)
			}
			for _, v := range []string{"$job", "$instance"} {
				if !strings.Contains(tg.Expr, v) {
					t.Errorf("%s target %s: does not filter on %s", where, tg.RefID, v)
				}
			}
			if !strings.Contains(tg.Expr, "$miner_id") {
				t.Errorf("%s target %s: does not filter on $miner_id", where, tg.RefID)
			}
			checkExpr(where+" target "+tg.RefID, tg.Expr)
			// A cluster-wide series has no miner_id to match: it is filtered through the
			// selected miners' lotus_up{api="curio_db"}.
			for _, n := range metricNames(tg.Expr) {
				if !slices.Contains(cluster, n) {
					continue
				}
				if !strings.Contains(tg.Expr, curioFilter) {
					t.Errorf("%s target %s: %s has no miner_id; filter it with %q", where, tg.RefID, n, curioFilter)
				}
				if regexp.MustCompile(`\b` + n + `\{[^}]*miner_id`).MatchString(tg.Expr) {
					t.Errorf("%s target %s: %s has no miner_id to match", where, tg.RefID, n)
				}
			}
		}
	}
	for _, v := range []string{"worker", "storage_id"} {
		if !repeats[v] {
			t.Errorf("no panel repeats by $%s", v)
		}
	}
	for i, a := range boxes {
		for _, b := range boxes[i+1:] {
			if overlap(a, b) {
				t.Errorf("panels %q %+v and %q %+v overlap", a.Title, a.GridPos, b.Title, b.GridPos)
			}
		}
	}
}

// unit is the panel's default unit, or the first unit an override sets.
func (p panel) unit() string {
	if u := p.FieldConfig.Defaults.Unit; u != "" {
		return u
	}
	for _, o := range p.FieldConfig.Overrides {
		for _, prop := range o.Properties {
			if prop.ID == "unit" {
				if s, ok := prop.Value.(string); ok {
					return s
				}
			}
		}
	}
	return ""
}

func overlap(a, b panel) bool {
	g, h := a.GridPos, b.GridPos
	return g.X < h.X+h.W && h.X < g.X+g.W && g.Y < h.Y+h.H && h.Y < g.Y+g.H
}

// walkJSON calls fn for every key of every object in v.
func walkJSON(v any, path string, fn func(path, key string, v any)) {
	switch x := v.(type) {
	case map[string]any:
		for k, child := range x {
			fn(path, k, child)
			walkJSON(child, path+"."+k, fn)
		}
	case []any:
		for i, child := range x {
			walkJSON(child, fmt.Sprintf("%s[%d]", path, i), fn)
		}
	}
}

// ---------------------------------------------------------------- alert rules

// alertRule is one alert of alerts.yml. The rule files are read line by line (no YAML
// library is a dependency), so they keep one key per line.
type alertRule struct{ name, expr string }

func readRules(t *testing.T) []alertRule {
	t.Helper()
	data, err := os.ReadFile(rulesFile)
	if err != nil {
		t.Fatal(err)
	}
	var rules []alertRule
	lines := strings.Split(string(data), "\n")
	alertLine := regexp.MustCompile(`^\s*- alert:\s*(\S+)\s*$`)
	exprLine := regexp.MustCompile(`^(\s*)expr:\s*(.*)$`)
	for i := 0; i < len(lines); i++ {
		if m := alertLine.FindStringSubmatch(lines[i]); m != nil {
			rules = append(rules, alertRule{name: m[1]})
			continue
		}
		m := exprLine.FindStringSubmatch(lines[i])
		if m == nil || len(rules) == 0 {
			continue
		}
		expr := m[2]
		if expr == "|" || expr == ">" || expr == "|-" || expr == ">-" {
			expr = ""
			for i+1 < len(lines) && (strings.TrimSpace(lines[i+1]) == "" || indent(lines[i+1]) > len(m[1])) {
				i++
				expr += lines[i] + "\n"
			}
		}
		rules[len(rules)-1].expr = strings.TrimSpace(expr)
	}
	return rules
}

func indent(s string) int { return len(s) - len(strings.TrimLeft(s, " ")) }

func TestAlertRules(t *testing.T) {
	rules := readRules(t)
	known := catalogue(t)
	want := []string{ // the alerts issues #4, #8, #9, #14 and #15 ask for
		"LotusExporterStale", "LotusExporterMissing", "LotusExporterTextfileError", "LotusExporterCollectorFailing", "LotusAPIDown",
		"LotusChainBehind", "LotusFinalityLagging", "LotusF3NotParticipating", "LotusFaultySectors", "LotusWindowPoStDeadlineUnproven", "LotusMiningNotEligible",
		"LotusAddressBalanceLow", "LotusWindowPoStGasRunwayLow", "LotusStoragePathAlmostFull",
		"LotusStoragePathFillingUp", "LotusStoragePathUnreachable", "LotusSealingSectorStuck",
		"LotusSealingSectorFailed", "LotusWorkerGone", "LotusAlertActive", "LotusFeeDebt",
		"LotusNoBlocksWon", "LotusSectorsExpiring",
		"LotusCurioMachineGone", "LotusCurioSectorFailed", "LotusCurioSectorStuck", "LotusCurioTaskFailing",
		"LotusCurioStorageHeartbeatStale", "LotusCurioStorageURLDead", "LotusCurioAlertActive",
		"LotusCurioWindowPoStFailed", "LotusCurioBlockOrphaned",
	}
	var names []string
	for _, r := range rules {
		names = append(names, r.name)
		if r.expr == "" {
			t.Errorf("alert %s: no expr found", r.name)
		}
		for _, n := range metricNames(r.expr) {
			if !known[n] {
				t.Errorf("alert %s: metric %s is not in %s", r.name, n, catalogueFile)
			}
		}
	}
	for _, w := range want {
		if !slices.Contains(names, w) {
			t.Errorf("alert %s missing from %s", w, rulesFile)
		}
	}

	// Every alert has a unit test where it fires and one where it does not.
	fires, quiet := map[string]bool{}, map[string]bool{}
	for _, file := range rulesTestFiles {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var current string
		for _, line := range strings.Split(string(data), "\n") {
			line = strings.TrimSpace(line)
			switch {
			case strings.HasPrefix(line, "alertname:"):
				current = strings.TrimSpace(strings.TrimPrefix(line, "alertname:"))
			case line == "exp_alerts: []":
				quiet[current] = true
			case line == "exp_alerts:":
				fires[current] = true
			}
		}
	}
	for _, n := range names {
		if !fires[n] || !quiet[n] {
			t.Errorf("alert %s: %v need a test where it fires (%v) and one where it does not (%v)", n, rulesTestFiles, fires[n], quiet[n])
		}
	}

	// Every alert carries a severity and the three annotations.
	rulesText, _ := os.ReadFile(rulesFile)
	for _, block := range strings.Split(string(rulesText), "- alert: ")[1:] {
		name := strings.Fields(block)[0]
		for _, key := range []string{"severity:", "summary:", "description:", "runbook:"} {
			if !strings.Contains(block, key) {
				t.Errorf("alert %s: no %s", name, strings.TrimSuffix(key, ":"))
			}
		}
	}

	promtool := promtool(t)
	for _, args := range [][]string{{"check", "rules", rulesFile}, append([]string{"test", "rules"}, rulesTestFiles...)} {
		out, err := exec.Command(promtool, args...).CombinedOutput()
		if err != nil {
			t.Errorf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}

// The example Prometheus configuration is valid and loads the rules.
func TestPrometheusExample(t *testing.T) {
	promtool := promtool(t)
	data, err := os.ReadFile("prometheus.yml")
	if err != nil {
		t.Fatal(err)
	}
	const rulePath = "/etc/prometheus/rules/lotus-farcaster.yml"
	if !bytes.Contains(data, []byte(rulePath)) {
		t.Fatalf("prometheus.yml does not load %s", rulePath)
	}
	abs, _ := filepath.Abs(rulesFile)
	cfg := filepath.Join(t.TempDir(), "prometheus.yml")
	if err := os.WriteFile(cfg, bytes.ReplaceAll(data, []byte(rulePath), []byte(abs)), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(promtool, "check", "config", cfg).CombinedOutput(); err != nil {
		t.Errorf("promtool check config prometheus.yml: %v\n%s", err, out)
	}
}

// ---------------------------------------------------------------- dashboard-linter

func TestDashboardLinter(t *testing.T) {
	linter := tool(t, "github.com/grafana/dashboard-linter v0.2.0, built by .ci/run", "dashboard-linter")
	if _, err := os.Stat(lintConfigFile); err != nil {
		t.Fatal(err) // the linter silently ignores a missing config file
	}
	out, err := exec.Command(linter, "lint", "--strict", "--config", lintConfigFile, dashboardFile).CombinedOutput()
	if err != nil {
		t.Errorf("dashboard-linter lint --strict: %v\n%s", err, out)
	}
}

// ---------------------------------------------------------------- end to end

// TestDashboardEndToEnd runs the fake Lotus (the large scenario: faults, a stuck sector, an
// unreachable path, blocks won, sectors expiring within a week, market funds and DataCap) and
// a Curio cluster (curio-cluster.sql: a failed sector, a stuck one, a failed WindowPoSt
// message, an orphaned block), the exporter binary as the lotus-miner host's job and as the
// Curio host's, node_exporter and Prometheus with the rules, then evaluates every panel's
// queries through Prometheus' HTTP API.
func TestDashboardEndToEnd(t *testing.T) {
	prometheus := tool(t, "Debian package prometheus", "prometheus")
	nodeExporter := tool(t, "Debian package prometheus-node-exporter", "prometheus-node-exporter", "node_exporter")
	tdb := curiotest.New(t) // skipped without PostgreSQL, as without the tools above
	d := loadDashboard(t)
	tmp := t.TempDir()

	bin := filepath.Join(tmp, "lotus-farcaster")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir = ".."
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	sc := lotustest.Large(lotustest.LargeDefault()).AtTime(time.Now())
	// The Curio cluster's miner, on the same chain and daemon, taking part in F3 like f01234.
	sc.OtherMiners = map[string]*lotustest.Scenario{curioMiner: sc.Twin(curioMiner)}
	sc.F3Participants = append(sc.F3Participants, curioMinerSP)
	fake := lotustest.Start(sc)
	defer fake.Close()
	home := filepath.Join(tmp, "home")
	lotusPath, minerPath, err := fake.WriteRepos(home)
	if err != nil {
		t.Fatal(err)
	}
	textDir := filepath.Join(tmp, "textfile")
	if err := os.Mkdir(textDir, 0o755); err != nil {
		t.Fatal(err)
	}
	runExporter := func() {
		cmd := exec.Command(bin, "--textfile-dir", textDir)
		cmd.Env = []string{"HOME=" + home, "LOTUS_PATH=" + lotusPath, "LOTUS_MINER_PATH=" + minerPath}
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		// Every collector succeeds: the unreachable storage path is a fact the storage
		// collector reports (lotus_miner_storage_stat_error), not a failure.
		if err := cmd.Run(); err != nil {
			t.Fatalf("exporter: %v (exit %d)\n%s", err, cmd.ProcessState.ExitCode(), stderr.String())
		}
	}
	runExporter()

	// The Curio host's job finds the database and the daemon in the curio process, and counts
	// the blocks mined from head − 5 on: the two recorded next are counted once the head moves.
	curio := startCurioHost(t, tdb, fake, bin, textDir, filepath.Join(tmp, "curio-home"))
	curio.checkFound(t, curio.run(t, "--log.level", "debug"))
	mineCurioBlocks(t, tdb, sc)

	nodeAddr := freeAddr(t)
	start(t, nodeExporter, nodeAddr+"/metrics", "--web.listen-address="+nodeAddr,
		"--collector.disable-defaults", "--collector.textfile", "--collector.textfile.directory="+textDir)

	rules, _ := filepath.Abs(rulesFile)
	promAddr := freeAddr(t)
	cfg := filepath.Join(tmp, "prometheus.yml")
	tmpl, err := os.ReadFile("testdata/prometheus-e2e.yml")
	if err != nil {
		t.Fatal(err)
	}
	config := strings.NewReplacer("RULES", rules, "TARGET", nodeAddr).Replace(string(tmpl))
	if err := os.WriteFile(cfg, []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	start(t, prometheus, promAddr+"/-/ready", "--config.file="+cfg, "--storage.tsdb.path="+filepath.Join(tmp, "tsdb"),
		"--web.listen-address="+promAddr, "--log.level=warn")
	api := &promAPI{base: "http://" + promAddr}

	// The exporter runs every second (cron's minute, sped up) while Prometheus scrapes every
	// second, so rate, deriv and predict_linear have samples. Between runs the worker and
	// control addresses pay gas and a store path fills, so the runway and time-to-full
	// panels have a trend to show; Curio's machines finish tasks; and once Prometheus has seen
	// Curio's block counters at 0, the head moves on and the blocks are counted. The fake serves
	// the scenario meanwhile: Update changes it between its calls.
	store, down := fillingStorePath(t, sc), unreachablePath(t, sc)
	seen := func(expr string) bool { res, err := api.query(expr); return err == nil && len(res) > 0 }
	deadline := time.Now().Add(30 * time.Second)
	moved := false
	for run := 1; ; run++ {
		move := !moved && seen(`lotus_curio_blocks_orphaned_total{job="node"} == 0`)
		fake.Update(func(sc *lotustest.Scenario) {
			burn(sc, "10000000000000000") // 0.01 FIL a run
			fill(sc, store, 1<<40)        // 1 TiB a run
			if move {
				advanceChain(sc, 2)
			}
		})
		moved = moved || move
		runExporter()
		finishCurioTasks(t, tdb, run)
		curio.run(t)
		n, err := api.scalar(`min(count_over_time(lotus_up{job="node"}[1m]))`)
		if err == nil && n >= 8 && seen(`lotus_curio_blocks_orphaned_total{job="node"} == 1`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Prometheus did not collect 8 samples and the orphaned block in 30 s (last: %v, %v)", n, err)
		}
		time.Sleep(time.Second)
	}

	// Template variables take a value that exists, as a user would pick it.
	worker, err := api.firstLabel(`lotus_miner_worker_gpus{job="node"} > 0`, "worker")
	if err != nil {
		t.Fatal(err)
	}
	storageID, err := api.firstLabel(`lotus_miner_storage_capacity_bytes{job="node"}`, "storage_id")
	if err != nil {
		t.Fatal(err)
	}
	values := map[string][]string{
		"job": {"node"}, "instance": {nodeAddr}, "miner_id": {sc.MinerID, curioMiner}, "worker": {worker}, "storage_id": {storageID},
		"__rate_interval": {"10s"}, "__interval": {"2s"}, "__range": {"1m"}, "__range_s": {"60"}, "__range_ms": {"60000"},
	}
	interpolate := func(expr string) string { return interpolate(expr, values, d.Templating.List) }

	for _, v := range d.Templating.List {
		sel, label, ok := v.labelValues()
		if !ok {
			continue
		}
		res, err := api.query(interpolate(sel))
		if err != nil || !slices.ContainsFunc(res, func(s series) bool { return s.Metric[label] != "" }) {
			t.Errorf("variable %s: %s has no %s values (%v)", v.Name, interpolate(sel), label, err)
		}
	}
	for _, a := range d.Annotations.List {
		if _, err := api.query(interpolate(a.Expr)); err != nil {
			t.Errorf("annotation %s: %v", a.Name, err)
		}
	}

	var failed []string
	var panels, targets, empty int
	for _, p := range d.allPanels() {
		if p.Type == "row" {
			continue
		}
		mayBeEmpty := strings.Contains(p.Description, emptyWhenHealthy)
		var problems []string
		panels++
		// A table merging its queries joins rows on equal label columns: each query must
		// return the same label names, and no metric name.
		merges := slices.ContainsFunc(p.Transforms, func(tr struct {
			ID string `json:"id"`
		}) bool {
			return tr.ID == "merge"
		})
		var firstKeys string
		for _, tg := range p.Targets {
			expr := interpolate(tg.Expr)
			res, err := api.query(expr)
			targets++
			if len(res) == 0 {
				empty++
			}
			if merges && len(res) > 0 {
				keys := labelNames(res[0])
				if firstKeys == "" {
					firstKeys = keys
				}
				if keys != firstKeys || strings.Contains(keys, "__name__") {
					problems = append(problems, fmt.Sprintf("target %s: labels %s, want %s without __name__, so the merge joins rows", tg.RefID, keys, firstKeys))
				}
			}
			switch {
			case err != nil:
				problems = append(problems, fmt.Sprintf("target %s: %v\n      %s", tg.RefID, err, expr))
			case len(res) == 0 && !mayBeEmpty:
				problems = append(problems, fmt.Sprintf("target %s: no series\n      %s", tg.RefID, expr))
			}
		}
		if len(problems) > 0 {
			failed = append(failed, p.Title)
			t.Errorf("panel %q:\n    %s", p.Title, strings.Join(problems, "\n    "))
		}
	}
	if len(failed) > 0 {
		t.Errorf("panels that failed: %s", strings.Join(failed, ", "))
	}
	t.Logf("evaluated %d targets of %d panels; %d empty", targets, panels, empty)

	// The rules loaded and see the scenario's trouble, and nothing that is not there.
	active, err := api.alerts()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("active alerts: %v", active)
	for _, name := range []string{
		"LotusFaultySectors", "LotusSealingSectorStuck", "LotusSealingSectorFailed",
		"LotusStoragePathUnreachable", "LotusAddressBalanceLow", "LotusStoragePathFillingUp",
		"LotusWindowPoStGasRunwayLow", "LotusAlertActive", "LotusSectorsExpiring",
		"LotusCurioSectorFailed", "LotusCurioSectorStuck", "LotusCurioWindowPoStFailed", "LotusCurioBlockOrphaned",
	} {
		if active[name] == "" {
			t.Errorf("alert %s is not pending or firing; active: %v", name, active)
		}
	}
	// The unreachable path raises only its own alert, not a collector failure; the open
	// deadline is proven and the others, not open, have their opening in the future; the block
	// counter is seconds old, too young for LotusNoBlocksWon's window; F3 finalizes 5 epochs
	// below the head, with the miner taking part. The Curio cluster keeps its machines, its
	// paths beat and their URLs are live, Curio holds no alert, and its one failed task attempt
	// was retried with success.
	for _, name := range []string{
		"LotusExporterStale", "LotusExporterTextfileError", "LotusAPIDown", "LotusChainBehind",
		"LotusFinalityLagging", "LotusF3NotParticipating",
		"LotusMiningNotEligible", "LotusFeeDebt", "LotusWorkerGone", "LotusStoragePathAlmostFull",
		"LotusExporterCollectorFailing", "LotusWindowPoStDeadlineUnproven", "LotusNoBlocksWon",
		"LotusCurioMachineGone", "LotusCurioTaskFailing", "LotusCurioStorageHeartbeatStale",
		"LotusCurioStorageURLDead", "LotusCurioAlertActive",
	} {
		if active[name] != "" {
			t.Errorf("alert %s is %s on the large scenario and the Curio cluster", name, active[name])
		}
	}
	// Of the two blocks Curio mined, the one the fake chain does not hold is the orphan.
	for name, want := range map[string]float64{"lotus_curio_blocks_mined_total": 2, "lotus_curio_blocks_orphaned_total": 1} {
		if got, err := api.scalar(name + `{job="node", miner_id="` + curioMiner + `"}`); err != nil || got != want {
			t.Errorf("%s = %v (%v), want %v", name, got, err, want)
		}
	}
	// One cause, one alert: nothing but LotusStoragePathUnreachable names the unreachable path.
	all, err := api.activeAlerts()
	if err != nil {
		t.Fatal(err)
	}
	var onDown []string
	for _, a := range all {
		if a.Labels["storage_id"] == down {
			onDown = append(onDown, a.Labels["alertname"])
		}
	}
	if !slices.Equal(onDown, []string{"LotusStoragePathUnreachable"}) {
		t.Errorf("alerts on the unreachable path %s: %v, want only LotusStoragePathUnreachable", down, onDown)
	}
}

// labelNames lists a series' label names, sorted, as one string.
func labelNames(s series) string {
	var names []string
	for k := range s.Metric {
		names = append(names, k)
	}
	slices.Sort(names)
	return strings.Join(names, ",")
}

// fillingStorePath returns a reachable store-only path of the scenario, the one the test fills.
func fillingStorePath(t *testing.T, sc *lotustest.Scenario) string {
	var ids []string
	for id, p := range sc.Storage {
		if p.Info.CanStore && !p.Info.CanSeal && !p.Unreachable {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		t.Fatal("the large scenario has no reachable store path")
	}
	sort.Strings(ids)
	return ids[0]
}

// unreachablePath returns the scenario's storage path whose space cannot be read.
func unreachablePath(t *testing.T, sc *lotustest.Scenario) string {
	for id, p := range sc.Storage {
		if p.Unreachable {
			return id
		}
	}
	t.Fatal("the large scenario has no unreachable path")
	return ""
}

// burn takes attoFIL from the worker and control addresses, under every address of each.
// Call it inside Server.Update.
func burn(sc *lotustest.Scenario, attoFIL string) {
	amount, _ := new(big.Int).SetString(attoFIL, 10)
	for _, id := range append([]string{sc.MinerInfo.Worker}, sc.MinerInfo.ControlAddresses...) {
		for _, addr := range []string{id, sc.AccountKeys[id]} {
			a, ok := sc.Actors[addr]
			if !ok {
				continue
			}
			left := new(big.Int).Sub(a.Balance.Int(), amount)
			if left.Sign() < 0 {
				left.SetInt64(0)
			}
			a.Balance, _ = lotusapi.ParseBigInt(left.String())
			sc.Actors[addr] = a
		}
	}
}

// fill uses up bytes of a storage path's space. Call it inside Server.Update.
func fill(sc *lotustest.Scenario, id string, bytes int64) {
	p := sc.Storage[id]
	p.Stat.Available = max(0, p.Stat.Available-bytes)
	p.Stat.FSAvailable = max(0, p.Stat.FSAvailable-bytes)
	p.Stat.Used += bytes
	sc.Storage[id] = p
}

// interpolate replaces Grafana variables as Grafana's Prometheus datasource does for the
// selected values: for multi-value or All variables, which sit in =~ matchers, each value
// regex-escaped and several joined as (a|b).
func interpolate(expr string, values map[string][]string, vars []variable) string {
	multi := map[string]bool{}
	for _, v := range vars {
		multi[v.Name] = v.Multi || v.IncludeAll
	}
	escape := regexp.MustCompile(`[$^*{}\[\]'+?.()|\\]`)
	return grafanaVar.ReplaceAllStringFunc(expr, func(ref string) string {
		name := strings.Trim(ref, "${}[]")
		name, _, _ = strings.Cut(name, ":")
		vs, ok := values[name]
		if !ok {
			return ref // $1 in label_replace, or anything Grafana leaves alone
		}
		if !multi[name] {
			return vs[0]
		}
		escaped := make([]string, len(vs))
		for i, v := range vs {
			escaped[i] = escape.ReplaceAllStringFunc(v, func(c string) string { return `\\` + c })
		}
		if len(escaped) == 1 {
			return escaped[0]
		}
		return "(" + strings.Join(escaped, "|") + ")"
	})
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// start runs binary with args, waits up to 15 s for readyURL to answer 200, and kills it
// when the test ends.
func start(t *testing.T, binary, readyURL string, args ...string) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	for range 150 {
		if resp, err := http.Get("http://" + readyURL); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s did not become ready at %s:\n%s", filepath.Base(binary), readyURL, logs.String())
}

// promAPI queries Prometheus' HTTP API.
type promAPI struct{ base string }

type series struct {
	Metric map[string]string `json:"metric"`
}

func (p *promAPI) get(path string, params url.Values, data any) error {
	client := http.Client{Timeout: 10 * time.Second}
	resp, err := client.Get(p.base + path + "?" + params.Encode())
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var r struct {
		Status string          `json:"status"`
		Error  string          `json:"error"`
		Data   json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return fmt.Errorf("HTTP %d: %s", resp.StatusCode, body)
	}
	if r.Status != "success" {
		return errors.New(r.Error)
	}
	return json.Unmarshal(r.Data, data)
}

// query evaluates an instant query and returns its series (a scalar counts as one).
func (p *promAPI) query(expr string) ([]series, error) {
	var data struct {
		ResultType string          `json:"resultType"`
		Result     json.RawMessage `json:"result"`
	}
	if err := p.get("/api/v1/query", url.Values{"query": {expr}}, &data); err != nil {
		return nil, err
	}
	if data.ResultType == "scalar" || data.ResultType == "string" {
		return []series{{}}, nil
	}
	var res []series
	return res, json.Unmarshal(data.Result, &res)
}

func (p *promAPI) scalar(expr string) (float64, error) {
	var data struct {
		Result []struct {
			Value [2]any `json:"value"`
		} `json:"result"`
	}
	if err := p.get("/api/v1/query", url.Values{"query": {expr}}, &data); err != nil {
		return 0, err
	}
	if len(data.Result) == 0 {
		return 0, errors.New("no result")
	}
	var f float64
	_, err := fmt.Sscan(fmt.Sprint(data.Result[0].Value[1]), &f)
	return f, err
}

// firstLabel returns the smallest value of label among the series of expr.
func (p *promAPI) firstLabel(expr, label string) (string, error) {
	res, err := p.query(expr)
	if err != nil {
		return "", err
	}
	var vals []string
	for _, s := range res {
		if v := s.Metric[label]; v != "" {
			vals = append(vals, v)
		}
	}
	if len(vals) == 0 {
		return "", fmt.Errorf("%s: no series with %s", expr, label)
	}
	slices.Sort(vals)
	return vals[0], nil
}

type alert struct {
	Labels map[string]string `json:"labels"`
	State  string            `json:"state"`
}

// activeAlerts returns the alerts that are pending or firing.
func (p *promAPI) activeAlerts() ([]alert, error) {
	var data struct {
		Alerts []alert `json:"alerts"`
	}
	err := p.get("/api/v1/alerts", nil, &data)
	return data.Alerts, err
}

// alerts returns the state (pending or firing) of each active alert by name.
func (p *promAPI) alerts() (map[string]string, error) {
	all, err := p.activeAlerts()
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, a := range all {
		if out[a.Labels["alertname"]] != "firing" {
			out[a.Labels["alertname"]] = a.State
		}
	}
	return out, nil
}

// The block panel says when no block has been seen since counting began, with the time
// since then, instead of staying empty; once a block is seen, the time since that block.
// promtool evaluates the panel's own query against two miners, one of each kind.
func TestBlockPanelBeforeTheFirstBlock(t *testing.T) {
	promtool := promtool(t)
	var expr string
	for _, p := range loadDashboard(t).allPanels() {
		if p.Title == "Time since last block" && len(p.Targets) == 1 {
			expr = strings.NewReplacer("$job", ".*", "$instance", ".*", "$miner_id", ".*").Replace(p.Targets[0].Expr)
		}
	}
	if expr == "" {
		t.Fatal(`no panel "Time since last block" with one query`)
	}
	quoted, err := json.Marshal(expr) // a JSON string is a YAML string
	if err != nil {
		t.Fatal(err)
	}
	// At 10m: f01234 has counted since 60 s and won nothing (540 s); f05678 counted since
	// 120 s and won a block at 300 s (300 s ago).
	test := `tests:
  - interval: 1m
    input_series:
      - series: 'lotus_miner_blocks_counted_since_timestamp_seconds{job="node",instance="h:9100",miner_id="f01234"}'
        values: '60x10'
      - series: 'lotus_miner_blocks_counted_since_timestamp_seconds{job="node",instance="h:9100",miner_id="f05678"}'
        values: '120x10'
      - series: 'lotus_miner_last_block_won_timestamp_seconds{job="node",instance="h:9100",miner_id="f05678"}'
        values: '300x10'
    promql_expr_test:
      - expr: ` + string(quoted) + `
        eval_time: 10m
        exp_samples:
          - labels: '{job="node",instance="h:9100",miner_id="f01234",since="none seen since counting began"}'
            value: 540
          - labels: '{job="node",instance="h:9100",miner_id="f05678",since="last block won"}'
            value: 300
`
	file := filepath.Join(t.TempDir(), "block_panel_test.yml")
	if err := os.WriteFile(file, []byte(test), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(promtool, "test", "rules", file).CombinedOutput(); err != nil {
		t.Errorf("promtool test rules: %v\n%s", err, out)
	}
}
