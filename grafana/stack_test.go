// The monitoring stack of docs/stack.md, end to end: the exporter's file through node_exporter
// into Prometheus, running the shipped prometheus.yml and rules, whose alerts reach
// Alertmanager, running the documented alertmanager.yml, which sends them to Telegram.
package grafana

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lotus-farcaster/lotus-farcaster/lotusapi/lotustest"
)

const (
	prometheusConfig   = "prometheus.yml"
	alertmanagerConfig = "../docs/stack/alertmanager.yml"
)

// buildExporter builds the exporter binary into dir.
func buildExporter(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "lotus-farcaster")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir = ".."
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// runJob runs the exporter once as a miner host's job would, with the repos of home, and
// returns its exit code and stderr.
func runJob(t *testing.T, bin, home, lotusPath, minerPath, textDir string) (int, string) {
	t.Helper()
	cmd := exec.Command(bin, "--textfile-dir", textDir)
	cmd.Env = []string{"HOME=" + home, "LOTUS_PATH=" + lotusPath, "LOTUS_MINER_PATH=" + minerPath}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil && cmd.ProcessState == nil {
		t.Fatalf("exporter: %v", err)
	}
	return cmd.ProcessState.ExitCode(), stderr.String()
}

// replaceOnce replaces old with new in s, failing the test unless old occurs exactly once: a
// documented file that changes shape must break the test, not slip past it.
func replaceOnce(t *testing.T, file, s, old, new string) string {
	t.Helper()
	if n := strings.Count(s, old); n != 1 {
		t.Fatalf("%s: %q found %d times, want once", file, old, n)
	}
	return strings.Replace(s, old, new, 1)
}

func writeFile(t *testing.T, path, data string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

// fakeTelegram serves the one Bot API method Alertmanager calls, sendMessage, and keeps the
// messages it was sent.
type fakeTelegram struct {
	mu       sync.Mutex
	messages []telegramMessage
}

type telegramMessage struct {
	Path   string
	ChatID string
	Text   string
}

func (f *fakeTelegram) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	// telebot posts JSON; a form would do too.
	var m struct {
		ChatID string `json:"chat_id"`
		Text   string `json:"text"`
	}
	if err := json.Unmarshal(body, &m); err != nil {
		_ = r.ParseForm()
		m.ChatID, m.Text = r.Form.Get("chat_id"), r.Form.Get("text")
	}
	f.mu.Lock()
	f.messages = append(f.messages, telegramMessage{Path: r.URL.Path, ChatID: m.ChatID, Text: m.Text})
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	io.WriteString(w, `{"ok":true,"result":{"message_id":1,"date":0,"chat":{"id":987654321,"type":"private"}}}`)
}

func (f *fakeTelegram) sent() []telegramMessage {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.messages)
}

// amAlert is an alert as Alertmanager's /api/v2/alerts lists it.
type amAlert struct {
	Labels map[string]string `json:"labels"`
	Status struct {
		State string `json:"state"`
	} `json:"status"`
}

func alertmanagerAlerts(base string) ([]amAlert, error) {
	client := http.Client{Timeout: 5 * time.Second}
	resp, err := client.Get(base + "/api/v2/alerts")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var alerts []amAlert
	return alerts, json.NewDecoder(resp.Body).Decode(&alerts)
}

// findAlert returns the first alert carrying all of labels.
func findAlert(alerts []amAlert, labels map[string]string) (amAlert, bool) {
	for _, a := range alerts {
		if hasAll(a.Labels, labels) {
			return a, true
		}
	}
	return amAlert{}, false
}

func hasAll(got, want map[string]string) bool {
	for k, v := range want {
		if got[k] != v {
			return false
		}
	}
	return true
}

