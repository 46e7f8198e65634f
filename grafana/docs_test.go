// The configuration docs/stack.md and docs/farm.md show is the configuration the tests run.
package grafana

import (
	"regexp"
	"slices"
	"strings"
	"testing"
)

// shownFiles lists, for each document, the files it shows whole: the stack and farm tests
// run them, so a YAML block of those documents that is not one of them would be untested.
var shownFiles = map[string][]string{
	"../docs/stack.md": {
		prometheusConfig, alertmanagerConfig,
		"provisioning/datasources/lotus-farcaster.yml", "provisioning/dashboards/lotus-farcaster.yml",
	},
	"../docs/farm.md": {farmPrometheus, farmTargets, farmAgent, farmAlertmanager},
}

func TestDocsShowTestedFiles(t *testing.T) {
	fence := regexp.MustCompile("(?ms)^```yaml\n(.*?)^```$")
	for doc, files := range shownFiles {
		var blocks []string
		for _, m := range fence.FindAllStringSubmatch(readDoc(t, doc), -1) {
			blocks = append(blocks, m[1])
		}
		var contents []string
		for _, f := range files {
			contents = append(contents, readDoc(t, f))
		}
		for i, f := range files {
			if !slices.Contains(blocks, contents[i]) {
				t.Errorf("%s does not show %s as it is, in a yaml block", doc, f)
			}
		}
		for _, b := range blocks {
			if !slices.Contains(contents, b) {
				first, _, _ := strings.Cut(b, "\n")
				t.Errorf("%s: yaml block %q is none of the tested files %v", doc, first, files)
			}
		}
	}
}

// Grafana is not in Debian, so the provisioning is checked against what it must agree with:
// Prometheus' address and scrape interval, and where the documents put the dashboard.
func TestProvisioningAgrees(t *testing.T) {
	ds := readDoc(t, "provisioning/datasources/lotus-farcaster.yml")
	prom := readDoc(t, prometheusConfig)
	interval := regexp.MustCompile(`(?m)^\s+scrape_interval: (\S+)`).FindStringSubmatch(prom)
	if interval == nil || !strings.Contains(ds, "timeInterval: "+interval[1]) {
		t.Errorf("the datasource's timeInterval is not %s's scrape_interval %v", prometheusConfig, interval)
	}
	if !strings.Contains(ds, "url: http://localhost:9090\n") {
		t.Error("the datasource does not point at Prometheus' default address, http://localhost:9090")
	}
	dash := readDoc(t, "provisioning/dashboards/lotus-farcaster.yml")
	m := regexp.MustCompile(`(?m)^\s+path: (\S+)$`).FindStringSubmatch(dash)
	if m == nil {
		t.Fatal("the dashboard provider has no path")
	}
	stack := readDoc(t, "../docs/stack.md")
	if want := "lotus-farcaster.json " + m[1] + "/"; !strings.Contains(stack, want) {
		t.Errorf("docs/stack.md does not copy the dashboard into the provider's path (%q)", want)
	}
}
