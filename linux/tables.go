package linux

import (
	"fmt"

	"github.com/smallworld-go/smallworld/platform"
)

// A call is one system call as the layer implements it, written once for
// every platform; abis number it per platform.
type call struct {
	Name    string
	Handler Handler
	Support Support
	Note    string
}

// callList is every system call the layer knows, by name.
var callList = []call{
	{Name: "read", Support: Unsupported, Note: "not yet"},
	{Name: "write", Handler: sysWrite, Support: Partial, Note: "fds 1 and 2 only; others get EBADF"},
	{Name: "lseek", Handler: sysLseek, Support: Partial, Note: "standard streams are pipes: ESPIPE; other fds EBADF"},
	{Name: "_llseek", Handler: sysLseek, Support: Partial, Note: "standard streams are pipes: ESPIPE; other fds EBADF"},
	{Name: "exit", Handler: sysExit, Support: Full, Note: "ends the run (one thread)"},
	{Name: "exit_group", Handler: sysExit, Support: Full, Note: "ends the run"},
}

// An abi is how one platform makes system calls, and its numbers.
type abi struct {
	p      *platform.Platform
	number string    // register holding the call number
	args   [6]string // argument registers; "" = on the stack (stackArgs)
	// stackArgs is the offset from the stack pointer of the first
	// argument passed on the stack (MIPS o32 passes the 5th and 6th at
	// sp+16 and sp+20).
	stackArgs uint64
	result    string
	errno     ErrnoStyle
	nums      map[string]uint64 // call name -> number
}

// Numbers: arch/x86/entry/syscalls/syscall_64.tbl and syscall_32.tbl,
// include/uapi/asm-generic/unistd.h (AArch64), arch/arm/tools/syscall.tbl
// (EABI), arch/mips/kernel/syscalls/syscall_o32.tbl (+4000) and
// syscall_n64.tbl (+5000), arch/powerpc/kernel/syscalls/syscall.tbl.
// Registers: each architecture's syscall(2) "Architecture calling
// conventions" table.
var (
	numsI386 = map[string]uint64{"read": 3, "write": 4, "lseek": 19, "_llseek": 140, "exit": 1, "exit_group": 252}
	numsARM  = map[string]uint64{"read": 3, "write": 4, "lseek": 19, "_llseek": 140, "exit": 1, "exit_group": 248}
	numsO32  = map[string]uint64{"read": 4003, "write": 4004, "lseek": 4019, "_llseek": 4140, "exit": 4001, "exit_group": 4246}
	numsN64  = map[string]uint64{"read": 5000, "write": 5001, "lseek": 5008, "exit": 5058, "exit_group": 5205}
	numsPPC  = map[string]uint64{"read": 3, "write": 4, "lseek": 19, "_llseek": 140, "exit": 1, "exit_group": 234}
	numsPPC6 = map[string]uint64{"read": 3, "write": 4, "lseek": 19, "exit": 1, "exit_group": 234}

	argsARM  = [6]string{"r0", "r1", "r2", "r3", "r4", "r5"}
	argsO32  = [6]string{"a0", "a1", "a2", "a3", "", ""}
	argsN64  = [6]string{"a0", "a1", "a2", "a3", "a4", "a5"}
	argsPPC  = [6]string{"r3", "r4", "r5", "r6", "r7", "r8"}
	argsA64  = [6]string{"x0", "x1", "x2", "x3", "x4", "x5"}
	argsI386 = [6]string{"ebx", "ecx", "edx", "esi", "edi", "ebp"}
)

var abis = []abi{
	{p: platform.AMD64, number: "rax", args: [6]string{"rdi", "rsi", "rdx", "r10", "r8", "r9"}, result: "rax", errno: NegativeErrno,
		nums: map[string]uint64{"read": 0, "write": 1, "lseek": 8, "exit": 60, "exit_group": 231}},
	{p: platform.I386, number: "eax", args: argsI386, result: "eax", errno: NegativeErrno, nums: numsI386},
	{p: platform.AArch64, number: "x8", args: argsA64, result: "x0", errno: NegativeErrno,
		nums: map[string]uint64{"read": 63, "write": 64, "lseek": 62, "exit": 93, "exit_group": 94}},
	{p: platform.ARMEL, number: "r7", args: argsARM, result: "r0", errno: NegativeErrno, nums: numsARM},
	{p: platform.ARMHF, number: "r7", args: argsARM, result: "r0", errno: NegativeErrno, nums: numsARM},
	{p: platform.MIPS, number: "v0", args: argsO32, stackArgs: 16, result: "v0", errno: MIPSErrno, nums: numsO32},
	{p: platform.MIPSEL, number: "v0", args: argsO32, stackArgs: 16, result: "v0", errno: MIPSErrno, nums: numsO32},
	{p: platform.MIPS64, number: "v0", args: argsN64, result: "v0", errno: MIPSErrno, nums: numsN64},
	{p: platform.MIPS64EL, number: "v0", args: argsN64, result: "v0", errno: MIPSErrno, nums: numsN64},
	{p: platform.PPC, number: "r0", args: argsPPC, result: "r3", errno: PPCErrno, nums: numsPPC},
	{p: platform.PPC64, number: "r0", args: argsPPC, result: "r3", errno: PPCErrno, nums: numsPPC6},
	{p: platform.PPC64LE, number: "r0", args: argsPPC, result: "r3", errno: PPCErrno, nums: numsPPC6},
}

func init() {
	byName := map[string]call{}
	for _, c := range callList {
		byName[c.Name] = c
	}
	for _, a := range abis {
		t := &Table{Platform: a.p, Number: a.number, ArgRegs: a.args, StackArgs: a.stackArgs,
			Result: a.result, Errno: a.errno, Calls: map[uint64]*Syscall{}}
		for name, no := range a.nums {
			c, ok := byName[name]
			if !ok {
				panic(fmt.Sprintf("linux: %s numbers %q, which no call implements", a.p.Name, name))
			}
			if _, dup := t.Calls[no]; dup {
				panic(fmt.Sprintf("linux: %s: number %d listed twice", a.p.Name, no))
			}
			t.Calls[no] = &Syscall{No: no, Name: c.Name, Handler: c.Handler, Support: c.Support, Note: c.Note}
		}
		tables[a.p.Name] = t
	}
}
