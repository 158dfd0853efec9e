package unicorn

// #include "shim.h"
import "C"

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"os"
	"sync"
	"unsafe"
)

// Direct access to the general registers.
//
// A cgo call costs 25-40 ns on the machines we measured, and a register
// read or write through uc_reg_read/uc_reg_write is one: a function model
// that reads three arguments and sets a result would spend most of its
// 100 ns budget crossing into C. Yet uc_reg_read of a general register
// only copies a word of QEMU's CPU state (env->regs[i] on x86,
// env->xregs[i] on AArch64, env->regs[i] on ARM, active_tc.gpr[i] on MIPS,
// env->gpr[i] on PPC), and that word is where TCG keeps the register
// whenever a hook runs (Unicorn's hook helpers make TCG save its globals
// before the call and reload them after) and whenever no run is going on.
// So the binding finds that array in memory and reads and writes those
// words itself.
//
// Finding it uses no knowledge of QEMU's structure layouts but one: the
// uc_struct field holding the CPU object (ucCPUOffset). For the first
// engine of a platform the binding writes distinct random values to every
// register of the array with uc_reg_write, reads the CPU object through
// /proc/self/mem (which reports unmapped memory as an error instead of
// crashing), and searches for the values in register order: they must
// occur exactly once. Every later engine checks the layout again with two
// fresh values before using it. If anything fails, the engine keeps using
// uc_reg_read and uc_reg_write (only slower). The pc, flags, segment and
// wide registers always go through Unicorn.

// ucCPUOffset is the offset of uc_struct.cpu in Unicorn 2.0.1 as Debian
// builds it for x86-64 (from the disassembly of cpu_*_init, which store
// the new CPU there). Validation catches any other layout.
const ucCPUOffset = 0x180

// cpuScan bounds the search in the CPU object (QEMU's are 40-110 KiB).
const cpuScan = 256 << 10

type gprLayout struct {
	ok  bool
	off uintptr // offset of slot 0 from the CPU object
}

var (
	layoutMu sync.Mutex
	layouts  = map[string]*gprLayout{}

	procMemOnce sync.Once
	procMem     *os.File
)

func readProcMem(addr uintptr, buf []byte) bool {
	procMemOnce.Do(func() { procMem, _ = os.Open("/proc/self/mem") })
	if procMem == nil || addr == 0 {
		return false
	}
	n, err := procMem.ReadAt(buf, int64(addr))
	return err == nil && n == len(buf)
}

// gprSlots returns the Unicorn ids of the platform's general register
// array, by slot; -1 marks a slot left alone (MIPS $zero).
func (d *platformDef) gprSlots() []C.int {
	ids := make([]C.int, len(d.gprs))
	for i, n := range d.gprs {
		ids[i] = -1
		if r, ok := d.index[n]; ok && n != "" {
			ids[i] = r.id
		}
	}
	return ids
}

