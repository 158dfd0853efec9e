package platform

import (
	"debug/elf"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
)

// Platform is one guest platform. Values are shared and must not be
// modified; compare platforms by pointer or by Name.
type Platform struct {
	Name      string           // as in PLATFORMS.md: "amd64", "armhf"...
	Machine   elf.Machine      // ELF e_machine
	Class     elf.Class        // ELFCLASS32 or ELFCLASS64
	ByteOrder binary.ByteOrder // guest byte order
	WordSize  int              // bytes in a general register / pointer

	PC, SP string // program counter and stack pointer register names
	LR     string // link (return address) register; "" when calls push it
	Ret    string // integer return value register

	// Return is the encoding of an instruction sequence that returns from
	// a function to its caller; a model hooked at an address replaces the
	// function's first instructions with it. MIPS includes the delay slot.
	Return []byte

	// Trap is the encoding of the instruction __builtin_trap() emits (the
	// Thumb form for armhf, whose default ISA is Thumb-2).
	Trap []byte

	// ModeReg and ThumbMask tell the ARM instruction set state: Thumb
	// when ModeReg & ThumbMask is set (CPSR.T); "" on other platforms.
	// ThumbReturn is Return's Thumb encoding, for Thumb functions (whose
	// addresses have bit 0 set).
	ModeReg     string
	ThumbMask   uint64
	ThumbReturn []byte

	// BranchDelayReg and BranchDelayMask tell that the pc is a branch
	// whose delay slot faulted (MIPS Cause.BD); "" where there are no
	// delay slots.
	BranchDelayReg  string
	BranchDelayMask uint64

	// PageSize is the guest page size the loaders align mappings to.
	PageSize uint64

	// HardFloat distinguishes armhf from armel (both are EM_ARM).
	HardFloat bool
	// FuncDescs: a function pointer is the address of a descriptor, three
	// words {entry, TOC (r2), environment (r11)}, and a function symbol's
	// value is its descriptor's address (the ppc64 ELFv1 ABI, big-endian
	// ppc64; ELFv2, ppc64le, has none).
	FuncDescs bool
	// Executable is false where the engine (Unicorn 2.0.1) cannot run
	// the ISA: load and inspect work, run does not.
	Executable bool
}

// String returns the platform name.
func (p *Platform) String() string { return p.Name }

// Is64 reports whether the platform has 64-bit pointers.
func (p *Platform) Is64() bool { return p.Class == elf.ELFCLASS64 }

// WordMask is the mask of a register of WordSize bytes.
func (p *Platform) WordMask() uint64 {
	if p.WordSize == 8 {
		return ^uint64(0)
	}
	return 1<<(8*uint(p.WordSize)) - 1
}

var (
	le = binary.LittleEndian
	be = binary.BigEndian
)

