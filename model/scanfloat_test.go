package model

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/smallworld-go/smallworld/memory"
)

// The big-integer rounding that makes long doubles, run at double's
// precision, agrees with strconv.ParseFloat (an independent, correctly
// rounded conversion) on random decimals, near-halfway ones and
// subnormals.
func TestRoundMatchesParseFloat(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	double := binaryFormat{53, -1022, 1023}
	for i := 0; i < 3000; i++ {
		var text string
		switch i % 3 {
		case 0: // random digits, any exponent of double's range
			text = fmt.Sprintf("%de%d", rng.Uint64()>>rng.IntN(60), rng.IntN(640)-340)
		case 1: // the shortest text of a random double, a digit longer
			v := math.Float64frombits(rng.Uint64() &^ (1 << 63))
			if math.IsInf(v, 0) || math.IsNaN(v) {
				continue
			}
			text = strconv.FormatFloat(v, 'e', -1, 64)
			text = text[:len(text)-len(text[indexE(text):])] + strconv.Itoa(rng.IntN(10)) + text[indexE(text):]
		case 2: // halfway between two doubles
			m := rng.Uint64()>>11 | 1<<52
			e := rng.IntN(2000) - 1074
			text = exactDecimal(new(big.Int).SetUint64(2*m+1), e-1)
		}
		x, ok := parseStrtod([]byte(text))
		if !ok {
			t.Fatalf("%s: not a number", text)
		}
		want, _ := strconv.ParseFloat(text, 64)
		m, e, inf := x.round(double)
		var got float64
		if inf {
			got = math.Inf(1)
		} else {
			got, _ = new(big.Float).SetMantExp(new(big.Float).SetInt(m), e-52).Float64()
		}
		if got != want {
			t.Errorf("%s: rounded to %g, ParseFloat says %g", text, got, want)
		}
	}
}

func indexE(s string) int {
	for i := range s {
		if s[i] == 'e' {
			return i
		}
	}
	return len(s)
}

// binary128 (aarch64, MIPS n64 long double), which no host oracle
// checks: every random quad and subnormal reads back from its exact
// decimal, and the point halfway to its successor goes to the even one.
func TestQuadFromDecimal(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for i := 0; i < 500; i++ {
		hi := rng.Uint64() &^ (1 << 63)
		lo := rng.Uint64()
		if hi>>48 == 0x7fff {
			continue
		}
		if i%5 == 0 { // subnormal
			hi &= 1<<48 - 1
		}
		exp := int(hi >> 48)
		m := new(big.Int).SetUint64(hi & (1<<48 - 1))
		m.Lsh(m, 64).Or(m, new(big.Int).SetUint64(lo))
		q := exp - 16383 - 112 // the exponent of the last bit
		if exp == 0 {
			q = -16382 - 112
		} else {
			m.SetBit(m, 112, 1)
		}
		// a quad and the midpoint to its successor, as exact decimals
		mid := new(big.Int).Lsh(m, 1)
		mid.Add(mid, big.NewInt(1))
		for k, v := range []struct {
			n *big.Int
			e int
		}{{m, q}, {mid, q - 1}} {
			text := exactDecimal(v.n, v.e)
			x, _ := parseStrtod([]byte(text))
			b, err := x.longDouble(LDQuad, binary.LittleEndian)
			if err != nil {
				t.Fatal(err)
			}
			gotLo, gotHi := binary.LittleEndian.Uint64(b), binary.LittleEndian.Uint64(b[8:])
			wantHi, wantLo := hi, lo
			if k == 1 && lo&1 == 1 { // halfway from odd: up to the even successor
				wantLo++
				if wantLo == 0 {
					wantHi++
				}
			}
			if gotHi != wantHi || gotLo != wantLo {
				t.Errorf("%.40s... (%d digits): %016x%016x, want %016x%016x", text, len(text), gotHi, gotLo, wantHi, wantLo)
			}
		}
	}
}

// exactDecimal writes n × 2^e in decimal exactly.
func exactDecimal(n *big.Int, e int) string {
	if e >= 0 {
		return new(big.Int).Lsh(n, uint(e)).String()
	}
	d := new(big.Int).Mul(n, new(big.Int).Exp(big.NewInt(5), big.NewInt(int64(-e)), nil))
	return d.String() + "e" + strconv.Itoa(e)
}

// Arbitrary formats and inputs never panic the engine: a bad format is
// glibc's matching failure, a bad pointer an error.
func TestScanfNeverPanics(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	const alphabet = "%*$0123456789hlLqjztmaI'diuoxXfeEgGaAscCSp[]^-n ()xinfa.+e\t\xe9"
	mem := memory.NewMap(binary.BigEndian)
	region := memory.NewRegion(0x1000, make([]byte, 0x1000), memory.RW, "targets")
	if err := mem.Add(region); err != nil {
		t.Fatal(err)
	}
	rand8 := func(n int) []byte {
		b := make([]byte, rng.IntN(n))
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		return b
	}
	for i := 0; i < 20000; i++ {
		format, input := rand8(16), rand8(24)
		addrs := make([]uint64, 8)
		for k := range addrs {
			addrs[k] = 0x1000 + 0x100*uint64(k)
			if rng.IntN(20) == 0 {
				addrs[k] = uint64(rng.IntN(3)) * 0xfff0 // NULL or unmapped
			}
		}
		p := &Scanf{WordSize: 4 << rng.IntN(2), Mem: mem, LongDouble: LongDoubleKind(rng.IntN(4)), GNUAlloc: rng.IntN(2) == 0,
			Malloc: func(n uint64) (uint64, error) { return 0x1800, nil }}
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Fatalf("scanf(%q) on %q panicked: %v", format, input, r)
				}
			}()
			_, _ = p.Scan(format, &BytesInput{B: input}, &wordArgs{addrs})
		}()
	}
}

type wordArgs struct{ v []uint64 }

func (a *wordArgs) Int(int) (uint64, error) {
	if len(a.v) == 0 {
		return 0, fmt.Errorf("no argument")
	}
	v := a.v[0]
	a.v = a.v[1:]
	return v, nil
}
func (a *wordArgs) Double() (float64, error)            { return 0, fmt.Errorf("double") }
func (a *wordArgs) LongDouble() (uint64, uint64, error) { return 0, 0, fmt.Errorf("long double") }
