package machine

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/smallworld-go/smallworld/cpu"
	"github.com/smallworld-go/smallworld/emu"
	"github.com/smallworld-go/smallworld/linux"
	"github.com/smallworld-go/smallworld/memory"
	"github.com/smallworld-go/smallworld/model"
	"github.com/smallworld-go/smallworld/platform"
)

// Result is the outcome of a run.
type Result struct {
	Stop   *emu.Stop
	CPU    *cpu.CPU    // registers when the run ended
	Memory *memory.Map // the machine's memory, as the guest left it
}

// Env is the running machine as models, syscalls and hooks see it. It
// implements model.Env and linux.Env.
type Env struct {
	m     *Machine
	eng   emu.Engine
	stop  *emu.Stop
	fault **emu.Stop // where the fault hooks record a fault (the session's)
	depth int        // guest calls from models under way (CallGuest)
}

var (
	_ model.Env = (*Env)(nil)
	_ linux.Env = (*Env)(nil)
)

func (e *Env) Platform() *platform.Platform         { return e.m.Platform }
func (e *Env) Memory() *memory.Map                  { return e.m.Memory }
func (e *Env) RegID(name string) (emu.RegID, error) { return e.eng.RegID(name) }
func (e *Env) ReadReg(id emu.RegID) (uint64, error) { return e.eng.ReadReg(id) }
func (e *Env) WriteReg(id emu.RegID, v uint64) error {
	return e.eng.WriteReg(id, v)
}

// RegBytes and SetRegBytes access a register at its full width.
func (e *Env) RegBytes(id emu.RegID) ([]byte, error)    { return e.eng.RegBytes(id) }
func (e *Env) SetRegBytes(id emu.RegID, b []byte) error { return e.eng.SetRegBytes(id, b) }

// MapRegion adds a region to the machine's memory and maps it in the
// running engine (models' heap).
func (e *Env) MapRegion(r *memory.Region) error {
	if err := e.m.Memory.Add(r); err != nil {
		return err
	}
	if err := e.m.mapRegion(e.eng, r); err != nil {
		e.m.Memory.Remove(r)
		return err
	}
	return nil
}

// Reg reads a register by name.
func (e *Env) Reg(name string) (uint64, error) {
	id, err := e.eng.RegID(name)
	if err != nil {
		return 0, err
	}
	return e.eng.ReadReg(id)
}

// SetReg writes a register by name.
func (e *Env) SetReg(name string, v uint64) error {
	id, err := e.eng.RegID(name)
	if err != nil {
		return err
	}
	return e.eng.WriteReg(id, v)
}

func (e *Env) Stdin() io.Reader {
	if e.m.Stdin == nil {
		return eofReader{}
	}
	return e.m.Stdin
}

func (e *Env) Stdout() io.Writer {
	if e.m.Stdout == nil {
		return io.Discard
	}
	return e.m.Stdout
}

func (e *Env) Stderr() io.Writer {
	if e.m.Stderr == nil {
		return io.Discard
	}
	return e.m.Stderr
}

// Exit ends the run as the guest's exit with the given status.
func (e *Env) Exit(status int) {
	e.StopWith(&emu.Stop{Kind: emu.StopExit, Status: status})
}

// StopWith ends the run with the given reason (the first one wins).
func (e *Env) StopWith(s *emu.Stop) {
	if e.stop == nil {
		if s.PC == 0 {
			s.PC = e.pc()
		}
		e.stop = s
	}
	_ = e.eng.Stop()
}

func (e *Env) pc() uint64 {
	v, _ := e.Reg(e.m.Platform.PC)
	return v
}

type eofReader struct{}

func (eofReader) Read([]byte) (int, error) { return 0, io.EOF }

// Run applies the machine to a new engine and runs it from the CPU's pc
// until a stop. The machine's CPU is left as it was; the result has the
// final registers. Memory is shared: the result's Memory is the machine's.
// With Syscalls, the process state the syscall layer keeps (open files,
// the program break, the working directory, signal dispositions) carries
// over to the next Run, until the guest exits or dies.
func (m *Machine) Run() (*Result, error) {
	m.closeCallSession()
	sess, err := m.newSession()
	if err != nil {
		return nil, err
	}
	defer sess.eng.Close()
	return m.runSession(sess)
}

