package linux

import (
	"fmt"
	"reflect"

	"github.com/smallworld-go/smallworld/platform"
)

// abiConsts are the flag and command values a platform's kernel headers
// give (zsysnum.go's constNumsFor, generated from each cross compiler's
// headers); handlers decode guest arguments with them.
type abiConsts struct {
	O_ACCMODE, O_RDONLY, O_WRONLY, O_RDWR, O_CREAT, O_EXCL, O_NOCTTY, O_TRUNC, O_APPEND,
	O_NONBLOCK, O_DIRECTORY, O_NOFOLLOW, O_CLOEXEC, O_LARGEFILE, O_PATH, O_TMPFILE uint64

	AT_FDCWD, AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH, AT_EACCESS uint64

	F_DUPFD, F_GETFD, F_SETFD, F_GETFL, F_SETFL, F_DUPFD_CLOEXEC, FD_CLOEXEC uint64

	PROT_READ, PROT_WRITE, PROT_EXEC                                       uint64
	MAP_SHARED, MAP_PRIVATE, MAP_FIXED, MAP_ANONYMOUS, MAP_FIXED_NOREPLACE uint64
	MREMAP_MAYMOVE, MREMAP_FIXED                                           uint64
	TCGETS, TIOCGWINSZ, FIONREAD, SIZEOF_TERMIOS                           uint64
	SIG_BLOCK, SIG_UNBLOCK, SIG_SETMASK                                    uint64

	AT_REMOVEDIR, RENAME_NOREPLACE, RENAME_EXCHANGE, RENAME_WHITEOUT, O_DIRECT   uint64
	POLLIN, POLLPRI, POLLOUT, POLLERR, POLLHUP, POLLNVAL, POLLRDNORM, POLLWRNORM uint64
	SA_SIGINFO, SA_ONSTACK, SA_RESETHAND, SA_NODEFER, SS_ONSTACK, SS_DISABLE     uint64
	SI_USER, SI_TKILL, SEGV_MAPERR, SEGV_ACCERR                                  uint64

	RLIM_INFINITY, PRIO_PROCESS, PRIO_PGRP, PRIO_USER                                     uint64
	SCHED_NORMAL, SCHED_FIFO, SCHED_RR, SCHED_BATCH, SCHED_IDLE, SCHED_DEADLINE           uint64
	PR_SET_PDEATHSIG, PR_GET_PDEATHSIG, PR_GET_DUMPABLE, PR_SET_DUMPABLE                  uint64
	PR_SET_NAME, PR_GET_NAME, CLOSE_RANGE_UNSHARE, CLOSE_RANGE_CLOEXEC, AT_SYMLINK_FOLLOW uint64
	POSIX_FADV_NORMAL, POSIX_FADV_RANDOM, POSIX_FADV_SEQUENTIAL, POSIX_FADV_WILLNEED      uint64
	POSIX_FADV_DONTNEED, POSIX_FADV_NOREUSE                                               uint64
	MS_ASYNC, MS_SYNC, MS_INVALIDATE, MCL_CURRENT, MCL_FUTURE, MCL_ONFAULT, MLOCK_ONFAULT uint64
}

var constsCache perPlatform[*abiConsts]

// buildConsts fills an abiConsts from a platform's constNumsFor (vals);
// nil when zsysnum.go has no constants for the platform.
func buildConsts(name string, vals map[string]uint64) (*abiConsts, error) {
	if vals == nil {
		return nil, nil
	}
	c := &abiConsts{}
	v := reflect.ValueOf(c).Elem()
	for i := 0; i < v.NumField(); i++ {
		f := v.Type().Field(i).Name
		x, ok := vals[f]
		if !ok {
			return nil, fmt.Errorf("linux: zsysnum.go has no %s for %s: regenerate it", f, name)
		}
		v.Field(i).SetUint(x)
	}
	return c, nil
}

// constsOf returns a platform's constants, built on first use; nil when
// zsysnum.go has none for it. Constants buildConsts rejects panic, as
// they did when they were built at start-up (TestBuildAll builds every
// platform's).
func constsOf(name string) *abiConsts {
	c, err := constsCache.get(name, func(name string) (*abiConsts, error) {
		return buildConsts(name, constNumsFor(name))
	})
	if err != nil {
		panic(err.Error())
	}
	return c
}

// constsFor returns the platform's constants, amd64's for a platform
// zsysnum.go does not know.
func constsFor(p *platform.Platform) *abiConsts {
	if c := constsOf(p.Name); c != nil {
		return c
	}
	return constsOf("amd64")
}
