package machine

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/smallworld-go/smallworld/load"
	"github.com/smallworld-go/smallworld/memory"
)

// An object is a shared object RestoreLibs found: its symbols (the file
// is closed) and its load bias.
type object struct {
	Name string
	Bias uint64
	ELF  *load.ELF
}

// symbol returns the run-time address of a symbol defined by any loaded
// shared object.
func (m *Machine) symbol(name string) (uint64, bool) { return symbolIn(m.objects, name) }

// symbolIn returns the run-time address of the first definition of name
// among objs.
func symbolIn(objs []object, name string) (uint64, bool) {
	_, addr, ok := definitionIn(objs, name)
	return addr, ok
}

// definitionIn is symbolIn with the symbol itself.
func definitionIn(objs []object, name string) (load.Symbol, uint64, bool) {
	for _, o := range objs {
		if s, ok := o.ELF.Lookup(name); ok && s.Value != 0 {
			return s, o.Bias + s.Value, true
		}
	}
	return load.Symbol{}, 0, false
}

// threadReg names, per platform, the register glibc keeps its thread
// pointer in when the core does not record it and glibc's thread_db
// descriptors say how it relates to the thread descriptor (struct
// pthread): tp = descriptor + _thread_db_const_thread_area
// (glibc nptl_db: DB_THREAD_SELF is CONST_THREAD_AREA on these). PowerPC
// keeps it in a general register (r2, r13), which every core has; x86
// is found by its TCB self pointers (tls.go).
var threadReg = map[string]string{
	"aarch64":  "tpidr",
	"armel":    "tpidruro",
	"armhf":    "tpidruro",
	"mips":     "userlocal",
	"mipsel":   "userlocal",
	"mips64":   "userlocal",
	"mips64el": "userlocal",
}

// tdField is a libthread_db field descriptor (glibc nptl_db's
// DB_STRUCT_FIELD: three 32-bit words: size in bits, element count,
// offset in the structure).
type tdField struct{ Bits, Count, Off uint32 }

func (m *Machine) tdField(name string) (tdField, error) {
	addr, ok := m.symbol("_thread_db_" + name)
	if !ok {
		return tdField{}, fmt.Errorf("libc has no _thread_db_%s", name)
	}
	var b [12]byte
	if err := m.Memory.Read(addr, b[:]); err != nil {
		return tdField{}, fmt.Errorf("_thread_db_%s at %#x: %w", name, addr, err)
	}
	o := m.Memory.Order
	return tdField{o.Uint32(b[0:]), o.Uint32(b[4:]), o.Uint32(b[8:])}, nil
}

func (m *Machine) tdUint32(name string) (uint32, error) {
	addr, ok := m.symbol("_thread_db_" + name)
	if !ok {
		return 0, fmt.Errorf("libc has no _thread_db_%s", name)
	}
	v, err := m.Memory.Uint(addr, 4)
	if err != nil {
		return 0, fmt.Errorf("_thread_db_%s at %#x: %w", name, addr, err)
	}
	return uint32(v), nil
}

// threadDescriptor finds the struct pthread of thread tid the way
// libthread_db does: ld.so's _rtld_global holds the lists of thread
// descriptors (_dl_stack_user: the main thread; _dl_stack_used: threads
// pthread_create made), linked through each descriptor's list member;
// the one whose tid field is tid is the thread's. Each link is checked
// (next->prev comes back) so that stale memory is not taken for a list.
func (m *Machine) threadDescriptor(tid int) (uint64, error) {
	rtld, ok := m.symbol("_rtld_global")
	if !ok {
		return 0, errors.New("ld.so's _rtld_global was not found (was the dynamic linker restored?)")
	}
	list, err := m.tdField("pthread_list")
	if err != nil {
		return 0, err
	}
	tidF, err := m.tdField("pthread_tid")
	if err != nil {
		return 0, err
	}
	w := uint64(m.Platform.WordSize)
	word := func(a uint64) (uint64, error) { return m.Memory.Uint(a, int(w)) }
	for _, head := range []string{"rtld_global__dl_stack_user", "rtld_global__dl_stack_used"} {
		h, err := m.tdField(head)
		if err != nil {
			return 0, err
		}
		first := rtld + uint64(h.Off)
		prev := first
		e, err := word(first)
		for n := 0; err == nil && e != first && n < 100000; n++ {
			if back, err := word(e + w); err != nil || back != prev {
				return 0, fmt.Errorf("thread list %s is inconsistent at %#x", head, e)
			}
			desc := e - uint64(list.Off)
			if t, err := m.Memory.Uint(desc+uint64(tidF.Off), 4); err == nil && int32(t) == int32(tid) {
				return desc, nil
			}
			prev, e = e, 0
			e, err = word(prev)
		}
		if err != nil {
			return 0, fmt.Errorf("thread list %s: %w", head, err)
		}
	}
	return 0, fmt.Errorf("no thread descriptor with tid %d in ld.so's thread lists", tid)
}

