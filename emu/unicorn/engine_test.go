package unicorn

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/smallworld-go/smallworld/cpu"
	"github.com/smallworld-go/smallworld/emu"
	"github.com/smallworld-go/smallworld/memory"
	"github.com/smallworld-go/smallworld/platform"
)

// Guest code in these tests is amd64 machine code assembled by hand; each
// instruction is commented with its assembly.

const (
	codeAddr = 0x10000 // one page of RWX code
	dataAddr = 0x20000 // one page of RW data
)

func newEngine(t testing.TB, p *platform.Platform) *Engine {
	t.Helper()
	e, err := New(p)
	if err != nil {
		t.Fatalf("New(%s): %v", p.Name, err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

// amd64 returns an engine with code at codeAddr (the rest of the page is
// zero) and a data page at dataAddr.
func amd64(t testing.TB, code ...[]byte) *Engine {
	t.Helper()
	e := newEngine(t, platform.AMD64)
	must(t, e.Map(codeAddr, 0x1000, memory.RWX))
	must(t, e.Map(dataAddr, 0x1000, memory.RW))
	must(t, e.WriteMem(codeAddr, slices.Concat(code...)))
	return e
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func id(t testing.TB, e *Engine, name string) emu.RegID {
	t.Helper()
	r, err := e.RegID(name)
	must(t, err)
	return r
}

func get(t testing.TB, e *Engine, name string) uint64 {
	t.Helper()
	v, err := e.ReadReg(id(t, e, name))
	must(t, err)
	return v
}

func set(t testing.TB, e *Engine, name string, v uint64) {
	t.Helper()
	must(t, e.WriteReg(id(t, e, name), v))
}

func le32(v uint32) []byte { return []byte{byte(v), byte(v >> 8), byte(v >> 16), byte(v >> 24)} }

func le64(v uint64) []byte { return append(le32(uint32(v)), le32(uint32(v>>32))...) }

// amd64 instructions.
var (
	nop        = []byte{0x90}
	syscallIns = []byte{0x0f, 0x05}
	ud2        = []byte{0x0f, 0x0b}
	int3       = []byte{0xcc}
	addRax1    = []byte{0x48, 0x83, 0xc0, 0x01} // add rax, 1
	incRcx     = []byte{0x48, 0xff, 0xc1}       // inc rcx
	decRcx     = []byte{0x48, 0xff, 0xc9}       // dec rcx
	storeRbx   = []byte{0x48, 0x89, 0x03}       // mov [rbx], rax
	loadRbx    = []byte{0x48, 0x8b, 0x0b}       // mov rcx, [rbx]
	jmpSelf    = []byte{0xeb, 0xfe}             // jmp $
)

func movRax(v uint32) []byte { return append([]byte{0x48, 0xc7, 0xc0}, le32(v)...) } // mov rax, imm32
func movRbx(v uint32) []byte { return append([]byte{0x48, 0xc7, 0xc3}, le32(v)...) } // mov rbx, imm32
func jmp8(off int8) []byte   { return []byte{0xeb, byte(off)} }                      // jmp rel8
func jnz8(off int8) []byte   { return []byte{0x75, byte(off)} }                      // jnz rel8

func TestRunToExit(t *testing.T) {
	code := slices.Concat(movRax(0x1234), addRax1, nop) // 7 + 4 + 1 bytes
	e := amd64(t, code)
	exit := uint64(codeAddr + len(code))
	must(t, e.SetExits([]uint64{exit}))
	must(t, e.Start(codeAddr, emu.StartOptions{}))
	if v := get(t, e, "rax"); v != 0x1235 {
		t.Errorf("rax = %#x, want 0x1235", v)
	}
	if v := get(t, e, "rip"); v != exit {
		t.Errorf("rip = %#x, want the exit %#x", v, exit)
	}
	// Without exits nothing stops at 0: the zero bytes after the code
	// (add [rax], al) fault on the unmapped address 0x1235.
	must(t, e.SetExits(nil))
	err := e.Start(codeAddr, emu.StartOptions{})
	var ue *Error
	if !errors.As(err, &ue) || ue.Code != UC_ERR_READ_UNMAPPED {
		t.Errorf("run without exits: %v, want UC_ERR_READ_UNMAPPED", err)
	}
}

func TestCodeHook(t *testing.T) {
	code := slices.Concat(movRax(1), addRax1, nop, addRax1)
	e := amd64(t, code)
	must(t, e.SetExits([]uint64{codeAddr + uint64(len(code))}))
	type hit struct {
		addr uint64
		size uint32
	}
	var all, ranged []hit
	_, err := e.HookCode(1, 0, func(a uint64, s uint32) { all = append(all, hit{a, s}) })
	must(t, err)
	_, err = e.HookCode(codeAddr+7, codeAddr+11, func(a uint64, s uint32) { ranged = append(ranged, hit{a, s}) })
	must(t, err)
	must(t, e.Start(codeAddr, emu.StartOptions{}))
	want := []hit{{codeAddr, 7}, {codeAddr + 7, 4}, {codeAddr + 11, 1}, {codeAddr + 12, 4}}
	if !slices.Equal(all, want) {
		t.Errorf("code hook everywhere: %x, want %x", all, want)
	}
	if !slices.Equal(ranged, want[1:3]) {
		t.Errorf("code hook on [+7, +11]: %x, want %x", ranged, want[1:3])
	}
}

func TestBlockHook(t *testing.T) {
	// 0: jmp +3 ; 2: nop x3 (skipped) ; 5: add rax,1 ; 9: nop ; 10: exit
	code := slices.Concat(jmp8(3), nop, nop, nop, addRax1, nop)
	e := amd64(t, code)
	must(t, e.SetExits([]uint64{codeAddr + 10}))
	type blk struct {
		addr uint64
		size uint32
	}
	var got []blk
	_, err := e.HookBlock(1, 0, func(a uint64, s uint32) { got = append(got, blk{a, s}) })
	must(t, err)
	must(t, e.Start(codeAddr, emu.StartOptions{}))
	want := []blk{{codeAddr, 2}, {codeAddr + 5, 5}}
	if !slices.Equal(got, want) {
		t.Errorf("blocks %x, want %x", got, want)
	}
}

func TestMemHooks(t *testing.T) {
	code := slices.Concat(movRax(0xdeadbeef), movRbx(dataAddr+8), storeRbx, loadRbx, nop)
	e := amd64(t, code)
	must(t, e.SetExits([]uint64{codeAddr + uint64(len(code)) - 1}))
	type acc struct {
		a     emu.Access
		addr  uint64
		size  int
		value int64
	}
	var got []acc
	_, err := e.HookMem(emu.AccessRead|emu.AccessWrite, dataAddr, dataAddr+0xfff, func(a emu.Access, addr uint64, size int, v int64) bool {
		got = append(got, acc{a, addr, size, v})
		return true
	})
	must(t, err)
	var fetches int
	_, err = e.HookMem(emu.AccessFetch, codeAddr, codeAddr+0xfff, func(a emu.Access, addr uint64, size int, v int64) bool {
		if a != emu.AccessFetch {
			t.Errorf("fetch hook got %v", a)
		}
		fetches++
		return true
	})
	must(t, err)
	must(t, e.Start(codeAddr, emu.StartOptions{}))
	want := []acc{
		{emu.AccessWrite, dataAddr + 8, 8, 0xdeadbeef}, // mov rax, imm32 sign-extends
		{emu.AccessRead, dataAddr + 8, 8, 0xdeadbeef},
	}
	want[0].value = int64(int32(-559038737)) // 0xffffffffdeadbeef
	want[1].value = want[0].value
	if !slices.Equal(got, want) {
		t.Errorf("data accesses %+v, want %+v", got, want)
	}
	if fetches == 0 {
		t.Error("fetch hook never ran")
	}
	if v := get(t, e, "rcx"); v != 0xffffffffdeadbeef {
		t.Errorf("rcx = %#x", v)
	}
}

func TestInvalidMem(t *testing.T) {
	type fault struct {
		a    emu.Access
		f    emu.MemFault
		addr uint64
		size int
	}
	cases := []struct {
		name  string
		setup func(t *testing.T, e *Engine)
		code  []byte
		want  fault
		code_ int
	}{
		{"read unmapped", nil, slices.Concat(movRbx(0x7000), loadRbx),
			fault{emu.AccessRead, emu.FaultUnmapped, 0x7000, 8}, UC_ERR_READ_UNMAPPED},
		{"write unmapped", nil, slices.Concat(movRbx(0x7008), storeRbx),
			fault{emu.AccessWrite, emu.FaultUnmapped, 0x7008, 8}, UC_ERR_WRITE_UNMAPPED},
		{"fetch unmapped", nil, []byte{0xe9, 0xfb, 0x6f, 0xff, 0xff}, // jmp 0x7000
			fault{emu.AccessFetch, emu.FaultUnmapped, 0x7000, 1}, UC_ERR_FETCH_UNMAPPED},
		{"write protected", func(t *testing.T, e *Engine) { must(t, e.Protect(dataAddr, 0x1000, memory.R)) },
			slices.Concat(movRbx(dataAddr+16), storeRbx),
			fault{emu.AccessWrite, emu.FaultProt, dataAddr + 16, 8}, UC_ERR_WRITE_PROT},
		{"read protected", func(t *testing.T, e *Engine) { must(t, e.Protect(dataAddr, 0x1000, 0)) },
			slices.Concat(movRbx(dataAddr+24), loadRbx),
			fault{emu.AccessRead, emu.FaultProt, dataAddr + 24, 8}, UC_ERR_READ_PROT},
		{"fetch protected", nil, []byte{0xe9, 0xfb, 0xff, 0x00, 0x00}, // jmp 0x20000 (RW, not X)
			fault{emu.AccessFetch, emu.FaultProt, dataAddr, 1}, UC_ERR_FETCH_PROT},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := amd64(t, c.code)
			if c.setup != nil {
				c.setup(t, e)
			}
			var got []fault
			_, err := e.HookInvalidMem(func(a emu.Access, f emu.MemFault, addr uint64, size int) bool {
				got = append(got, fault{a, f, addr, size})
				return false
			})
			must(t, err)
			err = e.Start(codeAddr, emu.StartOptions{})
			var ue *Error
			if !errors.As(err, &ue) || ue.Code != c.code_ {
				t.Fatalf("Start: %v, want code %d", err, c.code_)
			}
			if len(got) != 1 || got[0].a != c.want.a || got[0].f != c.want.f || got[0].addr != c.want.addr {
				t.Fatalf("faults %+v, want %+v", got, c.want)
			}
			if got[0].size != c.want.size {
				t.Logf("size %d (want %d)", got[0].size, c.want.size)
			}
		})
	}
}

func TestInvalidMemRetry(t *testing.T) {
	// The hook maps the missing page and the read is retried.
	e := amd64(t, movRbx(0x7000), loadRbx, nop)
	must(t, e.SetExits([]uint64{codeAddr + 10}))
	_, err := e.HookInvalidMem(func(a emu.Access, f emu.MemFault, addr uint64, size int) bool {
		must(t, e.Map(addr&^0xfff, 0x1000, memory.RW))
		must(t, e.WriteMem(addr, le64(0x1122334455667788)))
		return true
	})
	must(t, err)
	must(t, e.Start(codeAddr, emu.StartOptions{}))
	if v := get(t, e, "rcx"); v != 0x1122334455667788 {
		t.Errorf("rcx = %#x after the hook mapped the page", v)
	}
}

func TestMapRegionShares(t *testing.T) {
	mmapped, err := memory.Alloc(dataAddr, 0x3000, memory.RW, "anon")
	must(t, err)
	defer mmapped.Release()
	goMem := memory.NewRegion(dataAddr, make([]byte, 0x3000), memory.RW, "go")
	for _, r := range []*memory.Region{mmapped, goMem} {
		t.Run(r.Name, func(t *testing.T) {
			e := newEngine(t, platform.AMD64)
			must(t, e.Map(codeAddr, 0x1000, memory.RWX))
			must(t, e.MapRegion(r))
			// mov [rbx], rax ; mov rcx, [rbx+8]
			code := slices.Concat(storeRbx, []byte{0x48, 0x8b, 0x4b, 0x08}, nop)
			must(t, e.WriteMem(codeAddr, code))
			must(t, e.SetExits([]uint64{codeAddr + 7}))
			for _, off := range []uint64{0x10, 0x1ff0, 0x2ff0} {
				copy(r.Data[off+8:], le64(0xabcdef0012345678+off)) // host writes, guest reads
				set(t, e, "rax", 0x55aa55aa+off)
				set(t, e, "rbx", dataAddr+off)
				must(t, e.Start(codeAddr, emu.StartOptions{}))
				if got := r.Data[off : off+8]; !bytes.Equal(got, le64(0x55aa55aa+off)) {
					t.Errorf("+%#x: guest write not in the host slice: % x", off, got)
				}
				if v := get(t, e, "rcx"); v != 0xabcdef0012345678+off {
					t.Errorf("+%#x: guest read %#x, not the host's bytes", off, v)
				}
				if off == 0x10 {
					// Split the mapping: middle page read-only. The binding
					// splits uc_mem_map_ptr mappings itself (see splitAt).
					must(t, e.Protect(dataAddr+0x1000, 0x1000, memory.R))
					must(t, e.Protect(dataAddr+0x1000, 0x1000, memory.RW))
				}
			}
			regs, err := e.Regions()
			must(t, err)
			if len(regs) != 4 {
				t.Errorf("regions after the split: %+v", regs)
			}
			// Unmap the middle page: the others stay shared.
			must(t, e.Unmap(dataAddr+0x1000, 0x1000))
			r.Data[0x2000] = 0x77
			var b [1]byte
			must(t, e.ReadMem(dataAddr+0x2000, b[:]))
			if b[0] != 0x77 {
				t.Errorf("after Unmap of the middle page the last page is not shared")
			}
		})
	}
}

func TestMapErrors(t *testing.T) {
	e := newEngine(t, platform.AMD64)
	must(t, e.Map(0x1000, 0x2000, memory.RW))
	err := e.Map(0x1000, 0x2000, memory.RW)
	if err == nil || err.Error() != "unicorn: mem_map 0x1000+0x2000: Invalid memory mapping (UC_ERR_MAP)" {
		t.Errorf("overlapping Map: %v", err)
	}
	var ue *Error
	if !errors.As(err, &ue) || ue.Code != UC_ERR_MAP || ue.Op != "mem_map 0x1000+0x2000" {
		t.Errorf("error fields: %#v", ue)
	}
	if err := e.Map(0x5000, 0x1001, memory.RW); err == nil || !strings.Contains(err.Error(), "multiples of 0x1000") {
		t.Errorf("unaligned size: %v", err)
	}
	r := memory.NewRegion(0x9800, make([]byte, 0x1000), memory.RW, "odd")
	if err := e.MapRegion(r); err == nil || !strings.Contains(err.Error(), "mem_map_ptr odd 0x9800+0x1000") {
		t.Errorf("unaligned region: %v", err)
	}
	if err := e.ReadMem(0x100000, make([]byte, 4)); err == nil || !strings.Contains(err.Error(), "UC_ERR_READ_UNMAPPED") {
		t.Errorf("ReadMem unmapped: %v", err)
	}
}

func TestSyscall(t *testing.T) {
	// 0: mov rax, 60 ; 7: syscall ; 9: add rax, 1 ; 13: nop ; 14: exit
	code := slices.Concat(movRax(60), syscallIns, addRax1, nop)
	e := amd64(t, code)
	must(t, e.SetExits([]uint64{codeAddr + 14}))
	var rip, rax uint64
	_, err := e.HookSyscall(func() {
		rip = get(t, e, "rip")
		rax = get(t, e, "rax")
		set(t, e, "rax", 100)
	})
	must(t, err)
	must(t, e.Start(codeAddr, emu.StartOptions{}))
	if rip != codeAddr+9 {
		t.Errorf("rip in the hook = %#x, want %#x (past the syscall)", rip, codeAddr+9)
	}
	if rax != 60 {
		t.Errorf("rax in the hook = %d", rax)
	}
	if v := get(t, e, "rax"); v != 101 {
		t.Errorf("rax after = %d, want 101", v)
	}

	// A hook that writes rip: execution goes on there (skipping the add).
	e2 := amd64(t, code)
	must(t, e2.SetExits([]uint64{codeAddr + 14}))
	_, err = e2.HookSyscall(func() { set(t, e2, "rip", codeAddr+13) })
	must(t, err)
	must(t, e2.Start(codeAddr, emu.StartOptions{}))
	if v := get(t, e2, "rax"); v != 60 {
		t.Errorf("rax = %d: the hook's rip was not where execution went on", v)
	}
	if v := get(t, e2, "rip"); v != codeAddr+14 {
		t.Errorf("rip = %#x", v)
	}

	// A hook that stops: Start returns with rip past the syscall.
	e3 := amd64(t, code)
	_, err = e3.HookSyscall(func() { must(t, e3.Stop()) })
	must(t, err)
	must(t, e3.Start(codeAddr, emu.StartOptions{}))
	if v := get(t, e3, "rip"); v != codeAddr+9 {
		t.Errorf("rip after a stop in the syscall hook = %#x, want %#x", v, codeAddr+9)
	}
}

func TestInvalidInsn(t *testing.T) {
	code := slices.Concat(nop, ud2, nop)
	t.Run("no hook", func(t *testing.T) {
		e := amd64(t, code)
		err := e.Start(codeAddr, emu.StartOptions{})
		var ue *Error
		if !errors.As(err, &ue) || ue.Code != UC_ERR_INSN_INVALID {
			t.Fatalf("Start: %v, want UC_ERR_INSN_INVALID", err)
		}
		if v := get(t, e, "rip"); v != codeAddr+1 {
			t.Errorf("rip = %#x, want the ud2 at %#x", v, codeAddr+1)
		}
	})
	for _, handled := range []bool{false, true} {
		name := map[bool]string{false: "hook returns false", true: "hook returns true"}[handled]
		t.Run(name, func(t *testing.T) {
			e := amd64(t, code)
			var calls int
			var rip uint64
			_, err := e.HookInvalidInsn(func() bool {
				calls++
				rip = get(t, e, "rip")
				return handled
			})
			must(t, err)
			err = e.Start(codeAddr, emu.StartOptions{})
			if calls != 1 || rip != codeAddr+1 {
				t.Errorf("hook ran %d times, rip %#x", calls, rip)
			}
			var ue *Error
			if handled && err != nil {
				t.Errorf("Start after a handled invalid instruction: %v", err)
			}
			if !handled && (!errors.As(err, &ue) || ue.Code != UC_ERR_INSN_INVALID) {
				t.Errorf("Start: %v, want UC_ERR_INSN_INVALID", err)
			}
		})
	}
}

func TestInterrupt(t *testing.T) {
	code := slices.Concat(nop, int3, nop, nop)
	e := amd64(t, code)
	must(t, e.SetExits([]uint64{codeAddr + 3}))
	err := e.Start(codeAddr, emu.StartOptions{})
	var ue *Error
	if !errors.As(err, &ue) || ue.Code != UC_ERR_EXCEPTION || !strings.Contains(err.Error(), "CPU exception 3 at pc 0x10002") {
		t.Fatalf("int3 without a hook: %v", err)
	}
	// A syscall hook alone does not swallow other exceptions.
	_, err = e.HookSyscall(func() {})
	must(t, err)
	err = e.Start(codeAddr, emu.StartOptions{})
	if !errors.As(err, &ue) || ue.Code != UC_ERR_EXCEPTION || !strings.Contains(err.Error(), "CPU exception 3") {
		t.Fatalf("int3 with only a syscall hook: %v", err)
	}
	var got []uint32
	h, err := e.HookInterrupt(func(n uint32) { got = append(got, n) })
	must(t, err)
	must(t, e.Start(codeAddr, emu.StartOptions{}))
	if !slices.Equal(got, []uint32{3}) {
		t.Errorf("interrupts %v, want [3]", got)
	}
	must(t, e.RemoveHook(h))
	if err := e.Start(codeAddr, emu.StartOptions{}); err == nil {
		t.Error("int3 after RemoveHook: no error")
	}
}

func TestXMM(t *testing.T) {
	code := []byte{0x66, 0x0f, 0x6f, 0xc8, // movdqa xmm1, xmm0
		0x66, 0x45, 0x0f, 0x6f, 0xf9} // movdqa xmm15, xmm9
	e := amd64(t, code, nop)
	must(t, e.SetExits([]uint64{codeAddr + uint64(len(code))}))
	v0 := []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}
	v9 := []byte{0xf0, 0xe1, 0xd2, 0xc3, 0xb4, 0xa5, 0x96, 0x87, 0x78, 0x69, 0x5a, 0x4b, 0x3c, 0x2d, 0x1e, 0x0f}
	must(t, e.SetRegBytes(id(t, e, "xmm0"), v0))
	must(t, e.SetRegBytes(id(t, e, "xmm9"), v9))
	must(t, e.Start(codeAddr, emu.StartOptions{}))
	for name, want := range map[string][]byte{"xmm0": v0, "xmm1": v0, "xmm9": v9, "xmm15": v9} {
		got, err := e.RegBytes(id(t, e, name))
		must(t, err)
		if !bytes.Equal(got, want) {
			t.Errorf("%s = % x, want % x", name, got, want)
		}
	}
	if _, err := e.ReadReg(id(t, e, "xmm0")); err == nil {
		t.Error("ReadReg(xmm0) did not fail")
	}
	if err := e.WriteReg(id(t, e, "xmm0"), 1); err == nil {
		t.Error("WriteReg(xmm0) did not fail")
	}
	if err := e.SetRegBytes(id(t, e, "xmm0"), make([]byte, 17)); err == nil {
		t.Error("SetRegBytes(xmm0, 17 bytes) did not fail")
	}
	// Short input is zero-extended.
	must(t, e.SetRegBytes(id(t, e, "xmm2"), []byte{0xff}))
	got, _ := e.RegBytes(id(t, e, "xmm2"))
	if !bytes.Equal(got, append([]byte{0xff}, make([]byte, 15)...)) {
		t.Errorf("xmm2 = % x", got)
	}
}

func TestX87(t *testing.T) {
	e := amd64(t, nop)
	one := []byte{0, 0, 0, 0, 0, 0, 0, 0x80, 0xff, 0x3f} // 1.0 as an 80-bit float
	must(t, e.SetRegBytes(id(t, e, "st0"), one))
	got, err := e.RegBytes(id(t, e, "st0"))
	must(t, err)
	if !bytes.Equal(got, one) {
		t.Errorf("st0 = % x", got)
	}
	set(t, e, "fctrl", 0x37f)
	set(t, e, "mxcsr", 0x1f80)
	set(t, e, "fop", 0x7ab)
	for name, want := range map[string]uint64{"fctrl": 0x37f, "mxcsr": 0x1f80, "fop": 0x7ab} {
		if v := get(t, e, name); v != want {
			t.Errorf("%s = %#x, want %#x", name, v, want)
		}
	}
}

func TestAliases(t *testing.T) {
	e := amd64(t, nop)
	set(t, e, "rax", 0x1122334455667788)
	for name, want := range map[string]uint64{"eax": 0x55667788, "ax": 0x7788, "al": 0x88, "ah": 0x77} {
		if v := get(t, e, name); v != want {
			t.Errorf("%s = %#x, want %#x", name, v, want)
		}
	}
	set(t, e, "ah", 0xee)
	if v := get(t, e, "rax"); v != 0x112233445566ee88 {
		t.Errorf("rax after ah = %#x", v)
	}
	set(t, e, "r9", ^uint64(0))
	set(t, e, "r9b", 0)
	if v := get(t, e, "r9"); v != 0xffffffffffffff00 {
		t.Errorf("r9 after r9b = %#x", v)
	}
	set(t, e, "eflags", 0x246)
	if v := get(t, e, "eflags"); v != 0x246 {
		t.Errorf("eflags = %#x", v)
	}
}

func TestFSGSBase(t *testing.T) {
	// mov rax, fs:[0] ; mov rcx, gs:[8] ; nop
	code := []byte{0x64, 0x48, 0x8b, 0x04, 0x25, 0, 0, 0, 0, 0x65, 0x48, 0x8b, 0x0c, 0x25, 8, 0, 0, 0}
	e := amd64(t, code, nop)
	must(t, e.SetExits([]uint64{codeAddr + uint64(len(code))}))
	must(t, e.WriteMem(dataAddr+0x100, le64(0x1111)))
	must(t, e.WriteMem(dataAddr+0x208, le64(0x2222)))

	// The selectors first, then the bases (the order the binding needs).
	set(t, e, "fs", 0)
	set(t, e, "gs", 0)
	set(t, e, "fs_base", dataAddr+0x100)
	set(t, e, "gs_base", dataAddr+0x200)
	must(t, e.Start(codeAddr, emu.StartOptions{}))
	if a, c := get(t, e, "rax"), get(t, e, "rcx"); a != 0x1111 || c != 0x2222 {
		t.Errorf("fs:[0] = %#x, gs:[8] = %#x", a, c)
	}
	if v := get(t, e, "fs_base"); v != dataAddr+0x100 {
		t.Errorf("fs_base = %#x", v)
	}

	// The other order loses the base: writing fs loads it from the GDT.
	set(t, e, "fs_base", 0x1234000)
	set(t, e, "fs", 0)
	if v := get(t, e, "fs_base"); v != 0 {
		t.Errorf("fs_base after writing fs = %#x; Unicorn no longer clobbers it: update the docs", v)
	}
	// A non-null selector needs a GDT entry.
	err := e.WriteReg(id(t, e, "fs"), 0x63)
	var ue *Error
	if !errors.As(err, &ue) || ue.Code != UC_ERR_EXCEPTION {
		t.Errorf("fs = 0x63 without a GDT: %v", err)
	}
}

func TestSegmentSelectors64(t *testing.T) {
	// In 64-bit mode Unicorn stores cs, ss, ds and es as given.
	e := amd64(t, nop)
	for name, v := range map[string]uint64{"cs": 0x33, "ss": 0x2b, "ds": 0, "es": 0x2b} {
		set(t, e, name, v)
		if got := get(t, e, name); got != v {
			t.Errorf("%s = %#x, want %#x", name, got, v)
		}
	}
	must(t, e.SetExits([]uint64{codeAddr + 1}))
	must(t, e.Start(codeAddr, emu.StartOptions{}))
}

func TestCountLimit(t *testing.T) {
	// loop: inc rcx ; jmp loop
	e := amd64(t, incRcx, jmp8(-5))
	must(t, e.Start(codeAddr, emu.StartOptions{Count: 100}))
	if v := get(t, e, "rcx"); v != 50 {
		t.Errorf("rcx = %d after 100 instructions, want 50", v)
	}
	// A later run without a count has no limit left over: a hook stops
	// it after 200 rounds of the loop (a timeout could expire before
	// 100 instructions on a loaded machine).
	rounds := 0
	_, err := e.HookCode(codeAddr, codeAddr, func(uint64, uint32) {
		if rounds++; rounds == 200 {
			must(t, e.Stop())
		}
	})
	must(t, err)
	must(t, e.Start(codeAddr, emu.StartOptions{}))
	if v := get(t, e, "rcx"); v != 50+199 {
		t.Errorf("rcx = %d after 200 rounds, want %d: the second run stopped early", v, 50+199)
	}
}

func TestTimeout(t *testing.T) {
	e := amd64(t, jmpSelf)
	start := time.Now()
	must(t, e.Start(codeAddr, emu.StartOptions{Timeout: 50 * time.Millisecond}))
	if d := time.Since(start); d < 40*time.Millisecond || d > 5*time.Second {
		t.Errorf("Start with a 50ms timeout took %v", d)
	}
	if to, err := e.TimedOut(); err != nil || !to {
		t.Errorf("TimedOut = %v, %v", to, err)
	}
	must(t, e.SetExits([]uint64{codeAddr + 1}))
	must(t, e.WriteMem(codeAddr, nop))
	must(t, e.RemoveCache(codeAddr, codeAddr+2))
	must(t, e.Start(codeAddr, emu.StartOptions{Timeout: time.Second}))
	if to, _ := e.TimedOut(); to {
		t.Error("TimedOut after a run that reached its exit")
	}
}

// far is code that jumps to an exit 0x40 bytes on, so the block holding
// the code does not touch the exit (Unicorn drops blocks at exits after
// each run).
func far(code ...[]byte) (*[]byte, uint64) {
	c := slices.Concat(slices.Concat(code...), jmp8(0x40))
	exit := uint64(codeAddr + len(c) + 0x40)
	return &c, exit
}

func TestRemoveCache(t *testing.T) {
	code, exit := far(movRax(1))
	e := amd64(t, *code)
	must(t, e.SetExits([]uint64{exit}))
	must(t, e.Start(codeAddr, emu.StartOptions{}))
	must(t, e.WriteMem(codeAddr, movRax(2)))
	must(t, e.Start(codeAddr, emu.StartOptions{}))
	if v := get(t, e, "rax"); v != 1 {
		t.Logf("patched code ran without RemoveCache (rax = %d): Unicorn flushes more than it used to", v)
	}
	must(t, e.RemoveCache(codeAddr, codeAddr+0x1000))
	must(t, e.Start(codeAddr, emu.StartOptions{}))
	if v := get(t, e, "rax"); v != 2 {
		t.Errorf("rax = %d after RemoveCache, want 2", v)
	}
	// Huge and unmapped ranges are clipped to mapped memory (Unicorn
	// alone would walk 2^64 bytes from a mapped start).
	must(t, e.RemoveCache(0, ^uint64(0)))
	must(t, e.RemoveCache(codeAddr, ^uint64(0)))
	must(t, e.RemoveCache(0x7000000, 0x8000000))
}

func TestHookAddedAfterRun(t *testing.T) {
	code, exit := far(movRax(1), addRax1)
	e := amd64(t, *code)
	must(t, e.SetExits([]uint64{exit}))
	must(t, e.Start(codeAddr, emu.StartOptions{}))
	var hits int
	_, err := e.HookCode(codeAddr+7, codeAddr+7, func(uint64, uint32) { hits++ })
	must(t, err)
	must(t, e.Start(codeAddr, emu.StartOptions{}))
	if hits != 0 {
		t.Logf("a hook added after a run ran without RemoveCache (%d calls): Unicorn flushes more than it used to", hits)
	}
	must(t, e.RemoveCache(codeAddr, codeAddr+11))
	hits = 0
	must(t, e.Start(codeAddr, emu.StartOptions{}))
	if hits != 1 {
		t.Errorf("hook calls after RemoveCache = %d, want 1", hits)
	}
}

func TestExitAddedAfterRun(t *testing.T) {
	// Unicorn bakes exits into translated blocks; a block translated when
	// the address was not an exit would run through it.
	code := slices.Concat(nop, nop, nop, nop, addRax1, nop)
	e := amd64(t, code)
	must(t, e.SetExits([]uint64{codeAddr + 9}))
	must(t, e.Start(codeAddr, emu.StartOptions{}))
	must(t, e.SetExits([]uint64{codeAddr + 2}))
	set(t, e, "rax", 0)
	must(t, e.Start(codeAddr, emu.StartOptions{}))
	if pc, rax := get(t, e, "rip"), get(t, e, "rax"); pc != codeAddr+2 || rax != 0 {
		t.Errorf("new exit +2: stopped at %#x with rax %d", pc, rax)
	}
	must(t, e.SetExits([]uint64{codeAddr + 9}))
	must(t, e.Start(codeAddr, emu.StartOptions{}))
	if pc := get(t, e, "rip"); pc != codeAddr+9 {
		t.Errorf("old exit +2 still stops: rip %#x", pc)
	}
}

func TestStopFromHook(t *testing.T) {
	code := slices.Concat(movRax(1), addRax1, addRax1, addRax1, nop)
	t.Run("stop", func(t *testing.T) {
		e := amd64(t, code)
		_, err := e.HookCode(codeAddr+11, codeAddr+11, func(uint64, uint32) { must(t, e.Stop()) })
		must(t, err)
		must(t, e.Start(codeAddr, emu.StartOptions{}))
		if pc, rax := get(t, e, "rip"), get(t, e, "rax"); pc != codeAddr+11 || rax != 2 {
			t.Errorf("stopped at %#x with rax %d; want %#x, 2 (the hooked instruction does not run)", pc, rax, codeAddr+11)
		}
	})
	// Stop and a pc write in the same hook, in both orders: Unicorn 2.0.1
	// alone would cancel the stop and go on at the new pc.
	for _, order := range []string{"stop then pc", "pc then stop"} {
		t.Run(order, func(t *testing.T) {
			e := amd64(t, code)
			must(t, e.SetExits([]uint64{codeAddr + 19}))
			_, err := e.HookCode(codeAddr+7, codeAddr+7, func(uint64, uint32) {
				if order == "stop then pc" {
					must(t, e.Stop())
					set(t, e, "rip", codeAddr+15)
					if v := get(t, e, "rip"); v != codeAddr+15 {
						t.Errorf("rip read back in the hook = %#x", v)
					}
				} else {
					set(t, e, "rip", codeAddr+15)
					must(t, e.Stop())
				}
			})
			must(t, err)
			must(t, e.Start(codeAddr, emu.StartOptions{}))
			if pc, rax := get(t, e, "rip"), get(t, e, "rax"); pc != codeAddr+15 || rax != 1 {
				t.Errorf("ended at %#x with rax %d; want %#x, 1", pc, rax, codeAddr+15)
			}
			// The next run is normal again.
			must(t, e.Start(codeAddr+15, emu.StartOptions{}))
			if pc, rax := get(t, e, "rip"), get(t, e, "rax"); pc != codeAddr+19 || rax != 2 {
				t.Errorf("next run ended at %#x with rax %d", pc, rax)
			}
		})
	}
	// Unicorn 2.0.1 skips the remaining hooks of an instruction once one
	// wrote the pc; 2.1.1 runs them, and they see the new pc. A Stop ends
	// the chain in both.
	t.Run("two hooks", func(t *testing.T) {
		e := amd64(t, code)
		must(t, e.SetExits([]uint64{codeAddr + 19}))
		_, err := e.HookCode(codeAddr+7, codeAddr+7, func(uint64, uint32) { set(t, e, "rip", codeAddr+15) })
		must(t, err)
		second, secondPC := false, uint64(0)
		_, err = e.HookCode(codeAddr+7, codeAddr+7, func(uint64, uint32) { second, secondPC = true, get(t, e, "rip") })
		must(t, err)
		must(t, e.Start(codeAddr, emu.StartOptions{}))
		want := Version() != "2.0.1"
		if pc, rax := get(t, e, "rip"), get(t, e, "rax"); pc != codeAddr+19 || rax != 2 || second != want {
			t.Errorf("ended at %#x with rax %d, second hook ran: %v; want %#x, 2, %v", pc, rax, second, codeAddr+19, want)
		}
		if second && secondPC != codeAddr+15 {
			t.Errorf("second hook saw rip %#x, want the new pc %#x", secondPC, codeAddr+15)
		}
	})
	t.Run("stop ends the chain", func(t *testing.T) {
		e := amd64(t, code)
		_, err := e.HookCode(codeAddr+7, codeAddr+7, func(uint64, uint32) { must(t, e.Stop()) })
		must(t, err)
		second := false
		_, err = e.HookCode(codeAddr+7, codeAddr+7, func(uint64, uint32) { second = true })
		must(t, err)
		must(t, e.Start(codeAddr, emu.StartOptions{}))
		if pc := get(t, e, "rip"); pc != codeAddr+7 || second {
			t.Errorf("ended at %#x, second hook ran: %v; want %#x, false", pc, second, codeAddr+7)
		}
	})
	// Stop long after an earlier hook wrote the pc.
	t.Run("pc earlier", func(t *testing.T) {
		e := amd64(t, code)
		must(t, e.SetExits([]uint64{codeAddr + 19}))
		_, err := e.HookCode(codeAddr, codeAddr, func(uint64, uint32) { set(t, e, "rip", codeAddr+7) })
		must(t, err)
		_, err = e.HookCode(codeAddr+15, codeAddr+15, func(uint64, uint32) { must(t, e.Stop()) })
		must(t, err)
		must(t, e.Start(codeAddr, emu.StartOptions{}))
		if pc, rax := get(t, e, "rip"), get(t, e, "rax"); pc != codeAddr+15 || rax != 2 {
			t.Errorf("ended at %#x with rax %d; want %#x, 2", pc, rax, codeAddr+15)
		}
	})
}

func TestHookPanic(t *testing.T) {
	e := amd64(t, nop, nop, nop)
	_, err := e.HookCode(codeAddr+1, codeAddr+1, func(uint64, uint32) { panic("boom") })
	must(t, err)
	defer func() {
		if v := recover(); v != "boom" {
			t.Errorf("recovered %v", v)
		}
		// The engine is usable after the panic.
		must(t, e.SetExits([]uint64{codeAddr + 1}))
		must(t, e.Start(codeAddr, emu.StartOptions{}))
	}()
	e.Start(codeAddr, emu.StartOptions{})
	t.Error("Start did not panic")
}

func TestRemoveHook(t *testing.T) {
	e := amd64(t, nop, nop, nop)
	must(t, e.SetExits([]uint64{codeAddr + 3}))
	var hits int
	h, err := e.HookCode(1, 0, func(uint64, uint32) { hits++ })
	must(t, err)
	must(t, e.Start(codeAddr, emu.StartOptions{}))
	must(t, e.RemoveHook(h))
	if err := e.RemoveHook(h); err == nil {
		t.Error("second RemoveHook did not fail")
	}
	must(t, e.Start(codeAddr, emu.StartOptions{}))
	if hits != 3 {
		t.Errorf("hook ran %d times, want 3 (first run only)", hits)
	}
}

func TestContext(t *testing.T) {
	e := amd64(t, addRax1, nop)
	must(t, e.SetExits([]uint64{codeAddr + 4}))
	set(t, e, "rax", 10)
	must(t, e.SetRegBytes(id(t, e, "xmm3"), bytes.Repeat([]byte{0x5a}, 16)))
	ctx, err := e.SaveContext()
	must(t, err)
	defer ctx.Free()
	must(t, e.Start(codeAddr, emu.StartOptions{}))
	set(t, e, "rbx", 99)
	must(t, e.SetRegBytes(id(t, e, "xmm3"), make([]byte, 16)))
	if v := get(t, e, "rax"); v != 11 {
		t.Fatalf("rax = %d", v)
	}
	must(t, e.RestoreContext(ctx))
	if rax, rbx, rip := get(t, e, "rax"), get(t, e, "rbx"), get(t, e, "rip"); rax != 10 || rbx != 0 || rip != 0 {
		t.Errorf("restored rax %d rbx %d rip %#x", rax, rbx, rip)
	}
	x, _ := e.RegBytes(id(t, e, "xmm3"))
	if !bytes.Equal(x, bytes.Repeat([]byte{0x5a}, 16)) {
		t.Errorf("restored xmm3 = % x", x)
	}
	other := newEngine(t, platform.AMD64)
	if err := other.RestoreContext(ctx); err == nil {
		t.Error("context restored into another engine")
	}
	ctx.Free()
	ctx.Free()
	if err := e.RestoreContext(ctx); err == nil {
		t.Error("freed context restored")
	}
}

func TestRegTableMatchesCPU(t *testing.T) {
	// Every register of package cpu's file resolves, with the file's
	// width, or is listed as one Unicorn lacks.
	for _, p := range platform.All {
		f, err := cpu.For(p)
		if errors.Is(err, cpu.ErrNoFile) {
			continue
		}
		must(t, err)
		if platforms[p.Name].unsupported != "" {
			continue // New refuses it (TestUnsupported)
		}
		t.Run(p.Name, func(t *testing.T) {
			e := newEngine(t, p)
			for _, r := range f.Regs {
				rid, err := e.RegID(r.Name)
				if slices.Contains(e.def.lacks, r.Name) {
					if err == nil || !errors.Is(err, cpu.ErrNoRegister) {
						t.Errorf("%s: RegID = %v, %v; want an ErrNoRegister", r.Name, rid, err)
					}
					continue
				}
				if err != nil {
					t.Errorf("%s: %v", r.Name, err)
					continue
				}
				if m, _ := e.meta(rid); int(m.size) != (r.Bits+7)/8 {
					t.Errorf("%s: table says %d bytes, cpu %d bits", r.Name, m.size, r.Bits)
				}
				// Each one reads without error at its width.
				if _, err := e.RegBytes(rid); err != nil {
					t.Errorf("%s: %v", r.Name, err)
				}
			}
		})
	}
	e := newEngine(t, platform.AMD64)
	if _, err := e.RegID("orig_rax"); err == nil || !strings.Contains(err.Error(), "does not model") {
		t.Errorf("orig_rax: %v", err)
	}
	if _, err := e.RegID("nosuch"); !errors.Is(err, cpu.ErrNoRegister) {
		t.Errorf("nosuch: %v", err)
	}
	if _, err := e.ReadReg(12345); err == nil {
		t.Error("ReadReg of a bad id did not fail")
	}
}

func TestUnsupported(t *testing.T) {
	for _, p := range []*platform.Platform{platform.MIPS64, platform.MIPS64EL} {
		_, err := New(p)
		if !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "unicorn "+Version()+" cannot execute "+p.Name) {
			t.Errorf("New(%s): %v", p.Name, err)
		}
		if p.Executable {
			t.Logf("platform %s is marked Executable, but Unicorn %s cannot run it: %v", p.Name, Version(), err)
		}
	}
}

