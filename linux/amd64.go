package linux

import "github.com/smallworld-go/smallworld/platform"

// amd64: numbers from arch/x86/entry/syscalls/syscall_64.tbl; arguments
// rdi rsi rdx r10 r8 r9, number and result in rax.
func init() {
	tables["amd64"] = &Table{
		Platform: platform.AMD64,
		Number:   "rax",
		ArgRegs:  [6]string{"rdi", "rsi", "rdx", "r10", "r8", "r9"},
		Result:   "rax",
		Errno:    NegativeErrno,
		Calls: calls(
			&Syscall{No: 0, Name: "read", Support: Unsupported, Note: "not yet"},
			&Syscall{No: 8, Name: "lseek", Handler: sysLseek, Support: Partial, Note: "standard streams are pipes: ESPIPE; other fds EBADF"},
			&Syscall{No: 1, Name: "write", Handler: sysWrite, Support: Partial, Note: "fds 1 and 2 only; others get EBADF"},
			&Syscall{No: 60, Name: "exit", Handler: sysExit, Support: Full, Note: "ends the run (one thread)"},
			&Syscall{No: 231, Name: "exit_group", Handler: sysExit, Support: Full, Note: "ends the run"},
		),
	}
}

func calls(list ...*Syscall) map[uint64]*Syscall {
	m := make(map[uint64]*Syscall, len(list))
	for _, s := range list {
		if _, dup := m[s.No]; dup {
			panic("linux: syscall number listed twice: " + s.Name)
		}
		m[s.No] = s
	}
	return m
}