// TestStackFromZero: a miner host whose lotus-miner is down and a host labelled for the
// exporter's files that serves none. The shipped prometheus.yml and alerts.yml, each changed
// only where a test must (addresses, paths, a 1 s interval, and every `for:` made 1 s so that
// LotusAPIDown's 5 minutes and LotusExporterMissing's 10 do not make a test of their own;
// promtool's unit tests prove the durations), raise LotusAPIDown for the miner and
// LotusExporterMissing for the other host; Alertmanager, with docs/stack/alertmanager.yml
// pointed at a fake Telegram and its 30 s group_wait made 1 s, lists them and sends them.
func TestStackFromZero(t *testing.T) {
	prometheus := tool(t, "Debian package prometheus", "prometheus")
	nodeExporter := tool(t, "Debian package prometheus-node-exporter", "prometheus-node-exporter", "node_exporter")
	alertmanager := tool(t, "Debian package prometheus-alertmanager", "prometheus-alertmanager", "alertmanager")
	tmp := t.TempDir()
	bin := buildExporter(t, tmp)

	// The miner host, healthy at first.
	sc := lotustest.Small()
	fake := lotustest.Start(sc)
	defer fake.Close()
	home := filepath.Join(tmp, "home")
	lotusPath, minerPath, err := fake.WriteRepos(home)
	if err != nil {
		t.Fatal(err)
	}
	// The other host's node_exporter reads a folder nothing writes into.
	minerText := filepath.Join(tmp, "textfile-miner")
	emptyText := filepath.Join(tmp, "textfile-empty")
	for _, d := range []string{minerText, emptyText} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if code, stderr := runJob(t, bin, home, lotusPath, minerPath, minerText); code != 0 {
		t.Fatalf("healthy run: exit %d, stderr %q", code, stderr)
	}
	// Then lotus-miner stops: its repo names a port nobody listens on. The exporter keeps
	// writing the miner's own file, which it knows from the run before.
	dead := strings.Split(freeAddr(t), ":")
	writeFile(t, filepath.Join(minerPath, "api"), "/ip4/127.0.0.1/tcp/"+dead[1]+"/http")
	if code, stderr := runJob(t, bin, home, lotusPath, minerPath, minerText); code != 1 || !strings.Contains(stderr, "miner API unreachable") {
		t.Fatalf("lotus-miner down: exit %d, stderr %q; want 1 and a line about lotus-miner", code, stderr)
	}
	data, err := os.ReadFile(filepath.Join(minerText, "lotus-"+sc.MinerID+".prom"))
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`(?m)^lotus_up\{api="miner",miner_id="` + sc.MinerID + `"\} 0$`).Match(data) {
		t.Fatalf("lotus-miner down: the file has no lotus_up{api=\"miner\"} 0:\n%s", data)
	}

	minerNode, emptyNode := freeAddr(t), freeAddr(t)
	for addr, dir := range map[string]string{minerNode: minerText, emptyNode: emptyText} {
		start(t, nodeExporter, addr+"/metrics", "--web.listen-address="+addr,
			"--collector.disable-defaults", "--collector.textfile", "--collector.textfile.directory="+dir)
	}

	telegram := &fakeTelegram{}
	tg := httptest.NewServer(telegram)
	defer tg.Close()
	amAddr := freeAddr(t)
	amText, err := os.ReadFile(alertmanagerConfig)
	if err != nil {
		t.Fatal(err)
	}
	am := "global:\n  telegram_api_url: " + tg.URL + "\n" + string(amText)
	am = replaceOnce(t, alertmanagerConfig, am, "group_wait: 30s", "group_wait: 1s")
	amFile := filepath.Join(tmp, "alertmanager.yml")
	writeFile(t, amFile, am)
	start(t, alertmanager, amAddr+"/-/ready", "--config.file="+amFile, "--storage.path="+filepath.Join(tmp, "am"),
		"--web.listen-address="+amAddr, "--cluster.listen-address=", "--log.level=warn")

	rulesText, err := os.ReadFile(rulesFile)
	if err != nil {
		t.Fatal(err)
	}
	fastRules := regexp.MustCompile(`(?m)^(\s+)for: \S+$`).ReplaceAllString(string(rulesText), "${1}for: 1s")
	rules := filepath.Join(tmp, "rules.yml")
	writeFile(t, rules, fastRules)
	promText, err := os.ReadFile(prometheusConfig)
	if err != nil {
		t.Fatal(err)
	}
	prom := string(promText)
	for _, r := range [][2]string{
		{"scrape_interval: 30s", "scrape_interval: 1s"},
		{"evaluation_interval: 30s", "evaluation_interval: 1s"},
		{"- /etc/prometheus/rules/lotus-farcaster.yml", "- " + rules},
		{"'localhost:9093'", "'" + amAddr + "'"},
		{"'localhost:9100'", "'" + minerNode + "', '" + emptyNode + "'"},
	} {
		prom = replaceOnce(t, prometheusConfig, prom, r[0], r[1])
	}
	promFile := filepath.Join(tmp, "prometheus.yml")
	writeFile(t, promFile, prom)
	promAddr := freeAddr(t)
	start(t, prometheus, promAddr+"/-/ready", "--config.file="+promFile, "--storage.tsdb.path="+filepath.Join(tmp, "tsdb"),
		"--web.listen-address="+promAddr, "--log.level=warn")

	want := []map[string]string{
		{"alertname": "LotusAPIDown", "api": "miner", "miner_id": sc.MinerID, "instance": minerNode, "severity": "critical"},
		{"alertname": "LotusExporterMissing", "instance": emptyNode, "lotus_farcaster": "expected", "severity": "critical"},
	}
	var alerts []amAlert
	var sent []telegramMessage
	deadline := time.Now().Add(60 * time.Second)
	for {
		// The miner host's job runs every second, cron's minute sped up.
		runJob(t, bin, home, lotusPath, minerPath, minerText)
		alerts, err = alertmanagerAlerts("http://" + amAddr)
		sent = telegram.sent()
		if err == nil && !slices.ContainsFunc(want, func(w map[string]string) bool {
			_, found := findAlert(alerts, w)
			return !found || !slices.ContainsFunc(sent, func(m telegramMessage) bool { return strings.Contains(m.Text, w["alertname"]) })
		}) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("in 60 s Alertmanager did not list and send %v\nlisted: %+v (%v)\nsent: %+v", want, alerts, err, sent)
		}
		time.Sleep(time.Second)
	}
	for _, w := range want {
		if a, _ := findAlert(alerts, w); a.Status.State != "active" {
			t.Errorf("%s: state %q, want active", w["alertname"], a.Status.State)
		}
	}
	// The daemon answers and the miner host serves its file: those alerts stay quiet.
	for _, quiet := range []map[string]string{
		{"alertname": "LotusAPIDown", "api": "daemon"},
		{"alertname": "LotusExporterMissing", "instance": minerNode},
		{"alertname": "LotusExporterStale"},
		{"alertname": "LotusExporterTextfileError"},
	} {
		if a, found := findAlert(alerts, quiet); found {
			t.Errorf("unexpected alert %v", a.Labels)
		}
	}
	// The documented test of the way to the phone, as docs/stack.md writes it.
	amtool := tool(t, "Debian package prometheus-alertmanager", "amtool")
	args := shellWords(t, readDoc(t, "../docs/stack.md"), "amtool alert add ")
	args = args[1:]
	i := slices.Index(args, "--alertmanager.url=http://localhost:9093")
	if i < 0 {
		t.Fatalf("docs/stack.md's amtool command %q does not name the local Alertmanager", args)
	}
	args[i] = "--alertmanager.url=http://" + amAddr
	if out, err := exec.Command(amtool, args...).CombinedOutput(); err != nil {
		t.Fatalf("amtool %v: %v\n%s", args, err, out)
	}
	const testLine = "[FIRING] LotusTest on test: a test from amtool\n"
	for !slices.ContainsFunc(telegram.sent(), func(m telegramMessage) bool { return m.Text == testLine }) {
		if time.Now().After(deadline) {
			t.Fatalf("the amtool alert did not reach Telegram as %q: %+v", testLine, telegram.sent())
		}
		time.Sleep(200 * time.Millisecond)
	}
	sent = telegram.sent()

	// The documented bot and chat, one line per alert.
	wantText := []string{
		"[FIRING] LotusAPIDown on " + minerNode + ": Lotus miner API of miner " + sc.MinerID + " is down\n",
		"[FIRING] LotusExporterMissing on " + emptyNode + ": node_exporter on " + emptyNode + " serves no lotus-farcaster file\n",
	}
	for _, m := range sent {
		if m.Path != "/bot123456789:replace-with-the-token-BotFather-gave/sendMessage" || m.ChatID != "987654321" {
			t.Errorf("Telegram got %s for chat %q, want the documented bot's sendMessage for chat 987654321", m.Path, m.ChatID)
		}
		if m.Text != testLine && (strings.Contains(m.Text, "LotusAPIDown") || strings.Contains(m.Text, "LotusExporterMissing")) {
			if !slices.Contains(wantText, m.Text) {
				t.Errorf("Telegram message %q, want one of %q", m.Text, wantText)
			}
		}
	}
}

// shellWords returns the words of the command in doc that starts with prefix, continued over
// lines ending in a backslash, with single quotes removed as a shell would.
func shellWords(t *testing.T, doc, prefix string) []string {
	t.Helper()
	i := strings.Index(doc, prefix)
	if i < 0 {
		t.Fatalf("no %q in the document", prefix)
	}
	line, _, _ := strings.Cut(strings.ReplaceAll(doc[i:], "\\\n", " "), "\n")
	var words []string
	var word strings.Builder
	quoted := false
	for _, r := range line + " " {
		switch {
		case r == '\'':
			quoted = !quoted
		case r == ' ' && !quoted:
			if word.Len() > 0 {
				words = append(words, word.String())
				word.Reset()
			}
		default:
			word.WriteRune(r)
		}
	}
	return words
}
