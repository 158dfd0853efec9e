// Package linux is smallworld's Linux system call layer: what the guest's
// syscall instruction does.
//
// Each platform has a [Table]: number → name, handler, support level and a
// note, so the table documents itself (`smallworld syscalls`). Handlers
// are written once for every platform and read their arguments as plain
// words; only the numbering, the argument registers and the way an error
// is returned differ, and those are fields of the table.
//
// Errors the guest should see (EBADF...) are returned to the guest as
// errno values. Failures of the host or unsupported calls are Go errors
// that stop the run: [UnsupportedError] names the call and the pc.
package linux
