package linux

import (
	"sync"

	"github.com/smallworld-go/smallworld/platform"
)

// Errno values of the generic Linux numbering (asm-generic/errno-base.h
// and errno.h, which x86, ARM and AArch64 use). Handlers return these;
// the kernel translates them, by name, to the platform's own numbering
// (MIPS and PPC number some differently) from zsysnum.go's errnoNumsFor.
const (
	EPERM        = 1
	ENOENT       = 2
	ESRCH        = 3
	EINTR        = 4
	EIO          = 5
	ENXIO        = 6
	E2BIG        = 7
	EBADF        = 9
	EAGAIN       = 11
	ENOMEM       = 12
	EACCES       = 13
	EFAULT       = 14
	EEXIST       = 17
	EXDEV        = 18
	ENODEV       = 19
	ENOTDIR      = 20
	EISDIR       = 21
	EINVAL       = 22
	EMFILE       = 24
	ENOTTY       = 25
	EFBIG        = 27
	ENOSPC       = 28
	ESPIPE       = 29
	EROFS        = 30
	EPIPE        = 32
	ERANGE       = 34
	ENAMETOOLONG = 36
	ENOSYS       = 38
	ENOTEMPTY    = 39
	ELOOP        = 40
	EOVERFLOW    = 75
	EOPNOTSUPP   = 95
	EAFNOSUPPORT = 97
	ETIMEDOUT    = 110
)

// errnoAliases are second names of a generic number; the first name is
// the one translated.
var errnoAliases = map[string]bool{"EWOULDBLOCK": true, "EDEADLOCK": true, "ENOTSUP": true}

var (
	genericOnce sync.Once
	genericName map[int64]string
)

// genericErrnoName returns generic number -> name, from amd64's headers,
// built on first use.
func genericErrnoName() map[int64]string {
	genericOnce.Do(func() {
		genericName = map[int64]string{}
		for name, no := range errnoNumsFor("amd64") {
			if !errnoAliases[name] {
				genericName[int64(no)] = name
			}
		}
	})
	return genericName
}

var errnoCache perPlatform[map[int64]int64]

// errnoTo returns, for a platform, generic number -> the platform's
// number where they differ, built on first use; nil for a platform
// zsysnum.go does not know.
func errnoTo(platform string) map[int64]int64 {
	m, _ := errnoCache.get(platform, func(platform string) (map[int64]int64, error) {
		nums := errnoNumsFor(platform)
		if nums == nil {
			return nil, nil
		}
		m := map[int64]int64{}
		for g, name := range genericErrnoName() {
			if n, ok := nums[name]; ok && int64(n) != g {
				m[g] = int64(n)
			}
		}
		return m, nil
	})
	return m
}

// errnoOn returns the platform's number for a generic errno value.
func errnoOn(p *platform.Platform, e int64) int64 {
	if m, ok := errnoTo(p.Name)[e]; ok {
		return m
	}
	return e
}

// ErrnoName returns the name of a generic errno value ("ENOENT").
func ErrnoName(e int64) string { return genericErrnoName()[e] }

// ErrnoOn returns the number a platform's libc sees for a generic errno
// value (MIPS and PPC number some differently).
func ErrnoOn(p *platform.Platform, e int64) int64 { return errnoOn(p, e) }
