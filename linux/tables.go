package linux

import (
	"fmt"
	"sort"

	"github.com/smallworld-go/smallworld/platform"
)

//go:generate go run ../internal/tools/gensyscalls -o zsysnum.go

// A call is one system call as the layer implements it, written once for
// every platform; the platform's numbers come from zsysnum.go.
type call struct {
	Name    string
	Handler Handler
	Support Support
	Note    string
}

const (
	noteNoNet  = "no network: EACCES"
	noteStat   = "files of the guest's view, /dev/null and the standard streams (a non-file stream reads as a pipe)"
	noteStat64 = noteStat + "; struct stat64"
	noteOpen   = "the sysroot read-only, --allow-write directories, /dev/null; anything else EACCES (linux/fs.go)"
	noteFD     = "standard streams, files of the guest's view, /dev/null"
	noteSleep  = "returns at once (no time passes)"
	noteIDs    = "from the core (Process)"
	noteDir    = "directories of the guest's view, /dev (with null), AllowWrite directories where they appear; sorted by name"
	noteChange = "only under --allow-write directories (not one itself); elsewhere EACCES"
	notePipe   = "in-process; a read or write that would wait for ever stops the run (BlockedError)"
	notePoll   = "files always ready, stdin per the host, pipes per their buffer; a timeout passes at once; none ready and none can be: stops the run"
	noteGroup  = "the guest's own group and session as the core recorded them (0 when the leader was outside its pid namespace), else its pid; others ESRCH"
)

const (
	noteStatfs   = "fixed (linux.Statfs): a 1 GiB ext4, ST_RDONLY but under --allow-write"
	noteSendfile = "from a regular file to any descriptor open for writing; off_t offsets past 2 GiB not refused on 32-bit ABIs"
	noteSync     = "nothing to write back: each write reached its host file when it was made"
	noteAdvice   = "advice checked and ignored (the layer caches nothing); pipes ESPIPE"
	noteLock     = "succeeds on mapped memory (nothing is ever paged out); RLIMIT_MEMLOCK not enforced"
	noteRlimit   = "of itself; limits recorded, not enforced (shared by prlimit64, getrlimit, setrlimit)"
	noteSaved    = "; the saved id is the effective one; 16-bit ids without the 32 suffix where the 32 form exists"
	noteSetID    = "succeeds when it changes nothing (each id asked for is the current one; the saved id is the effective one); any change EPERM: the identity is the core's"
	noteSetFS    = "returns the file-system id (the effective one), which stays as it is"
	notePrio     = "of itself (its group and its user hold only itself); others ESRCH"
)