// A session is an engine with the machine applied and hooks installed.
type session struct {
	eng      emu.Engine
	env      *Env
	fault    *emu.Stop
	exits    []uint64 // the exit points the engine has
	exitsSet bool
}

// newSession makes an engine and applies the machine to it.
func (m *Machine) newSession() (*session, error) {
	eng, err := m.engine()
	if err != nil {
		return nil, err
	}
	s := &session{eng: eng, env: &Env{m: m, eng: eng}}
	if len(m.models) > 0 || m.Syscalls {
		// Models may call guest functions (CallGuest), and the syscall
		// layer signal handlers: they return to the scratch region's
		// first word.
		if err := m.ensureScratch(); err != nil {
			eng.Close()
			return nil, err
		}
	}
	if err := m.prepareInit(); err != nil {
		eng.Close()
		return nil, err
	}
	if err := m.apply(eng); err != nil {
		eng.Close()
		return nil, err
	}
	if err := m.runInit(eng); err != nil {
		eng.Close()
		return nil, err
	}
	if err := m.install(s.env, &s.fault); err != nil {
		eng.Close()
		return nil, err
	}
	return s, nil
}

// closeCallSession closes the engine Call keeps between calls.
func (m *Machine) closeCallSession() {
	if m.callSess != nil {
		m.callSess.eng.Close()
		m.callSess = nil
	}
}

// runSession runs the machine's CPU from its pc on a session's engine.
func (m *Machine) runSession(sess *session) (*Result, error) {
	eng, env := sess.eng, sess.env
	env.stop, sess.fault = nil, nil
	exits := m.exits
	if m.scratch != nil && !slices.Contains(exits, m.scratch.Start) {
		exits = append(slices.Clip(exits), m.scratch.Start) // CallGuest's return
	}
	if !sess.exitsSet || !slices.Equal(sess.exits, exits) {
		// Setting exits drops cached code around them: only on change.
		if err := eng.SetExits(exits); err != nil {
			return nil, fmt.Errorf("run: set exit points: %w", err)
		}
		sess.exits, sess.exitsSet = slices.Clone(exits), true
	}
	start := time.Now()
	err := eng.Start(m.startPC(), emu.StartOptions{Timeout: m.Timeout, Count: m.MaxInsns})
	fault := sess.fault
	elapsed := time.Since(start)
	res := &Result{Memory: m.Memory, CPU: m.CPU.Clone()}
	if rerr := m.readBack(eng, res.CPU); rerr != nil && err == nil {
		err = rerr
	}
	m.restoreSelectors(res.CPU)
	pc := res.CPU.PC()
	switch {
	case env.stop != nil:
		res.Stop = env.stop
	case err != nil && fault != nil:
		res.Stop = fault
		res.Stop.Err = err
	case err != nil:
		res.Stop = &emu.Stop{Kind: emu.StopEngine, PC: pc, Err: err}
	case m.isExit(pc):
		res.Stop = &emu.Stop{Kind: emu.StopExitPoint, PC: pc}
	case m.Timeout > 0 && elapsed >= m.Timeout:
		res.Stop = &emu.Stop{Kind: emu.StopTimeout, PC: pc}
	case m.MaxInsns > 0:
		res.Stop = &emu.Stop{Kind: emu.StopInsnLimit, PC: pc}
	default:
		res.Stop = &emu.Stop{Kind: emu.StopRequested, PC: pc}
	}
	if (res.Stop.Kind == emu.StopExit || res.Stop.Kind == emu.StopSignal) && m.kernel != nil {
		// The process is gone: so are its open files.
		_ = m.kernel.Close()
		m.kernel = nil
	}
	if res.Stop.Kind == emu.StopFault && m.IsAbsent(res.Stop.Addr) {
		res.Stop.Err = fmt.Errorf("%#x is in a mapping the core did not dump (file-backed): give the original file with --exe or --sysroot", res.Stop.Addr)
	}
	return res, nil
}

