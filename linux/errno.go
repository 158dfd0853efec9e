package linux

// Errno values of the generic Linux numbering (asm-generic/errno-base.h),
// used by x86, ARM, AArch64 and PPC. MIPS differs above 34 and gets its own
// table when its syscalls land.
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
