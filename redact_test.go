// Tests of the redaction every line out of a run passes through.
package main

import (
	"bytes"
	"testing"
)

func TestRedactionWriter(t *testing.T) {
	secrets := &redaction{}
	secrets.add("eyJhbGciOi.eyJBbGxvdyI6.sig", "", "short")
	var out bytes.Buffer
	w := secrets.writer(&out)
	// A token in two writes, a line in three, and a last line without a newline.
	for _, p := range []string{"level=ERROR url=x token=eyJhbG", "ciOi.eyJBbGxvdyI6.sig done\nsecond ", "line short\nlast eyJhbGciOi.eyJBbGxvdyI6.sig"} {
		if _, err := w.Write([]byte(p)); err != nil {
			t.Fatal(err)
		}
	}
	if want := "level=ERROR url=x token=<token> done\nsecond line short\n"; out.String() != want {
		t.Errorf("before Close: %q, want %q", out.String(), want)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	// A token too short to be one is left alone: hiding it would garble every line.
	if want := "level=ERROR url=x token=<token> done\nsecond line short\nlast <token>"; out.String() != want {
		t.Errorf("after Close: %q, want %q", out.String(), want)
	}
}
