// The farm of docs/farm.md, end to end: two miner hosts' node_exporters scraped by a Prometheus
// in agent mode that remote-writes into the farm's Prometheus, where the dashboard's queries
// return both miners; and the farm's Alertmanager routing.
package grafana

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lotus-farcaster/lotus-farcaster/lotusapi/lotustest"
)

const (
	farmPrometheus   = "../docs/farm/prometheus.yml"
	farmAgent        = "../docs/farm/agent.yml"
	farmTargets      = "../docs/farm/miners-paris.yml"
	farmAlertmanager = "../docs/farm/alertmanager.yml"
)

// readDoc reads one of the documented configuration files.
func readDoc(t *testing.T, file string) string {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// TestFarmThroughAgent: hosts A (127.0.0.1) and B (127.0.0.2), each with its fake Lotus and
// miner (f01234, f05678), its exporter and its node_exporter; the documented agent.yml and
// targets file scrape both and write into a Prometheus running the documented prometheus.yml
// with the shipped rules. The files are changed only where a test must: addresses, paths and
// a 1 s interval.
func TestFarmThroughAgent(t *testing.T) {
	prometheus := tool(t, "Debian package prometheus", "prometheus")
	nodeExporter := tool(t, "Debian package prometheus-node-exporter", "prometheus-node-exporter", "node_exporter")
	d := loadDashboard(t)
	tmp := t.TempDir()
	bin := buildExporter(t, tmp)

	// The agent and the farm's Prometheus scrape alike: the agent's test vouches for both.
	scrapeConfigs := func(file string) string {
		_, s, ok := strings.Cut(readDoc(t, file), "\nscrape_configs:\n")
		if !ok {
			t.Fatalf("%s: no scrape_configs", file)
		}
		s, _, _ = strings.Cut(s, "\n\n")
		return strings.TrimSpace(s)
	}
	if a, p := scrapeConfigs(farmAgent), scrapeConfigs(farmPrometheus); a != p {
		t.Errorf("scrape_configs differ:\n%s: %s\n%s: %s", farmAgent, a, farmPrometheus, p)
	}

	type host struct {
		ip, node, textDir, home, lotusPath, minerPath string
		sc                                            *lotustest.Scenario
	}
	var hosts []*host
	for i, sc := range []*lotustest.Scenario{lotustest.Small(), lotustest.Small().Twin("f05678")} {
		h := &host{ip: []string{"127.0.0.1", "127.0.0.2"}[i], sc: sc}
		fake := lotustest.Start(sc)
		t.Cleanup(fake.Close)
		h.home = filepath.Join(tmp, h.ip, "home")
		var err error
		if h.lotusPath, h.minerPath, err = fake.WriteRepos(h.home); err != nil {
			t.Fatal(err)
		}
		h.textDir = filepath.Join(tmp, h.ip, "textfile")
		if err := os.Mkdir(h.textDir, 0o755); err != nil {
			t.Fatal(err)
		}
		if code, stderr := runJob(t, bin, h.home, h.lotusPath, h.minerPath, h.textDir); code != 0 {
			t.Fatalf("host %s: exit %d\n%s", h.ip, code, stderr)
		}
		h.node = freeAddrOn(t, h.ip)
		start(t, nodeExporter, h.node+"/metrics", "--web.listen-address="+h.node,
			"--collector.disable-defaults", "--collector.textfile", "--collector.textfile.directory="+h.textDir)
		hosts = append(hosts, h)
	}

	// The farm's Prometheus, with the shipped rules and an empty targets folder: all it
	// holds comes from the agent.
	promAddr := freeAddr(t)
	rules, _ := filepath.Abs(rulesFile)
	central := readDoc(t, farmPrometheus)
	for _, r := range [][2]string{
		{"scrape_interval: 30s", "scrape_interval: 1s"},
		{"evaluation_interval: 30s", "evaluation_interval: 1s"},
		{"- /etc/prometheus/rules/lotus-farcaster.yml", "- " + rules},
		{"'alertmanager.example.net:9093'", "'" + freeAddr(t) + "'"}, // nobody listens
		{"/etc/prometheus/targets/miners-*.yml", filepath.Join(tmp, "central-targets", "miners-*.yml")},
	} {
		central = replaceOnce(t, farmPrometheus, central, r[0], r[1])
	}
	centralFile := filepath.Join(tmp, "prometheus.yml")
	writeFile(t, centralFile, central)
	start(t, prometheus, promAddr+"/-/ready", "--config.file="+centralFile, "--storage.tsdb.path="+filepath.Join(tmp, "tsdb"),
		"--web.listen-address="+promAddr, "--web.enable-remote-write-receiver", "--log.level=warn")

	targetsDir := filepath.Join(tmp, "targets")
	if err := os.Mkdir(targetsDir, 0o755); err != nil {
		t.Fatal(err)
	}
	targets := replaceOnce(t, farmTargets, readDoc(t, farmTargets),
		"'miner-a.paris.example.net:9100', 'miner-b.paris.example.net:9100'", "'"+hosts[0].node+"', '"+hosts[1].node+"'")
	writeFile(t, filepath.Join(targetsDir, "miners-paris.yml"), targets)
	agent := readDoc(t, farmAgent)
	for _, r := range [][2]string{
		{"scrape_interval: 30s", "scrape_interval: 1s"},
		{"/etc/prometheus/targets/miners-*.yml", filepath.Join(targetsDir, "miners-*.yml")},
		{"http://prometheus.example.net:9090/api/v1/write", "http://" + promAddr + "/api/v1/write"},
	} {
		agent = replaceOnce(t, farmAgent, agent, r[0], r[1])
	}
	agentFile := filepath.Join(tmp, "agent.yml")
	writeFile(t, agentFile, agent)
	agentAddr := freeAddr(t)
	start(t, prometheus, agentAddr+"/-/ready", "--enable-feature=agent", "--config.file="+agentFile,
		"--storage.agent.path="+filepath.Join(tmp, "agent"), "--web.listen-address="+agentAddr, "--log.level=warn")

	// Each host's job runs every second, cron's minute sped up, until the farm's Prometheus
	// holds 8 samples of every miner's lotus_up, enough for rate() over the dashboard's 10 s.
	api := &promAPI{base: "http://" + promAddr}
	deadline := time.Now().Add(40 * time.Second)
	for {
		for _, h := range hosts {
			runJob(t, bin, h.home, h.lotusPath, h.minerPath, h.textDir)
		}
		miners, err1 := api.scalar(`count(count by (miner_id) (lotus_up{job="node", site="paris"}))`)
		n, err2 := api.scalar(`min(count_over_time(lotus_up{job="node", site="paris"}[1m]))`)
		// The agent sends in batches (every 5 s at most): recent samples of each, too.
		recent, err3 := api.scalar(`min(count_over_time(lotus_up{job="node", site="paris"}[10s]))`)
		if err1 == nil && err2 == nil && err3 == nil && miners == 2 && n >= 8 && recent >= 4 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the farm's Prometheus did not get 8 samples of both miners in 40 s (last: %v miners, %v samples; %v, %v)", miners, n, err1, err2)
		}
		time.Sleep(time.Second)
	}

	// Remote write carries what the agent scraped, up and the target labels included.
	for _, h := range hosts {
		for _, expr := range []string{
			`up{job="node", instance="` + h.ip + `", site="paris", lotus_farcaster="expected"} == 1`,
			`lotus_up{job="node", instance="` + h.ip + `", miner_id="` + h.sc.MinerID + `", api="miner"} == 1`,
			`node_textfile_mtime_seconds{instance="` + h.ip + `", file=~".*lotus-` + h.sc.MinerID + `[.]prom"}`,
		} {
			if res, err := api.query(expr); err != nil || len(res) != 1 {
				t.Errorf("%s: %d series (%v), want 1", expr, len(res), err)
			}
		}
	}

	// The dashboard with both miners selected, as a user of the farm would: every query whose
	// series name a miner names both.
	worker, err := api.firstLabel(`lotus_miner_worker_gpus{job="node"}`, "worker")
	if err != nil {
		t.Fatal(err)
	}
	storageID, err := api.firstLabel(`lotus_miner_storage_capacity_bytes{job="node"}`, "storage_id")
	if err != nil {
		t.Fatal(err)
	}
	values := map[string][]string{
		"job": {"node"}, "instance": {hosts[0].ip, hosts[1].ip}, "miner_id": {hosts[0].sc.MinerID, hosts[1].sc.MinerID},
		"worker": {worker}, "storage_id": {storageID},
		"__rate_interval": {"20s"}, // room for the agent's batches "__interval": {"2s"}, "__range": {"1m"}, "__range_s": {"60"}, "__range_ms": {"60000"},
	}
	want := []string{hosts[0].sc.MinerID, hosts[1].sc.MinerID}
	for _, v := range d.Templating.List {
		if v.Name != "miner_id" && v.Name != "instance" {
			continue
		}
		sel, label, _ := v.labelValues()
		res, err := api.query(interpolate(sel, values, d.Templating.List))
		var got []string
		for _, s := range res {
			if !slices.Contains(got, s.Metric[label]) {
				got = append(got, s.Metric[label])
			}
		}
		slices.Sort(got)
		if wantVals := map[string][]string{"miner_id": want, "instance": values["instance"]}[v.Name]; err != nil || !slices.Equal(got, wantVals) {
			t.Errorf("variable %s: %v (%v), want %v", v.Name, got, err, wantVals)
		}
	}
	var both, one int
	for _, p := range d.allPanels() {
		for _, tg := range p.Targets {
			expr := interpolate(tg.Expr, values, d.Templating.List)
			res, err := api.query(expr)
			if err != nil {
				t.Errorf("panel %q target %s: %v", p.Title, tg.RefID, err)
				continue
			}
			var miners []string
			for _, s := range res {
				if m := s.Metric["miner_id"]; m != "" && !slices.Contains(miners, m) {
					miners = append(miners, m)
				}
			}
			slices.Sort(miners)
			switch {
			case len(miners) == 0:
			case slices.Equal(miners, want):
				both++
			default:
				one++
				t.Errorf("panel %q target %s: miners %v, want %v\n    %s", p.Title, tg.RefID, miners, want, expr)
			}
		}
	}
	if both < 50 {
		t.Errorf("only %d queries return both miners", both)
	}
	t.Logf("%d queries return both miners, %d only one", both, one)
}

