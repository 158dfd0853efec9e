package unicorn

// #include <unicorn/unicorn.h>
import "C"

import "fmt"

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

// mipsTable: every register of package cpu's MIPS files but those in
// mipsLacks, ids from unicorn/mips.h; size is the word size. gdb's sr is
// CP0 Status; userlocal is CP0 UserLocal, the thread pointer `rdhwr $3,
// $29` reads.
func mipsTable(names *[32]string, size int) []regDef {
	var regs []regDef
	for i, n := range names {
		regs = append(regs, regDef{n, C.UC_MIPS_REG_0 + C.int(i), size})
	}
	return append(regs,
		regDef{"pc", C.UC_MIPS_REG_PC, size},
		regDef{"hi", C.UC_MIPS_REG_HI, size},
		regDef{"lo", C.UC_MIPS_REG_LO, size},
		regDef{"sr", C.UC_MIPS_REG_CP0_STATUS, size},
		regDef{"userlocal", C.UC_MIPS_REG_CP0_USERLOCAL, size},
	)
}

var (
	mipsRegs   = mipsTable(&mipsO32Names, 4)
	mips64Regs = mipsTable(&mipsN64Names, 8)
)

// mipsLacks: gdb's bad (CP0 BadVAddr) and cause (CP0 Cause) have no
// Unicorn id. UC_MIPS_REG_F0-F31 exist, but Unicorn 2.0.1 ignores them
// (reads and writes do nothing) and 2.1.1 rejects them (UC_ERR_ARG);
// FCSR and FIR have no id.
var mipsLacks = func() []string {
	n := []string{"bad", "cause", "fsr", "fir"}
	for i := 0; i < 32; i++ {
		n = append(n, fmt.Sprintf("f%d", i))
	}
	return n
}()

// mipsGPRs: QEMU's active_tc.gpr[] ($zero, slot 0, is left alone).
var mipsGPRs = append([]string{""}, mipsO32Names[1:]...)
