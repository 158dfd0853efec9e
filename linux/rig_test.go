package linux_test

import (
	"encoding/binary"
	"errors"
	"strings"
	"testing"

	"github.com/smallworld-go/smallworld/internal/fakeenv"
	"github.com/smallworld-go/smallworld/linux"
	"github.com/smallworld-go/smallworld/platform"
)

// A rig is one platform's kernel over a fake machine: 64 KiB of RW
// memory at memBase (scratch at the bottom, the stack pointer near the
// top), calls made by name the way the platform's libc makes them, and
// results read back the way its libc reads them.
type rig struct {
	t   *testing.T
	p   *platform.Platform
	tab *linux.Table
	env *fakeenv.Env
	k   *linux.Kernel
}

const (
	memBase = 0x10000
	memSize = 0x10000
	stackSP = memBase + memSize - 0x100
)

func newRig(t *testing.T, p *platform.Platform, setup func(*fakeenv.Env)) *rig {
	t.Helper()
	tab, err := linux.TableFor(p)
	if err != nil {
		t.Fatal(err)
	}
	env, err := fakeenv.New(p, memBase, memSize)
	if err != nil {
		t.Fatal(err)
	}
	if setup != nil {
		setup(env)
	}
	k, err := linux.NewKernel(env)
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{t: t, p: p, tab: tab, env: env, k: k}
	r.set(p.SP, stackSP)
	return r
}

// forEach runs f on a rig of every platform.
func forEach(t *testing.T, setup func(*fakeenv.Env), f func(r *rig)) {
	for _, p := range platform.All {
		t.Run(p.Name, func(t *testing.T) { f(newRig(t, p, setup)) })
	}
}

func (r *rig) set(reg string, v uint64) {
	r.t.Helper()
	if err := r.env.CPU.Set(reg, v); err != nil {
		r.t.Fatal(err)
	}
}

// no returns a call's number; has says whether the platform has it.
func (r *rig) no(name string) uint64 {
	r.t.Helper()
	for _, s := range r.tab.Calls {
		if s.Name == name {
			return s.No
		}
	}
	r.t.Fatalf("%s has no %s", r.p.Name, name)
	return 0
}

func (r *rig) has(name string) bool {
	for _, s := range r.tab.Calls {
		if s.Name == name {
			return true
		}
	}
	return false
}

// first returns the first of names the platform has.
func (r *rig) first(names ...string) string {
	r.t.Helper()
	for _, n := range names {
		if r.has(n) {
			return n
		}
	}
	r.t.Fatalf("%s has none of %v", r.p.Name, names)
	return ""
}

// dispatch makes a call and returns Dispatch's error.
func (r *rig) dispatch(name string, args ...uint64) error {
	r.t.Helper()
	r.set(r.tab.Number, r.no(name))
	for i, reg := range r.tab.ArgRegs {
		v := uint64(0)
		if i < len(args) {
			v = args[i]
		}
		if r.p.WordSize == 4 {
			v &= 0xffffffff
		}
		if reg == "" {
			first := i
			for first > 0 && r.tab.ArgRegs[first-1] == "" {
				first--
			}
			at := stackSP + r.tab.StackArgs + uint64((i-first)*r.p.WordSize)
			if err := r.env.Mem.PutUint(at, r.p.WordSize, v); err != nil {
				r.t.Fatal(err)
			}
			continue
		}
		r.set(reg, v)
	}
	// A 7th argument and on: on the stack after the 6th where the ABI
	// passes arguments there (MIPS o32).
	if last := len(r.tab.ArgRegs) - 1; r.tab.ArgRegs[last] == "" {
		first := last
		for first > 0 && r.tab.ArgRegs[first-1] == "" {
			first--
		}
		for i := len(r.tab.ArgRegs); i < len(args); i++ {
			at := stackSP + r.tab.StackArgs + uint64((i-first)*r.p.WordSize)
			if err := r.env.Mem.PutUint(at, r.p.WordSize, args[i]&0xffffffff); err != nil {
				r.t.Fatal(err)
			}
		}
	}
	return r.k.Dispatch()
}

