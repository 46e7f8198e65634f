// Run-length bitfields: count and iterate straight from the JSON runs.
package lotusapi

import (
	"encoding/json"
	"math"
	"slices"
	"testing"
)

func TestBitField(t *testing.T) {
	for _, tc := range []struct {
		json    string
		want    []uint64
		wantErr bool
	}{
		{json: `[5,1]`, want: []uint64{5}},
		{json: `[0,3,2,1]`, want: []uint64{0, 1, 2, 5}},
		{json: `[]`, want: nil},
		{json: `null`, want: nil},
		{json: `[3]`, want: nil}, // a trailing run of absent numbers
		{json: `[0,2,0,2]`, want: []uint64{0, 1, 2, 3}},
		{json: `[1,"2"]`, wantErr: true},
		{json: `[-1]`, wantErr: true},
		{json: `{"a":1}`, wantErr: true},
		{json: `[18446744073709551615,1]`, wantErr: true}, // would need number 2^64-1+...
	} {
		var b BitField
		err := json.Unmarshal([]byte(tc.json), &b)
		if tc.wantErr {
			if err == nil {
				t.Errorf("%s: accepted", tc.json)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.json, err)
			continue
		}
		var got []uint64
		b.ForEach(func(n uint64) bool { got = append(got, n); return true })
		if !slices.Equal(got, tc.want) || b.Count() != uint64(len(tc.want)) {
			t.Errorf("%s: numbers %v count %d, want %v", tc.json, got, b.Count(), tc.want)
		}
	}
}

func TestBitFieldOfRoundTrip(t *testing.T) {
	numbers := []uint64{0, 1, 2, 7, 9, 10, 1 << 40}
	b := BitFieldOf(numbers...)
	out, err := json.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != `[0,3,4,1,1,2,1099511627765,1]` {
		t.Errorf("marshalled %s", out)
	}
	var again BitField
	if err := json.Unmarshal(out, &again); err != nil {
		t.Fatal(err)
	}
	var got []uint64
	again.ForEach(func(n uint64) bool { got = append(got, n); return true })
	if !slices.Equal(got, numbers) {
		t.Errorf("round trip: %v", got)
	}
}

// A partition of a billion sectors is two runs; counting it must not expand it.
func TestBitFieldHugeCount(t *testing.T) {
	var b BitField
	if err := json.Unmarshal([]byte(`[7,1000000000,3,5]`), &b); err != nil {
		t.Fatal(err)
	}
	if b.Count() != 1000000005 {
		t.Errorf("count %d", b.Count())
	}
	first := []uint64{}
	b.ForEach(func(n uint64) bool { first = append(first, n); return len(first) < 3 })
	if !slices.Equal(first, []uint64{7, 8, 9}) {
		t.Errorf("ForEach did not stop early: %v", first)
	}
}

// FuzzBitField checks that any accepted run list counts what it iterates, ascending,
// and survives a JSON round trip.
func FuzzBitField(f *testing.F) {
	for _, s := range []string{`[5,1]`, `[0,3,2,1]`, `[]`, `null`, `[0,0,0]`, `[1,2,3,4,5,6]`, `[18446744073709551614,1]`, `[1,-1]`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		var b BitField
		if err := json.Unmarshal([]byte(in), &b); err != nil {
			return
		}
		count := b.Count()
		if count > 1<<16 {
			return // iterating is linear in the count; the property is the same
		}
		var seen uint64
		last := uint64(math.MaxUint64)
		b.ForEach(func(n uint64) bool {
			if seen > 0 && n <= last {
				t.Fatalf("%s: %d after %d", in, n, last)
			}
			last = n
			seen++
			return true
		})
		if seen != count {
			t.Fatalf("%s: iterated %d, counted %d", in, seen, count)
		}
		out, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		var again BitField
		if err := json.Unmarshal(out, &again); err != nil || again.Count() != count {
			t.Fatalf("%s: round trip %s: %v", in, out, err)
		}
	})
}

func TestBitFieldMinus(t *testing.T) {
	all := BitFieldOf(0, 1, 2, 3, 7, 8, 9, 20)
	for _, tc := range []struct {
		minus BitField
		want  []uint64
	}{
		{BitFieldOf(), []uint64{0, 1, 2, 3, 7, 8, 9, 20}},
		{BitFieldOf(1, 2, 8), []uint64{0, 3, 7, 9, 20}},
		{BitFieldOf(0, 1, 2, 3, 7, 8, 9, 20), nil},
		{BitFieldOf(5, 6, 21, 22), []uint64{0, 1, 2, 3, 7, 8, 9, 20}},
		{BitFieldOf(3, 4, 5, 6, 7), []uint64{0, 1, 2, 8, 9, 20}},
	} {
		var got []uint64
		all.Minus(tc.minus).ForEach(func(n uint64) bool { got = append(got, n); return true })
		if !slices.Equal(got, tc.want) {
			t.Errorf("minus %v: %v, want %v", tc.minus, got, tc.want)
		}
	}
}