// guestFault gives a fault the guest's instruction caused to the
// signal handler the guest installed (linux.Kernel.Fault), and reports
// whether the handler ran and returned. A handler that never returns
// (siglongjmp, exit) runs the rest of the program inside this call; an
// error stops the run.
func (m *Machine) guestFault(sig, what string, addr uint64, env *Env) bool {
	k := m.kernel
	if k == nil || env.stop != nil {
		return false
	}
	ok, err := k.Fault(sig, k.FaultCode(what), addr)
	if err != nil && !errors.Is(err, errGuestStopped) {
		env.StopWith(&emu.Stop{Kind: emu.StopEngine, Err: fmt.Errorf("delivering %s at %#x: %w", sig, addr, err)})
	}
	return ok && env.stop == nil
}

func (m *Machine) isExit(pc uint64) bool {
	for _, e := range m.exits {
		if e == pc {
			return true
		}
	}
	return false
}

// apply maps memory and writes registers.
func (m *Machine) apply(eng emu.Engine) error {
	for _, r := range m.Memory.Regions() {
		if err := m.mapRegion(eng, r); err != nil {
			return err
		}
	}
	if err := m.writeRegs(eng); err != nil {
		return err
	}
	return m.setupSegments(eng)
}

// mapRegion maps a region, with its absent parts mapped inaccessible.
func (m *Machine) mapRegion(eng emu.Engine, r *memory.Region) error {
	at := r.Start
	emit := func(end uint64, perm memory.Perm) error {
		if end <= at {
			return nil
		}
		sub := memory.NewRegion(at, r.Data[at-r.Start:end-r.Start], perm, r.Name)
		if err := eng.MapRegion(sub); err != nil {
			return fmt.Errorf("run: map %s: %w", sub, err)
		}
		at = end
		return nil
	}
	for _, a := range m.absent {
		if a.End <= r.Start || a.Start >= r.End() {
			continue
		}
		if err := emit(max(a.Start, r.Start), r.Perm); err != nil {
			return err
		}
		if err := emit(min(a.End, r.End()), 0); err != nil {
			return err
		}
	}
	return emit(r.End(), r.Perm)
}

// writeRegs writes every register the CPU has a value for and the
// engine knows, base registers in table order (on amd64 the segment
// selectors come before fs_base/gs_base, as Unicorn needs).
func (m *Machine) writeRegs(eng emu.Engine) error {
	names := append(append([]string(nil), writeFirst[m.Platform.Name]...), m.CPU.File.Base()...)
	done := map[string]bool{}
	for _, name := range names {
		if done[name] {
			continue
		}
		done[name] = true
		if skipWrite[m.Platform.Name][name] {
			continue
		}
		id, err := eng.RegID(name)
		if err != nil {
			continue // the engine has no such register (orig_rax...)
		}
		b, _ := m.CPU.Bytes(name)
		switch mask, masked := writeMask[m.Platform.Name][name]; {
		case len(b) > 8:
			err = eng.SetRegBytes(id, b)
		case masked:
			var cur uint64
			if cur, err = eng.ReadReg(id); err == nil {
				err = eng.WriteReg(id, cur&^mask|m.CPU.MustGet(name)&mask)
			}
		default:
			err = eng.WriteReg(id, m.CPU.MustGet(name))
		}
		if err != nil {
			return fmt.Errorf("run: set register %s: %w", name, err)
		}
	}
	return nil
}

// processState is register state every Linux process of a platform has
// that no core records. ARM: FPEXC.EN turns the VFP/NEON unit on, as the
// kernel does at exec (Unicorn's CPACR already grants cp10 and cp11).
// PPC64: a machine not made from a core gets the MSR mode bits a process
// runs with (a core's MSR has them).
var processState = map[string][]struct {
	Reg string
	Val uint64
}{
	"aarch64": {{"cpacr_el1", 3<<20 | 3<<16}}, // FPEN and ZEN: no FP/SIMD or SVE traps
	"armel":   {{"fpexc", 1 << 30}},
	"armhf":   {{"fpexc", 1 << 30}},
	// PPC64: MSR.SF (64-bit mode) and MSR.FP (the FPU on, as qemu-user
	// runs processes); ppc64le also MSR.LE (little-endian).
	"ppc64":   {{"msr", 1<<63 | 1<<13}},
	"ppc64le": {{"msr", 1<<63 | 1<<13 | 1}},
}

