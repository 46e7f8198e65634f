// Run-length bitfields as Lotus encodes them in JSON, counted and iterated without expansion.
package lotusapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
)

// BitField is a set of sector numbers in Lotus's JSON form: alternating run lengths,
// starting with a run of absent numbers ([5,1] is {5}; [0,3,2,1] is {0,1,2,5}).
// It stays in run-length form, so a partition of millions of sectors costs a few words.
type BitField struct{ runs []uint64 }

// NewBitField returns a bitfield from run lengths, as they appear in JSON.
func NewBitField(runs ...uint64) (BitField, error) {
	if err := checkRuns(runs); err != nil {
		return BitField{}, err
	}
	return BitField{runs: runs}, nil
}

// BitFieldOf returns the bitfield holding exactly the given numbers (ascending, no duplicates).
func BitFieldOf(numbers ...uint64) BitField {
	var runs []uint64
	var next uint64 // first number not yet covered by runs
	for i, n := range numbers {
		if i > 0 && n == numbers[i-1]+1 {
			runs[len(runs)-1]++
		} else {
			runs = append(runs, n-next, 1)
		}
		next = n + 1
	}
	return BitField{runs: runs}
}

// checkRuns rejects run lists whose numbers would not fit in a uint64.
func checkRuns(runs []uint64) error {
	var end uint64
	for _, r := range runs {
		if r > math.MaxUint64-end {
			return fmt.Errorf("bitfield runs overflow 64 bits")
		}
		end += r
	}
	return nil
}

// Count returns how many numbers are in the set.
func (b BitField) Count() uint64 {
	var n uint64
	for i := 1; i < len(b.runs); i += 2 {
		n += b.runs[i]
	}
	return n
}

// ForEach calls f for each number in ascending order until f returns false.
func (b BitField) ForEach(f func(uint64) bool) {
	var pos uint64
	for i, r := range b.runs {
		if i%2 == 1 {
			for n := pos; n < pos+r; n++ {
				if !f(n) {
					return
				}
			}
		}
		pos += r
	}
}

// MarshalJSON writes the run lengths; the empty set is [].
func (b BitField) MarshalJSON() ([]byte, error) {
	if b.runs == nil {
		return []byte("[]"), nil
	}
	return json.Marshal(b.runs)
}

// UnmarshalJSON reads run lengths; null is the empty set.
func (b *BitField) UnmarshalJSON(data []byte) error {
	b.runs = nil
	if bytes.Equal(data, []byte("null")) {
		return nil
	}
	var runs []uint64
	if err := json.Unmarshal(data, &runs); err != nil {
		return fmt.Errorf("bitfield must be an array of run lengths: %w", err)
	}
	if err := checkRuns(runs); err != nil {
		return err
	}
	b.runs = runs
	return nil
}

// Minus returns the numbers of b that are not in o, without expanding either set.
func (b BitField) Minus(o BitField) BitField {
	var out []uint64
	var end uint64 // first number not yet covered by out
	add := func(lo, hi uint64) {
		if len(out) > 0 && lo == end {
			out[len(out)-1] += hi - lo
		} else {
			out = append(out, lo-end, hi-lo)
		}
		end = hi
	}
	theirs := o.spans()
	j := 0
	for _, s := range b.spans() {
		lo := s[0]
		for j < len(theirs) && theirs[j][1] <= lo {
			j++
		}
		for k := j; k < len(theirs) && theirs[k][0] < s[1]; k++ {
			if theirs[k][0] > lo {
				add(lo, theirs[k][0])
			}
			lo = max(lo, theirs[k][1])
		}
		if lo < s[1] {
			add(lo, s[1])
		}
	}
	return BitField{runs: out}
}

// spans lists the set's runs of present numbers as [lo, hi) pairs.
func (b BitField) spans() [][2]uint64 {
	var out [][2]uint64
	var pos uint64
	for i, r := range b.runs {
		if i%2 == 1 && r > 0 {
			out = append(out, [2]uint64{pos, pos + r})
		}
		pos += r
	}
	return out
}
