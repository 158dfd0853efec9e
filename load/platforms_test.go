package load

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"errors"
	"testing"

	"github.com/smallworld-go/smallworld/platform"
)

// armHeader is an Elf32_Ehdr of a little-endian EM_ARM shared object
// with the given e_flags.
func armHeader(flags uint32) []byte {
	h := make([]byte, 52)
	copy(h, elf.ELFMAG)
	h[elf.EI_CLASS], h[elf.EI_DATA], h[elf.EI_VERSION] = byte(elf.ELFCLASS32), byte(elf.ELFDATA2LSB), 1
	le := binary.LittleEndian
	le.PutUint16(h[16:], uint16(elf.ET_DYN))
	le.PutUint16(h[18:], uint16(elf.EM_ARM))
	le.PutUint32(h[36:], flags)
	return h
}

// coreOf is a core of p with the given notes and one page of memory.
func coreOf(p *platform.Platform, notes ...testNote) testCore {
	return testCore{class: p.Class, order: p.ByteOrder, machine: p.Machine, notes: notes,
		loads: []testLoad{{vaddr: 0x10000, memsz: 0x1000, filesz: 0x1000, data: []byte("data"), flags: elf.PF_R | elf.PF_W}}}
}

// TestPrstatusSlots pins the slots of the registers that differ most
// between platforms, from the kernel headers each row cites.
func TestPrstatusSlots(t *testing.T) {
	for _, tc := range []struct {
		p     *platform.Platform
		slots map[int]string
	}{
		{platform.I386, map[int]string{0: "ebx", 6: "eax", 11: "orig_eax", 12: "eip", 13: "cs", 14: "eflags", 15: "esp", 16: "ss"}},
		{platform.AArch64, map[int]string{0: "x0", 30: "x30", 31: "sp", 32: "pc", 33: "cpsr"}},
		{platform.ARMEL, map[int]string{0: "r0", 13: "sp", 14: "lr", 15: "pc", 16: "cpsr", 17: "orig_r0"}},
		{platform.ARMHF, map[int]string{13: "sp", 15: "pc", 16: "cpsr"}},
		{platform.MIPS, map[int]string{0: "", 5: "", 6: "zero", 8: "v0", 35: "sp", 37: "ra", 38: "lo", 39: "hi", 40: "pc", 41: "bad", 42: "sr", 43: "cause", 44: ""}},
		{platform.MIPSEL, map[int]string{6: "zero", 14: "t0", 40: "pc"}},
		{platform.MIPS64, map[int]string{0: "zero", 8: "a4", 12: "t0", 29: "sp", 31: "ra", 32: "lo", 33: "hi", 34: "pc", 35: "bad", 36: "sr", 37: "cause", 38: "", 44: ""}},
		{platform.MIPS64EL, map[int]string{0: "zero", 34: "pc"}},
		{platform.PPC, map[int]string{0: "r0", 31: "r31", 32: "pc", 33: "msr", 34: "orig_r3", 35: "ctr", 36: "lr", 37: "xer", 38: "cr", 39: "", 40: "trap", 41: "dar", 42: "dsisr", 43: "", 47: ""}},
		{platform.PPC64, map[int]string{32: "pc", 36: "lr", 38: "cr", 40: "trap"}},
		{platform.PPC64LE, map[int]string{32: "pc", 36: "lr", 38: "cr", 40: "trap"}},
	} {
		t.Run(tc.p.Name, func(t *testing.T) {
			a := archOf(tc.p)
			if a == nil {
				t.Fatal("no row")
			}
			for slot, want := range tc.slots {
				if slot >= len(a.Regs) || a.Regs[slot] != want {
					t.Errorf("slot %d is not %q", slot, want)
				}
			}
			if a.Imports != nil {
				t.Errorf("imports are hooked up elsewhere (slots.go)")
			}
		})
	}
}

