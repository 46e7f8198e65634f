// A streaming JSON reader for the two answers that grow with the miner: one value at a time, nothing held whole.
package lotusapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// scanner reads JSON from a stream in the order it arrives. A caller walks the structure
// with Object and Array, reads the scalars it wants and skips the rest; memory stays at one
// buffer and one string, whatever the size of the document. encoding/json decodes the
// million sectors of a big miner at about 40 MB/s; this reads them several times as fast.
type scanner struct {
	r     io.Reader
	buf   []byte // read from r; buf[pos:] is not consumed yet
	pos   int
	err   error  // the error that ended r
	str   []byte // the last string or number read
	depth int
	// skipped counts the values Skip has passed, nested ones included.
	skipped int
}

// Bounds on hostile input: a JSON value nested deeper, or a string longer, is an error.
const (
	maxScanDepth  = 64
	maxScanString = 1 << 20
)

var errScanDepth = errors.New("JSON nested too deep")

func newScanner(r io.Reader) *scanner {
	return &scanner{r: r, buf: make([]byte, 0, 64<<10)}
}

// scanBytes returns a scanner of b, read in place.
func scanBytes(b []byte) *scanner { return &scanner{buf: b, err: io.EOF} }

// fill reads more input after what is left unconsumed; it reports false at the end.
func (s *scanner) fill() bool {
	if s.err != nil {
		return false
	}
	n := copy(s.buf[:cap(s.buf)], s.buf[s.pos:])
	s.buf, s.pos = s.buf[:n], 0
	for s.err == nil {
		m, err := s.r.Read(s.buf[n:cap(s.buf)])
		s.buf, s.err = s.buf[:n+m], err
		if m > 0 {
			return true
		}
	}
	return false
}

func (s *scanner) endErr() error {
	if s.err == io.EOF || s.err == nil {
		return io.ErrUnexpectedEOF
	}
	return s.err
}

// peek returns the next byte that is not white space, without consuming it.
func (s *scanner) peek() (byte, error) {
	for {
		for s.pos < len(s.buf) {
			switch c := s.buf[s.pos]; c {
			case ' ', '\t', '\n', '\r':
				s.pos++
			default:
				return c, nil
			}
		}
		if !s.fill() {
			return 0, s.endErr()
		}
	}
}

// readByte consumes one byte.
func (s *scanner) readByte() (byte, error) {
	if s.pos == len(s.buf) && !s.fill() {
		return 0, s.endErr()
	}
	c := s.buf[s.pos]
	s.pos++
	return c, nil
}

// expect consumes the next non-space byte, which must be c.
func (s *scanner) expect(c byte) error {
	got, err := s.peek()
	if err != nil {
		return err
	}
	if got != c {
		return fmt.Errorf("JSON: want %q, got %q", c, got)
	}
	s.pos++
	return nil
}

// Null consumes a null if one comes next and reports whether it did.
func (s *scanner) Null() (bool, error) {
	c, err := s.peek()
	if err != nil || c != 'n' {
		return false, err
	}
	return true, s.literal("null")
}

func (s *scanner) literal(word string) error {
	for i := range len(word) {
		c, err := s.readByte()
		if err != nil {
			return err
		}
		if c != word[i] {
			return fmt.Errorf("JSON: bad literal, want %q", word)
		}
	}
	return nil
}

// Object calls fn for each key of the object that comes next; fn must consume the value.
// A null is an empty object.
func (s *scanner) Object(fn func(key []byte) error) error {
	return s.container('{', '}', func() error {
		key, err := s.String()
		if err != nil {
			return err
		}
		if err := s.expect(':'); err != nil {
			return err
		}
		return fn(key)
	})
}

// Array calls fn for each element of the array that comes next; fn must consume it.
// A null is an empty array.
func (s *scanner) Array(fn func() error) error { return s.container('[', ']', fn) }

func (s *scanner) container(open, close byte, item func() error) error {
	if null, err := s.Null(); null || err != nil {
		return err
	}
	if err := s.expect(open); err != nil {
		return err
	}
	if s.depth++; s.depth > maxScanDepth {
		return errScanDepth
	}
	defer func() { s.depth-- }()
	c, err := s.peek()
	if err != nil {
		return err
	}
	if c == close {
		s.pos++
		return nil
	}
	for {
		if err := item(); err != nil {
			return err
		}
		c, err := s.peek()
		if err != nil {
			return err
		}
		s.pos++
		switch c {
		case ',':
		case close:
			return nil
		default:
			return fmt.Errorf("JSON: want ',' or %q, got %q", close, c)
		}
	}
}

