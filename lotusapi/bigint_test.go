// Exact big integers: parsing, JSON, and FIL conversion rounded once.
package lotusapi

import (
	"encoding/json"
	"math/big"
	"strconv"
	"strings"
	"testing"
)

func TestBigIntJSON(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    string
		wantErr bool
	}{
		{in: `"0"`, want: "0"},
		{in: `"12345678901234567891"`, want: "12345678901234567891"},
		{in: `"-42"`, want: "-42"},
		{in: `"340282366920938463463374607431768211457"`, want: "340282366920938463463374607431768211457"},
		{in: `null`, want: "0"},
		{in: `12`, wantErr: true}, // Lotus always quotes big integers
		{in: `"1.5"`, wantErr: true},
		{in: `"0x10"`, wantErr: true},
		{in: `""`, wantErr: true},
	} {
		var b BigInt
		err := json.Unmarshal([]byte(tc.in), &b)
		if tc.wantErr {
			if err == nil {
				t.Errorf("%s: parsed as %s, want an error", tc.in, b)
			}
			continue
		}
		if err != nil || b.String() != tc.want {
			t.Errorf("%s: got %s, %v; want %s", tc.in, b, err, tc.want)
		}
		out, _ := json.Marshal(b)
		if string(out) != strconv.Quote(tc.want) {
			t.Errorf("%s: marshals as %s", tc.in, out)
		}
	}
}

func TestFIL(t *testing.T) {
	for _, tc := range []struct {
		atto string
		want float64
	}{
		{"0", 0},
		{"1000000000000000000", 1},
		{"12345678901234567891", 12.345678901234567891}, // the literal is rounded once by the compiler, too
		{"42000000000000000017", 42.000000000000000017}, // beyond float64 precision: exactly 42
		{"1", 1e-18},
		{"-2500000000000000000", -2.5},
		{"18734509812347650981234", 18734.509812347650981234},
		{"123456789012345678901234567890123", 123456789012345.678901234567890123},
	} {
		b, err := ParseBigInt(tc.atto)
		if err != nil {
			t.Fatal(err)
		}
		if got := b.FIL(); got != tc.want {
			t.Errorf("%s attoFIL: got %v FIL, want %v", tc.atto, got, tc.want)
		}
	}
}

// FuzzBigInt checks that any accepted JSON round-trips exactly and converts to FIL within
// float64's rounding (relative error ≤ 2^-53).
func FuzzBigInt(f *testing.F) {
	for _, s := range []string{`"0"`, `"1"`, `"-1"`, `"12345678901234567891"`, `"99999999999999999999999999999"`, `null`, `"x"`, `1`,
		`"` + strings.Repeat("9", 327) + `"`, `"` + strings.Repeat("9", 306) + `"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		var b BigInt
		if err := json.Unmarshal([]byte(in), &b); err != nil {
			return
		}
		out, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		var again BigInt
		if err := json.Unmarshal(out, &again); err != nil || again.Int().Cmp(b.Int()) != 0 {
			t.Fatalf("round trip of %s: %s, %v", in, out, err)
		}
		exact := new(big.Rat).SetFrac(b.Int(), new(big.Int).Exp(big.NewInt(10), big.NewInt(18), nil))
		got := b.FIL()
		if got == 0 {
			if exact.Sign() != 0 && !underflows(exact) {
				t.Fatalf("%s: FIL 0 for a non-zero amount", in)
			}
			return
		}
		diff := new(big.Rat).Sub(new(big.Rat).SetFloat64(got), exact)
		rel, _ := new(big.Rat).Quo(diff.Abs(diff), exact.Abs(exact)).Float64()
		if rel > 1.0/(1<<53) {
			t.Fatalf("%s: FIL %v off by relative %g", in, got, rel)
		}
	})
}

func underflows(r *big.Rat) bool {
	f, _ := r.Float64()
	return f == 0
}

// Lotus serialises a big integer in at most 128 bytes (sign included): a longer number is
// not an amount Lotus can send, and parsing it would cost time quadratic in its length.
func TestBigIntBounds(t *testing.T) {
	largest := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 127*8), big.NewInt(1))
	if _, err := ParseBigInt(largest.String()); err != nil {
		t.Errorf("2^1016-1: %v", err)
	}
	for _, s := range []string{new(big.Int).Lsh(big.NewInt(1), 127*8).String(), strings.Repeat("9", 327), strings.Repeat("1", 100000)} {
		var b BigInt
		if err := json.Unmarshal([]byte(`"`+s+`"`), &b); err == nil {
			t.Errorf("%.20s... (%d digits) accepted", s, len(s))
		}
	}
}
