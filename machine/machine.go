package machine

import (
	"errors"
	"fmt"
	"io"
	"sort"
	"time"

	"github.com/smallworld-go/smallworld/cpu"
	"github.com/smallworld-go/smallworld/emu"
	"github.com/smallworld-go/smallworld/emu/unicorn"
	"github.com/smallworld-go/smallworld/insn"
	"github.com/smallworld-go/smallworld/linux"
	"github.com/smallworld-go/smallworld/memory"
	"github.com/smallworld-go/smallworld/model"
	"github.com/smallworld-go/smallworld/platform"
)

// Range is a half-open range of guest addresses.
type Range struct{ Start, End uint64 }

// Contains reports whether addr is in the range.
func (r Range) Contains(addr uint64) bool { return addr >= r.Start && addr < r.End }

// Machine is a guest state ready to run.
type Machine struct {
	Platform *platform.Platform
	CPU      *cpu.CPU
	Memory   *memory.Map

	Stdin  io.Reader // guest standard input; nil: empty
	Stdout io.Writer // guest standard output; nil: discarded
	Stderr io.Writer // guest standard error; nil: discarded
	Trace  io.Writer // model-call and syscall trace; nil: none

	// Syscalls enables the Linux syscall layer; without it a syscall
	// instruction stops the run.
	Syscalls bool
	// Sysroot is the host directory the guest's file calls see as "/",
	// read-only ("": no files but /dev/null); AllowWrite lists host
	// directories the guest may also write, each seen at its own path
	// (linux/fs.go).
	Sysroot    string
	AllowWrite []string
	// CheckHeap makes the models' heap a checker (model.Binding.CheckHeap):
	// a use after free, an overflow into a red zone, a read of
	// uninitialised heap or a bad free stops the run (StopHeap). It
	// checks the blocks of the malloc family's models: hook them.
	CheckHeap bool
	// FS is the files the C-library file models (fopen...) see; nil: the
	// same confined view of Sysroot and AllowWrite as the syscall layer.
	FS model.FS
	// MaxInsns and Timeout bound a run (0: no bound).
	MaxInsns uint64
	Timeout  time.Duration

	// NewEngine makes the engine a run uses; nil means Unicorn.
	NewEngine func(*platform.Platform) (emu.Engine, error)

	exits      []uint64
	bounds     []Range
	absent     []Range // mapped in the address space, contents unknown: no access
	models     map[uint64]*model.Model
	declineTo  map[uint64]uint64 // model stub -> the function it replaced (HookSlot)
	hooks      map[uint64][]func(*Env) error
	stubs      *memory.Region
	nstubs     int
	coreThread int      // the core thread FromCore took the registers of
	tid        int      // its thread id (pr_pid)
	objects    []object // shared objects RestoreLibs found
	exe        *object  // the executable RestoreExe restored
	gdt        *memory.Region
	scratch    *memory.Region       // Call's stack
	initCode   *memory.Region       // engineInit's code
	callSess   *session             // Call's engine, kept until Run
	auxvals    map[uint64]uint64    // the core's auxiliary vector
	standIn    map[string][2]uint64 // selector register -> {loaded, core's}
	proc       linux.Process        // the guest's ids and heap (UseCoreProcess)
	kernel     *linux.Kernel        // the syscall layer's process state, kept between runs
	retired    []*memory.Region     // regions split or unmapped by syscalls (envmem.go)
}

// New returns an empty machine for a platform.
func New(p *platform.Platform) (*Machine, error) {
	c, err := cpu.NewFor(p)
	if err != nil {
		return nil, err
	}
	if err := setProcessState(c); err != nil {
		return nil, err
	}
	return &Machine{Platform: p, CPU: c, Memory: memory.NewMap(p.ByteOrder),
		models: map[uint64]*model.Model{}, hooks: map[uint64][]func(*Env) error{}, declineTo: map[uint64]uint64{}}, nil
}

// AddRegion adds memory to the guest's address space.
func (m *Machine) AddRegion(r *memory.Region) error { return m.Memory.Add(r) }

// AddExitPoint makes reaching addr end a run with [emu.StopExitPoint].
func (m *Machine) AddExitPoint(addr uint64) { m.exits = append(m.exits, addr) }

// AddBounds restricts execution to the given ranges: leaving all of them
// ends a run with [emu.StopBounds]. With no bounds, code runs anywhere.
func (m *Machine) AddBounds(start, end uint64) { m.bounds = append(m.bounds, Range{start, end}) }