func TestClose(t *testing.T) {
	e, err := New(platform.AMD64)
	must(t, err)
	_, err = e.HookCode(1, 0, func(uint64, uint32) {})
	must(t, err)
	ctx, err := e.SaveContext()
	must(t, err)
	must(t, e.Close())
	must(t, e.Close())
	ctx.Free()
	if err := e.Map(0, 0x1000, memory.RW); !errors.Is(err, ErrClosed) {
		t.Errorf("Map after Close: %v", err)
	}
	if err := e.Start(0, emu.StartOptions{}); !errors.Is(err, ErrClosed) {
		t.Errorf("Start after Close: %v", err)
	}
}

func TestVersion(t *testing.T) {
	// The default build links 2.1.1 from .deps (link_static.go);
	// -tags unicorn_dynamic links the system's library (Debian 12: 2.0.1).
	if v := Version(); v != "2.1.1" && v != "2.0.1" {
		t.Logf("linked Unicorn %s (the binding is written against 2.1.1 and 2.0.1)", v)
	}
}

func TestParallelEngines(t *testing.T) {
	// Engines on different goroutines keep their hooks apart.
	const n = 4
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		go func() {
			e, err := New(platform.AMD64)
			if err != nil {
				errs <- err
				return
			}
			defer e.Close()
			if err := e.Map(codeAddr, 0x1000, memory.RWX); err != nil {
				errs <- err
				return
			}
			_ = e.WriteMem(codeAddr, benchLoop)
			_ = e.SetExits([]uint64{benchLoopExit})
			calls := 0
			if _, err := e.HookCode(codeAddr, codeAddr, func(uint64, uint32) { calls++ }); err != nil {
				errs <- err
				return
			}
			r, _ := e.RegID("rcx")
			_ = e.WriteReg(r, 100000)
			if err := e.Start(codeAddr, emu.StartOptions{}); err != nil {
				errs <- err
				return
			}
			if calls != 100000 {
				errs <- errors.New("wrong hook count")
				return
			}
			errs <- nil
		}()
	}
	for i := 0; i < n; i++ {
		must(t, <-errs)
	}
}