// TestBigEndian64Prstatus reads hand-built NT_PRSTATUS notes of the
// big-endian 64-bit platforms: every pr_reg slot is one big-endian
// doubleword, so slot i, bytes 01 02 03 04 05 06 07 i, reads
// 0x01020304050607ii, and a 32-bit register (ppc64 cr, xer) is the low
// half, the slot's last four bytes. A parser reading two 32-bit halves
// in the wrong order, or little-endian words, gets other numbers.
func TestBigEndian64Prstatus(t *testing.T) {
	for _, tc := range []struct {
		p    *platform.Platform
		want map[string]uint64
	}{
		{platform.MIPS64, map[string]uint64{
			"zero": 0x0102030405060700, "sp": 0x010203040506071d, "ra": 0x010203040506071f,
			"lo": 0x0102030405060720, "hi": 0x0102030405060721, "pc": 0x0102030405060722,
			"bad": 0x0102030405060723, "sr": 0x0102030405060724, "cause": 0x0102030405060725,
		}},
		{platform.PPC64, map[string]uint64{
			"r0": 0x0102030405060700, "r1": 0x0102030405060701, "r13": 0x010203040506070d,
			"pc": 0x0102030405060720, "msr": 0x0102030405060721, "orig_r3": 0x0102030405060722,
			"ctr": 0x0102030405060723, "lr": 0x0102030405060724,
			"xer": 0x05060725, "cr": 0x05060726, "trap": 0x0102030405060728,
		}},
	} {
		t.Run(tc.p.Name, func(t *testing.T) {
			a := archOf(tc.p)
			desc := make([]byte, a.PrstatusSize)
			copy(desc[32:], []byte{0, 0, 0x30, 0x39}) // pr_pid 12345, big-endian, after 32 bytes of header
			copy(desc[12:], []byte{0, 5})             // pr_cursig 5
			for i := 0; i < len(a.Regs); i++ {
				copy(desc[112+8*i:], []byte{1, 2, 3, 4, 5, 6, 7, byte(i)})
			}
			c := mustParse(t, coreOf(tc.p, testNote{"CORE", NT_PRSTATUS, desc}).bytes())
			if c.Platform != tc.p || len(c.Threads) != 1 {
				t.Fatalf("%s, %d threads", c.Platform, len(c.Threads))
			}
			th := c.Threads[0]
			if th.TID != 12345 || th.Signal != 5 {
				t.Errorf("tid %d signal %d, want 12345 5", th.TID, th.Signal)
			}
			for name, want := range tc.want {
				if got, err := th.CPU.Get(name); err != nil || got != want {
					t.Errorf("%s = %#x, %v; want %#x", name, got, err, want)
				}
			}
		})
	}
}

func TestNoLayout(t *testing.T) {
	withArch(t, platform.PPC, nil)
	desc := make([]byte, 0x10c)
	_, err := parseBytes(t, coreOf(platform.PPC, testNote{"CORE", NT_PRSTATUS, desc}).bytes())
	if !errors.Is(err, ErrNoLayout) {
		t.Errorf("got %v, want ErrNoLayout", err)
	}
}