// MarkAbsent declares [start, end) as part of the address space whose
// contents are unknown (a core left them out): any access to it stops the
// run with a fault that says so, until RestoreFile fills it.
func (m *Machine) MarkAbsent(start, end uint64) {
	if start < end {
		m.absent = append(m.absent, Range{start, end})
		sort.Slice(m.absent, func(i, j int) bool { return m.absent[i].Start < m.absent[j].Start })
	}
}

// Absent returns the ranges whose contents are unknown.
func (m *Machine) Absent() []Range { return m.absent }

// IsAbsent reports whether addr is in memory whose contents are unknown.
func (m *Machine) IsAbsent(addr uint64) bool {
	i := sort.Search(len(m.absent), func(i int) bool { return m.absent[i].End > addr })
	return i < len(m.absent) && m.absent[i].Contains(addr)
}

func (m *Machine) markPresent(start, end uint64) {
	var out []Range
	for _, a := range m.absent {
		if a.End <= start || a.Start >= end {
			out = append(out, a)
			continue
		}
		if a.Start < start {
			out = append(out, Range{a.Start, start})
		}
		if a.End > end {
			out = append(out, Range{end, a.End})
		}
	}
	m.absent = out
}

// WriteBytes writes guest memory (for example a NOP over a trap).
//
// Code written this way takes effect in later Calls too: the engine Call
// keeps is dropped (its translated code could be stale).
func (m *Machine) WriteBytes(addr uint64, b []byte) error {
	m.closeCallSession()
	return m.Memory.Write(addr, b)
}

// ReadBytes reads guest memory.
func (m *Machine) ReadBytes(addr uint64, n int) ([]byte, error) {
	b := make([]byte, n)
	return b, m.Memory.Read(addr, b)
}

// StepOverTrap moves the program counter past the instruction at pc,
// measured by decoding it, and returns that instruction's bytes.
func (m *Machine) StepOverTrap() ([]byte, error) {
	pc := m.CPU.PC()
	if m.IsAbsent(pc) {
		return nil, fmt.Errorf("step over trap: code at pc %#x is not in the core: give the executable (--exe) or a sysroot", pc)
	}
	code := make([]byte, 16)
	n := 0
	for ; n < len(code); n++ { // read what is mapped, up to 16 bytes
		if err := m.Memory.Read(pc+uint64(n), code[n:n+1]); err != nil {
			break
		}
	}
	if n == 0 {
		return nil, fmt.Errorf("step over trap: pc %#x is not mapped", pc)
	}
	if r := m.Platform.BranchDelayReg; r != "" {
		if v, err := m.CPU.Get(r); err == nil && v&m.Platform.BranchDelayMask != 0 {
			return nil, fmt.Errorf("step over trap at %#x: the trap is in the delay slot of the branch at pc (%s has the branch-delay bit): stepping over it would skip the branch", pc, r)
		}
	}
	l, err := insn.Len(m.Platform, code[:n], m.thumb())
	if err != nil {
		return nil, fmt.Errorf("step over trap at %#x: %w", pc, err)
	}
	m.CPU.SetPC(pc + uint64(l))
	return code[:l], nil
}

// thumb reports whether the CPU is in the Thumb instruction set state.
func (m *Machine) thumb() bool {
	if m.Platform.ModeReg == "" {
		return false
	}
	v, err := m.CPU.Get(m.Platform.ModeReg)
	return err == nil && v&m.Platform.ThumbMask != 0
}

// startPC is where a run begins: the pc, with bit 0 set in Thumb state
// (the engine takes the instruction set from it).
func (m *Machine) startPC() uint64 {
	if m.thumb() {
		return m.CPU.PC() | 1
	}
	return m.CPU.PC()
}

// HookModel replaces the function at addr with a model: the first
// instructions there become the platform's return sequence, and the model
// runs just before it, so the guest's caller gets the model's result.
//
// On ARM, an odd addr is a Thumb function (at addr-1): it gets the Thumb
// return, and the hook is at the even address.
func (m *Machine) HookModel(addr uint64, mdl *model.Model) error {
	ret := m.Platform.Return
	if addr&1 != 0 && m.Platform.ThumbReturn != nil {
		addr, ret = addr&^1, m.Platform.ThumbReturn
	}
	m.closeCallSession() // the code at addr changes, and the hooks
	if err := m.Memory.Write(addr, ret); err != nil {
		return fmt.Errorf("hook model %s at %#x: %w", mdl.Name, addr, err)
	}
	m.markPresent(addr, addr+uint64(len(ret)))
	m.models[addr] = mdl
	return nil
}

