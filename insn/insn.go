// Package insn decodes just enough of a guest instruction to step over it:
// its length. x86 lengths come from golang.org/x/arch's decoder; the
// fixed-width ISAs are a table; Thumb-2 is told by its first halfword.
package insn

import (
	"errors"
	"fmt"

	"golang.org/x/arch/x86/x86asm"

	"github.com/smallworld-go/smallworld/platform"
)

// ErrDecode is the root of errors about undecodable instructions.
var ErrDecode = errors.New("cannot decode instruction")

// lengthers gives each platform's way of measuring an instruction.
var lengthers = map[string]func(code []byte, thumb bool) (int, error){
	"amd64":    x86Len(64),
	"i386":     x86Len(32),
	"aarch64":  fixed(4),
	"armel":    armLen,
	"armhf":    armLen,
	"mips":     fixed(4),
	"mipsel":   fixed(4),
	"mips64":   fixed(4),
	"mips64el": fixed(4),
	"ppc":      fixed(4),
	"ppc64":    fixed(4),
	"ppc64le":  fixed(4),
}

// Len returns the length in bytes of the instruction at the start of code.
// thumb selects the Thumb instruction set on ARM platforms (CPSR.T).
func Len(p *platform.Platform, code []byte, thumb bool) (int, error) {
	f, ok := lengthers[p.Name]
	if !ok {
		return 0, fmt.Errorf("%w: no decoder for %s", ErrDecode, p.Name)
	}
	n, err := f(code, thumb)
	if err != nil {
		return 0, err
	}
	if n > len(code) {
		return 0, fmt.Errorf("%w: %s instruction of %d bytes, only %d available", ErrDecode, p.Name, n, len(code))
	}
	return n, nil
}

func x86Len(mode int) func([]byte, bool) (int, error) {
	return func(code []byte, _ bool) (int, error) {
		in, err := x86asm.Decode(code, mode)
		if err == nil && in.Op == 0 {
			// x86asm reports a truncated instruction as a 1-byte Op 0.
			err = errors.New("truncated or unknown instruction")
		}
		if err != nil {
			return 0, fmt.Errorf("%w: x86-%d bytes % x: %v", ErrDecode, mode, code[:min(len(code), 15)], err)
		}
		return in.Len, nil
	}
}

func fixed(n int) func([]byte, bool) (int, error) {
	return func([]byte, bool) (int, error) { return n, nil }
}

// armLen: ARM instructions are 4 bytes; a Thumb instruction is 4 bytes
// when its first halfword starts with 0b11101, 0b11110 or 0b11111
// (ARM ARM A6.1), else 2.
func armLen(code []byte, thumb bool) (int, error) {
	if !thumb {
		return 4, nil
	}
	if len(code) < 2 {
		return 0, fmt.Errorf("%w: thumb: %d bytes", ErrDecode, len(code))
	}
	hw := uint16(code[0]) | uint16(code[1])<<8
	if top := hw >> 11; top == 0b11101 || top == 0b11110 || top == 0b11111 {
		return 4, nil
	}
	return 2, nil
}