// call makes a call that must not stop the run, and returns its result:
// the value, or -errno in the generic numbering (translated back from
// the platform's, which errno checks).
func (r *rig) call(name string, args ...uint64) int64 {
	r.t.Helper()
	if err := r.dispatch(name, args...); err != nil {
		r.t.Fatalf("%s: %v", name, err)
	}
	v := r.env.CPU.MustGet(r.tab.Result)
	failed := false
	switch r.tab.Errno {
	case linux.MIPSErrno:
		failed = r.env.CPU.MustGet("a3") != 0
	case linux.PPCErrno:
		failed = r.env.CPU.MustGet("cr")&(1<<28) != 0
	default:
		if r.p.WordSize == 4 {
			v = uint64(int64(int32(v)))
		}
		failed = int64(v) < 0 && int64(v) > -4096
		if failed {
			v = uint64(-int64(v))
		}
	}
	if !failed {
		if r.p.WordSize == 4 && r.tab.Errno != linux.NegativeErrno {
			return int64(int32(v))
		}
		return int64(v)
	}
	return -r.generic(int64(v))
}

// generic maps a platform errno number back to the generic one.
func (r *rig) generic(e int64) int64 {
	for g := int64(1); g < 200; g++ {
		if linux.ErrnoOn(r.p, g) == e {
			return g
		}
	}
	r.t.Fatalf("%s: errno %d has no generic number", r.p.Name, e)
	return 0
}

// want checks a call's result.
func (r *rig) want(got, want int64, what string) {
	r.t.Helper()
	if got != want {
		r.t.Errorf("%s = %d (%s), want %d (%s)", what, got, errName(got), want, errName(want))
	}
}

func errName(v int64) string {
	if v < 0 {
		return linux.ErrnoName(-v)
	}
	return "ok"
}

func (r *rig) order() binary.ByteOrder { return r.p.ByteOrder }

// put writes bytes into guest memory.
func (r *rig) put(addr uint64, b []byte) {
	r.t.Helper()
	if err := r.env.Mem.Write(addr, b); err != nil {
		r.t.Fatal(err)
	}
}

// str writes a NUL-terminated string and returns its address.
func (r *rig) str(addr uint64, s string) uint64 {
	r.put(addr, append([]byte(s), 0))
	return addr
}

func (r *rig) get(addr uint64, n int) []byte {
	r.t.Helper()
	b := make([]byte, n)
	if err := r.env.Mem.Read(addr, b); err != nil {
		r.t.Fatal(err)
	}
	return b
}

func (r *rig) uint(addr uint64, size int) uint64 {
	r.t.Helper()
	v, err := r.env.Mem.Uint(addr, size)
	if err != nil {
		r.t.Fatal(err)
	}
	return v
}

func (r *rig) putWords(addr uint64, size int, vals ...uint64) {
	r.t.Helper()
	for i, v := range vals {
		if err := r.env.Mem.PutUint(addr+uint64(i*size), size, v); err != nil {
			r.t.Fatal(err)
		}
	}
}

// pairAligned: the ABIs that start a 64-bit argument at an even register
// (ARM EABI, MIPS o32, PPC32: each psABI's parameter passing rules).
var pairAligned = map[string]bool{"armel": true, "armhf": true, "mips": true, "mipsel": true, "ppc": true}

// with64 appends a 64-bit argument the way the platform's libc passes it.
func (r *rig) with64(args []uint64, v uint64) []uint64 {
	if r.p.WordSize == 8 {
		return append(args, v)
	}
	if pairAligned[r.p.Name] && len(args)%2 == 1 {
		args = append(args, 0)
	}
	lo, hi := v&0xffffffff, v>>32
	if r.p.ByteOrder == binary.BigEndian {
		return append(args, hi, lo)
	}
	return append(args, lo, hi)
}

// atFDCWD is AT_FDCWD (-100) as the guest passes it.
const atFDCWD = ^uint64(99)

// sign turns a 32-bit guest value into a signed one.
func (r *rig) signed(v uint64) int64 {
	if r.p.WordSize == 4 {
		return int64(int32(v))
	}
	return int64(v)
}

// stopped checks that a call stops the run with an error matching target.
func (r *rig) stopped(name string, target any, args ...uint64) {
	r.t.Helper()
	err := r.dispatch(name, args...)
	if err == nil || !errors.As(err, target) {
		r.t.Errorf("%s: err = %v, want a %T", name, err, target)
	}
}

var _ = strings.Contains
