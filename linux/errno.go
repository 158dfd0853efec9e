package linux

import (
	"debug/elf"

	"github.com/smallworld-go/smallworld/platform"
)

// Errno values of the generic Linux numbering (asm-generic/errno-base.h),
// used by x86, ARM, AArch64 and PPC. Handlers return these; MIPS numbers
// some differently above 34, and the kernel translates (errnoOn).
const (
	EPERM  = 1
	ENOENT = 2
	EIO    = 5
	EBADF  = 9
	EFAULT = 14
	EINVAL = 22
	ESPIPE = 29
	ENOSYS = 38
)

// mipsErrno maps the generic numbers that MIPS numbers differently
// (arch/mips/include/uapi/asm/errno.h); numbers up to 34 are shared.
var mipsErrno = map[int64]int64{
	ENOSYS: 89,
}

// errnoOn returns the platform's number for a generic errno value.
func errnoOn(p *platform.Platform, e int64) int64 {
	if p.Machine == elf.EM_MIPS {
		if m, ok := mipsErrno[e]; ok {
			return m
		}
	}
	return e
}