// setProcessState gives c the platform's processState where nothing
// (a core note, the user) has set those registers.
func setProcessState(c *cpu.CPU) error {
	written := map[string]bool{}
	for _, n := range c.Written() {
		written[n] = true
	}
	for _, r := range processState[c.File.Platform.Name] {
		if !written[r.Reg] {
			if err := c.Set(r.Reg, r.Val); err != nil {
				return err
			}
		}
	}
	return nil
}

// writeFirst lists registers a run writes before all others: ARM's
// CPSR and AArch64's PSTATE select the processor mode, and with it which
// banked sp and lr the engine's sp and lr registers are.
var writeFirst = map[string][]string{
	"aarch64": {"cpsr"},
	"armel":   {"cpsr"},
	"armhf":   {"cpsr"},
}

// writeMask lists registers of which a run writes only some bits, the
// engine keeping its own value of the others. MIPS Status: the core has
// the user process's KSU (user mode), EXL, ERL and IE; user-mode
// addresses go through a TLB the engine has no entries for, so the run
// keeps the engine's kernel mode (where Linux's user segment is mapped
// one to one) and takes the rest (CU1, FR...) from the core.
var writeMask = map[string]map[string]uint64{
	"mips":     {"sr": ^uint64(0x1f)},
	"mipsel":   {"sr": ^uint64(0x1f)},
	"mips64":   {"sr": ^uint64(0x1f)},
	"mips64el": {"sr": ^uint64(0x1f)},
}

// skipWrite lists registers a run never writes to the engine: their
// values are kept in the CPU for display only.
var skipWrite = map[string]map[string]bool{
	// 64-bit mode ignores cs/ss/ds/es bases; Unicorn would try to load
	// descriptors from a GDT the core does not have.
	"amd64": {"cs": true, "ss": true, "ds": true, "es": true},
	// 32-bit mode: the engine's flat segments stay; gs is loaded through
	// a GDT after the other registers (gdt.go).
	"i386": {"cs": true, "ss": true, "ds": true, "es": true, "fs": true, "gs": true},
}

// readBack copies the engine's registers into c.
func (m *Machine) readBack(eng emu.Engine, c *cpu.CPU) error {
	for _, name := range c.File.Base() {
		if skipWrite[m.Platform.Name][name] {
			continue // the engine never had it: the CPU's value stands
		}
		id, err := eng.RegID(name)
		if err != nil {
			continue
		}
		b, err := eng.RegBytes(id)
		if err != nil {
			return fmt.Errorf("run: read register %s: %w", name, err)
		}
		if err := c.SetBytes(name, b); err != nil {
			return err
		}
	}
	return nil
}

