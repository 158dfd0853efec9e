package cpu

import (
	"fmt"

	"github.com/smallworld-go/smallworld/platform"
)

// MIPS registers of the four MIPS platforms: gdb's names and order
// (gdb/mips-tdep.c, mips-linux-tdep.c; PLATFORMS.md). The o32 platforms
// (mips, mipsel) name $8-$15 t0-t7, the n64 ones (mips64, mips64el)
// a4-a7 t0-t3. Every general register is a word wide, including gdb's sr
// (CP0 Status), bad (CP0 BadVAddr) and cause (CP0 Cause), as the kernel's
// elf_gregset_t and gdb hold them.
//
// userlocal is CP0 UserLocal, the thread pointer glibc reads with
// `rdhwr $3, $29` (the name is Unicorn's, UC_MIPS_REG_CP0_USERLOCAL; gdb
// does not show it). No core note carries it: the kernel keeps it in
// thread_info.tp_value, reachable only through PTRACE_GET_THREAD_AREA.
//
// f0-f31 are the FPU registers as NT_FPREGSET stores them, 64 bits each
// (elf_fpreg_t); fsr and fir are gdb's names for FCSR (FCR31) and FIR
// (FCR0), the two 32-bit words after them.
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

// MIPSRegNames returns the ABI names of $0-$31 on a MIPS platform: o32 on
// the 32-bit ones, n64 on the 64-bit ones; nil for another platform.
func MIPSRegNames(p *platform.Platform) []string {
	switch p {
	case platform.MIPS, platform.MIPSEL:
		return mipsO32Names[:]
	case platform.MIPS64, platform.MIPS64EL:
		return mipsN64Names[:]
	}
	return nil
}

func init() {
	for _, p := range []*platform.Platform{platform.MIPS, platform.MIPSEL, platform.MIPS64, platform.MIPS64EL} {
		register(p, func() []Reg { return mipsRegs(MIPSRegNames(p), 8*p.WordSize) })
	}
}

func mipsRegs(names []string, bits int) []Reg {
	var regs []Reg
	for _, n := range names {
		regs = append(regs, Reg{Name: n, Bits: bits, Group: General, GDB: true})
	}
	for _, n := range []string{"sr", "lo", "hi", "bad", "cause", "pc"} {
		regs = append(regs, Reg{Name: n, Bits: bits, Group: General, GDB: true})
	}
	regs = append(regs, Reg{Name: "userlocal", Bits: bits, Group: System})
	for i := 0; i < 32; i++ {
		regs = append(regs, Reg{Name: fmt.Sprintf("f%d", i), Bits: 64, Group: Float})
	}
	return append(regs,
		Reg{Name: "fsr", Bits: 32, Group: Float},
		Reg{Name: "fir", Bits: 32, Group: Float},
	)
}