// HookSlot points a code pointer in guest memory (a GOT slot) at a stub
// that runs the model and returns; the stub's address is returned.
func (m *Machine) HookSlot(slot uint64, mdl *model.Model) (uint64, error) {
	stub, err := m.newStub()
	if err != nil {
		return 0, err
	}
	orig, _ := m.Memory.Uint(slot, m.Platform.WordSize)
	target := stub
	// ELFv1: a slot holding a descriptor's address (a function pointer,
	// not a PLT entry's copied entry word) gets one for the stub, with
	// the original's TOC and environment.
	if d, ok, err := m.descAt(orig); err != nil {
		return 0, fmt.Errorf("hook %s through slot %#x: %w", mdl.Name, slot, err)
	} else if ok {
		d.entry = stub
		if target, err = m.newStubDesc(d); err != nil {
			return 0, err
		}
	}
	if err := m.Memory.PutUint(slot, m.Platform.WordSize, target); err != nil {
		return 0, fmt.Errorf("hook %s through slot %#x: %w", mdl.Name, slot, err)
	}
	if t := m.realFunction(mdl.Name, orig); t != 0 {
		m.declineTo[stub] = t
	}
	return stub, m.HookModel(stub, mdl)
}

// realFunction is where a call a model declines goes (model.ErrDecline):
// what the slot held when it is bound into a shared library's code,
// else the library definition of name the dynamic linker would bind
// (not an IFUNC's resolver); 0 when there is none.
func (m *Machine) realFunction(name string, slot uint64) uint64 {
	for _, o := range m.objects {
		for _, s := range o.ELF.Segments {
			if s.Perm&memory.X != 0 && slot >= o.Bias+s.Vaddr && slot < o.Bias+s.Vaddr+s.Memsz {
				return slot
			}
		}
	}
	for _, o := range m.objects {
		if s, ok := o.ELF.Export(name); ok && s.Func && !s.IFunc {
			return o.Bias + s.Value
		}
	}
	return 0
}

const stubSize = 16

func (m *Machine) newStub() (uint64, error) {
	if m.stubs == nil || uint64(m.nstubs+1)*stubSize > m.stubs.Size() {
		start, err := m.FreeRange(memory.PageSize)
		if err != nil {
			return 0, err
		}
		r, err := memory.Alloc(start, memory.PageSize, memory.RX, "model stubs")
		if err != nil {
			return 0, err
		}
		if err := m.Memory.Add(r); err != nil {
			return 0, err
		}
		m.stubs, m.nstubs = r, 0
	}
	addr := m.stubs.Start + uint64(m.nstubs)*stubSize
	m.nstubs++
	return addr, nil
}

// FreeRange finds an unused page-aligned range of size bytes.
func (m *Machine) FreeRange(size uint64) (uint64, error) {
	size = memory.PageAlign(size)
	limit := uint64(1) << 47
	if !m.Platform.Is64() {
		limit = 1 << 31
	}
	cand := uint64(0x10000000)
	for _, r := range m.Memory.Regions() {
		if r.End() <= cand {
			continue
		}
		if r.Start >= cand+size {
			break
		}
		cand = memory.PageAlign(r.End())
	}
	if cand+size > limit {
		return 0, errors.New("machine: no free address range for model stubs")
	}
	return cand, nil
}

// Hook runs fn before the instruction at addr executes. fn may read and
// write registers and memory through the Env, or stop the run.
func (m *Machine) Hook(addr uint64, fn func(*Env) error) {
	m.closeCallSession() // its hooks are the old ones
	m.hooks[addr] = append(m.hooks[addr], fn)
}

// Exits returns the exit points.
func (m *Machine) Exits() []uint64 { return m.exits }

// Release frees the host memory of every region and closes the files
// the guest left open.
func (m *Machine) Release() error {
	if m.kernel != nil {
		_ = m.kernel.Close() // the files the guest left open
		m.kernel = nil
	}
	err := m.Memory.Release()
	if rerr := m.releaseRetired(); err == nil {
		err = rerr
	}
	return err
}

// Open the default engine.
func (m *Machine) engine() (emu.Engine, error) {
	if m.NewEngine != nil {
		return m.NewEngine(m.Platform)
	}
	e, err := unicorn.New(m.Platform)
	if err != nil {
		return nil, err
	}
	return e, nil
}
