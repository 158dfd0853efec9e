package load

import (
	"encoding/binary"
	"strings"
	"testing"

	"github.com/smallworld-go/smallworld/cpu"
	"github.com/smallworld-go/smallworld/platform"
)

// xsaveArea builds an xsave area of size bytes with XCR0 and XSTATE_BV
// set and k0-k7 = base+i at offset at.
func xsaveArea(size int, xcr0, bv uint64, at int, base uint64) []byte {
	b := make([]byte, size)
	le := binary.LittleEndian
	le.PutUint64(b[xsaveXCR0:], xcr0)
	if size >= xsaveHeader+8 {
		le.PutUint64(b[xsaveHeader:], bv)
	}
	for i := 0; i < 8 && at+8*i+8 <= size; i++ {
		le.PutUint64(b[at+8*i:], base+uint64(i))
	}
	return b
}

func layoutNote(entries ...[2]uint32) []byte {
	var b []byte
	for _, e := range entries {
		b = binary.LittleEndian.AppendUint32(b, e[0])
		b = binary.LittleEndian.AppendUint32(b, 64)
		b = binary.LittleEndian.AppendUint32(b, e[1])
		b = binary.LittleEndian.AppendUint32(b, 0)
	}
	return b
}

func TestXStateOpmask(t *testing.T) {
	const avx512 = 0xe7 // x87 SSE AVX opmask ZMM_Hi256 Hi16_ZMM
	for _, tc := range []struct {
		name    string
		area    []byte
		layout  []byte
		want    uint64 // k0; k1..k7 follow; 0 means all zero
		written bool
		err     string
	}{
		{name: "intel standard offset", area: xsaveArea(2688, avx512, avx512, 1088, 0x100), want: 0x100, written: true},
		{name: "amd zen4 by size", area: xsaveArea(2440, avx512|1<<9, avx512, 832, 0x200), want: 0x200, written: true},
		{name: "layout note", area: xsaveArea(11008, avx512|3<<17, avx512, 0x440, 0x300),
			layout: layoutNote([2]uint32{2, 0x240}, [2]uint32{5, 0x440}), want: 0x300, written: true},
		{name: "layout note moves it", area: xsaveArea(4096, avx512, avx512, 2048, 0x400),
			layout: layoutNote([2]uint32{5, 2048}), want: 0x400, written: true},
		{name: "initial state", area: xsaveArea(2688, avx512, 0x7, 1088, 0x500), want: 0, written: true},
		{name: "not enabled", area: xsaveArea(2688, 0x7, 0x7, 1088, 0x600), written: false},
		{name: "fxsave only", area: xsaveArea(512, avx512, avx512, 0, 0), written: false},
		{name: "note without opmask", area: xsaveArea(2688, avx512, avx512, 1088, 1),
			layout: layoutNote([2]uint32{2, 0x240}), err: "does not place it"},
		{name: "offset past the area", area: xsaveArea(1100, avx512, avx512, 1088, 1), err: "outside"},
		{name: "ragged note", area: xsaveArea(2688, avx512, avx512, 1088, 1), layout: make([]byte, 20), err: "16-byte"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := cpu.NewFor(platform.AMD64)
			if err != nil {
				t.Fatal(err)
			}
			err = xstateExtended(c, tc.area, tc.layout)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want one saying %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			written := strings.Contains(strings.Join(c.Written(), " "), "k0")
			if written != tc.written {
				t.Fatalf("k0 written = %v, want %v", written, tc.written)
			}
			for i := 0; i < 8; i++ {
				want := uint64(0)
				if tc.want != 0 {
					want = tc.want + uint64(i)
				}
				if got := c.MustGet("k" + string(rune('0'+i))); got != want {
					t.Errorf("k%d = %#x, want %#x", i, got, want)
				}
			}
		})
	}
}
