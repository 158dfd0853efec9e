package main

import (
	"fmt"
	"strings"
)

// The signal frame's ucontext: where glibc's ucontext_t (<sys/ucontext.h>,
// the struct a handler's third argument points to, laid out to match the
// kernel's) keeps the signal mask, the alternate stack and each register
// the syscall layer saves and restores around a handler. Compiled apart
// from the kernel headers (glibc's <signal.h> and the UAPI <asm/signal.h>
// do not mix).

// ucMember is one register's place: our register name and a C
// expression of its offset in ucontext_t and of its size.
type ucMember struct{ reg, off, size string }

// member places reg at the ucontext_t member m.
func member(reg, m string) ucMember {
	return ucMember{reg, fmt.Sprintf("offsetof(ucontext_t, %s)", m), fmt.Sprintf("sizeof(((ucontext_t *)0)->%s)", m)}
}

var mips32GPRs = strings.Fields("zero at v0 v1 a0 a1 a2 a3 t0 t1 t2 t3 t4 t5 t6 t7 s0 s1 s2 s3 s4 s5 s6 s7 t8 t9 k0 k1 gp sp s8 ra")
var mips64GPRs = strings.Fields("zero at v0 v1 a0 a1 a2 a3 a4 a5 a6 a7 t0 t1 t2 t3 s0 s1 s2 s3 s4 s5 s6 s7 t8 t9 k0 k1 gp sp s8 ra")

// ppcSPRs are the PowerPC registers after r0-r31 in the general register
// set, by their index (PT_NIP 32, PT_MSR 33, PT_CTR 35, PT_LNK 36,
// PT_XER 37, PT_CCR 38).
var ppcSPRs = []struct {
	reg string
	i   int
}{{"pc", 32}, {"msr", 33}, {"ctr", 35}, {"lr", 36}, {"xer", 37}, {"cr", 38}}

// ucontextMembers lists a platform's registers in ucontext_t. ptr, when
// not empty, is a pointer member the frame must point at the register
// set (ppc32's uc_regs, ppc64's regs) and at its target offset.
func ucontextMembers(platform string) (regs []ucMember, ptr [2]string) {
	switch platform {
	case "amd64":
		for _, r := range strings.Fields("r8 r9 r10 r11 r12 r13 r14 r15 rdi rsi rbp rbx rdx rax rcx rsp rip") {
			regs = append(regs, member(r, "uc_mcontext.gregs[REG_"+strings.ToUpper(r)+"]"))
		}
		regs = append(regs, member("eflags", "uc_mcontext.gregs[REG_EFL]"))
	case "i386":
		for _, r := range strings.Fields("edi esi ebp esp ebx edx ecx eax eip") {
			regs = append(regs, member(r, "uc_mcontext.gregs[REG_"+strings.ToUpper(r)+"]"))
		}
		regs = append(regs, member("eflags", "uc_mcontext.gregs[REG_EFL]"))
	case "aarch64":
		for i := 0; i < 31; i++ {
			regs = append(regs, member(fmt.Sprintf("x%d", i), fmt.Sprintf("uc_mcontext.regs[%d]", i)))
		}
		regs = append(regs, member("sp", "uc_mcontext.sp"), member("pc", "uc_mcontext.pc"), member("cpsr", "uc_mcontext.pstate"))
	case "armel", "armhf":
		for i := 0; i <= 10; i++ {
			regs = append(regs, member(fmt.Sprintf("r%d", i), fmt.Sprintf("uc_mcontext.arm_r%d", i)))
		}
		for _, r := range [][2]string{{"r11", "fp"}, {"r12", "ip"}, {"sp", "sp"}, {"lr", "lr"}, {"pc", "pc"}, {"cpsr", "cpsr"}} {
			regs = append(regs, member(r[0], "uc_mcontext.arm_"+r[1]))
		}
	case "mips", "mipsel", "mips64", "mips64el":
		names := mips32GPRs
		if strings.HasPrefix(platform, "mips64") {
			names = mips64GPRs
		}
		for i, r := range names {
			regs = append(regs, member(r, fmt.Sprintf("uc_mcontext.gregs[%d]", i)))
		}
		regs = append(regs, member("pc", "uc_mcontext.pc"), member("hi", "uc_mcontext.mdhi"), member("lo", "uc_mcontext.mdlo"))
	case "ppc":
		// The register set is in uc_reg_space (16-byte aligned), where
		// uc_mcontext.uc_regs points.
		base := "((offsetof(ucontext_t, uc_reg_space) + 15) / 16 * 16)"
		greg := func(reg string, i int) ucMember {
			return ucMember{reg, fmt.Sprintf("%s + offsetof(mcontext_t, gregs[%d])", base, i), "sizeof(((mcontext_t *)0)->gregs[0])"}
		}
		for i := 0; i < 32; i++ {
			regs = append(regs, greg(fmt.Sprintf("r%d", i), i))
		}
		for _, s := range ppcSPRs {
			regs = append(regs, greg(s.reg, s.i))
		}
		ptr = [2]string{"uc_mcontext.uc_regs", base}
	case "ppc64", "ppc64le":
		for i := 0; i < 32; i++ {
			regs = append(regs, member(fmt.Sprintf("r%d", i), fmt.Sprintf("uc_mcontext.gp_regs[%d]", i)))
		}
		for _, s := range ppcSPRs {
			regs = append(regs, member(s.reg, fmt.Sprintf("uc_mcontext.gp_regs[%d]", s.i)))
		}
		ptr = [2]string{"uc_mcontext.regs", "offsetof(ucontext_t, uc_mcontext.gp_regs)"}
	}
	return regs, ptr
}