func TestHookSlotsReused(t *testing.T) {
	e := amd64(t, nop)
	table.mu.Lock()
	before := len(table.gens)
	table.mu.Unlock()
	for i := 0; i < 5000; i++ {
		h, err := e.HookCode(codeAddr, codeAddr, func(uint64, uint32) {})
		must(t, err)
		must(t, e.RemoveHook(h))
	}
	table.mu.Lock()
	after := len(table.gens)
	table.mu.Unlock()
	if after-before > 2 {
		t.Errorf("hook table grew from %d to %d slots", before, after)
	}
}

func TestStopOutsideStart(t *testing.T) {
	e := amd64(t, nop)
	must(t, e.Stop())
	must(t, e.SetExits([]uint64{codeAddr + 1}))
	must(t, e.Start(codeAddr, emu.StartOptions{}))
	if v := get(t, e, "rip"); v != codeAddr+1 {
		t.Errorf("a Stop before Start affected the run: rip %#x", v)
	}
}

func TestMapRegionNoAccess(t *testing.T) {
	e := amd64(t, movRbx(dataAddr+0x10000), loadRbx)
	r := memory.NewRegion(dataAddr+0x10000, make([]byte, 0x1000), 0, "guard")
	must(t, e.MapRegion(r))
	r.Data[0] = 9
	var b [1]byte
	must(t, e.ReadMem(dataAddr+0x10000, b[:])) // host access ignores permissions
	if b[0] != 9 {
		t.Errorf("ReadMem = %d", b[0])
	}
	err := e.Start(codeAddr, emu.StartOptions{})
	var ue *Error
	if !errors.As(err, &ue) || ue.Code != UC_ERR_READ_PROT {
		t.Errorf("guest read of a no-access region: %v", err)
	}
}

