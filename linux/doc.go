// Package linux is smallworld's Linux system call layer: what the guest's
// syscall instruction does.
//
// Each platform has a [Table]: number → name, handler, support level and a
// note, so the table documents itself (`smallworld syscalls`). The numbers
// are data generated from each platform's own kernel headers
// (zsysnum.go, by internal/tools/gensyscalls: every __NR_ name, so an
// unimplemented call is still named when it stops a run), as are the
// errno numbering, the flag constants and the struct layouts (stat,
// statfs, sysinfo...) the handlers use. Handlers are written once for
// every platform (sys_*.go) and read their arguments as plain words; only
// the numbering, the argument registers and the way an error is returned
// differ, and those are fields of the table.
//
// Errors the guest should see (EBADF...) are returned to the guest as
// errno values, translated to the platform's numbering. Failures of the
// host, unsupported calls and things a single-threaded emulation cannot
// do (a futex wait nobody can wake, a read of a pipe nobody can fill, a
// wait for a signal nobody can send) are Go errors that stop the run:
// [UnsupportedError] names the call and the pc. Signals the guest sends
// itself, and the memory faults it causes, run its handlers
// (sys_signal.go).
//
// Terms: the guest is the emulated process; the host is this program and
// the machine it runs on; the sysroot is the host directory the guest
// sees as "/" (fs.go describes the confinement); the Env is the running
// machine as the layer sees it (registers, memory, streams, memory
// management, the process's identity).
package linux