// callList is every system call the layer implements, by name. A
// platform that has no such call (AArch64 has no open) leaves it out;
// every other __NR_ of the platform is listed as unsupported.
var callList = []call{
	{"read", sysRead, Full, noteFD},
	{"write", sysWrite, Full, noteFD + "; files only under --allow-write"},
	{"readv", sysReadv, Full, noteFD},
	{"writev", sysWritev, Full, noteFD + "; one host write per call"},
	{"pread64", sysPread64, Full, "files; streams ESPIPE"},
	{"pwrite64", sysPwrite64, Full, "files opened for writing under --allow-write"},
	{"preadv", sysPreadv, Full, "files; streams ESPIPE"},
	{"pwritev", sysPwritev, Full, "files opened for writing under --allow-write"},
	{"preadv2", sysPreadv2, Partial, "as preadv (offset -1: readv); flags 0 only, any RWF_* flag EOPNOTSUPP"},
	{"pwritev2", sysPwritev2, Partial, "as pwritev (offset -1: writev); flags 0 only, any RWF_* flag EOPNOTSUPP"},
	{"lseek", sysLseek, Full, "streams that are not host files are pipes: ESPIPE; directories move among their entries"},
	{"_llseek", sysLseek2, Full, "streams that are not host files are pipes: ESPIPE; directories move among their entries"},
	{"open", sysOpen, Partial, noteOpen},
	{"openat", sysOpenat, Partial, noteOpen},
	{"close", sysClose, Full, ""},
	{"dup", sysDup, Full, ""},
	{"dup2", sysDup2, Full, ""},
	{"dup3", sysDup3, Full, ""},
	{"fcntl", sysFcntl, Partial, "F_DUPFD(_CLOEXEC), F_GETFD, F_SETFD, F_GETFL, F_SETFL; others EINVAL"},
	{"fcntl64", sysFcntl, Partial, "F_DUPFD(_CLOEXEC), F_GETFD, F_SETFD, F_GETFL, F_SETFL; others EINVAL"},
	{"ioctl", sysIoctl, Partial, "TCGETS, TIOCGWINSZ on host terminals (else ENOTTY), FIONREAD; others ENOTTY"},
	{"fstat", sysFstat, Full, noteStat},
	{"stat", sysStat, Full, noteStat},
	{"lstat", sysLstat, Full, noteStat},
	{"newfstatat", sysNewfstatat, Full, noteStat},
	{"fstat64", sysFstat64, Full, noteStat64},
	{"stat64", sysStat64, Full, noteStat64},
	{"lstat64", sysLstat64, Full, noteStat64},
	{"fstatat64", sysFstatat64, Full, noteStat64},
	{"statx", sysStatx, Partial, "basic stats whatever the mask (no btime, mnt_id)"},
	{"getcwd", sysGetcwd, Full, "the guest's working directory (/ until chdir)"},
	{"chdir", sysChdir, Full, "in the guest's view; relative paths of every call start there"},
	{"fchdir", sysFchdir, Full, "a directory the guest opened"},
	{"umask", sysUmask, Full, "applied to files and directories the guest creates (starts 022)"},
	{"getdents64", sysGetdents64, Full, noteDir},
	{"getdents", sysGetdents, Full, noteDir + "; struct linux_dirent of the ABI's longs"},
	{"mkdir", sysMkdir, Full, noteChange},
	{"mkdirat", sysMkdirat, Full, noteChange},
	{"rmdir", sysRmdir, Full, noteChange},
	{"unlink", sysUnlink, Full, noteChange},
	{"unlinkat", sysUnlinkat, Full, noteChange},
	{"rename", sysRename, Full, noteChange + "; both under the same one (else EXDEV)"},
	{"renameat", sysRenameat, Full, noteChange + "; both under the same one (else EXDEV)"},
	{"renameat2", sysRenameat2, Partial, noteChange + "; RENAME_NOREPLACE; RENAME_EXCHANGE and RENAME_WHITEOUT EINVAL"},
	{"truncate", sysTruncate, Full, noteChange + "; following links"},
	{"truncate64", sysTruncate64, Full, noteChange + "; following links"},
	{"creat", sysCreat, Partial, noteOpen},
	{"chmod", sysChmod, Full, noteChange},
	{"fchmodat", sysFchmodat, Full, noteChange},
	{"fchmod", sysFchmod, Full, "files the guest opened under --allow-write; others EACCES"},
	{"link", sysLink, Full, noteChange + "; both names under the same one (else EXDEV)"},
	{"linkat", sysLinkat, Full, noteChange + "; both names under the same one (else EXDEV); AT_EMPTY_PATH ENOENT (no CAP_DAC_READ_SEARCH)"},
	{"symlink", sysSymlink, Full, noteChange},
	{"symlinkat", sysSymlinkat, Full, noteChange},
	{"utimensat", sysUtimensat, Full, noteChange + "; UTIME_NOW, UTIME_OMIT, a descriptor for a NULL path"},
	{"utimensat_time64", sysUtimensat64, Full, noteChange + "; UTIME_NOW, UTIME_OMIT, a descriptor for a NULL path"},
	{"futimesat", sysFutimesat, Full, noteChange},
	{"utimes", sysUtimes, Full, noteChange},
	{"utime", sysUtime, Full, noteChange},
	{"fallocate", sysFallocate, Partial, "mode 0 on files opened for writing: the range allocated, the size grown to its end; other modes EOPNOTSUPP"},
	{"close_range", sysCloseRange, Full, "CLOSE_RANGE_CLOEXEC; CLOSE_RANGE_UNSHARE changes nothing (one process)"},
	{"statfs", sysStatfs, Full, noteStatfs},
	{"fstatfs", sysFstatfs, Full, noteStatfs},
	{"statfs64", sysStatfs64, Full, noteStatfs + "; struct statfs64"},
	{"fstatfs64", sysFstatfs64, Full, noteStatfs + "; struct statfs64"},
	{"copy_file_range", sysCopyFileRange, Full, "between regular files; through the layer's reads and writes"},
	{"sendfile", sysSendfile, Partial, noteSendfile},
	{"sendfile64", sysSendfile64, Partial, noteSendfile},
	{"ftruncate", sysFtruncate, Full, "files opened for writing (under --allow-write); else EINVAL"},
	{"ftruncate64", sysFtruncate64, Full, "files opened for writing (under --allow-write); else EINVAL"},
	{"fsync", sysFsync, Full, "host files; pipes and /dev/null EINVAL"},
	{"fdatasync", sysFsync, Full, "as fsync"},
	{"sync", sysSync, Full, noteSync},
	{"syncfs", sysSyncfs, Full, noteSync},
	{"fadvise64", sysFadvise64, Full, noteAdvice},
	{"fadvise64_64", sysFadvise64_64, Full, noteAdvice},
	{"arm_fadvise64_64", sysFadviseAdviceFirst, Full, noteAdvice + "; the advice second"},
	{"readahead", sysReadahead, Full, "regular files open for reading (else EBADF, EINVAL); nothing is cached"},
	{"pipe", sysPipe, Full, notePipe},
	{"pipe2", sysPipe2, Full, notePipe + "; O_CLOEXEC, O_NONBLOCK, O_DIRECT (not packetised)"},
	{"poll", sysPoll, Full, notePoll},
	{"ppoll", sysPpoll, Partial, notePoll + "; the signal mask holds for the call"},
	{"ppoll_time64", sysPpoll64, Partial, notePoll + "; the signal mask holds for the call"},
	{"select", sysSelect, Full, notePoll},
	{"_newselect", sysSelect, Full, notePoll},
	{"pselect6", sysPselect6, Partial, notePoll + "; the signal mask holds for the call"},
	{"pselect6_time64", sysPselect6_64, Partial, notePoll + "; the signal mask holds for the call"},
	{"readlink", sysReadlink, Partial, "links of the guest's view; /proc and the rest ENOENT"},
	{"readlinkat", sysReadlinkat, Partial, "links of the guest's view; /proc and the rest ENOENT"},
	{"access", sysAccess, Full, "in the guest's view; W_OK only under --allow-write"},
	{"faccessat", sysFaccessat, Full, "in the guest's view; W_OK only under --allow-write"},
	{"faccessat2", sysFaccessat2, Full, "in the guest's view; W_OK only under --allow-write"},
	{"socket", sysNoNetwork, Partial, noteNoNet},
	{"socketcall", sysNoNetwork, Partial, noteNoNet},
	{"socketpair", sysNoNetwork, Partial, noteNoNet},

	{"brk", sysBrk, Full, "the heap mapping of the core, grown and shrunk in place"},
	{"mmap", sysMmap, Partial, "anonymous, and private reads of files (copied in); no shared writable file mappings"},
	{"mmap2", sysMmap2, Partial, "as mmap; offset in 4096-byte units"},
	{"munmap", sysMunmap, Full, ""},
	{"mprotect", sysMprotect, Full, ""},
	{"mremap", sysMremap, Partial, "shrink, grow in place, move (MREMAP_MAYMOVE); no MREMAP_FIXED"},
	{"madvise", sysMadvise, Partial, "ignored, but MADV_DONTNEED zeroes the pages"},
	{"msync", sysMsync, Full, "the range must be mapped; mappings are private copies: nothing to write back"},
	{"mlock", sysMlock, Partial, noteLock},
	{"mlock2", sysMlock2, Partial, noteLock + "; MLOCK_ONFAULT"},
	{"munlock", sysMlock, Partial, noteLock},
	{"mlockall", sysMlockall, Partial, noteLock},
	{"munlockall", sysMunlockall, Full, ""},
	{"mincore", sysMincore, Partial, "every page of a mapped range reads as resident (1), even one never touched"},

	{"exit", sysExit, Full, "ends the run (one thread)"},
	{"exit_group", sysExit, Full, "ends the run"},
	{"getpid", sysGetpid, Full, noteIDs},
	{"gettid", sysGettid, Full, noteIDs},
	{"getppid", sysGetppid, Full, noteIDs},
	{"getuid", sysGetuid, Full, noteIDs},
	{"geteuid", sysGeteuid, Full, noteIDs},
	{"getgid", sysGetgid, Full, noteIDs},
	{"getegid", sysGetegid, Full, noteIDs},
	{"getuid32", sysGetuid, Full, noteIDs},
	{"geteuid32", sysGeteuid, Full, noteIDs},
	{"getgid32", sysGetgid, Full, noteIDs},
	{"getegid32", sysGetegid, Full, noteIDs},
	{"uname", sysUname, Full, "fixed: Linux smallworld 6.1.0-smallworld, the platform's machine"},
	{"sysinfo", sysSysinfo, Full, "fixed (linux.Sysinfo): up 3600 s, 1 GiB RAM, 512 MiB free, no swap, no load, 1 process"},
	{"getrusage", sysGetrusage, Full, "no time, faults or switches; ru_maxrss the guest's mapped memory"},
	{"times", sysTimes, Full, "no CPU time; returns the uptime (linux.Sysinfo) in ticks of 1/100 s"},
	{"sched_getaffinity", sysSchedGetaffinity, Full, "one CPU, CPU 0"},
	{"getpgrp", sysGetpgrp, Full, noteGroup},
	{"getpgid", sysGetpgid, Full, noteGroup},
	{"getsid", sysGetsid, Full, noteGroup},
	{"setpgid", sysSetpgid, Partial, "succeeds for the guest's own group, changing nothing; another group EPERM, another process ESRCH"},

	{"rt_sigaction", sysRtSigaction, Partial, "handlers run when the guest signals itself or faults on memory (SA_SIGINFO, SA_ONSTACK, SA_RESETHAND, SA_NODEFER, sa_mask); their ucontext holds the general registers (no FP state), and what a handler changes there takes effect; SIGILL and SIGFPE do not reach handlers"},
	{"rt_sigprocmask", sysRtSigprocmask, Full, "a pending signal it unblocks is delivered (as kill to itself)"},
	{"rt_sigpending", sysRtSigpending, Full, "signals raised while blocked, and a kernel core's pending ones"},
	{"rt_sigsuspend", sysRtSigsuspend, Partial, "delivers a pending signal the mask lets through; with none, stops the run (nothing else can send one)"},
	{"pause", sysPause, Partial, "stops the run: nothing can send a signal"},
	{"rt_sigtimedwait", sysRtSigtimedwait, Partial, "takes a pending signal of the set; siginfo has only si_signo; none: a timeout passes at once (EAGAIN), no timeout stops the run"},
	{"rt_sigtimedwait_time64", sysRtSigtimedwait64, Partial, "as rt_sigtimedwait"},
	{"sigaltstack", sysSigaltstack, Full, "SA_ONSTACK handlers run on it"},
	{"kill", sysKill, Partial, "to itself: ends the run as the default action would, or stays pending while blocked; others ESRCH"},
	{"tkill", sysTkill, Partial, "to itself: ends the run as the default action would, or stays pending while blocked; others ESRCH"},
	{"tgkill", sysTgkill, Partial, "to itself: ends the run as the default action would, or stays pending while blocked; others ESRCH"},

	{"clock_gettime", sysClockGettime, Full, "the host's clocks"},
	{"clock_gettime64", sysClockGettime64, Full, "the host's clocks"},
	{"clock_getres", sysClockGetres, Full, "1 ns"},
	{"clock_getres_time64", sysClockGetres64, Full, "1 ns"},
	{"gettimeofday", sysGettimeofday, Full, "the host's clock; timezone UTC"},
	{"time", sysTime, Full, "the host's clock"},
	{"nanosleep", sysNanosleep, Partial, noteSleep},
	{"clock_nanosleep", sysClockNanosleep, Partial, noteSleep},
	{"clock_nanosleep_time64", sysClockNanosleep64, Partial, noteSleep},
	{"sched_yield", sysSchedYield, Full, ""},
	{"getrandom", sysGetrandom, Full, "the host's CSPRNG"},

	{"futex", sysFutex, Partial, "one thread: WAIT on another value EAGAIN, with a timeout ETIMEDOUT, else stops the run; WAKE 0; no PI"},
	{"futex_time64", sysFutex, Partial, "as futex"},
	{"set_tid_address", sysSetTidAddress, Full, "recorded"},
	{"set_robust_list", sysSetRobustList, Full, "recorded"},
	{"rseq", sysENOSYS, Partial, "ENOSYS: glibc carries on without it"},
	{"prlimit64", sysPrlimit64, Partial, noteRlimit},
	{"getrlimit", sysGetrlimit, Partial, noteRlimit + "; struct rlimit of the ABI's longs, RLIM_INFINITY for wider limits"},
	{"ugetrlimit", sysGetrlimit, Partial, noteRlimit + "; struct rlimit of the ABI's longs, RLIM_INFINITY for wider limits"},
	{"setrlimit", sysSetrlimit, Partial, noteRlimit + "; struct rlimit of the ABI's longs"},

	{"getresuid", sysGetresuid, Full, noteIDs + noteSaved},
	{"getresgid", sysGetresgid, Full, noteIDs + noteSaved},
	{"getresuid32", sysGetresuid32, Full, noteIDs + noteSaved},
	{"getresgid32", sysGetresgid32, Full, noteIDs + noteSaved},
	{"getgroups", sysGetgroups, Partial, "none: the core does not record supplementary groups"},
	{"getgroups32", sysGetgroups, Partial, "none: the core does not record supplementary groups"},
	{"setuid", sysSetuid, Partial, noteSetID},
	{"setgid", sysSetgid, Partial, noteSetID},
	{"setreuid", sysSetreuid, Partial, noteSetID},
	{"setregid", sysSetregid, Partial, noteSetID},
	{"setresuid", sysSetresuid, Partial, noteSetID},
	{"setresgid", sysSetresgid, Partial, noteSetID},
	{"setuid32", sysSetuid32, Partial, noteSetID},
	{"setgid32", sysSetgid32, Partial, noteSetID},
	{"setreuid32", sysSetreuid32, Partial, noteSetID},
	{"setregid32", sysSetregid32, Partial, noteSetID},
	{"setresuid32", sysSetresuid32, Partial, noteSetID},
	{"setresgid32", sysSetresgid32, Partial, noteSetID},
	{"setfsuid", sysSetfsuid, Partial, noteSetFS},
	{"setfsgid", sysSetfsgid, Partial, noteSetFS},
	{"setfsuid32", sysSetfsuid32, Partial, noteSetFS},
	{"setfsgid32", sysSetfsgid32, Partial, noteSetFS},
	{"getpriority", sysGetpriority, Full, "20 - nice, " + notePrio},
	{"setpriority", sysSetpriority, Full, "records the niceness, " + notePrio + "; lowering it EACCES unless root or RLIMIT_NICE allows"},
	{"sched_getscheduler", sysSchedGetscheduler, Full, "SCHED_NORMAL (SCHED_OTHER); other processes ESRCH"},
	{"sched_getparam", sysSchedGetparam, Full, "priority 0; other processes ESRCH"},
	{"sched_setparam", sysSchedSetparam, Full, "priority 0, what SCHED_NORMAL takes; others EINVAL"},
	{"sched_setscheduler", sysSchedSetscheduler, Partial, "SCHED_NORMAL at priority 0 (what the guest has); a priority the policy does not take EINVAL; any other policy EPERM (even root's)"},
	{"sched_get_priority_max", sysSchedGetPriorityMax, Full, "99 for SCHED_FIFO and SCHED_RR, 0 for the others"},
	{"sched_get_priority_min", sysSchedGetPriorityMin, Full, "1 for SCHED_FIFO and SCHED_RR, 0 for the others"},
	{"getcpu", sysGetcpu, Full, "CPU 0 of node 0: the only one"},
	{"prctl", sysPrctl, Partial, "PR_SET_NAME, PR_GET_NAME (first the core's name), PR_SET_DUMPABLE, PR_GET_DUMPABLE, PR_SET_PDEATHSIG, PR_GET_PDEATHSIG (recorded); other options EINVAL"},
}

