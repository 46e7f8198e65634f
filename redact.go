// Hiding the run's tokens from everything it prints and writes.
package main

import (
	"bytes"
	"io"
	"slices"
	"strings"
	"sync"
)

// minTokenLen is the shortest token hidden: a shorter one is no secret worth the name, and
// replacing it everywhere would garble the output (a one-letter "token" is in every word).
const minTokenLen = 8

// redaction is the tokens a run has found. Lotus's errors, a node's answers (a hostile one
// may echo a token into a label) and our own lines all pass through it on their way out.
type redaction struct {
	mu       sync.Mutex
	tokens   []string
	replacer *strings.Replacer
}

// add hides tokens from every line that leaves from now on.
func (r *redaction) add(tokens ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, t := range tokens {
		if len(t) >= minTokenLen && !slices.Contains(r.tokens, t) {
			r.tokens = append(r.tokens, t)
		}
	}
	pairs := make([]string, 0, 2*len(r.tokens))
	for _, t := range r.tokens {
		pairs = append(pairs, t, "<token>")
	}
	r.replacer = strings.NewReplacer(pairs...)
}

func (r *redaction) hide(s string) string {
	r.mu.Lock()
	rep := r.replacer
	r.mu.Unlock()
	if rep == nil {
		return s
	}
	return rep.Replace(s)
}

// writer returns a writer to w that hides the tokens a line at a time, so a token written in
// two pieces is still whole when it is replaced. Close sends a last line without a newline.
func (r *redaction) writer(w io.Writer) *hidingWriter {
	return &hidingWriter{r: r, w: w}
}

// hiding returns write with the tokens hidden from what it writes.
func (r *redaction) hiding(write func(io.Writer) error) func(io.Writer) error {
	return func(w io.Writer) error {
		hw := r.writer(w)
		if err := write(hw); err != nil {
			return err
		}
		return hw.Close()
	}
}

type hidingWriter struct {
	mu   sync.Mutex // collectors of several miners log at once
	r    *redaction
	w    io.Writer
	line []byte // the start of a line not yet ended
}

func (hw *hidingWriter) Write(p []byte) (int, error) {
	hw.mu.Lock()
	defer hw.mu.Unlock()
	hw.line = append(hw.line, p...)
	end := bytes.LastIndexByte(hw.line, '\n') + 1
	if end == 0 {
		return len(p), nil
	}
	_, err := io.WriteString(hw.w, hw.r.hide(string(hw.line[:end])))
	hw.line = append(hw.line[:0], hw.line[end:]...)
	if err != nil {
		return 0, err
	}
	return len(p), nil
}

// Close writes what is left of a line; it does not close w.
func (hw *hidingWriter) Close() error {
	hw.mu.Lock()
	defer hw.mu.Unlock()
	_, err := io.WriteString(hw.w, hw.r.hide(string(hw.line)))
	hw.line = hw.line[:0]
	return err
}