// String reads a JSON string. The bytes are valid until the next call.
func (s *scanner) String() ([]byte, error) {
	if err := s.expect('"'); err != nil {
		return nil, err
	}
	s.str = s.str[:0]
	escaped := false
	for {
		rest := s.buf[s.pos:]
		i := bytes.IndexByte(rest, '"')
		if i < 0 {
			i = len(rest)
		}
		if j := bytes.IndexByte(rest[:i], '\\'); j >= 0 {
			i = j
		}
		s.str = append(s.str, rest[:i]...)
		s.pos += i
		if len(s.str) > maxScanString {
			return nil, fmt.Errorf("JSON string longer than %d bytes", maxScanString)
		}
		if i == len(rest) {
			if !s.fill() {
				return nil, s.endErr()
			}
			continue
		}
		c, _ := s.readByte()
		if c == '"' {
			break
		}
		// A backslash: keep it and the byte it escapes, unquoted below.
		escaped = true
		next, err := s.readByte()
		if err != nil {
			return nil, err
		}
		s.str = append(s.str, c, next)
	}
	if !escaped {
		return s.str, nil
	}
	var unquoted string
	if err := json.Unmarshal(append(append([]byte{'"'}, s.str...), '"'), &unquoted); err != nil {
		return nil, fmt.Errorf("JSON: bad string: %w", err)
	}
	s.str = append(s.str[:0], unquoted...)
	return s.str, nil
}

// number reads the characters of a JSON number.
func (s *scanner) number() ([]byte, error) {
	if _, err := s.peek(); err != nil {
		return nil, err
	}
	s.str = s.str[:0]
	for {
		if s.pos == len(s.buf) && !s.fill() {
			break // a number may end the input
		}
		c := s.buf[s.pos]
		if !('0' <= c && c <= '9' || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E') {
			break
		}
		s.pos++
		if s.str = append(s.str, c); len(s.str) > 64 {
			return nil, errors.New("JSON number too long")
		}
	}
	if len(s.str) == 0 {
		return nil, errors.New("JSON: want a number")
	}
	return s.str, nil
}

// Int reads a JSON integer that fits in an int64.
func (s *scanner) Int() (int64, error) {
	b, err := s.number()
	if err != nil {
		return 0, err
	}
	return strconv.ParseInt(string(b), 10, 64)
}

// Uint reads a JSON integer that fits in a uint64.
func (s *scanner) Uint() (uint64, error) {
	b, err := s.number()
	if err != nil {
		return 0, err
	}
	return strconv.ParseUint(string(b), 10, 64)
}

// BigInt reads Lotus's decimal-string big integer; null is 0, as in BigInt.UnmarshalJSON.
func (s *scanner) BigInt(dst *BigInt) error {
	if null, err := s.Null(); null || err != nil {
		dst.v.SetInt64(0)
		return err
	}
	b, err := s.String()
	if err != nil {
		return err
	}
	if n, ok := smallUint(b); ok {
		dst.v.SetUint64(n) // most amounts: no string, no allocation
		return nil
	}
	return dst.set(string(b))
}

// smallUint parses b when it is a plain decimal of at most 19 digits.
func smallUint(b []byte) (uint64, bool) {
	if len(b) == 0 || len(b) > 19 {
		return 0, false
	}
	var n uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + uint64(c-'0')
	}
	return n, true
}

// Skip consumes the next value, whatever it is, without keeping it.
func (s *scanner) Skip() error {
	s.skipped++
	c, err := s.peek()
	if err != nil {
		return err
	}
	switch c {
	case '{':
		return s.Object(func([]byte) error { return s.Skip() })
	case '[':
		return s.Array(s.Skip)
	case '"':
		_, err := s.String()
		return err
	case 't':
		return s.literal("true")
	case 'f':
		return s.literal("false")
	case 'n':
		return s.literal("null")
	}
	_, err = s.number()
	return err
}
