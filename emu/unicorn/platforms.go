package unicorn

// #include <unicorn/unicorn.h>
import "C"

import (
	"sync"

	"github.com/smallworld-go/smallworld/cpu"
	"github.com/smallworld-go/smallworld/platform"
)

// platformDef is what the binding knows about one guest platform: how to
// open Unicorn for it, its registers, and how its system call reaches us.
type platformDef struct {
	arch  C.uc_arch
	mode  C.uc_mode
	model int // UC_CPU_* model selected after uc_open; -1 keeps Unicorn's default

	// unsupported, when set, makes New fail with ErrUnsupported.
	unsupported string

	regs  []regDef // names as package cpu names them for the platform
	lacks []string // names of package cpu's file Unicorn has no id for

	syscall syscallDef

	// hookExits: exits are code hooks, not Unicorn's (exits.go).
	hookExits bool

	// fcmpFix: the floating compares leave the condition register alone
	// (Unicorn 2.1.1's PowerPC); the binding sets it (ppcfcmp.go).
	fcmpFix bool

	// tlbVirtual: addresses go through Unicorn's virtual TLB (identity,
	// uc_ctl_tlb_mode UC_TLB_VIRTUAL) instead of the CPU's MMU, which on
	// PPC64 translates through page tables nobody set up (the first
	// fetch raises exception 70) once a core's MSR turns IR/DR on.
	tlbVirtual bool
	// msrLE: the engine runs little-endian code: New sets MSR.LE.
	msrLE bool

	// gprs names the general registers ("" for a slot left alone): a
	// write of one during a hook is buffered and applied when the hook
	// returns (regs.go). Their writes cannot fail and have no side
	// effects, unlike those of segment, flags or system registers.
	gprs []string

	// Built by build from regs, on first use.
	once  sync.Once
	index map[string]regDef
	meta  []regMeta // by Unicorn register id
	pcID  C.int     // Unicorn id of the platform's pc register
}

// regMeta is what a register access needs to know about a register id.
type regMeta struct {
	name string
	size uint8     // bytes; 0: no register of this platform
	pc   bool      // the program counter or an alias of it (amd64 eip)
	gpr  bool      // in gprs: writes during a hook may be buffered
	root C.int32_t // id of the register holding this one's bits (rax for eax), -1 if unknown
}

// maxRegBytes bounds the buffer of a register access.
const maxRegBytes = 64

// regDef maps a register name to Unicorn's id and the register's width.
type regDef struct {
	name string
	id   C.int
	size int // bytes Unicorn reads and writes: 1, 2, 4, 8, 10, 16...
}

// syscallDef says how the system call instruction of a platform reaches
// a hook, and where Unicorn leaves the pc while the hook runs.
type syscallDef struct {
	// insn is the x86 instruction id for a UC_HOOK_INSN hook
	// (UC_X86_INS_SYSCALL); 0 means the instruction raises the CPU
	// exception intno, delivered to UC_HOOK_INTR hooks.
	insn  C.int
	intno uint32
	size  uint64 // bytes of the instruction

	// atInsn: while the hook runs, Unicorn's pc is the instruction itself
	// (not past it). advances: Unicorn adds size to the pc after the
	// hook returns. The binding hides both: hooks see the pc past the
	// instruction, and a pc they write is where execution continues.
	atInsn, advances bool
}

// CPU exception numbers Unicorn passes to UC_HOOK_INTR hooks for the
// system call instruction (QEMU 5.0's numbering, which Unicorn 2.0.1 and
// 2.1.1 keep; each is checked by TestSyscallEveryPlatform).
const (
	excpARMSWI      = 2    // target/arm/cpu.h EXCP_SWI: svc, ARM, Thumb and AArch64
	excpMIPSSyscall = 17   // target/mips/cpu.h EXCP_SYSCALL
	excpPPCSyscall  = 8    // target/ppc/cpu.h POWERPC_EXCP_SYSCALL (softmmu sc)
	excpX86Int80    = 0x80 // int 0x80 reports its vector
)