// The platforms. Facts from PLATFORMS.md, the psABIs and the ISA manuals.
var (
	AMD64 = &Platform{Name: "amd64", Machine: elf.EM_X86_64, Class: elf.ELFCLASS64, ByteOrder: le, WordSize: 8,
		PC: "rip", SP: "rsp", Ret: "rax",
		Return: []byte{0xc3}, Trap: []byte{0x0f, 0x0b}, PageSize: 4096, Executable: true}
	I386 = &Platform{Name: "i386", Machine: elf.EM_386, Class: elf.ELFCLASS32, ByteOrder: le, WordSize: 4,
		PC: "eip", SP: "esp", Ret: "eax",
		Return: []byte{0xc3}, Trap: []byte{0x0f, 0x0b}, PageSize: 4096, Executable: true}
	AArch64 = &Platform{Name: "aarch64", Machine: elf.EM_AARCH64, Class: elf.ELFCLASS64, ByteOrder: le, WordSize: 8,
		PC: "pc", SP: "sp", LR: "x30", Ret: "x0",
		Return: []byte{0xc0, 0x03, 0x5f, 0xd6}, Trap: []byte{0x00, 0x7d, 0x20, 0xd4}, PageSize: 4096, Executable: true}
	ARMEL = &Platform{Name: "armel", Machine: elf.EM_ARM, Class: elf.ELFCLASS32, ByteOrder: le, WordSize: 4,
		PC: "pc", SP: "sp", LR: "lr", Ret: "r0",
		Return: []byte{0x1e, 0xff, 0x2f, 0xe1}, Trap: []byte{0xf0, 0x00, 0xf0, 0xe7}, PageSize: 4096,
		ModeReg: "cpsr", ThumbMask: 1 << 5, ThumbReturn: []byte{0x70, 0x47}, Executable: true}
	ARMHF = &Platform{Name: "armhf", Machine: elf.EM_ARM, Class: elf.ELFCLASS32, ByteOrder: le, WordSize: 4,
		PC: "pc", SP: "sp", LR: "lr", Ret: "r0", HardFloat: true,
		Return: []byte{0x1e, 0xff, 0x2f, 0xe1}, Trap: []byte{0xff, 0xde}, PageSize: 4096,
		ModeReg: "cpsr", ThumbMask: 1 << 5, ThumbReturn: []byte{0x70, 0x47}, Executable: true}
	MIPS = &Platform{Name: "mips", Machine: elf.EM_MIPS, Class: elf.ELFCLASS32, ByteOrder: be, WordSize: 4,
		PC: "pc", SP: "sp", LR: "ra", Ret: "v0",
		Return: []byte{0x03, 0xe0, 0x00, 0x08, 0, 0, 0, 0}, Trap: []byte{0x00, 0x00, 0x00, 0x34}, PageSize: 4096,
		BranchDelayReg: "cause", BranchDelayMask: 1 << 31, Executable: true}
	MIPSEL = &Platform{Name: "mipsel", Machine: elf.EM_MIPS, Class: elf.ELFCLASS32, ByteOrder: le, WordSize: 4,
		PC: "pc", SP: "sp", LR: "ra", Ret: "v0",
		Return: []byte{0x08, 0x00, 0xe0, 0x03, 0, 0, 0, 0}, Trap: []byte{0x34, 0x00, 0x00, 0x00}, PageSize: 4096,
		BranchDelayReg: "cause", BranchDelayMask: 1 << 31, Executable: true}
	MIPS64 = &Platform{Name: "mips64", Machine: elf.EM_MIPS, Class: elf.ELFCLASS64, ByteOrder: be, WordSize: 8,
		PC: "pc", SP: "sp", LR: "ra", Ret: "v0",
		Return: []byte{0x03, 0xe0, 0x00, 0x08, 0, 0, 0, 0}, Trap: []byte{0x00, 0x00, 0x00, 0x34}, PageSize: 4096,
		BranchDelayReg: "cause", BranchDelayMask: 1 << 31, Executable: false}
	MIPS64EL = &Platform{Name: "mips64el", Machine: elf.EM_MIPS, Class: elf.ELFCLASS64, ByteOrder: le, WordSize: 8,
		PC: "pc", SP: "sp", LR: "ra", Ret: "v0",
		Return: []byte{0x08, 0x00, 0xe0, 0x03, 0, 0, 0, 0}, Trap: []byte{0x34, 0x00, 0x00, 0x00}, PageSize: 4096,
		BranchDelayReg: "cause", BranchDelayMask: 1 << 31, Executable: false}
	PPC = &Platform{Name: "ppc", Machine: elf.EM_PPC, Class: elf.ELFCLASS32, ByteOrder: be, WordSize: 4,
		PC: "pc", SP: "r1", LR: "lr", Ret: "r3",
		Return: []byte{0x4e, 0x80, 0x00, 0x20}, Trap: []byte{0x7f, 0xe0, 0x00, 0x08}, PageSize: 4096, Executable: true}
	PPC64 = &Platform{Name: "ppc64", Machine: elf.EM_PPC64, Class: elf.ELFCLASS64, ByteOrder: be, WordSize: 8,
		PC: "pc", SP: "r1", LR: "lr", Ret: "r3",
		Return: []byte{0x4e, 0x80, 0x00, 0x20}, Trap: []byte{0x7f, 0xe0, 0x00, 0x08}, PageSize: 4096, Executable: true, FuncDescs: true}
	PPC64LE = &Platform{Name: "ppc64le", Machine: elf.EM_PPC64, Class: elf.ELFCLASS64, ByteOrder: le, WordSize: 8,
		PC: "pc", SP: "r1", LR: "lr", Ret: "r3",
		Return: []byte{0x20, 0x00, 0x80, 0x4e}, Trap: []byte{0x08, 0x00, 0xe0, 0x7f}, PageSize: 4096, Executable: true}
)

// All lists every platform, in the order PLATFORMS.md lists them.
var All = []*Platform{AMD64, I386, AArch64, ARMEL, ARMHF, MIPS, MIPSEL, MIPS64, MIPS64EL, PPC, PPC64, PPC64LE}

// ErrUnknown is the root of every "no such platform" error.
var ErrUnknown = errors.New("unknown platform")

// ByName returns the platform with the given name.
func ByName(name string) (*Platform, error) {
	for _, p := range All {
		if p.Name == name {
			return p, nil
		}
	}
	return nil, fmt.Errorf("%w %q (known: %s)", ErrUnknown, name, strings.Join(Names(), " "))
}

// Names returns the names of all platforms.
func Names() []string {
	n := make([]string, len(All))
	for i, p := range All {
		n[i] = p.Name
	}
	return n
}

// ARM e_flags (ARM ELF ABI, section 5.2.1).
const (
	efARMABIFloatSoft = 0x200
	efARMABIFloatHard = 0x400
)

// FromELF returns the platform of an ELF file header. For EM_ARM the
// float ABI comes from e_flags; a file that says neither (a core file
// does not) is taken as armel unless hardFloatHint is set.
func FromELF(machine elf.Machine, class elf.Class, data elf.Data, flags uint32) (*Platform, error) {
	var order binary.ByteOrder
	switch data {
	case elf.ELFDATA2LSB:
		order = le
	case elf.ELFDATA2MSB:
		order = be
	default:
		return nil, fmt.Errorf("%w: ELF data encoding %v", ErrUnknown, data)
	}
	var found []*Platform
	for _, p := range All {
		if p.Machine == machine && p.Class == class && p.ByteOrder == order {
			found = append(found, p)
		}
	}
	switch len(found) {
	case 0:
		return nil, fmt.Errorf("%w: ELF machine %v, %v, %v", ErrUnknown, machine, class, data)
	case 1:
		return found[0], nil
	}
	// Only EM_ARM has two platforms.
	if flags&efARMABIFloatHard != 0 {
		return ARMHF, nil
	}
	return ARMEL, nil
}
