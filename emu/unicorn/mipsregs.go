package unicorn

// #include <unicorn/unicorn.h>
import "C"

// MIPS register names by number: o32 (mips, mipsel) and n64 (mips64,
// mips64el) differ in $8-$15 (gdb's names, PLATFORMS.md).
var (
	mipsO32Names = [32]string{"zero", "at", "v0", "v1", "a0", "a1", "a2", "a3",
		"t0", "t1", "t2", "t3", "t4", "t5", "t6", "t7",
		"s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7",
		"t8", "t9", "k0", "k1", "gp", "sp", "s8", "ra"}
	mipsN64Names = [32]string{"zero", "at", "v0", "v1", "a0", "a1", "a2", "a3",
		"a4", "a5", "a6", "a7", "t0", "t1", "t2", "t3",
		"s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7",
		"t8", "t9", "k0", "k1", "gp", "sp", "s8", "ra"}
)

// mipsTable: gdb's general registers, ids from unicorn/mips.h. gdb's sr
// is CP0 Status; gdb's bad (BadVAddr) and cause have no Unicorn id.
// Package cpu has no MIPS file yet; extend this table to its names.
func mipsTable(names *[32]string, size int) []regDef {
	var regs []regDef
	for i, n := range names {
		regs = append(regs, regDef{n, C.UC_MIPS_REG_0 + C.int(i), size})
	}
	return append(regs,
		regDef{"pc", C.UC_MIPS_REG_PC, size},
		regDef{"hi", C.UC_MIPS_REG_HI, size},
		regDef{"lo", C.UC_MIPS_REG_LO, size},
		regDef{"sr", C.UC_MIPS_REG_CP0_STATUS, 4},
	)
}

var (
	mipsRegs   = mipsTable(&mipsO32Names, 4)
	mips64Regs = mipsTable(&mipsN64Names, 8)
)

// mipsGPRs: QEMU's active_tc.gpr[] ($zero, slot 0, is left alone).
var mipsGPRs = append([]string{""}, mipsO32Names[1:]...)
