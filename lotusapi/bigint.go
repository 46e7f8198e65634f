// Exact big integers as Lotus encodes them in JSON (decimal strings).
package lotusapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
)

// BigInt is an arbitrary-precision integer carried as a JSON decimal string,
// the encoding Lotus uses for attoFIL amounts and power. The zero value is 0.
type BigInt struct{ v big.Int }

// NewBigInt returns x as a BigInt.
func NewBigInt(x int64) BigInt {
	var b BigInt
	b.v.SetInt64(x)
	return b
}

// maxBigIntBits is the largest magnitude Lotus accepts: its big.Int serialises to at most
// 128 bytes, one of them the sign (BigIntMaxSerializedLen in go-state-types/big).
const maxBigIntBits = 127 * 8

// maxBigIntDigits is the longest decimal string such a number (and its sign) can take; a
// longer one is refused before parsing, so a hostile answer cannot cost quadratic time.
const maxBigIntDigits = 307

// ParseBigInt parses a base-10 integer string such as "1000000000000000000", within
// Lotus's own bounds.
func ParseBigInt(s string) (BigInt, error) {
	var b BigInt
	if err := b.set(s); err != nil {
		return BigInt{}, err
	}
	return b, nil
}

func (b *BigInt) set(s string) error {
	if len(s) > maxBigIntDigits {
		return fmt.Errorf("big integer of %d characters, longer than Lotus allows", len(s))
	}
	if _, ok := b.v.SetString(s, 10); !ok {
		return fmt.Errorf("invalid big integer %q", s)
	}
	if b.v.BitLen() > maxBigIntBits {
		b.v.SetInt64(0)
		return fmt.Errorf("big integer of %d bits, more than Lotus allows", b.v.BitLen())
	}
	return nil
}

// Int returns a copy of the value as a *big.Int.
func (b BigInt) Int() *big.Int { return new(big.Int).Set(&b.v) }

// String returns the decimal form.
func (b BigInt) String() string { return b.v.String() }

// Float64 returns the nearest float64, for metrics only.
func (b BigInt) Float64() float64 {
	f, _ := new(big.Float).SetInt(&b.v).Float64()
	return f
}

// attoPerFIL is 10^18: one FIL in attoFIL.
var attoPerFIL = new(big.Float).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(18), nil))

// FIL converts an attoFIL amount to FIL, rounded once to the nearest float64 (the integer
// is held exactly and the quotient carries far more bits than float64, so the result is
// within half an ulp).
func (b BigInt) FIL() float64 {
	x := new(big.Float).SetPrec(uint(b.v.BitLen()) + 128).SetInt(&b.v)
	f, _ := x.Quo(x, attoPerFIL).Float64()
	return f
}

// MarshalJSON writes the decimal string form, as Lotus does.
func (b BigInt) MarshalJSON() ([]byte, error) {
	return json.Marshal(b.v.String())
}

// UnmarshalJSON accepts a decimal string; null leaves zero (Lotus writes nil big ints as "0",
// but a null is harmless to accept).
func (b *BigInt) UnmarshalJSON(data []byte) error {
	if bytes.Equal(data, []byte("null")) {
		b.v.SetInt64(0)
		return nil
	}
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		return fmt.Errorf("big integer must be a JSON string: %w", err)
	}
	return b.set(s)
}

// BigIntOf returns x as a BigInt; x is copied.
func BigIntOf(x *big.Int) BigInt {
	var b BigInt
	b.v.Set(x)
	return b
}

// Sign returns -1, 0 or +1.
func (b *BigInt) Sign() int { return b.v.Sign() }

// Value returns the value itself, without a copy, for hot loops; the caller must not change it.
func (b *BigInt) Value() *big.Int { return &b.v }