// recoverFromThreadDB sets the thread pointer from glibc's own
// bookkeeping; see threadReg.
func (m *Machine) recoverFromThreadDB(reg string) (uint64, error) {
	if len(m.objects) == 0 {
		return 0, errors.New("thread pointer: the core has none, and no shared libraries were restored to find glibc's thread list (give --exe and --sysroot)")
	}
	desc, err := m.threadDescriptor(m.tid)
	if err != nil {
		return 0, fmt.Errorf("thread pointer: %w", err)
	}
	bias, err := m.tdUint32("const_thread_area")
	if err != nil {
		return 0, fmt.Errorf("thread pointer: %w", err)
	}
	tp := desc + uint64(bias)
	return tp, m.CPU.Set(reg, tp)
}

// The ARM kernel's user helpers (Linux Documentation/arm/kernel_user_helpers):
// code the kernel maps at the top of every ARM process, which a core
// does not contain. glibc built for ARMv5 (armel) reads its thread
// pointer through __kuser_get_tls and does atomics with
// __kuser_cmpxchg. Our page implements them in ARM code.
const kuserPage = 0xffff0000

var kuserCode = []struct {
	at    uint64
	insns []uint32
}{
	// __kuser_cmpxchg64(oldval *r0, newval *r1, ptr r2): the same on
	// 64-bit values through pointers.
	{0xf60, []uint32{
		0xe92d00f0, // push   {r4, r5, r6, r7}
		0xe1c040d0, // ldrd   r4, r5, [r0]
		0xe1c260d0, // ldrd   r6, r7, [r2]
		0xe1540006, // cmp    r4, r6
		0x01550007, // cmpeq  r5, r7
		0x01c160d0, // ldrdeq r6, r7, [r1]
		0x01c260f0, // strdeq r6, r7, [r2]
		0x03a00000, // moveq  r0, #0
		0x13a00001, // movne  r0, #1
		0xe8bd00f0, // pop    {r4, r5, r6, r7}
		0xe2700000, // rsbs   r0, r0, #0
		0xe12fff1e, // bx     lr
	}},
	// __kuser_memory_barrier: nothing to order in one emulated CPU.
	{0xfa0, []uint32{0xe12fff1e}}, // bx lr
	// __kuser_cmpxchg(oldval r0, newval r1, ptr r2): r0 = 0 and C set
	// when *ptr was oldval (and is now newval), else r0 != 0, C clear.
	{0xfc0, []uint32{
		0xe5923000, // ldr   r3, [r2]
		0xe0533000, // subs  r3, r3, r0
		0x05821000, // streq r1, [r2]
		0xe2730000, // rsbs  r0, r3, #0
		0xe12fff1e, // bx    lr
	}},
	// __kuser_get_tls: r0 = TPIDRURO.
	{0xfe0, []uint32{
		0xee1d0f70, // mrc p15, 0, r0, c13, c0, 3
		0xe12fff1e, // bx  lr
	}},
	// __kuser_helper_version: how many 32-byte helper slots there are.
	{0xffc, []uint32{5}},
}

// kuserPlatforms lists where the kernel maps the helper page.
var kuserPlatforms = map[string]bool{"armel": true, "armhf": true}

// mapKuserHelpers puts the ARM kernel helpers at kuserPage: in a new
// page, or over what the core has there (qemu-user dumps its own page,
// whose helpers it emulates by trapping the pc there, not by code).
func (m *Machine) mapKuserHelpers() error {
	if !kuserPlatforms[m.Platform.Name] {
		return nil
	}
	if m.Memory.Find(kuserPage) == nil {
		r, err := memory.Alloc(kuserPage, memory.PageSize, memory.RX, "[vectors]")
		if err != nil {
			return err
		}
		if err := m.AddRegion(r); err != nil {
			return err
		}
	}
	for _, h := range kuserCode {
		b := make([]byte, 4*len(h.insns))
		for i, insn := range h.insns {
			binary.LittleEndian.PutUint32(b[4*i:], insn)
		}
		if err := m.WriteBytes(kuserPage+h.at, b); err != nil {
			return fmt.Errorf("ARM kernel helpers: %w", err)
		}
	}
	return nil
}

// Libraries lists the shared objects RestoreLibs found, with their load
// biases.
func (m *Machine) Libraries() []LinkMap {
	out := make([]LinkMap, len(m.objects))
	for i, o := range m.objects {
		out[i] = LinkMap{Addr: o.Bias, Name: o.Name}
	}
	return out
}

// stdioFiles maps the guest libc's FILE* of stdin, stdout and stderr to
// descriptors 0, 1 and 2, for the models (model.Binding.Files): libc
// exports them as pointer variables, read here from memory.
func (m *Machine) stdioFiles() map[uint64]int {
	files := map[uint64]int{}
	for fd, name := range []string{"stdin", "stdout", "stderr"} {
		addr, ok := m.symbol(name)
		if !ok {
			continue
		}
		if fp, err := m.Memory.Uint(addr, m.Platform.WordSize); err == nil && fp != 0 {
			files[fp] = fd
		}
	}
	return files
}