func TestRegsInHooks(t *testing.T) {
	// 0: mov rax, 7 ; 7: add rax, 1 (hooked: sees 7, sets 100) ; 11: mov rcx,[rbx] ; 14: nop
	code := slices.Concat(movRax(7), addRax1, loadRbx, nop)
	e := amd64(t, code)
	must(t, e.SetExits([]uint64{codeAddr + 14}))
	set(t, e, "rbx", dataAddr)
	var seen uint64
	_, err := e.HookCode(codeAddr+7, codeAddr+7, func(uint64, uint32) {
		seen = get(t, e, "rax")
		set(t, e, "rax", 100)
		set(t, e, "r12", 0x1234)
	})
	must(t, err)
	var inBlock uint64
	_, err = e.HookBlock(codeAddr, codeAddr, func(uint64, uint32) { inBlock = get(t, e, "rbx") })
	must(t, err)
	must(t, e.Start(codeAddr, emu.StartOptions{}))
	if seen != 7 || inBlock != dataAddr {
		t.Errorf("hooks read rax %d, rbx %#x", seen, inBlock)
	}
	if v, r12 := get(t, e, "rax"), get(t, e, "r12"); v != 101 || r12 != 0x1234 {
		t.Errorf("after the hook's writes: rax %d (want 101), r12 %#x", v, r12)
	}
}