// setupFastRegs finds the general register array of a new engine.
func (e *Engine) setupFastRegs() {
	d := e.def
	if len(d.gprs) == 0 || d.gprSize == 0 {
		return
	}
	layoutMu.Lock()
	l := layouts[e.p.Name]
	if l == nil {
		l = &gprLayout{}
		l.off, l.ok = e.findGPRs()
		layouts[e.p.Name] = l
	}
	layoutMu.Unlock()
	if !l.ok {
		return
	}
	cpu, ok := e.cpuObject()
	if !ok {
		return
	}
	base := cpu + l.off
	// Check with fresh values in the first and last slots used.
	ids := d.gprSlots()
	size := d.gprSize
	check := func(slot int) bool {
		v := rand.Uint64() & masks[min(size, int(d.meta[ids[slot]].size))]
		if r := C.uc_reg_write(e.uc, ids[slot], unsafe.Pointer(&v)); r != C.UC_ERR_OK {
			return false
		}
		got := make([]byte, size)
		ok := readProcMem(base+uintptr(slot*size), got)
		zero := uint64(0)
		C.uc_reg_write(e.uc, ids[slot], unsafe.Pointer(&zero))
		return ok && leUint(got) == v
	}
	first, last := -1, -1
	for i, id := range ids {
		if id >= 0 {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	if first < 0 || !check(first) || !check(last) {
		return
	}
	// /proc/self/mem showed uc->cpu readable and the array at base: now
	// take the same pointer as an unsafe.Pointer from Unicorn's memory.
	cpuPtr := *(*unsafe.Pointer)(unsafe.Add(unsafe.Pointer(e.uc), ucCPUOffset))
	if uintptr(cpuPtr) != cpu {
		return
	}
	e.gpr = unsafe.Add(cpuPtr, l.off)
}

// cpuObject returns the address of the engine's QEMU CPU object.
func (e *Engine) cpuObject() (uintptr, bool) {
	var p [8]byte
	if !readProcMem(uintptr(unsafe.Pointer(e.uc))+ucCPUOffset, p[:]) {
		return 0, false
	}
	cpu := uintptr(binary.LittleEndian.Uint64(p[:]))
	return cpu, cpu != 0
}

// findGPRs searches the CPU object for the register array.
func (e *Engine) findGPRs() (uintptr, bool) {
	d := e.def
	ids := d.gprSlots()
	size := d.gprSize
	vals := make([]uint64, len(ids))
	seen := map[uint64]bool{0: true}
	for i, id := range ids {
		if id < 0 {
			continue
		}
		w := min(size, int(d.meta[id].size)) // i386: 4-byte registers in 8-byte slots
		v := rand.Uint64() & masks[w]
		for seen[v] || v>>(8*w-8) == 0 { // distinct, full width
			v = rand.Uint64() & masks[w]
		}
		seen[v] = true
		vals[i] = v
		if r := C.uc_reg_write(e.uc, id, unsafe.Pointer(&v)); r != C.UC_ERR_OK {
			return 0, false
		}
	}
	defer func() {
		for _, id := range ids {
			if id >= 0 {
				zero := uint64(0)
				C.uc_reg_write(e.uc, id, unsafe.Pointer(&zero))
			}
		}
	}()
	cpu, ok := e.cpuObject()
	if !ok {
		return 0, false
	}
	// Read the object page by page until unmapped memory or cpuScan.
	var mem []byte
	page := make([]byte, 4096)
	start := cpu &^ 4095
	for a := start; a < cpu+cpuScan; a += 4096 {
		if !readProcMem(a, page) {
			break
		}
		mem = append(mem, page...)
	}
	skip := int(cpu - start)
	if len(mem) <= skip {
		return 0, false
	}
	mem = mem[skip:]
	first := -1
	for i, id := range ids {
		if id >= 0 {
			first = i
			break
		}
	}
	if first < 0 {
		return 0, false
	}
	needle := make([]byte, size)
	putLE(needle, vals[first])
	found, at := 0, 0
	for off := 0; off+len(ids)*size <= len(mem); {
		i := bytes.Index(mem[off:], needle)
		if i < 0 {
			break
		}
		cand := off + i - first*size
		if cand >= 0 && (off+i)%size == 0 && cand+len(ids)*size <= len(mem) {
			match := true
			for s, id := range ids {
				if id >= 0 && leUint(mem[cand+s*size:cand+(s+1)*size]) != vals[s] {
					match = false
					break
				}
			}
			if match {
				found++
				at = cand
			}
		}
		off += i + 1
	}
	if found != 1 {
		return 0, false
	}
	return uintptr(at), true
}

func leUint(b []byte) uint64 {
	var v uint64
	for i := len(b) - 1; i >= 0; i-- {
		v = v<<8 | uint64(b[i])
	}
	return v
}

// fastRead and fastWrite access slot s of the register array.
func (e *Engine) fastRead(s int, size uint8) uint64 {
	p := unsafe.Add(e.gpr, s*e.def.gprSize)
	if e.def.gprSize == 8 {
		return *(*uint64)(p) & masks[size]
	}
	return uint64(*(*uint32)(p)) & masks[size]
}

func (e *Engine) fastWrite(s int, v uint64) {
	p := unsafe.Add(e.gpr, s*e.def.gprSize)
	if e.def.gprSize == 8 {
		*(*uint64)(p) = v
		return
	}
	*(*uint32)(p) = uint32(v)
}

// ucReadReg and ucWriteReg always go through Unicorn (tests compare them
// with the direct path).
func (e *Engine) ucReadReg(id C.int) uint64 {
	var v uint64
	C.uc_reg_read(e.uc, id, unsafe.Pointer(&v))
	return v
}

func (e *Engine) ucWriteReg(id C.int, v uint64) {
	C.uc_reg_write(e.uc, id, unsafe.Pointer(&v))
}