// platforms is the per-platform table, keyed by platform name. Register
// tables come from the files <platform>regs.go; a platform whose table is
// short only lacks names (RegID says so), the engine still runs.
var platforms = map[string]*platformDef{
	"amd64": {arch: C.UC_ARCH_X86, mode: C.UC_MODE_64, model: -1, regs: amd64Regs, lacks: amd64Lacks, gprs: amd64GPRs,
		syscall: syscallDef{insn: C.UC_X86_INS_SYSCALL, size: 2, atInsn: true, advances: true}},
	"i386": {arch: C.UC_ARCH_X86, mode: C.UC_MODE_32, model: -1, regs: i386Regs, lacks: i386Lacks, gprs: i386GPRs,
		syscall: syscallDef{intno: excpX86Int80, size: 2}},
	"aarch64": {arch: C.UC_ARCH_ARM64, mode: C.UC_MODE_ARM, model: C.UC_CPU_ARM64_MAX, regs: aarch64Regs, lacks: aarch64Lacks, gprs: aarch64GPRs,
		syscall: syscallDef{intno: excpARMSWI, size: 4}},
	// ARM opens in ARM mode; Start at an odd address runs Thumb (the pc's
	// bit 0 selects the instruction set, as BX does): armhf code is Thumb-2.
	"armel": {arch: C.UC_ARCH_ARM, mode: C.UC_MODE_ARM, model: C.UC_CPU_ARM_CORTEX_A15, regs: armRegs, lacks: armLacks, gprs: armGPRs,
		syscall: syscallDef{intno: excpARMSWI, size: 4}},
	"armhf": {arch: C.UC_ARCH_ARM, mode: C.UC_MODE_ARM, model: C.UC_CPU_ARM_CORTEX_A15, regs: armRegs, lacks: armLacks, gprs: armGPRs,
		syscall: syscallDef{intno: excpARMSWI, size: 4}},
	"mips": {arch: C.UC_ARCH_MIPS, mode: C.UC_MODE_MIPS32 | C.UC_MODE_BIG_ENDIAN, model: C.UC_CPU_MIPS32_74KF, regs: mipsRegs, lacks: mipsLacks, gprs: mipsGPRs,
		syscall: syscallDef{intno: excpMIPSSyscall, size: 4}, hookExits: true},
	"mipsel": {arch: C.UC_ARCH_MIPS, mode: C.UC_MODE_MIPS32, model: C.UC_CPU_MIPS32_74KF, regs: mipsRegs, lacks: mipsLacks, gprs: mipsGPRs,
		syscall: syscallDef{intno: excpMIPSSyscall, size: 4}, hookExits: true},
	// Unicorn 2.0.1 and 2.1.1 cannot execute MIPS64 code: cpu_mips_init
	// checks a MIPS64 model x as QEMU's mips_defs[x+16] but then uses
	// mips_defs[x], so every MIPS64 model (and the default) is one of the
	// MIPS32 CPUs listed first (4Kc...M14Kc) and each 64-bit instruction
	// raises Reserved Instruction (EXCP_RI; measured on 2.1.1 with all 13
	// models; uc_ctl_set_cpu_model refuses 13 and above). uc_emu_start
	// also writes the 64-bit pc from a 32-bit variable whose other half is
	// stack garbage, so the first fetch raises Address Error (EXCP_AdEL,
	// 12) with the pc reading 0 (upstream PR #2111). The entries keep what
	// a fixed Unicorn would need.
	"mips64": {unsupported: "unicorn " + linkedVersion + " cannot execute mips64 (its MIPS64 CPU models are MIPS32 CPUs: 64-bit instructions raise Reserved Instruction)",
		arch: C.UC_ARCH_MIPS, mode: C.UC_MODE_MIPS64 | C.UC_MODE_BIG_ENDIAN, model: C.UC_CPU_MIPS64_MIPS64R2_GENERIC, regs: mips64Regs, lacks: mipsLacks,
		syscall: syscallDef{intno: excpMIPSSyscall, size: 4}, hookExits: true},
	"mips64el": {unsupported: "unicorn " + linkedVersion + " cannot execute mips64el (its MIPS64 CPU models are MIPS32 CPUs: 64-bit instructions raise Reserved Instruction)",
		arch: C.UC_ARCH_MIPS, mode: C.UC_MODE_MIPS64, model: C.UC_CPU_MIPS64_MIPS64R2_GENERIC, regs: mips64Regs, lacks: mipsLacks,
		syscall: syscallDef{intno: excpMIPSSyscall, size: 4}, hookExits: true},
	"ppc": {arch: C.UC_ARCH_PPC, mode: C.UC_MODE_PPC32 | C.UC_MODE_BIG_ENDIAN, model: -1, regs: ppcRegs, lacks: ppcLacks, gprs: ppcGPRs,
		syscall: syscallDef{intno: excpPPCSyscall, size: 4}, fcmpFix: true},
	// PPC64: the default CPU (no uc_ctl_set_cpu_model: models 0-18 select
	// 32-bit CPUs, whose MSR masks SF off and truncates addresses) starts
	// with MSR.SF set; the virtual TLB keeps the MMU out. Little-endian
	// code runs on the big-endian engine with MSR.LE set (Unicorn refuses
	// UC_MODE_LITTLE_ENDIAN for PPC), which a ppc64le core's MSR has. Its
	// float compares set CR as they should: no fcmpFix
	// (TestPPCFloatCompare).
	"ppc64": {arch: C.UC_ARCH_PPC, mode: C.UC_MODE_PPC64 | C.UC_MODE_BIG_ENDIAN, model: -1, regs: ppc64Regs, lacks: ppcLacks, gprs: ppcGPRs,
		syscall: syscallDef{intno: excpPPCSyscall, size: 4}, tlbVirtual: true},
	"ppc64le": {arch: C.UC_ARCH_PPC, mode: C.UC_MODE_PPC64 | C.UC_MODE_BIG_ENDIAN, model: -1, regs: ppc64Regs, lacks: ppcLacks, gprs: ppcGPRs,
		syscall: syscallDef{intno: excpPPCSyscall, size: 4}, tlbVirtual: true, msrLE: true},
}