// install puts hooks in the engine: models, user hooks, syscalls, faults.
func (m *Machine) install(env *Env, fault **emu.Stop) error {
	env.fault = fault
	eng := env.eng
	m.Memory.OnWrite = nil // a checked heap's, of an earlier run
	if len(m.models) > 0 {
		b, err := model.Bind(env)
		if err != nil {
			return fmt.Errorf("run: %w", err)
		}
		b.Trace = m.Trace
		b.Files = m.stdioFiles()
		if m.CheckHeap {
			if err := m.checkHeap(env, b); err != nil {
				return err
			}
		}
		b.FS = m.modelFS()
		for addr, mdl := range m.models {
			mdl := mdl
			// The argument registers are a prefetch hint: the engine
			// reads them before calling the hook (no cgo call per Arg).
			if _, err := eng.HookCode(addr, addr, func(pc uint64, _ uint32) {
				if err := b.Run(mdl); err != nil {
					if errors.Is(err, model.ErrDecline) {
						if err = m.decline(env, addr); err == nil {
							return
						}
					}
					kind := emu.StopModel
					if errors.Is(err, model.ErrHeap) {
						kind = emu.StopHeap
					}
					env.StopWith(&emu.Stop{Kind: kind, PC: pc, Err: err})
				}
			}, b.Prefetch(mdl)...); err != nil {
				return fmt.Errorf("run: hook model %s: %w", mdl.Name, err)
			}
		}
	}
	for addr, fns := range m.hooks {
		fns := fns
		if _, err := eng.HookCode(addr, addr, func(pc uint64, _ uint32) {
			for _, fn := range fns {
				if err := fn(env); err != nil {
					env.StopWith(&emu.Stop{Kind: emu.StopRequested, PC: pc, Err: err})
					return
				}
			}
		}); err != nil {
			return fmt.Errorf("run: hook %#x: %w", addr, err)
		}
	}
	if m.Syscalls {
		// One kernel serves the machine's runs: what a run leaves open
		// (files, the break, the working directory) the next one finds.
		k := m.kernel
		var err error
		if k == nil {
			k, err = linux.NewKernel(env)
		} else {
			err = k.Rebind(env)
		}
		if err != nil {
			return fmt.Errorf("run: %w", err)
		}
		m.kernel = k
		k.Trace = m.Trace
		if _, err := eng.HookSyscall(func() {
			if err := k.Dispatch(); err != nil {
				s := &emu.Stop{Kind: emu.StopEngine, Err: err}
				var ue *linux.UnsupportedError
				if errors.As(err, &ue) {
					s = &emu.Stop{Kind: emu.StopSyscall, PC: ue.PC, SyscallNo: ue.No, SyscallName: ue.Name, Err: err}
				}
				env.StopWith(s)
			}
		}); err != nil {
			return fmt.Errorf("run: hook syscalls: %w", err)
		}
	} else {
		if _, err := eng.HookSyscall(func() {
			env.StopWith(&emu.Stop{Kind: emu.StopSyscall, Err: errors.New("the syscall layer is off")})
		}); err != nil {
			return fmt.Errorf("run: hook syscalls: %w", err)
		}
	}
	if _, err := eng.HookInvalidMem(func(a emu.Access, f emu.MemFault, addr uint64, size int) bool {
		what := "unmapped"
		if f == emu.FaultProt {
			what = "prot"
		}
		// Memory the core left out is ours to restore, not the guest's
		// fault: it stops the run (with a hint) rather than reaching
		// the guest's SIGSEGV handler.
		pc := env.pc()
		if !m.IsAbsent(addr) && m.guestFault("SIGSEGV", what, addr, env) {
			// The handler returned: the access is tried again, unless
			// it moved the pc in its ucontext (the engine goes on
			// there).
			return env.pc() == pc
		}
		if env.stop == nil && *fault == nil {
			*fault = &emu.Stop{Kind: emu.StopFault, PC: env.pc(), Addr: addr, Access: a, Fault: f}
		}
		return false
	}); err != nil {
		return fmt.Errorf("run: hook faults: %w", err)
	}
	if _, err := eng.HookInvalidInsn(func() bool {
		if env.stop == nil && *fault == nil {
			*fault = &emu.Stop{Kind: emu.StopInvalidInsn, PC: env.pc()}
		}
		return false
	}); err != nil {
		return fmt.Errorf("run: hook invalid instructions: %w", err)
	}
	if len(m.bounds) > 0 {
		if _, err := eng.HookBlock(1, 0, func(pc uint64, _ uint32) {
			for _, b := range m.bounds {
				if b.Contains(pc) {
					return
				}
			}
			env.StopWith(&emu.Stop{Kind: emu.StopBounds, PC: pc})
		}); err != nil {
			return fmt.Errorf("run: hook bounds: %w", err)
		}
	}
	return nil
}

// engineInit is code a run executes in a new engine before the guest:
// state a process has that only instructions can set. PowerPC: Unicorn
// leaves the FPU's rounding mode unset until FPSCR is written by an
// instruction (QEMU's fdiv then aborts the whole process on an assertion):
// mtfsfi 7,0 sets round-to-nearest, Linux's initial FPSCR.
var engineInit = map[string][]byte{
	"ppc":     {0xff, 0x80, 0x01, 0x0c}, // mtfsfi 7,0
	"ppc64":   {0xff, 0x80, 0x01, 0x0c},
	"ppc64le": {0x0c, 0x01, 0x80, 0xff},
}