// TestARMFloatABI: an ARM core is armhf when an ELF header it holds says
// hard-float, armel otherwise.
func TestARMFloatABI(t *testing.T) {
	x86 := armHeader(efARMABIFloatHard)
	binary.LittleEndian.PutUint16(x86[18:], uint16(elf.EM_386))
	for _, tc := range []struct {
		name  string
		loads []testLoad
		want  *platform.Platform
	}{
		{"no header", []testLoad{{vaddr: 0x10000, memsz: 0x1000, filesz: 0x1000, data: []byte("data")}}, platform.ARMEL},
		{"hard", []testLoad{{vaddr: 0x10000, memsz: 0x1000, filesz: 0x1000, data: []byte("data")}, {vaddr: 0x40001000, memsz: 0x1000, filesz: 0x1000, data: armHeader(0x5000400)}}, platform.ARMHF},
		{"soft", []testLoad{{vaddr: 0x40001000, memsz: 0x1000, filesz: 0x1000, data: armHeader(0x5000200)}}, platform.ARMEL},
		{"first that says wins", []testLoad{{vaddr: 0x3000, memsz: 0x1000, filesz: 0x1000, data: armHeader(0x5000000)}, {vaddr: 0x40001000, memsz: 0x1000, filesz: 0x1000, data: armHeader(0x5000400)}}, platform.ARMHF},
		{"not in the core", []testLoad{{vaddr: 0x40001000, memsz: 0x1000, filesz: 0, data: armHeader(0x5000400)}}, platform.ARMEL},
		{"another machine", []testLoad{{vaddr: 0x40001000, memsz: 0x1000, filesz: 0x1000, data: x86}}, platform.ARMEL},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := noteWriter{order: binary.LittleEndian, word: 4}
			spec := coreOf(platform.ARMEL, testNote{"CORE", NT_PRSTATUS, w.prstatus(0x94, 4, 4, 9, []uint64{15: 0x8000})})
			spec.loads = tc.loads
			c := mustParse(t, spec.bytes())
			if c.Platform != tc.want {
				t.Fatalf("platform %s, want %s", c.Platform, tc.want)
			}
			if c.Threads[0].CPU.File.Platform != tc.want || c.Threads[0].CPU.PC() != 0x8000 {
				t.Errorf("thread decoded for %s, pc %#x", c.Threads[0].CPU.File.Platform, c.Threads[0].CPU.PC())
			}
			// --exe says otherwise: the executable wins.
			other := platform.ARMEL
			if tc.want == platform.ARMEL {
				other = platform.ARMHF
			}
			if err := c.SetPlatform(other); err != nil || c.Platform != other || c.Threads[0].CPU.PC() != 0x8000 {
				t.Errorf("SetPlatform(%s): %v, %s", other, err, c.Platform)
			}
		})
	}
}

// pattern is n bytes counting up from seed.
func pattern(seed byte, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = seed + byte(i)
	}
	return b
}