// freeAddrOn returns a free port on ip: a loopback address other than 127.0.0.1 stands for
// another host (Linux answers on all of 127.0.0.0/8).
func freeAddrOn(t *testing.T, ip string) string {
	t.Helper()
	l, err := net.Listen("tcp", ip+":0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// The farm's routing sends each alert where farm.md says.
func TestFarmAlertmanagerRoutes(t *testing.T) {
	amtool := tool(t, "Debian package prometheus-alertmanager", "amtool")
	if out, err := exec.Command(amtool, "check-config", farmAlertmanager).CombinedOutput(); err != nil {
		t.Fatalf("amtool check-config %s: %v\n%s", farmAlertmanager, err, out)
	}
	for labels, want := range map[string]string{
		"miner_id=f01234 severity=critical": "team-a-pager",
		"miner_id=f05678 severity=warning":  "team-a",
		"miner_id=f09999 site=lyon":         "lyon",
		"miner_id=f09999 site=paris":        "ops",
	} {
		args := append([]string{"config", "routes", "test", "--config.file=" + farmAlertmanager}, strings.Fields(labels)...)
		out, err := exec.Command(amtool, args...).Output()
		if got := strings.TrimSpace(string(out)); err != nil || got != want {
			t.Errorf("amtool config routes test %s: %q (%v), want %q", labels, got, err, want)
		}
	}
}