// sysLseek2 is _llseek.
func sysLseek2(k *Kernel, a Args) (int64, error) { return sysLlseek(k, a) }

// An abi is how one platform makes system calls.
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
	pairAlign bool
	// statfs64Also: Table.statfs64Also.
	statfs64Also uint64
	// override replaces a call of callList on this platform.
	override map[string]call
}

// Registers: each architecture's syscall(2) "Architecture calling
// conventions" table. Numbers: zsysnum.go (the platform's <asm/unistd.h>).
var (
	argsARM  = [6]string{"r0", "r1", "r2", "r3", "r4", "r5"}
	argsO32  = [6]string{"a0", "a1", "a2", "a3", "", ""}
	argsN64  = [6]string{"a0", "a1", "a2", "a3", "a4", "a5"}
	argsPPC  = [6]string{"r3", "r4", "r5", "r6", "r7", "r8"}
	argsA64  = [6]string{"x0", "x1", "x2", "x3", "x4", "x5"}
	argsI386 = [6]string{"ebx", "ecx", "edx", "esi", "edi", "ebp"}
)

// MIPS's pipe returns the two descriptors in v0 and v1; PowerPC's
// select takes the old form too (ppc_select).
var (
	overrideMIPS = map[string]call{
		"pipe": {"pipe", sysPipeMIPS, Full, notePipe + "; the descriptors in v0 and v1"},
		// o32's fadvise64 is fadvise64_64 (the advice in the 7th word);
		// n64's, the same on a 64-bit ABI.
		"fadvise64": {"fadvise64", sysFadvise64_64, Full, noteAdvice + "; a 64-bit length"},
	}
	overridePPC = map[string]call{
		"select": {"select", sysPPCSelect, Full, "old select when the first argument is a pointer; " + notePoll},
		// PPC32's fadvise64_64 takes the advice second, as ARM's.
		"fadvise64_64": {"fadvise64_64", sysFadviseAdviceFirst, Full, noteAdvice + "; the advice second"},
	}
)

