// The streaming JSON reader against encoding/json, on sectors, odd shapes and hostile input.
package lotusapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"testing"
)

// sectorsJSON is StateMinerSectors' result for n sectors in Lotus's shape.
func sectorsJSON(n int) []byte {
	var b bytes.Buffer
	b.WriteString("[")
	for i := range n {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"SectorNumber":%d,"SealProof":8,"SealedCID":{"/":"bagboea4b5abcaj2ubh6bzwozx2s3vcimqzdzm3nhzsehlj2j3mp6lhqdufcpb6b"},"Activation":%d,"Expiration":%d,"DealWeight":"0","VerifiedDealWeight":"%d","InitialPledge":"%d","ExpectedDayReward":null,"ExpectedStoragePledge":null,"PowerBaseEpoch":%d,"ReplacedDayReward":null,"SectorKeyCID":null,"Flags":1,"DailyFee":"1937618284913"}`,
			i, 3000000+i, 4500000+i*7, 54975581388800000*(i%3), 198374659283746582+i, 3000000+i)
	}
	b.WriteString("]")
	return b.Bytes()
}

func TestDecodeSectorsMatchesEncodingJSON(t *testing.T) {
	data := sectorsJSON(1000)
	var want []SectorOnChainInfo
	if err := json.Unmarshal(data, &want); err != nil {
		t.Fatal(err)
	}
	s := newScanner(bytes.NewReader(data))
	var got []SectorOnChainInfo
	var sector SectorOnChainInfo
	err := s.Array(func() error {
		if err := decodeSector(s, &sector); err != nil {
			return err
		}
		// The decoder reuses the sector's big integers: keep copies.
		c := sector
		c.VerifiedDealWeight, c.InitialPledge, c.DailyFee = copyBig(sector.VerifiedDealWeight), copyBig(sector.InitialPledge), copyBig(sector.DailyFee)
		got = append(got, c)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("%d sectors, want %d", len(got), len(want))
	}
	for i := range want {
		w, g := want[i], got[i]
		if g.SectorNumber != w.SectorNumber || g.Expiration != w.Expiration || g.PowerBaseEpoch != w.PowerBaseEpoch ||
			g.Activation != w.Activation || g.Flags != w.Flags ||
			g.VerifiedDealWeight.String() != w.VerifiedDealWeight.String() || g.InitialPledge.String() != w.InitialPledge.String() ||
			g.DailyFee.String() != w.DailyFee.String() {
			t.Fatalf("sector %d: got %+v, want %+v", i, g, w)
		}
	}
}

func copyBig(b BigInt) BigInt { var c BigInt; c.v.Set(&b.v); return c }

func BenchmarkDecodeSectors(b *testing.B) {
	data := sectorsJSON(100000)
	b.SetBytes(int64(len(data)))
	var sector SectorOnChainInfo
	for b.Loop() {
		s := newScanner(bytes.NewReader(data))
		if err := s.Array(func() error { return decodeSector(s, &sector) }); err != nil {
			b.Fatal(err)
		}
	}
}

// Hostile or broken answers end in an error, in bounded memory and time.
func TestScannerRefusesHostileInput(t *testing.T) {
	for name, in := range map[string]io.Reader{
		"deep nesting":   strings.NewReader(strings.Repeat("[", 100000)),
		"huge string":    io.MultiReader(strings.NewReader(`["`), neverEnding('x')),
		"huge number":    io.MultiReader(strings.NewReader(`[1`), neverEnding('7')),
		"huge big int":   strings.NewReader(`[{"InitialPledge":"` + strings.Repeat("9", 400) + `"}]`),
		"truncated":      strings.NewReader(`[{"SectorNumber":1,"Expir`),
		"not an array":   strings.NewReader(`{"SectorNumber":1}`),
		"bad literal":    strings.NewReader(`[{"SectorKeyCID":nul}]`),
		"negative count": strings.NewReader(`[{"SectorNumber":-1}]`),
	} {
		s := newScanner(io.LimitReader(in, 64<<20))
		var sector SectorOnChainInfo
		err := s.Array(func() error { return decodeSector(s, &sector) })
		if err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// neverEnding is an endless stream of one byte.
type neverEnding byte

func (b neverEnding) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(b)
	}
	return len(p), nil
}

func TestScannerStrings(t *testing.T) {
	s := newScanner(strings.NewReader(`{"a\"b":"x\u00e9\n", "k":[1,{"z":null},"s"], "e": ""}`))
	var keys, values []string
	err := s.Object(func(key []byte) error {
		keys = append(keys, string(key))
		if string(key) == "k" {
			return s.Skip()
		}
		v, err := s.String()
		values = append(values, string(v))
		return err
	})
	if err != nil || strings.Join(keys, "|") != `a"b|k|e` || strings.Join(values, "|") != "x\u00e9\n|" {
		t.Errorf("keys %q values %q err %v", keys, values, err)
	}
}