// readUcontext compiles ucontext_t's layout for t: its size, and fields
// uc_sigmask, ss_sp, ss_flags, ss_size, each register by our name, and
// (when the platform has one) regs_ptr, the pointer member, with
// regs_at, where it must point (size 0).
func readUcontext(t target) (Layout, error) {
	regs, ptr := ucontextMembers(t.Platform)
	if regs == nil {
		return Layout{}, fmt.Errorf("%s: no ucontext register table", t.Platform)
	}
	type field struct{ name, off, size string }
	fields := []field{
		{"uc_sigmask", "offsetof(ucontext_t, uc_sigmask)", "sizeof(((ucontext_t *)0)->uc_sigmask)"},
		{"ss_sp", "offsetof(ucontext_t, uc_stack.ss_sp)", "sizeof(((ucontext_t *)0)->uc_stack.ss_sp)"},
		{"ss_flags", "offsetof(ucontext_t, uc_stack.ss_flags)", "sizeof(((ucontext_t *)0)->uc_stack.ss_flags)"},
		{"ss_size", "offsetof(ucontext_t, uc_stack.ss_size)", "sizeof(((ucontext_t *)0)->uc_stack.ss_size)"},
	}
	for _, r := range regs {
		fields = append(fields, field{r.reg, r.off, r.size})
	}
	if ptr[0] != "" {
		fields = append(fields, field{"regs_ptr", "offsetof(ucontext_t, " + ptr[0] + ")", "sizeof(((ucontext_t *)0)->" + ptr[0] + ")"},
			field{"regs_at", ptr[1], "0"})
	}
	var src strings.Builder
	src.WriteString("#define _GNU_SOURCE\n#include <signal.h>\n#include <stddef.h>\n#include <sys/ucontext.h>\n")
	src.WriteString("const unsigned long long sw_uc[] = {\n\tsizeof(ucontext_t),\n")
	for _, f := range fields {
		fmt.Fprintf(&src, "\t(unsigned long long)(%s), (unsigned long long)(%s),\n", f.off, f.size)
	}
	src.WriteString("\t0 };\n")
	vals, err := CompileArrays(t.Triple+"-gcc", src.String(), []string{"sw_uc"})
	if err != nil {
		return Layout{}, fmt.Errorf("%s: ucontext_t: %w", t.Platform, err)
	}
	v := vals["sw_uc"]
	l := Layout{Size: v[0], Fields: map[string][2]uint64{}}
	for i, f := range fields {
		l.Fields[f.name] = [2]uint64{v[1+2*i], v[2+2*i]}
	}
	return l, nil
}