// TestHookRegBuffer checks the register buffer of hooks (regs.go) on
// amd64: prefetched values, buffered writes and their write-back, and
// how they meet aliases, the pc, Stop and contexts.
func TestHookRegBuffer(t *testing.T) {
	// 0: nop (hooked) ; 1: nop ; 2: nop (exit)
	code := slices.Concat(nop, nop, nop)
	run := func(t *testing.T, setup func(e *Engine), fn func(e *Engine), prefetch ...string) *Engine {
		t.Helper()
		e := amd64(t, code)
		must(t, e.SetExits([]uint64{codeAddr + 2}))
		if setup != nil {
			setup(e)
		}
		var ids []emu.RegID
		for _, n := range prefetch {
			ids = append(ids, id(t, e, n))
		}
		_, err := e.HookCode(codeAddr, codeAddr, func(uint64, uint32) { fn(e) }, ids...)
		must(t, err)
		must(t, e.Start(codeAddr, emu.StartOptions{}))
		return e
	}
	t.Run("prefetch and write-back", func(t *testing.T) {
		var rdi, rsi, r8 uint64
		var nextRax uint64
		e := run(t, func(e *Engine) {
			set(t, e, "rdi", 0x1111)
			set(t, e, "rsi", 0x2222)
			set(t, e, "r8", 0x3333)
			_, err := e.HookCode(codeAddr+1, codeAddr+1, func(uint64, uint32) { nextRax = get(t, e, "rax") })
			must(t, err)
		}, func(e *Engine) {
			if _, ok := e.cached(id(t, e, "rdi")); !ok {
				t.Error("rdi was not prefetched")
			}
			if _, ok := e.cached(id(t, e, "r8")); ok {
				t.Error("r8 was prefetched")
			}
			rdi, rsi, r8 = get(t, e, "rdi"), get(t, e, "rsi"), get(t, e, "r8")
			set(t, e, "rax", rdi+rsi) // not prefetched: buffered
			set(t, e, "rdi", 7)       // prefetched: buffered, read back
			if v := get(t, e, "rdi"); v != 7 {
				t.Errorf("rdi read back in the hook = %#x", v)
			}
			if v := get(t, e, "rax"); v != 0x3333 {
				t.Errorf("rax read back in the hook = %#x", v)
			}
		}, "rdi", "rsi")
		if rdi != 0x1111 || rsi != 0x2222 || r8 != 0x3333 {
			t.Errorf("hook read rdi %#x rsi %#x r8 %#x", rdi, rsi, r8)
		}
		if nextRax != 0x3333 {
			t.Errorf("next hook read rax %#x, want 0x3333", nextRax)
		}
		if v, w := get(t, e, "rax"), get(t, e, "rdi"); v != 0x3333 || w != 7 {
			t.Errorf("after the run rax %#x rdi %#x, want 0x3333, 7", v, w)
		}
	})
	t.Run("aliases", func(t *testing.T) {
		// What Unicorn itself makes of the writes, outside hooks.
		ref := amd64(t, code)
		set(t, ref, "rax", 0x1111111122222222)
		set(t, ref, "eax", 5)
		set(t, ref, "ah", 0x7f)
		want := get(t, ref, "rax")
		var seen, seenEax uint64
		e := run(t, func(e *Engine) { set(t, e, "rax", 0x1111111122222222) }, func(e *Engine) {
			set(t, e, "eax", 5)
			set(t, e, "ah", 0x7f)
			seen, seenEax = get(t, e, "rax"), get(t, e, "eax")
		}, "rax", "eax")
		if seen != want || seenEax != want&0xffffffff || get(t, e, "rax") != want {
			t.Errorf("rax in the hook %#x (eax %#x), after %#x; Unicorn makes %#x", seen, seenEax, get(t, e, "rax"), want)
		}
	})
	t.Run("pc write and stop", func(t *testing.T) {
		for _, order := range []string{"regs, pc, stop", "stop, pc, regs", "pc, stop, regs"} {
			t.Run(order, func(t *testing.T) {
				e := run(t, nil, func(e *Engine) {
					for _, step := range strings.Split(order, ", ") {
						switch step {
						case "regs":
							set(t, e, "rax", 0xaa)
							set(t, e, "rdi", get(t, e, "rdi")+1)
						case "pc":
							set(t, e, "rip", codeAddr+2)
						case "stop":
							must(t, e.Stop())
						}
					}
				}, "rdi")
				if pc, rax, rdi := get(t, e, "rip"), get(t, e, "rax"), get(t, e, "rdi"); pc != codeAddr+2 || rax != 0xaa || rdi != 1 {
					t.Errorf("after the run rip %#x rax %#x rdi %d; want %#x, 0xaa, 1", pc, rax, rdi, codeAddr+2)
				}
			})
		}
	})
	t.Run("order with direct writes", func(t *testing.T) {
		xmm := bytes.Repeat([]byte{0x5a}, 16)
		var r12, fsBase uint64
		e := run(t, nil, func(e *Engine) {
			set(t, e, "r12", 1)                           // buffered
			must(t, e.SetRegBytes(id(t, e, "xmm0"), xmm)) // direct: after the buffered ones
			set(t, e, "r12", 2)                           // buffered
			r12 = get(t, e, "r12")                        // not prefetched: Unicorn, after the buffer
			set(t, e, "fs_base", 0x7000)                  // not a general register: direct
			fsBase = get(t, e, "fs_base")
			set(t, e, "r12", 3)
		})
		if r12 != 2 || fsBase != 0x7000 || get(t, e, "r12") != 3 {
			t.Errorf("r12 in the hook %d, after %d; fs_base %#x", r12, get(t, e, "r12"), fsBase)
		}
		if b, _ := e.RegBytes(id(t, e, "xmm0")); !bytes.Equal(b, xmm) {
			t.Errorf("xmm0 = % x", b)
		}
	})
	t.Run("many writes", func(t *testing.T) {
		names := []string{"rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"}
		e := run(t, nil, func(e *Engine) {
			for round := uint64(0); round < 3; round++ {
				for i, n := range names {
					set(t, e, n, round<<8|uint64(i))
				}
			}
		}, "rdi")
		for i, n := range names {
			if v := get(t, e, n); v != 2<<8|uint64(i) {
				t.Errorf("%s = %#x, want %#x", n, v, 2<<8|uint64(i))
			}
		}
	})
	t.Run("contexts", func(t *testing.T) {
		var saved emu.Context
		var afterRestore uint64
		e := run(t, func(e *Engine) {
			set(t, e, "rdi", 1)
			set(t, e, "rbx", 1)
		}, func(e *Engine) {
			set(t, e, "rbx", 9) // buffered: the context must hold it
			c, err := e.SaveContext()
			must(t, err)
			saved = c
			set(t, e, "rbx", 10)
			set(t, e, "rdi", 2)
			must(t, e.RestoreContext(saved))
			afterRestore = get(t, e, "rdi") // prefetched, but stale now
		}, "rdi", "rbx")
		if afterRestore != 1 || get(t, e, "rdi") != 1 || get(t, e, "rbx") != 9 {
			t.Errorf("rdi in the hook after RestoreContext %d, after the run %d; rbx %d; want 1, 1, 9", afterRestore, get(t, e, "rdi"), get(t, e, "rbx"))
		}
	})
	t.Run("prefetch list", func(t *testing.T) {
		e := amd64(t, code)
		if _, err := e.HookCode(codeAddr, codeAddr, func(uint64, uint32) {}, 12345); err == nil {
			t.Error("prefetch of a bad register id did not fail")
		}
		ids := []emu.RegID{id(t, e, "rip"), id(t, e, "xmm0"), id(t, e, "rdi"), id(t, e, "rdi")}
		for _, n := range []string{"rax", "rbx", "rcx", "rdx", "rsi", "rbp", "r8", "r9", "r10"} {
			ids = append(ids, id(t, e, n))
		}
		fetch, err := e.fetchList(ids)
		must(t, err)
		if len(fetch) != fetchMax || int(fetch[0]) != int(id(t, e, "rdi")) {
			t.Errorf("fetch list %v", fetch)
		}
	})
}

