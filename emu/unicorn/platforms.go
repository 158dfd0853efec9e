package unicorn

// #include <unicorn/unicorn.h>
import "C"

import "github.com/smallworld-go/smallworld/platform"

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

	// gprs names the registers of QEMU's general register array by slot
	// ("" for a slot left alone), gprSize its slot size: the registers
	// regfast.go reads and writes directly.
	gprs    []string
	gprSize int

	// Built by init from regs.
	index map[string]regDef
	meta  []regMeta // by Unicorn register id
	pcID  C.int     // Unicorn id of the platform's pc register
}

// regMeta is what a register access needs to know about a register id.
type regMeta struct {
	name string
	size uint8 // bytes; 0: no register of this platform
	pc   bool  // the program counter or an alias of it (amd64 eip)
	slot int16 // 1 + slot in the general register array; 0: not in it
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
// system call instruction (QEMU 5.0's numbering, which Unicorn 2.0.1
// keeps; each is checked by TestSyscallEveryPlatform).
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
	"amd64": {arch: C.UC_ARCH_X86, mode: C.UC_MODE_64, model: -1, regs: amd64Regs, lacks: amd64Lacks, gprs: amd64GPRs, gprSize: 8,
		syscall: syscallDef{insn: C.UC_X86_INS_SYSCALL, size: 2, atInsn: true, advances: true}},
	"i386": {arch: C.UC_ARCH_X86, mode: C.UC_MODE_32, model: -1, regs: i386Regs, lacks: i386Lacks, gprs: i386GPRs, gprSize: 8,
		syscall: syscallDef{intno: excpX86Int80, size: 2}},
	"aarch64": {arch: C.UC_ARCH_ARM64, mode: C.UC_MODE_ARM, model: C.UC_CPU_ARM64_MAX, regs: aarch64Regs, lacks: aarch64Lacks, gprs: aarch64GPRs, gprSize: 8,
		syscall: syscallDef{intno: excpARMSWI, size: 4}},
	// ARM opens in ARM mode; Start at an odd address runs Thumb (the pc's
	// bit 0 selects the instruction set, as BX does): armhf code is Thumb-2.
	"armel": {arch: C.UC_ARCH_ARM, mode: C.UC_MODE_ARM, model: C.UC_CPU_ARM_CORTEX_A15, regs: armRegs, lacks: armLacks, gprs: armGPRs, gprSize: 4,
		syscall: syscallDef{intno: excpARMSWI, size: 4}},
	"armhf": {arch: C.UC_ARCH_ARM, mode: C.UC_MODE_ARM, model: C.UC_CPU_ARM_CORTEX_A15, regs: armRegs, lacks: armLacks, gprs: armGPRs, gprSize: 4,
		syscall: syscallDef{intno: excpARMSWI, size: 4}},
	"mips": {arch: C.UC_ARCH_MIPS, mode: C.UC_MODE_MIPS32 | C.UC_MODE_BIG_ENDIAN, model: C.UC_CPU_MIPS32_74KF, regs: mipsRegs, lacks: mipsLacks, gprs: mipsGPRs, gprSize: 4,
		syscall: syscallDef{intno: excpMIPSSyscall, size: 4}, hookExits: true},
	"mipsel": {arch: C.UC_ARCH_MIPS, mode: C.UC_MODE_MIPS32, model: C.UC_CPU_MIPS32_74KF, regs: mipsRegs, lacks: mipsLacks, gprs: mipsGPRs, gprSize: 4,
		syscall: syscallDef{intno: excpMIPSSyscall, size: 4}, hookExits: true},
	// Unicorn 2.0.1 cannot execute MIPS64 code: cpu_mips_init checks
	// UC_CPU_MIPS64_x+16 against QEMU's mips_defs table but then indexes
	// it with x, so every MIPS64 model (and the default) is one of the
	// MIPS32 CPUs listed first (4Kc...M14Kc) and each 64-bit instruction
	// raises Reserved Instruction (EXCP_RI). uc_emu_start also writes the
	// 64-bit pc from a 32-bit variable (upstream PR #2111). The entries
	// keep what a fixed Unicorn would need.
	"mips64": {unsupported: "unicorn 2.0.1 cannot execute mips64 (its MIPS64 CPU models are MIPS32 CPUs: 64-bit instructions raise Reserved Instruction)",
		arch: C.UC_ARCH_MIPS, mode: C.UC_MODE_MIPS64 | C.UC_MODE_BIG_ENDIAN, model: C.UC_CPU_MIPS64_MIPS64R2_GENERIC, regs: mips64Regs, lacks: mipsLacks,
		syscall: syscallDef{intno: excpMIPSSyscall, size: 4}, hookExits: true},
	"mips64el": {unsupported: "unicorn 2.0.1 cannot execute mips64el (its MIPS64 CPU models are MIPS32 CPUs: 64-bit instructions raise Reserved Instruction)",
		arch: C.UC_ARCH_MIPS, mode: C.UC_MODE_MIPS64, model: C.UC_CPU_MIPS64_MIPS64R2_GENERIC, regs: mips64Regs, lacks: mipsLacks,
		syscall: syscallDef{intno: excpMIPSSyscall, size: 4}, hookExits: true},
	"ppc": {arch: C.UC_ARCH_PPC, mode: C.UC_MODE_PPC32 | C.UC_MODE_BIG_ENDIAN, model: -1, regs: ppcRegs, lacks: ppcLacks, gprs: ppcGPRs, gprSize: 4,
		syscall: syscallDef{intno: excpPPCSyscall, size: 4}},
	// uc_open accepts PPC64|BIG_ENDIAN but the first instruction raises
	// UC_ERR_EXCEPTION; PPC64 little-endian is UC_ERR_MODE.
	"ppc64":   {unsupported: "unicorn 2.0.1 cannot execute ppc64", regs: ppc64Regs, lacks: ppcLacks},
	"ppc64le": {unsupported: "unicorn 2.0.1 cannot execute ppc64le", regs: ppc64Regs, lacks: ppcLacks},
}

func init() {
	for name, d := range platforms {
		if d.unsupported != "" {
			continue
		}
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
		for _, r := range d.regs {
			d.meta[r.id] = regMeta{name: r.name, size: uint8(r.size),
				pc: r.name == p.PC || (name == "amd64" && r.name == "eip")}
		}
		for i, n := range d.gprs {
			if r, ok := d.index[n]; ok && n != "" {
				d.meta[r.id].slot = int16(i + 1)
			}
		}
		pc, ok := d.index[p.PC]
		if !ok {
			panic("unicorn: no pc register in the table of " + name)
		}
		d.pcID = pc.id
	}
}

// defFor returns the table entry of a platform.
func defFor(p *platform.Platform) (*platformDef, bool) {
	d, ok := platforms[p.Name]
	return d, ok
}