var abis = []abi{
	{p: platform.AMD64, number: "rax", args: [6]string{"rdi", "rsi", "rdx", "r10", "r8", "r9"}, result: "rax", errno: NegativeErrno},
	{p: platform.I386, number: "eax", args: argsI386, result: "eax", errno: NegativeErrno,
		override: map[string]call{
			"mmap":      {"mmap", sysOldMmap, Partial, "old_mmap: six arguments in memory; as mmap2 otherwise"},
			"select":    {"select", sysOldSelect, Full, "old_select: five arguments in memory; " + notePoll},
			"getrlimit": {"getrlimit", sysOldGetrlimit, Partial, "old getrlimit: limits above 0x7fffffff read as 0x7fffffff; " + noteRlimit},
		}},
	{p: platform.AArch64, number: "x8", args: argsA64, result: "x0", errno: NegativeErrno},
	// ARM's statfs64 also takes 88 for its 84-byte struct (the kernel's
	// sys_statfs64_wrapper).
	{p: platform.ARMEL, number: "r7", args: argsARM, result: "r0", errno: NegativeErrno, pairAlign: true, statfs64Also: 88},
	{p: platform.ARMHF, number: "r7", args: argsARM, result: "r0", errno: NegativeErrno, pairAlign: true, statfs64Also: 88},
	{p: platform.MIPS, number: "v0", args: argsO32, stackArgs: 16, result: "v0", errno: MIPSErrno, pairAlign: true, override: overrideMIPS},
	{p: platform.MIPSEL, number: "v0", args: argsO32, stackArgs: 16, result: "v0", errno: MIPSErrno, pairAlign: true, override: overrideMIPS},
	{p: platform.MIPS64, number: "v0", args: argsN64, result: "v0", errno: MIPSErrno, override: overrideMIPS},
	{p: platform.MIPS64EL, number: "v0", args: argsN64, result: "v0", errno: MIPSErrno, override: overrideMIPS},
	{p: platform.PPC, number: "r0", args: argsPPC, result: "r3", errno: PPCErrno, pairAlign: true, override: overridePPC},
	{p: platform.PPC64, number: "r0", args: argsPPC, result: "r3", errno: PPCErrno, override: overridePPC},
	{p: platform.PPC64LE, number: "r0", args: argsPPC, result: "r3", errno: PPCErrno, override: overridePPC},
}