// TestNestedStart runs a guest function from a hook (a model calling a
// guest callback): the nested Start runs to its own exit, the hook
// restores the registers it saved and sets one, and the outer run goes
// on to its exit. A Stop inside the nested run ends only the nested run.
func TestNestedStart(t *testing.T) {
	const fn = codeAddr + 0x100
	main := slices.Concat(movRax(1), nop, movRbx(2)) // nop at +7 is hooked
	callee := slices.Concat(movRax(42), nop)         // nop at fn+7 is its exit
	e := amd64(t, main)
	must(t, e.WriteMem(fn, callee))
	outerExit, innerExit := uint64(codeAddr+len(main)), uint64(fn+7)
	must(t, e.SetExits([]uint64{outerExit, innerExit}))
	rax, rcx := id(t, e, "rax"), id(t, e, "rcx")
	stopInner := false
	_, err := e.HookCode(fn, fn, func(uint64, uint32) {
		if stopInner {
			must(t, e.Stop())
		}
	})
	must(t, err)
	var got, pcAfter uint64
	var nestedErr error
	_, err = e.HookCode(codeAddr+7, codeAddr+7, func(uint64, uint32) {
		ctx, err := e.SaveContext()
		must(t, err)
		defer ctx.Free()
		nestedErr = e.Start(fn, emu.StartOptions{})
		got, _ = e.ReadReg(rax)
		pcAfter = get(t, e, "rip")
		must(t, e.RestoreContext(ctx))
		must(t, e.WriteReg(rcx, got+1))
	}, rax)
	must(t, err)

	must(t, e.Start(codeAddr, emu.StartOptions{}))
	if nestedErr != nil || got != 42 || pcAfter != innerExit {
		t.Errorf("nested run: err %v, rax %d, pc %#x; want nil, 42, %#x", nestedErr, got, pcAfter, innerExit)
	}
	for name, want := range map[string]uint64{"rax": 1, "rbx": 2, "rcx": 43, "rip": outerExit} {
		if v := get(t, e, name); v != want {
			t.Errorf("after the outer run %s = %#x, want %#x", name, v, want)
		}
	}

	stopInner = true
	set(t, e, "rcx", 0)
	must(t, e.Start(codeAddr, emu.StartOptions{}))
	if nestedErr != nil || pcAfter != fn {
		t.Errorf("nested run stopped by its hook: err %v, pc %#x; want nil, %#x", nestedErr, pcAfter, uint64(fn))
	}
	if v := get(t, e, "rip"); v != outerExit {
		t.Errorf("a Stop in the nested run ended the outer one too: rip %#x, want %#x", v, outerExit)
	}
	if err := e.Start(codeAddr, emu.StartOptions{}); err != nil {
		t.Errorf("a third run: %v", err)
	}
}

