// Mutation check: each collector made to swallow its errors, or to drop one series of each
// metric it writes, must make the test suite fail.
//
//	go run ./scripts/mutation              # every mutant; about half an hour on two cores
//	go run ./scripts/mutation -only money  # the mutants of one collector
//	go run ./scripts/mutation -list        # what they are
//
// It works on a copy of the module in a temporary folder, one mutant at a time, and runs the
// tests from the quickest to the whole suite, stopping at the first that fails: the mutant is
// killed. It prints one line per mutant and exits 1 if any survived (or did not compile).
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"
)

// stages are the test commands, quickest first; the last is the whole suite.
var stages = [][]string{
	{"go", "test", "-count=1", "-failfast", "./metrics/"},
	{"go", "test", "-count=1", "-failfast", "-short", "-skip", "TestInstall", "."},
	{"go", "test", "-count=1", "-failfast", "-run", "TestEveryFaultOnEveryMethod", "."},
	{"go", "test", "-count=1", "./..."},
}

var (
	// updateRE finds a collector's Update method: `func (Chain) Update(` or `func (c Chain) Update(`.
	updateRE = regexp.MustCompile(`(?m)^func \((?:\w+ )?(\w+)\) Update\(`)
	// descRE finds the descriptors a collector's file uses.
	descRE = regexp.MustCompile(`\b([a-z]\w*Desc)\b`)
)

// mutant is one changed collector file.
type mutant struct {
	name, file, source string
}

func main() {
	only := flag.String("only", "", "mutate only the collector whose file this is, e.g. money")
	list := flag.Bool("list", false, "list the mutants and exit")
	flag.Parse()
	root, err := os.Getwd()
	if err == nil {
		_, err = os.Stat(filepath.Join(root, "go.mod"))
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "mutation: run it from the module's folder:", err)
		os.Exit(2)
	}
	mutants, err := makeMutants(root, *only)
	if err != nil {
		fmt.Fprintln(os.Stderr, "mutation:", err)
		os.Exit(2)
	}
	if *list {
		for _, m := range mutants {
			fmt.Println(m.name)
		}
		return
	}
	work, err := os.MkdirTemp("", "lotus-farcaster-mutation-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "mutation:", err)
		os.Exit(2)
	}
	defer os.RemoveAll(work)
	if err := copyModule(root, work); err != nil {
		fmt.Fprintln(os.Stderr, "mutation: copying the module:", err)
		os.Exit(2)
	}

	survived := 0
	for _, m := range mutants {
		start := time.Now()
		verdict := try(work, m)
		if !strings.HasPrefix(verdict, "killed") {
			survived++
		}
		fmt.Printf("%-48s %s (%.0fs)\n", m.name, verdict, time.Since(start).Seconds())
	}
	fmt.Printf("%d mutants, %d survived\n", len(mutants), survived)
	if survived > 0 {
		os.Exit(1)
	}
}

// makeMutants writes, for each collector file of metrics/, the mutant that swallows its
// errors and one per descriptor it uses that drops the first series of that metric.
func makeMutants(root, only string) ([]mutant, error) {
	files, err := filepath.Glob(filepath.Join(root, "metrics", "*.go"))
	if err != nil {
		return nil, err
	}
	var out []mutant
	for _, path := range files {
		name := strings.TrimSuffix(filepath.Base(path), ".go")
		if strings.HasSuffix(name, "_test") || only != "" && name != only {
			continue
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		src := string(data)
		m := updateRE.FindStringSubmatch(src)
		if m == nil {
			continue // not a collector: the spine, the sources, the state
		}
		typ := m[1]
		renamed := updateRE.ReplaceAllString(src, "func ($1) updateUnmutated(")
		rel := filepath.Join("metrics", filepath.Base(path))
		out = append(out, mutant{name + ": errors swallowed", rel, renamed + fmt.Sprintf(swallow, typ)})
		var descs []string
		for _, d := range descRE.FindAllStringSubmatch(src, -1) {
			if !slices.Contains(descs, d[1]) {
				descs = append(descs, d[1])
			}
		}
		for _, d := range descs {
			out = append(out, mutant{name + ": one " + d + " series dropped", rel, renamed + fmt.Sprintf(drop, typ, d)})
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no collector found (-only %q)", only)
	}
	return out, nil
}

// The wrappers put in place of Update: %[1]s is the collector type, %[2]s a descriptor.
const (
	swallow = `
func (c %[1]s) Update(ctx context.Context, src *Sources, ch chan<- prometheus.Metric) error {
	_ = c.updateUnmutated(ctx, src, ch)
	return nil
}
`
	drop = `
func (c %[1]s) Update(ctx context.Context, src *Sources, ch chan<- prometheus.Metric) error {
	out, done := make(chan prometheus.Metric), make(chan struct{})
	go func() {
		dropped := false
		for m := range out {
			if !dropped && m.Desc() == %[2]s {
				dropped = true
				continue
			}
			ch <- m
		}
		close(done)
	}()
	err := c.updateUnmutated(ctx, src, out)
	close(out)
	<-done
	return err
}
`
)

// try puts m in place in the copy at work, runs the stages, and puts the original back.
func try(work string, m mutant) string {
	path := filepath.Join(work, m.file)
	original, err := os.ReadFile(path)
	if err != nil {
		return "ERROR: " + err.Error()
	}
	defer os.WriteFile(path, original, 0o644)
	if err := os.WriteFile(path, []byte(m.source), 0o644); err != nil {
		return "ERROR: " + err.Error()
	}
	if out, err := run(work, "go", "vet", "./metrics/"); err != nil {
		return "DID NOT COMPILE: " + firstLine(out)
	}
	for i, stage := range stages {
		if out, err := run(work, stage...); err != nil {
			return fmt.Sprintf("killed at stage %d by %s", i+1, failedTest(out))
		}
	}
	return "SURVIVED"
}

func run(dir string, args ...string) ([]byte, error) {
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CI=") // tools a stage lacks skip rather than fail
	return cmd.CombinedOutput()
}

// failedTest names the first test that failed, from go test's output.
func failedTest(out []byte) string {
	for line := range bytes.Lines(out) {
		if name, ok := bytes.CutPrefix(bytes.TrimSpace(line), []byte("--- FAIL: ")); ok {
			return string(bytes.Fields(name)[0])
		}
	}
	return firstLine(out)
}

func firstLine(out []byte) string {
	line, _, _ := bytes.Cut(bytes.TrimSpace(out), []byte("\n"))
	return string(line)
}

// copyModule copies the module's files to dst, without its git history.
func copyModule(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		switch {
		case d.IsDir() && (rel == ".git" || rel == filepath.Join(".ci", "bin")):
			return filepath.SkipDir
		case d.IsDir():
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		case !d.Type().IsRegular():
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, info.Mode().Perm())
	})
}
