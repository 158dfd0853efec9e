package load

import (
	"encoding/binary"
	"fmt"

	"github.com/smallworld-go/smallworld/cpu"
)

// The x86 XSAVE area of an NT_X86_XSTATE note (Intel SDM vol. 1, ch. 13,
// "Managing state using the XSAVE feature set"; Linux
// arch/x86/include/asm/user.h): the 512-byte FXSAVE region, whose bytes
// 464-471 Linux fills with XCR0 (the enabled state components); the
// XSAVE header at 512, whose first word is XSTATE_BV (the components
// holding other than their initial state); then each component in the
// standard (non-compacted) format at an offset the processor enumerates
// (CPUID leaf 0xD).
const (
	xsaveXCR0     = 464
	xsaveHeader   = 512
	xsaveExtended = 576 // the first component past the header
	xfeatOpmask   = 5   // AVX-512 k0-k7: 8 × 64 bits
)

// xsaveGuesses: component offsets for cores without an
// NT_X86_XSAVE_LAYOUT note, by the area's size when it tells the vendor
// layout apart. Intel processors place the opmask at 1088, after the MPX
// components; AMD's Zen 4, which has no MPX but has PKRU, at 832 in its
// 2440-byte area (gdb's i387-tdep.c makes the same guess).
var xsaveGuesses = []struct {
	size   int
	offset map[int]int
}{
	{2440, map[int]int{xfeatOpmask: 832}},
}

// xsaveStandard: Intel's offsets, used for any other size.
var xsaveStandard = map[int]int{xfeatOpmask: 1088}

// xsaveOffsets returns the component offsets of an area: from the
// process's NT_X86_XSAVE_LAYOUT note (struct x86_xfeat_component: u32
// type, size, offset, flags), else guessed from the area's size.
func xsaveOffsets(area, layout []byte) (map[int]int, error) {
	if layout != nil {
		if len(layout)%16 != 0 {
			return nil, fmt.Errorf("NT_X86_XSAVE_LAYOUT note of %d bytes is not a whole number of 16-byte entries", len(layout))
		}
		off := map[int]int{}
		le := binary.LittleEndian
		for i := 0; i < len(layout); i += 16 {
			off[int(le.Uint32(layout[i:]))] = int(le.Uint32(layout[i+8:]))
		}
		return off, nil
	}
	for _, g := range xsaveGuesses {
		if len(area) == g.size {
			return g.offset, nil
		}
	}
	return xsaveStandard, nil
}

// xstateExtended decodes the components past the FXSAVE region that the
// register file names: the AVX-512 opmask registers k0-k7 when XCR0
// enables them (zero when XSTATE_BV says they are in their initial
// state). Areas of 576 bytes or less hold no components.
func xstateExtended(c *cpu.CPU, area, layout []byte) error {
	if len(area) <= xsaveExtended {
		return nil
	}
	le := binary.LittleEndian
	xcr0 := le.Uint64(area[xsaveXCR0:])
	bv := le.Uint64(area[xsaveHeader:])
	if xcr0&(1<<xfeatOpmask) == 0 {
		return nil
	}
	off, err := xsaveOffsets(area, layout)
	if err != nil {
		return err
	}
	at, ok := off[xfeatOpmask]
	if !ok {
		return fmt.Errorf("XCR0 %#x enables the AVX-512 opmask but NT_X86_XSAVE_LAYOUT does not place it", xcr0)
	}
	if at < xsaveExtended || at+64 > len(area) {
		return fmt.Errorf("AVX-512 opmask at %d..%d is outside the %d-byte xsave area", at, at+64, len(area))
	}
	for i := 0; i < 8; i++ {
		var v uint64
		if bv&(1<<xfeatOpmask) != 0 {
			v = le.Uint64(area[at+8*i:])
		}
		if err := c.Set(fmt.Sprintf("k%d", i), v); err != nil {
			return err
		}
	}
	return nil
}
