package unicorn

// #include <unicorn/unicorn.h>
import "C"

// amd64Regs maps every register of package cpu's amd64 file (gdb's names)
// to Unicorn's x86 register id (unicorn/x86.h) and width in bytes.
// st0-st7 are gdb's ST(i), relative to the x87 stack top (UC_X86_REG_ST*,
// not the physical UC_X86_REG_FP*), 10 bytes: 64-bit mantissa then 16-bit
// sign and exponent. gdb's fctrl/fstat/ftag are Unicorn's FPCW/FPSW/FPTAG;
// ftag is the full 16-bit tag word.
//
// Writing fs or gs in 64-bit mode loads the segment from the (empty) GDT:
// selector 0 sets FS_BASE/GS_BASE to 0, any other selector fails with
// UC_ERR_EXCEPTION. Write fs/gs before fs_base/gs_base. cs, ss, ds and es
// writes only store the selector (no check, no error) in 64-bit mode.
var amd64Regs = []regDef{
	{"rax", C.UC_X86_REG_RAX, 8}, {"eax", C.UC_X86_REG_EAX, 4}, {"ax", C.UC_X86_REG_AX, 2}, {"al", C.UC_X86_REG_AL, 1}, {"ah", C.UC_X86_REG_AH, 1},
	{"rbx", C.UC_X86_REG_RBX, 8}, {"ebx", C.UC_X86_REG_EBX, 4}, {"bx", C.UC_X86_REG_BX, 2}, {"bl", C.UC_X86_REG_BL, 1}, {"bh", C.UC_X86_REG_BH, 1},
	{"rcx", C.UC_X86_REG_RCX, 8}, {"ecx", C.UC_X86_REG_ECX, 4}, {"cx", C.UC_X86_REG_CX, 2}, {"cl", C.UC_X86_REG_CL, 1}, {"ch", C.UC_X86_REG_CH, 1},
	{"rdx", C.UC_X86_REG_RDX, 8}, {"edx", C.UC_X86_REG_EDX, 4}, {"dx", C.UC_X86_REG_DX, 2}, {"dl", C.UC_X86_REG_DL, 1}, {"dh", C.UC_X86_REG_DH, 1},
	{"rsi", C.UC_X86_REG_RSI, 8}, {"esi", C.UC_X86_REG_ESI, 4}, {"si", C.UC_X86_REG_SI, 2}, {"sil", C.UC_X86_REG_SIL, 1},
	{"rdi", C.UC_X86_REG_RDI, 8}, {"edi", C.UC_X86_REG_EDI, 4}, {"di", C.UC_X86_REG_DI, 2}, {"dil", C.UC_X86_REG_DIL, 1},
	{"rbp", C.UC_X86_REG_RBP, 8}, {"ebp", C.UC_X86_REG_EBP, 4}, {"bp", C.UC_X86_REG_BP, 2}, {"bpl", C.UC_X86_REG_BPL, 1},
	{"rsp", C.UC_X86_REG_RSP, 8}, {"esp", C.UC_X86_REG_ESP, 4}, {"sp", C.UC_X86_REG_SP, 2}, {"spl", C.UC_X86_REG_SPL, 1},
	{"r8", C.UC_X86_REG_R8, 8}, {"r8d", C.UC_X86_REG_R8D, 4}, {"r8w", C.UC_X86_REG_R8W, 2}, {"r8b", C.UC_X86_REG_R8B, 1},
	{"r9", C.UC_X86_REG_R9, 8}, {"r9d", C.UC_X86_REG_R9D, 4}, {"r9w", C.UC_X86_REG_R9W, 2}, {"r9b", C.UC_X86_REG_R9B, 1},
	{"r10", C.UC_X86_REG_R10, 8}, {"r10d", C.UC_X86_REG_R10D, 4}, {"r10w", C.UC_X86_REG_R10W, 2}, {"r10b", C.UC_X86_REG_R10B, 1},
	{"r11", C.UC_X86_REG_R11, 8}, {"r11d", C.UC_X86_REG_R11D, 4}, {"r11w", C.UC_X86_REG_R11W, 2}, {"r11b", C.UC_X86_REG_R11B, 1},
	{"r12", C.UC_X86_REG_R12, 8}, {"r12d", C.UC_X86_REG_R12D, 4}, {"r12w", C.UC_X86_REG_R12W, 2}, {"r12b", C.UC_X86_REG_R12B, 1},
	{"r13", C.UC_X86_REG_R13, 8}, {"r13d", C.UC_X86_REG_R13D, 4}, {"r13w", C.UC_X86_REG_R13W, 2}, {"r13b", C.UC_X86_REG_R13B, 1},
	{"r14", C.UC_X86_REG_R14, 8}, {"r14d", C.UC_X86_REG_R14D, 4}, {"r14w", C.UC_X86_REG_R14W, 2}, {"r14b", C.UC_X86_REG_R14B, 1},
	{"r15", C.UC_X86_REG_R15, 8}, {"r15d", C.UC_X86_REG_R15D, 4}, {"r15w", C.UC_X86_REG_R15W, 2}, {"r15b", C.UC_X86_REG_R15B, 1},
	{"rip", C.UC_X86_REG_RIP, 8}, {"eip", C.UC_X86_REG_EIP, 4},
	{"eflags", C.UC_X86_REG_EFLAGS, 4},
	{"cs", C.UC_X86_REG_CS, 2}, {"ss", C.UC_X86_REG_SS, 2}, {"ds", C.UC_X86_REG_DS, 2},
	{"es", C.UC_X86_REG_ES, 2}, {"fs", C.UC_X86_REG_FS, 2}, {"gs", C.UC_X86_REG_GS, 2},
	{"fs_base", C.UC_X86_REG_FS_BASE, 8}, {"gs_base", C.UC_X86_REG_GS_BASE, 8},
	{"st0", C.UC_X86_REG_ST0, 10}, {"st1", C.UC_X86_REG_ST1, 10}, {"st2", C.UC_X86_REG_ST2, 10}, {"st3", C.UC_X86_REG_ST3, 10},
	{"st4", C.UC_X86_REG_ST4, 10}, {"st5", C.UC_X86_REG_ST5, 10}, {"st6", C.UC_X86_REG_ST6, 10}, {"st7", C.UC_X86_REG_ST7, 10},
	{"fctrl", C.UC_X86_REG_FPCW, 2}, {"fstat", C.UC_X86_REG_FPSW, 2}, {"ftag", C.UC_X86_REG_FPTAG, 2},
	{"fop", C.UC_X86_REG_FOP, 2}, // Unicorn 2.0.1 has FOP (read and write), despite older notes
	{"xmm0", C.UC_X86_REG_XMM0, 16}, {"xmm1", C.UC_X86_REG_XMM1, 16}, {"xmm2", C.UC_X86_REG_XMM2, 16}, {"xmm3", C.UC_X86_REG_XMM3, 16},
	{"xmm4", C.UC_X86_REG_XMM4, 16}, {"xmm5", C.UC_X86_REG_XMM5, 16}, {"xmm6", C.UC_X86_REG_XMM6, 16}, {"xmm7", C.UC_X86_REG_XMM7, 16},
	{"xmm8", C.UC_X86_REG_XMM8, 16}, {"xmm9", C.UC_X86_REG_XMM9, 16}, {"xmm10", C.UC_X86_REG_XMM10, 16}, {"xmm11", C.UC_X86_REG_XMM11, 16},
	{"xmm12", C.UC_X86_REG_XMM12, 16}, {"xmm13", C.UC_X86_REG_XMM13, 16}, {"xmm14", C.UC_X86_REG_XMM14, 16}, {"xmm15", C.UC_X86_REG_XMM15, 16},
	{"mxcsr", C.UC_X86_REG_MXCSR, 4},
}

// amd64Lacks lists registers of package cpu's amd64 file that Unicorn
// does not model: orig_rax is the kernel's record of the syscall number;
// k0-k7 are AVX-512's, which Unicorn 2.1.1 does not emulate.
var amd64Lacks = []string{"orig_rax", "k0", "k1", "k2", "k3", "k4", "k5", "k6", "k7"}

// amd64GPRs: QEMU's env->regs[] order (R_EAX=0, R_ECX, R_EDX, R_EBX,
// R_ESP, R_EBP, R_ESI, R_EDI, r8-r15), for regfast.go.
var amd64GPRs = []string{"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
	"r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"}
