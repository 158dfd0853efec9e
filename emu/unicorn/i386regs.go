package unicorn

// #include <unicorn/unicorn.h>
import "C"

// i386Regs: every register of package cpu's i386 file but orig_eax:
// gdb's general registers (PLATFORMS.md), their 16- and 8-bit aliases,
// and the x87 and SSE registers, named as for amd64. Unicorn ids from
// unicorn/x86.h.
//
// In 32-bit mode every segment register write loads a descriptor: any
// selector but 0 needs a GDT (UC_X86_REG_GDTR) first, or the write fails
// with UC_ERR_EXCEPTION. There is no FS_BASE/GS_BASE in 32-bit mode.
var i386Regs = []regDef{
	{"eax", C.UC_X86_REG_EAX, 4}, {"ax", C.UC_X86_REG_AX, 2}, {"al", C.UC_X86_REG_AL, 1}, {"ah", C.UC_X86_REG_AH, 1},
	{"ecx", C.UC_X86_REG_ECX, 4}, {"cx", C.UC_X86_REG_CX, 2}, {"cl", C.UC_X86_REG_CL, 1}, {"ch", C.UC_X86_REG_CH, 1},
	{"edx", C.UC_X86_REG_EDX, 4}, {"dx", C.UC_X86_REG_DX, 2}, {"dl", C.UC_X86_REG_DL, 1}, {"dh", C.UC_X86_REG_DH, 1},
	{"ebx", C.UC_X86_REG_EBX, 4}, {"bx", C.UC_X86_REG_BX, 2}, {"bl", C.UC_X86_REG_BL, 1}, {"bh", C.UC_X86_REG_BH, 1},
	{"esp", C.UC_X86_REG_ESP, 4}, {"sp", C.UC_X86_REG_SP, 2},
	{"ebp", C.UC_X86_REG_EBP, 4}, {"bp", C.UC_X86_REG_BP, 2},
	{"esi", C.UC_X86_REG_ESI, 4}, {"si", C.UC_X86_REG_SI, 2},
	{"edi", C.UC_X86_REG_EDI, 4}, {"di", C.UC_X86_REG_DI, 2},
	{"eip", C.UC_X86_REG_EIP, 4},
	{"eflags", C.UC_X86_REG_EFLAGS, 4},
	{"cs", C.UC_X86_REG_CS, 2}, {"ss", C.UC_X86_REG_SS, 2}, {"ds", C.UC_X86_REG_DS, 2},
	{"es", C.UC_X86_REG_ES, 2}, {"fs", C.UC_X86_REG_FS, 2}, {"gs", C.UC_X86_REG_GS, 2},
	{"st0", C.UC_X86_REG_ST0, 10}, {"st1", C.UC_X86_REG_ST1, 10}, {"st2", C.UC_X86_REG_ST2, 10}, {"st3", C.UC_X86_REG_ST3, 10},
	{"st4", C.UC_X86_REG_ST4, 10}, {"st5", C.UC_X86_REG_ST5, 10}, {"st6", C.UC_X86_REG_ST6, 10}, {"st7", C.UC_X86_REG_ST7, 10},
	{"fctrl", C.UC_X86_REG_FPCW, 2}, {"fstat", C.UC_X86_REG_FPSW, 2}, {"ftag", C.UC_X86_REG_FPTAG, 2}, {"fop", C.UC_X86_REG_FOP, 2},
	{"xmm0", C.UC_X86_REG_XMM0, 16}, {"xmm1", C.UC_X86_REG_XMM1, 16}, {"xmm2", C.UC_X86_REG_XMM2, 16}, {"xmm3", C.UC_X86_REG_XMM3, 16},
	{"xmm4", C.UC_X86_REG_XMM4, 16}, {"xmm5", C.UC_X86_REG_XMM5, 16}, {"xmm6", C.UC_X86_REG_XMM6, 16}, {"xmm7", C.UC_X86_REG_XMM7, 16},
	{"mxcsr", C.UC_X86_REG_MXCSR, 4},
}

// i386Lacks: orig_eax is the kernel's record of the system call number;
// gs_base has no register in 32-bit mode (package machine writes a GDT
// descriptor and SetGDT); k0-k7 are AVX-512's, not emulated.
var i386Lacks = []string{"orig_eax", "gs_base", "k0", "k1", "k2", "k3", "k4", "k5", "k6", "k7"}

// i386GPRs: QEMU's env->regs[] order; Unicorn builds one x86-64 target
// for every x86 mode, so the slots are 8 bytes.
var i386GPRs = []string{"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"}