// TestPPCFloatCompare: fcmpu and fcmpo set their CR field as the ISA
// defines (Unicorn 2.1.1 leaves it alone; the binding sets it,
// ppcfcmp.go), and a branch on it goes the right way.
func TestPPCFloatCompare(t *testing.T) {
	for _, p := range []*platform.Platform{platform.PPC, platform.PPC64, platform.PPC64LE} {
		t.Run(p.Name, func(t *testing.T) { testPPCFloatCompare(t, p) })
	}
}

func testPPCFloatCompare(t *testing.T, p *platform.Platform) {
	e := newEngine(t, p)
	must(t, e.Map(0x10000, 0x1000, memory.RWX))
	nan := math.NaN()
	cases := []struct {
		bf   uint32
		a, b float64
	}{{0, 2.5, 0}, {1, 0, 2.5}, {2, 1, 1}, {3, nan, 1}, {5, -0.0, 0}, {7, math.Inf(-1), -1e308}, {6, 3, 3}, {4, 1, nan}}
	var code []byte
	word := func(w uint32) { code = p.ByteOrder.(binary.AppendByteOrder).AppendUint32(code, w) }
	for i, c := range cases {
		xo := uint32(0) // fcmpu
		if i%2 == 1 {
			xo = 32 // fcmpo
		}
		fa, fb := uint32(2*i), uint32(2*i+1)
		word(63<<26 | c.bf<<23 | fa<<16 | fb<<11 | xo<<1)
	}
	word(0x7C600026) // mfcr r3
	word(0x38800001) // li r4,1
	word(0x41800008) // blt cr0,+8 (cr0 holds 2.5 against 0: not taken)
	word(0x38800002) // li r4,2
	end := uint64(0x10000 + len(code))
	word(0x60000000) // nop: the exit
	must(t, e.WriteMem(0x10000, code))
	must(t, e.SetExits([]uint64{end}))
	set(t, e, "msr", get(t, e, "msr")|1<<13) // MSR[FP]
	set(t, e, "cr", 0)
	want := uint64(0)
	for i, c := range cases {
		set(t, e, fmt.Sprintf("f%d", 2*i), math.Float64bits(c.a))
		set(t, e, fmt.Sprintf("f%d", 2*i+1), math.Float64bits(c.b))
		var f uint64
		switch {
		case c.a != c.a || c.b != c.b:
			f = 1
		case c.a < c.b:
			f = 8
		case c.a > c.b:
			f = 4
		default:
			f = 2
		}
		want |= f << (28 - 4*c.bf)
	}
	must(t, e.Start(0x10000, emu.StartOptions{}))
	if got := get(t, e, "r3"); got != want {
		t.Errorf("CR after the compares = %#08x, want %#08x", got, want)
	}
	if get(t, e, "r4") != 2 {
		t.Errorf("blt on a greater-than compare was taken")
	}
}

