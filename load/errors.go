package load

import (
	"errors"
	"fmt"
)

// Sentinels for the conditions callers branch on. Every error caused by
// the bytes of an input file is a *FormatError, so errors.Is(err,
// ErrFormat) holds for all of them; ErrNotELF, ErrNotCore and
// ErrTruncated say more precisely what was wrong.
var (
	ErrFormat    = errors.New("bad ELF file")
	ErrNotELF    = errors.New("not an ELF file")
	ErrNotCore   = errors.New("not an ELF core file")
	ErrTruncated = errors.New("file is truncated")

	// ErrNoLayout means the platform has no NT_PRSTATUS layout (no row
	// in the register table) yet: its cores cannot be read.
	ErrNoLayout = errors.New("no NT_PRSTATUS layout")

	// ErrMismatch means an executable does not belong to a core: wrong
	// platform, wrong load base, or bytes that differ.
	ErrMismatch = errors.New("executable does not match the core")

	// ErrNothingToCompare means Verify found none of an executable's
	// read-only contents in the core (qemu-user cores leave text out on
	// most platforms): the match rests on the auxv alone (ExeBase).
	// Errors with it also match ErrMismatch.
	ErrNothingToCompare = errors.New("nothing to compare")

	// ErrClosed is returned by methods that need the file after Close.
	ErrClosed = errors.New("file is closed")
)

// FormatError reports bad bytes in an input file.
type FormatError struct {
	Op   string // the step: "load core", "load elf"
	File string // the file's name
	Off  int64  // file offset of the bad bytes; -1 when unknown
	Msg  string // what was wrong, lower-case
	Err  error  // nil, or ErrNotELF, ErrNotCore, ErrTruncated
}

func (e *FormatError) Error() string {
	op := e.Op
	if op == "" {
		op = "load"
	}
	return fmt.Sprintf("%s %s: %s", op, e.File, e.Msg)
}

// Is makes errors.Is(err, ErrFormat) true.
func (e *FormatError) Is(target error) bool { return target == ErrFormat }

// Unwrap returns the more precise sentinel, if any.
func (e *FormatError) Unwrap() error { return e.Err }

// MismatchError reports the first byte at which an executable's read-only
// contents differ from what a core holds at the same address.
type MismatchError struct {
	Exe, Core string
	Addr      uint64 // guest address of the first differing byte
	ExeOff    uint64 // its offset in the executable
	Exe8      byte   // the executable's byte
	Core8     byte   // the core's byte
}

func (e *MismatchError) Error() string {
	return fmt.Sprintf("verify %s against core %s: byte at %#x differs (file offset %#x holds %#02x, the core %#02x): not the process's executable",
		e.Exe, e.Core, e.Addr, e.ExeOff, e.Exe8, e.Core8)
}

// Is makes errors.Is(err, ErrMismatch) true.
func (e *MismatchError) Is(target error) bool { return target == ErrMismatch }

// formatErr builds a *FormatError.
func formatErr(op, file string, off int64, sentinel error, format string, args ...any) *FormatError {
	return &FormatError{Op: op, File: file, Off: off, Msg: fmt.Sprintf(format, args...), Err: sentinel}
}
