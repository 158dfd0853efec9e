package emu

import (
	"fmt"
)

// StopKind says why a run ended.
type StopKind int

const (
	StopExitPoint   StopKind = iota + 1 // reached an exit point
	StopBounds                          // pc left the allowed bounds
	StopExit                            // the guest exited (exit, exit_group, the exit model)
	StopSignal                          // the guest was killed by a signal it raised
	StopFault                           // memory fault
	StopInvalidInsn                     // instruction the engine cannot decode or execute
	StopInsnLimit                       // instruction limit reached
	StopTimeout                         // time limit reached
	StopSyscall                         // system call the layer does not support
	StopModel                           // a model could not do its work
	StopRequested                       // a hook asked to stop
	StopEngine                          // the engine failed for another reason
	StopHeap                            // the checked heap found a misuse (Err says which)
)

var stopNames = map[StopKind]string{
	StopExitPoint: "exit point", StopBounds: "out of bounds", StopExit: "exit",
	StopSignal: "signal", StopFault: "memory fault", StopInvalidInsn: "invalid instruction",
	StopInsnLimit: "instruction limit", StopTimeout: "timeout", StopSyscall: "unsupported syscall",
	StopModel: "model error", StopRequested: "stopped", StopEngine: "engine error", StopHeap: "heap error",
}

func (k StopKind) String() string {
	if s, ok := stopNames[k]; ok {
		return s
	}
	return fmt.Sprintf("StopKind(%d)", int(k))
}

// Limit reports whether the stop is a limit the user set (instruction
// count or time), which the CLI reports with exit status 124.
func (k StopKind) Limit() bool { return k == StopInsnLimit || k == StopTimeout }

// Stop is the typed reason a run ended.
type Stop struct {
	Kind StopKind
	PC   uint64

	// Memory faults.
	Addr   uint64
	Access Access
	Fault  MemFault

	Status int // StopExit: the guest's exit status
	Signal int // StopSignal: the signal number

	// StopSyscall.
	SyscallNo   uint64
	SyscallName string

	Err error // underlying error, if any
}

// Error makes a Stop usable as an error for the kinds that are failures.
func (s *Stop) Error() string {
	switch s.Kind {
	case StopExitPoint:
		return fmt.Sprintf("stopped at exit point %#x", s.PC)
	case StopExit:
		return fmt.Sprintf("guest exited with status %d", s.Status)
	case StopSignal:
		return fmt.Sprintf("guest killed by signal %d at pc %#x", s.Signal, s.PC)
	case StopFault:
		return fmt.Sprintf("%s fault (%s) at %#x, pc %#x", s.Access, s.Fault, s.Addr, s.PC)
	case StopSyscall:
		name := s.SyscallName
		if name == "" {
			name = "unknown"
		}
		return fmt.Sprintf("unsupported syscall %d (%s) at pc %#x", s.SyscallNo, name, s.PC)
	}
	msg := fmt.Sprintf("%s at pc %#x", s.Kind, s.PC)
	if s.Err != nil {
		msg += ": " + s.Err.Error()
	}
	return msg
}

// Unwrap returns the underlying error.
func (s *Stop) Unwrap() error { return s.Err }
