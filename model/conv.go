package model

import (
	"errors"
	"fmt"

	"github.com/smallworld-go/smallworld/platform"
)

// Conv is a calling convention: where a function finds its integer and
// pointer arguments and leaves its integer return value.
type Conv struct {
	Name    string
	IntArgs []string // registers of the first integer arguments, in order
	Ret     string   // integer return value register
	// StackArgs is the offset from the stack pointer, at the function's
	// first instruction, of the first integer argument that does not fit
	// in IntArgs; each further one is a word on (MIPS o32 reserves 16
	// bytes for a0-a3 there; i386 passes everything on the stack, above
	// the return address).
	StackArgs uint64
}

var (
	o32  = &Conv{Name: "MIPS o32", IntArgs: []string{"a0", "a1", "a2", "a3"}, Ret: "v0", StackArgs: 16}
	n64  = &Conv{Name: "MIPS n64", IntArgs: []string{"a0", "a1", "a2", "a3", "a4", "a5", "a6", "a7"}, Ret: "v0", StackArgs: 0}
	ppcR = []string{"r3", "r4", "r5", "r6", "r7", "r8", "r9", "r10"}
)

// convs is keyed by platform name. Sources: System V AMD64 psABI 3.2.3;
// i386 System V ABI 2.2.2 (cdecl); AAPCS64 6.8.2; AAPCS 6.5 (the base
// standard: integer arguments in r0-r3 for soft- and hard-float alike);
// MIPS o32 and n64 ABIs; Power Architecture 32-bit ABI (r3-r10, stack
// from sp+8), 64-bit ELFv1 (parameter save area at sp+48) and ELFv2 (at
// sp+32, present when arguments overflow the registers).
var convs = map[string]*Conv{
	"amd64":    {Name: "System V AMD64", IntArgs: []string{"rdi", "rsi", "rdx", "rcx", "r8", "r9"}, Ret: "rax", StackArgs: 8},
	"i386":     {Name: "System V i386 (cdecl)", Ret: "eax", StackArgs: 4},
	"aarch64":  {Name: "AAPCS64", IntArgs: []string{"x0", "x1", "x2", "x3", "x4", "x5", "x6", "x7"}, Ret: "x0"},
	"armel":    {Name: "AAPCS (soft-float)", IntArgs: []string{"r0", "r1", "r2", "r3"}, Ret: "r0"},
	"armhf":    {Name: "AAPCS (VFP hard-float)", IntArgs: []string{"r0", "r1", "r2", "r3"}, Ret: "r0"},
	"mips":     o32,
	"mipsel":   o32,
	"mips64":   n64,
	"mips64el": n64,
	"ppc":      {Name: "PowerPC SysV 32-bit", IntArgs: ppcR, Ret: "r3", StackArgs: 8},
	"ppc64":    {Name: "PowerPC64 ELFv1", IntArgs: ppcR, Ret: "r3", StackArgs: 48 + 8*8},
	"ppc64le":  {Name: "PowerPC64 ELFv2", IntArgs: ppcR, Ret: "r3", StackArgs: 32 + 8*8},
}

// ErrNoConv means the platform has no calling convention table yet.
var ErrNoConv = errors.New("no calling convention")

// ConvFor returns the C calling convention of a platform.
func ConvFor(p *platform.Platform) (*Conv, error) {
	c, ok := convs[p.Name]
	if !ok {
		return nil, fmt.Errorf("%w for %s", ErrNoConv, p.Name)
	}
	return c, nil
}