// build makes a table's indexes; defFor runs it once, on first use
// (building all twelve at start-up cost a CLI run 0.5 ms).
func (d *platformDef) build(name string) {
	p, err := platform.ByName(name)
	if err != nil {
		panic(err)
	}
	d.index = map[string]regDef{}
	maxID := C.int(0)
	for _, r := range d.regs {
		if _, dup := d.index[r.name]; dup || r.size <= 0 || r.size > maxRegBytes {
			panic("unicorn: bad register table entry " + name + " " + r.name)
		}
		d.index[r.name] = r
		maxID = max(maxID, r.id)
	}
	d.meta = make([]regMeta, maxID+1)
	file, _ := cpu.For(p)
	for _, r := range d.regs {
		d.meta[r.id] = regMeta{name: r.name, size: uint8(r.size),
			pc: r.name == p.PC || (name == "amd64" && r.name == "eip"), root: rootID(d, file, r.name)}
	}
	for _, n := range d.gprs {
		if r, ok := d.index[n]; ok && n != "" {
			d.meta[r.id].gpr = true
		}
	}
	pc, ok := d.index[p.PC]
	if !ok {
		panic("unicorn: no pc register in the table of " + name)
	}
	d.pcID = pc.id
}

// rootID returns the Unicorn id of the base register holding a
// register's bits in package cpu's table (rax for eax and al, x0 for
// w0), the register's own id for a base register, or -1 when that is
// not known (the binding then treats the register as sharing bits with
// every other).
func rootID(d *platformDef, f *cpu.File, name string) C.int32_t {
	if f == nil {
		return -1
	}
	for i := 0; i < 8; i++ {
		r, ok := f.Lookup(name)
		if !ok {
			return -1
		}
		if r.Parent == "" {
			if x, ok := d.index[name]; ok {
				return C.int32_t(x.id)
			}
			return -1
		}
		name = r.Parent
	}
	return -1
}

// linkedVersion is the linked Unicorn's version, for messages.
var linkedVersion = Version()

// defFor returns the table entry of a platform.
func defFor(p *platform.Platform) (*platformDef, bool) {
	d, ok := platforms[p.Name]
	if ok && d.unsupported == "" {
		d.once.Do(func() { d.build(p.Name) })
	}
	return d, ok
}