// TestFPNotes decodes hand-built FP and thread-pointer notes of every
// platform that has them, in the byte order of the platform.
func TestFPNotes(t *testing.T) {
	type want struct {
		name  string
		bytes []byte // little-endian, as cpu.CPU.Bytes returns it
	}
	le, be := binary.LittleEndian, binary.BigEndian
	u64 := func(o binary.ByteOrder, b []byte) []byte { // a guest-order doubleword as little-endian bytes
		return le.AppendUint64(nil, o.Uint64(b))
	}
	u32 := func(v uint32) []byte { return le.AppendUint32(nil, v) }

	// aarch64: user_fpsimd_state and NT_ARM_TLS.
	fpsimd := pattern(0x10, 528)
	le.PutUint32(fpsimd[512:], 0x8000001f)
	le.PutUint32(fpsimd[516:], 0x03c00000)
	tls64 := le.AppendUint64(nil, 0x0000ffffb7ff7740)
	// arm: NT_ARM_VFP and NT_ARM_TLS.
	vfp := pattern(0x20, 260)
	le.PutUint32(vfp[256:], 0x83c00010)
	// mips64 (big-endian): elf_fpregset_t.
	mfp := pattern(0x30, 264)
	be.PutUint32(mfp[256:], 0x00000800)
	be.PutUint32(mfp[260:], 0x00f30000)
	// ppc64 (big-endian): f0-f31 and fpscr in a doubleword.
	pfp := pattern(0x40, 264)
	copy(pfp[256:], []byte{0, 0, 0, 0, 0x82, 0, 0x40, 0})
	// i386: user_fxsr_struct.
	fx := pattern(0x50, 512)

	for _, tc := range []struct {
		p      *platform.Platform
		notes  []testNote
		hasFP  bool
		checks []want
	}{
		{platform.AArch64, []testNote{{"CORE", NT_FPREGSET, fpsimd}, {"LINUX", NT_ARM_TLS, tls64}}, true, []want{
			{"v0", fpsimd[:16]}, {"v31", fpsimd[496:512]}, {"q31", fpsimd[496:512]}, {"d1", fpsimd[16:24]}, {"s2", fpsimd[32:36]},
			{"fpsr", u32(0x8000001f)}, {"fpcr", u32(0x03c00000)}, {"tpidr", tls64},
		}},
		{platform.AArch64, []testNote{{"LINUX", NT_ARM_TLS, tls64}}, false, []want{{"tpidr", tls64}}},
		{platform.ARMHF, []testNote{{"LINUX", NT_ARM_VFP, vfp}, {"LINUX", NT_ARM_TLS, u32(0x76fff490)}}, true, []want{
			{"d0", vfp[:8]}, {"d31", vfp[248:256]}, {"s2", vfp[8:12]}, {"s3", vfp[12:16]}, {"fpscr", u32(0x83c00010)}, {"tpidruro", u32(0x76fff490)},
		}},
		{platform.MIPS64, []testNote{{"CORE", NT_FPREGSET, mfp}}, true, []want{
			{"f0", u64(be, mfp[0:])}, {"f31", u64(be, mfp[248:])}, {"fsr", u32(0x800)}, {"fir", u32(0xf30000)},
		}},
		{platform.MIPSEL, []testNote{{"CORE", NT_FPREGSET, mfp}}, true, []want{
			{"f1", mfp[8:16]}, {"fsr", mfp[256:260]},
		}},
		{platform.PPC64, []testNote{{"CORE", NT_FPREGSET, pfp}}, true, []want{
			{"f0", u64(be, pfp[0:])}, {"f31", u64(be, pfp[248:])}, {"fpscr", u32(0x82004000)},
		}},
		{platform.PPC, []testNote{{"CORE", NT_FPREGSET, pfp}}, true, []want{{"f2", u64(be, pfp[16:])}, {"fpscr", u32(0x82004000)}}},
		{platform.I386, []testNote{{"LINUX", NT_PRXFPREG, fx}}, true, []want{
			{"fctrl", fx[0:2]}, {"fstat", fx[2:4]}, {"fop", fx[6:8]}, {"mxcsr", fx[24:28]},
			{"st0", fx[32:42]}, {"st7", fx[144:154]}, {"xmm0", fx[160:176]}, {"xmm7", fx[272:288]},
		}},
	} {
		t.Run(tc.p.Name, func(t *testing.T) {
			a := archOf(tc.p)
			w := noteWriter{order: tc.p.ByteOrder, word: tc.p.WordSize}
			notes := append([]testNote{{"CORE", NT_PRSTATUS, w.prstatus(a.PrstatusSize, 4, 4, 9, nil)}}, tc.notes...)
			spec := coreOf(tc.p, notes...)
			if tc.p == platform.ARMHF {
				spec.loads[0].data = armHeader(0x5000400)
			}
			c := mustParse(t, spec.bytes())
			if c.Platform != tc.p {
				t.Fatalf("platform %s", c.Platform)
			}
			th := c.Threads[0]
			if th.HasFP != tc.hasFP {
				t.Errorf("HasFP = %v, want %v", th.HasFP, tc.hasFP)
			}
			for _, w := range tc.checks {
				got, err := th.CPU.Bytes(w.name)
				if err != nil || !bytes.Equal(got, w.bytes) {
					t.Errorf("%s = %x, %v; want %x", w.name, got, err, w.bytes)
				}
			}
			// A short note is a format error naming it.
			short := append([]testNote(nil), notes...)
			short[1].desc = short[1].desc[:len(short[1].desc)-len(short[1].desc)/2-1]
			spec.notes = short
			if _, err := parseBytes(t, spec.bytes()); !errors.Is(err, ErrFormat) {
				t.Errorf("%v note of %d bytes: %v", short[1].typ, len(short[1].desc), err)
			}
		})
	}
}