// TestNestedStartFromSyscall: a syscall hook (a signal handler the
// syscall layer delivers) runs a guest function with a nested Start;
// the outer run goes on past the syscall.
func TestNestedStartFromSyscall(t *testing.T) {
	const fn = codeAddr + 0x100
	main := slices.Concat(movRax(1), []byte{0x0f, 0x05}, movRbx(2)) // syscall at +7
	callee := slices.Concat(movRax(42), nop)
	e := amd64(t, main)
	must(t, e.WriteMem(fn, callee))
	outerExit, innerExit := uint64(codeAddr+len(main)), uint64(fn+7)
	must(t, e.SetExits([]uint64{outerExit, innerExit}))
	rax, rcx := id(t, e, "rax"), id(t, e, "rcx")
	var got, pcAfter uint64
	var nestedErr error
	_, err := e.HookSyscall(func() {
		ctx, err := e.SaveContext()
		must(t, err)
		defer ctx.Free()
		nestedErr = e.Start(fn, emu.StartOptions{})
		got, _ = e.ReadReg(rax)
		pcAfter = get(t, e, "rip")
		must(t, e.RestoreContext(ctx))
		must(t, e.WriteReg(rcx, got+1))
	})
	must(t, err)
	must(t, e.Start(codeAddr, emu.StartOptions{}))
	if nestedErr != nil || got != 42 || pcAfter != innerExit {
		t.Errorf("nested run: err %v, rax %d, pc %#x; want nil, 42, %#x", nestedErr, got, pcAfter, innerExit)
	}
	for name, want := range map[string]uint64{"rax": 1, "rbx": 2, "rcx": 43, "rip": outerExit} {
		if v := get(t, e, name); v != want {
			t.Errorf("after the outer run %s = %#x, want %#x", name, v, want)
		}
	}
}

// TestNestedStartFromSyscallMIPS: after a nested run from a MIPS syscall
// hook, code hooks of the outer run still fire.
func TestNestedStartFromSyscallMIPS(t *testing.T) {
	p := platform.MIPSEL
	e := newEngine(t, p)
	must(t, e.Map(codeAddr, 0x1000, memory.RWX))
	addiu := func(rt, rs, imm uint32) uint32 { return 9<<26 | rs<<21 | rt<<16 | imm }
	words := func(ws ...uint32) []byte {
		b := make([]byte, 4*len(ws))
		for i, w := range ws {
			p.ByteOrder.PutUint32(b[4*i:], w)
		}
		return b
	}
	const fn = codeAddr + 0x100
	must(t, e.WriteMem(codeAddr, words(addiu(2, 0, 4020), 0xc, addiu(4, 0, 5), 0, 0)))
	must(t, e.WriteMem(fn, words(addiu(2, 0, 42), 0, 0)))
	outerExit, innerExit := uint64(codeAddr+0x10), uint64(fn+4)
	must(t, e.SetExits([]uint64{outerExit, innerExit}))
	fired := 0
	_, err := e.HookCode(codeAddr+8, codeAddr+8, func(uint64, uint32) { fired++ })
	must(t, err)
	var nestedErr error
	var got uint64
	_, err = e.HookSyscall(func() {
		ctx, err := e.SaveContext()
		must(t, err)
		defer ctx.Free()
		nestedErr = e.Start(fn, emu.StartOptions{})
		got = get(t, e, "v0")
		must(t, e.RestoreContext(ctx))
	})
	must(t, err)
	if err := e.Start(codeAddr, emu.StartOptions{}); err != nil {
		t.Errorf("outer run: %v", err)
	}
	if nestedErr != nil || got != 42 || fired != 1 || get(t, e, "a0") != 5 || get(t, e, "pc") != outerExit {
		t.Errorf("nested %v, v0 %d; code hook fired %d times (want 1); a0 %d, pc %#x (want %#x)", nestedErr, got, fired, get(t, e, "a0"), get(t, e, "pc"), outerExit)
	}
}

// TestInvalidMemHookMovesPC: an invalid-memory hook that writes the pc
// and returns false abandons the faulting instruction; the run goes on
// at that pc (a signal handler that moved the pc in its ucontext).
func TestInvalidMemHookMovesPC(t *testing.T) {
	// nop; mov [0], al (the run starts at the store, an odd address)
	store := []byte{0x90, 0x88, 0x04, 0x25, 0, 0, 0, 0}
	e := amd64(t, store, movRbx(2))
	after := uint64(codeAddr + len(store))
	exit := after + uint64(len(movRbx(2)))
	must(t, e.SetExits([]uint64{exit}))
	rip := id(t, e, "rip")
	faults := 0
	_, err := e.HookInvalidMem(func(a emu.Access, f emu.MemFault, addr uint64, size int) bool {
		faults++
		must(t, e.WriteReg(rip, after))
		return false
	})
	must(t, err)
	if err := e.Start(codeAddr+1, emu.StartOptions{}); err != nil {
		t.Fatalf("run: %v", err)
	}
	if faults != 1 || get(t, e, "rbx") != 2 || get(t, e, "rip") != exit {
		t.Errorf("%d faults, rbx %d, rip %#x; want 1, 2, %#x", faults, get(t, e, "rbx"), get(t, e, "rip"), exit)
	}
}