// prepareInit maps the platform's engineInit code (once).
func (m *Machine) prepareInit() error {
	code := engineInit[m.Platform.Name]
	if code == nil || m.initCode != nil {
		return nil
	}
	start, err := m.FreeRange(memory.PageSize)
	if err != nil {
		return err
	}
	r, err := memory.Alloc(start, memory.PageSize, memory.RX, "[engine init]")
	if err != nil {
		return err
	}
	copy(r.Data, code)
	if err := m.AddRegion(r); err != nil {
		return err
	}
	m.initCode = r
	return nil
}

// runInit executes engineInit's instructions, one each.
func (m *Machine) runInit(eng emu.Engine) error {
	code := engineInit[m.Platform.Name]
	if code == nil {
		return nil
	}
	// An exit point after the code ends it (an instruction count would
	// add and remove Unicorn's counting hook, which PPC's uc_close has
	// been seen to crash on afterwards); runSession sets the machine's
	// own exit points next.
	end := m.initCode.Start + uint64(len(code))
	if err := eng.SetExits([]uint64{end}); err != nil {
		return fmt.Errorf("run: engine set-up code: %w", err)
	}
	if err := eng.Start(m.initCode.Start, emu.StartOptions{}); err != nil {
		return fmt.Errorf("run: engine set-up code: %w", err)
	}
	return nil
}

// checkHeap turns the binding's heap into a checker: the guest's
// accesses to the heap's window go through a memory hook, the harness's
// own writes (models, system calls) through the memory map's OnWrite.
func (m *Machine) checkHeap(env *Env, b *model.Binding) error {
	b.CheckHeap = true
	lo, hi, err := b.HeapWindow()
	if err != nil {
		return fmt.Errorf("run: checked heap: %w", err)
	}
	m.Memory.OnWrite = b.NoteWrite
	// The program's own code is checked strictly; the C library's reads
	// get the leeway its string functions need (CheckAccess). In a
	// static executable the two cannot be told apart: all is lenient.
	// Without an executable (code the user placed), all is strict.
	static := m.exe != nil && m.exe.ELF.DynamicVaddr == 0
	var own [][2]uint64
	if m.exe != nil && !static {
		for _, s := range m.exe.ELF.Segments {
			if s.Perm&memory.X != 0 {
				own = append(own, [2]uint64{m.exe.Bias + s.Vaddr, m.exe.Bias + s.Vaddr + s.Memsz})
			}
		}
	}
	_, err = env.eng.HookMem(emu.AccessRead|emu.AccessWrite, lo, hi-1, func(a emu.Access, addr uint64, size int, _ int64) bool {
		lenient := a == emu.AccessRead && (static || len(own) > 0)
		if lenient && len(own) > 0 {
			pc := env.pc()
			for _, r := range own {
				if pc >= r[0] && pc < r[1] {
					lenient = false
				}
			}
		}
		if err := b.CheckAccess(a == emu.AccessWrite, addr, size, lenient); err != nil {
			env.StopWith(&emu.Stop{Kind: emu.StopHeap, Addr: addr, Access: a, Err: err})
		}
		return true
	})
	if err != nil {
		return fmt.Errorf("run: checked heap: hook %#x-%#x: %w", lo, hi, err)
	}
	return nil
}

// decline sends a call the model at addr declined to the function the
// model replaced, with the registers as the caller left them (the pc
// write lands when the hook returns; on ARM a Thumb target's bit 0
// selects Thumb state). The model's hook sits before the stub's return,
// so the caller's return address is still in place.
func (m *Machine) decline(env *Env, addr uint64) error {
	t, ok := m.declineTo[addr]
	if !ok {
		return fmt.Errorf("model %s: it declined the call (%w) and the function it replaced is not known", m.models[addr].Name, model.ErrDecline)
	}
	if r, ok := entryReg[m.Platform.Name]; ok {
		if err := env.SetReg(r, t); err != nil {
			return err
		}
	}
	pc, err := m.codeAddr(t, env.SetReg)
	if err != nil {
		return err
	}
	return env.SetReg(m.Platform.PC, pc)
}
