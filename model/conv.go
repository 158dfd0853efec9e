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
	Ret2    string   // second register of a 64-bit result on 32-bit platforms
	// StackArgs is the offset from the stack pointer, at the function's
	// first instruction, of the first integer argument that does not fit
	// in IntArgs; each further one is a word on (MIPS o32 reserves 16
	// bytes for a0-a3 there; i386 passes everything on the stack, above
	// the return address).
	StackArgs uint64

	// Variadic arguments (see varargs.go). Var is the layout of the
	// variadic arguments and of va_list; FloatArgs are the registers
	// of variadic doubles where they have their own (nil: doubles go
	// with the integers, in registers or on the stack); FloatRet is
	// where a double is returned; Align8 is the stack alignment of
	// 8-byte arguments on 32-bit platforms.
	Var        VarKind
	FloatArgs  []string
	FloatRet   string
	LongDouble LongDoubleKind
	Align8     uint64
}

// VarKind is a platform's layout of variadic arguments and va_list.
type VarKind int

const (
	// VarLinear: the integer argument registers then the stack, read as
	// one sequence of words (slots of 8 bytes on n64 and PowerPC64,
	// 4 bytes with 8-byte alignment for 64-bit values elsewhere);
	// va_list is a pointer into that sequence. i386, ARM (AAPCS base
	// standard, hard-float too: variadic functions use it), MIPS, PPC64.
	VarLinear VarKind = iota
	// VarAMD64: 6 GPRs, xmm0-7, overflow area; va_list {gp_offset,
	// fp_offset, overflow_arg_area, reg_save_area}.
	VarAMD64
	// VarAArch64: x0-x7, v0-v7, stack in 8-byte slots; va_list {stack,
	// gr_top, vr_top, gr_offs, vr_offs}.
	VarAArch64
	// VarPPC32: r3-r10 (64-bit values in odd-even pairs), f1-f8,
	// overflow area from sp+8; va_list {gpr, fpr, reserved,
	// overflow_arg_area, reg_save_area}.
	VarPPC32
)

var (
	o32 = &Conv{Name: "MIPS o32", IntArgs: []string{"a0", "a1", "a2", "a3"}, Ret: "v0", Ret2: "v1", StackArgs: 16,
		FloatRet: "f0", LongDouble: LDDouble, Align8: 8}
	n64 = &Conv{Name: "MIPS n64", IntArgs: []string{"a0", "a1", "a2", "a3", "a4", "a5", "a6", "a7"}, Ret: "v0", StackArgs: 0,
		FloatRet: "f0", LongDouble: LDQuad, Align8: 8}
	ppcR = []string{"r3", "r4", "r5", "r6", "r7", "r8", "r9", "r10"}
)

// convs is keyed by platform name. Sources: System V AMD64 psABI 3.2.3;
// i386 System V ABI 2.2.2 (cdecl); AAPCS64 6.8.2; AAPCS 6.5 (the base
// standard: integer arguments in r0-r3 for soft- and hard-float alike);
// MIPS o32 and n64 ABIs; Power Architecture 32-bit ABI (r3-r10, stack
// from sp+8), 64-bit ELFv1 (parameter save area at sp+48) and ELFv2 (at
// sp+32, present when arguments overflow the registers).
var convs = map[string]*Conv{
	"amd64": {Name: "System V AMD64", IntArgs: []string{"rdi", "rsi", "rdx", "rcx", "r8", "r9"}, Ret: "rax", StackArgs: 8,
		Var: VarAMD64, FloatArgs: []string{"xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7"}, FloatRet: "xmm0", LongDouble: LDX87},
	"i386": {Name: "System V i386 (cdecl)", Ret: "eax", Ret2: "edx", StackArgs: 4, FloatRet: "st0", LongDouble: LDX87, Align8: 4},
	"aarch64": {Name: "AAPCS64", IntArgs: []string{"x0", "x1", "x2", "x3", "x4", "x5", "x6", "x7"}, Ret: "x0",
		Var: VarAArch64, FloatArgs: []string{"q0", "q1", "q2", "q3", "q4", "q5", "q6", "q7"}, FloatRet: "d0", LongDouble: LDQuad},
	"armel":    {Name: "AAPCS (soft-float)", IntArgs: []string{"r0", "r1", "r2", "r3"}, Ret: "r0", Ret2: "r1", FloatRet: "r0:r1", LongDouble: LDDouble, Align8: 8},
	"armhf":    {Name: "AAPCS (VFP hard-float)", IntArgs: []string{"r0", "r1", "r2", "r3"}, Ret: "r0", Ret2: "r1", FloatRet: "d0", LongDouble: LDDouble, Align8: 8},
	"mips":     o32,
	"mipsel":   o32,
	"mips64":   n64,
	"mips64el": n64,
	"ppc": {Name: "PowerPC SysV 32-bit", IntArgs: ppcR, Ret: "r3", Ret2: "r4", StackArgs: 8,
		Var: VarPPC32, FloatArgs: []string{"f1", "f2", "f3", "f4", "f5", "f6", "f7", "f8"}, FloatRet: "f1", LongDouble: LDIBM, Align8: 8},
	"ppc64":   {Name: "PowerPC64 ELFv1", IntArgs: ppcR, Ret: "r3", StackArgs: 48 + 8*8, FloatRet: "f1", LongDouble: LDIBM, Align8: 8},
	"ppc64le": {Name: "PowerPC64 ELFv2", IntArgs: ppcR, Ret: "r3", StackArgs: 32 + 8*8, FloatRet: "f1", LongDouble: LDIBM, Align8: 8},
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