// abiOf returns the ABI of a platform, or nil when it has none.
func abiOf(name string) *abi {
	for i := range abis {
		if abis[i].p.Name == name {
			return &abis[i]
		}
	}
	return nil
}

var tableCache perPlatform[*Table]

// tableOf returns the platform's table, built on first use (buildTable
// of its ABI and zsysnum.go's numbers). A table buildTable rejects
// panics, as it did when the tables were built at start-up: zsysnum.go
// or callList is wrong, and no run can be trusted (TestBuildAll builds
// every platform's).
func tableOf(a *abi) *Table {
	t, err := tableCache.get(a.p.Name, func(name string) (*Table, error) {
		return buildTable(a, sysnumsFor(name))
	})
	if err != nil {
		panic(err.Error())
	}
	return t
}

// buildTable makes an ABI's table from its platform's __NR_ numbers
// (nums; nil: zsysnum.go has none for it).
func buildTable(a *abi, nums map[string]uint64) (*Table, error) {
	if nums == nil {
		return nil, fmt.Errorf("linux: zsysnum.go has no numbers for %s: regenerate it", a.p.Name)
	}
	t := &Table{Platform: a.p, Number: a.number, ArgRegs: a.args, StackArgs: a.stackArgs,
		Result: a.result, Errno: a.errno, Calls: map[uint64]*Syscall{}, pairAlign: a.pairAlign, statfs64Also: a.statfs64Also}
	_, t.uid16 = nums["getuid32"]
	for _, c := range callList {
		if o, ok := a.override[c.Name]; ok {
			c = o
		}
		no, ok := nums[c.Name]
		if !ok {
			continue
		}
		if old, dup := t.Calls[no]; dup {
			return nil, fmt.Errorf("linux: %s: %s and %s are both number %d", a.p.Name, old.Name, c.Name, no)
		}
		t.Calls[no] = &Syscall{No: no, Name: c.Name, Handler: c.Handler, Support: c.Support, Note: c.Note}
	}
	// Every other call the platform's headers define is listed, so
	// a stop can name it.
	names := make([]string, 0, len(nums))
	for n := range nums {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if _, done := t.Calls[nums[n]]; !done {
			t.Calls[nums[n]] = &Syscall{No: nums[n], Name: n, Support: Unsupported, Note: "not implemented: stops the run"}
		}
	}
	return t, nil
}
