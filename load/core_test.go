package load

import (
	"bufio"
	"bytes"
	"debug/elf"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand"
	"os"
	"strings"
	"testing"
	"unsafe"

	"github.com/google/go-cmp/cmp"
	"github.com/smallworld-go/smallworld/cpu"
	"github.com/smallworld-go/smallworld/memory"
	"github.com/smallworld-go/smallworld/platform"
)

func parseBytes(t testing.TB, b []byte) (*Core, error) {
	t.Helper()
	return ParseCore(bytes.NewReader(b), int64(len(b)), "test.core")
}

func mustParse(t testing.TB, b []byte) *Core {
	t.Helper()
	c, err := parseBytes(t, b)
	if err != nil {
		t.Fatalf("ParseCore: %v", err)
	}
	return c
}

// withArch installs a test row for p for the duration of the test.
func withArch(t *testing.T, p *platform.Platform, a *arch) {
	old, had := arches[p.Name]
	arches[p.Name] = a
	t.Cleanup(func() {
		if had {
			arches[p.Name] = old
		} else {
			delete(arches, p.Name)
		}
	})
}

// synthPlatforms: the platforms the synthetic cores cover, every one,
// so both classes and byte orders.
var synthPlatforms = []struct {
	p     *platform.Platform
	uid16 bool // elf_prpsinfo has 16-bit uid/gid (i386, ARM)
}{
	{platform.AMD64, false},
	{platform.I386, true},
	{platform.AArch64, false},
	{platform.ARMEL, true},
	{platform.ARMHF, true},
	{platform.MIPS, false},
	{platform.MIPSEL, false},
	{platform.MIPS64, false},
	{platform.MIPS64EL, false},
	{platform.PPC, false},
	{platform.PPC64, false},
	{platform.PPC64LE, false},
}

func sigbus(p *platform.Platform) int {
	if p.Machine == elf.EM_MIPS {
		return 10
	}
	return 7
}

// synthCore is a core for p with every note this package decodes.
func synthCore(p *platform.Platform, a *arch, uid16 bool) (testCore, []uint64) {
	w := noteWriter{order: p.ByteOrder, word: p.WordSize}
	vals := make([]uint64, len(a.Regs))
	for i := range vals {
		vals[i] = (0x1020_3040_5060_7000 + uint64(i)*0x0101) & p.WordMask()
	}
	stack := uint64(0x7ff0_0000)
	return testCore{
		class: p.Class, order: p.ByteOrder, machine: p.Machine,
		notes: []testNote{
			{"CORE", NT_PRSTATUS, w.prstatus(a.PrstatusSize, sigbus(p), sigbus(p), 77, vals)},
			{"CORE", NT_PRPSINFO, w.prpsinfo(uid16, 2, 77, 76, 1000, 1001, "prog", "./prog -v")},
			{"CORE", NT_SIGINFO, w.siginfo(sigbus(p), 5, 2, 0xbad0, p.Machine == elf.EM_MIPS)},
			{"CORE", NT_AUXV, w.auxv(AT_PHDR, 0x10034, AT_ENTRY, 0x10400, AT_PAGESZ, 4096)},
			{"CORE", NT_FILE, w.file(4096, []FileMapping{{Start: 0x10000, End: 0x12000, Offset: 0x3000, Path: "/bin/prog"}, {Start: 0x20000, End: 0x21000, Offset: 0, Path: "/lib/libc.so"}})},
		},
		loads: []testLoad{
			{vaddr: 0x10000, memsz: 0x2000, filesz: 0x1000, data: []byte("text"), flags: elf.PF_R | elf.PF_X},
			{vaddr: stack, memsz: 0x1000, filesz: 0x1000, data: []byte("stack"), flags: elf.PF_R | elf.PF_W},
		},
	}, vals
}

func TestSyntheticCores(t *testing.T) {
	for _, sp := range synthPlatforms {
		t.Run(sp.p.Name, func(t *testing.T) {
			a := archOf(sp.p)
			if a == nil {
				t.Fatalf("no row for %s", sp.p)
			}
			spec, vals := synthCore(sp.p, a, sp.uid16)
			b := spec.bytes()
			if sp.p == platform.ARMHF {
				// A core says neither armel nor armhf: an ELF header it
				// holds does (armFloatABI); this one has none.
				c := mustParse(t, b)
				if c.Platform != platform.ARMEL {
					t.Fatalf("ARM core without ELF headers is %s, want armel", c.Platform)
				}
				spec.loads[0].data = armHeader(0x5000400)
				b = spec.bytes()
			}
			c := mustParse(t, b)
			if c.Platform != sp.p {
				t.Errorf("platform %s, want %s", c.Platform, sp.p)
			}
			if len(c.Threads) != 1 {
				t.Fatalf("%d threads", len(c.Threads))
			}
			th := c.Threads[0]
			if th.TID != 77 || th.Signal != sigbus(sp.p) {
				t.Errorf("thread tid %d signal %d, want 77 %d", th.TID, th.Signal, sigbus(sp.p))
			}
			if th.SigPend != 1 || th.SigHold != 2|1<<31 {
				t.Errorf("pr_sigpend %#x pr_sighold %#x, want 0x1 0x80000002", th.SigPend, th.SigHold)
			}
			for i, name := range a.Regs {
				if name == "" {
					continue
				}
				got, err := th.CPU.Get(name)
				r, _ := th.CPU.File.Lookup(name)
				want := vals[i]
				if r.Bits < 64 {
					want &= 1<<r.Bits - 1
				}
				if err != nil || got != want {
					t.Errorf("slot %d %s = %#x, %v; want %#x", i, name, got, err, want)
				}
			}
			wantSI := &SigInfo{Signo: sigbus(sp.p), Errno: 5, Code: 2, Addr: 0xbad0}
			if diff := cmp.Diff(wantSI, c.SigInfo); diff != "" {
				t.Errorf("siginfo (-want +got):\n%s", diff)
			}
			if c.Signal() != sigbus(sp.p) {
				t.Errorf("Signal() = %d", c.Signal())
			}
			wantPI := &ProcInfo{State: 2, PID: 77, PPID: 76, UID: 1000, GID: 1001, Fname: "prog", Args: "./prog -v"}
			if diff := cmp.Diff(wantPI, c.Proc); diff != "" {
				t.Errorf("prpsinfo (-want +got):\n%s", diff)
			}
			wantAux := []AuxEntry{{AT_PHDR, 0x10034}, {AT_ENTRY, 0x10400}, {AT_PAGESZ, 4096}}
			if diff := cmp.Diff(wantAux, c.Auxv); diff != "" {
				t.Errorf("auxv (-want +got):\n%s", diff)
			}
			if v, ok := c.Aux(AT_ENTRY); !ok || v != 0x10400 {
				t.Errorf("Aux(AT_ENTRY) = %#x, %v", v, ok)
			}
			if _, ok := c.Aux(AT_BASE); ok {
				t.Errorf("Aux(AT_BASE) found")
			}
			wantFiles := []FileMapping{{Start: 0x10000, End: 0x12000, Offset: 0x3000, Path: "/bin/prog"}, {Start: 0x20000, End: 0x21000, Offset: 0, Path: "/lib/libc.so"}}
			if diff := cmp.Diff(wantFiles, c.Files); diff != "" {
				t.Errorf("NT_FILE (-want +got):\n%s", diff)
			}
			wantSegs := []Segment{
				{Vaddr: 0x10000, Memsz: 0x2000, Off: 0x1000, Filesz: 0x1000, Perm: memory.RX},
				{Vaddr: 0x7ff00000, Memsz: 0x1000, Off: 0x2000, Filesz: 0x1000, Perm: memory.RW},
			}
			if diff := cmp.Diff(wantSegs, c.Segments); diff != "" {
				t.Errorf("segments (-want +got):\n%s", diff)
			}
			if !c.Present(0x10000) || !c.Present(0x10fff) || c.Present(0x11000) || c.Present(0xffff) || !c.Present(0x7ff00fff) || c.Present(0x7ff01000) {
				t.Errorf("Present is wrong at a segment edge")
			}
		})
	}
}

func TestAMD64Registers(t *testing.T) {
	c := mustParse(t, amd64Core().bytes())
	th := c.Threads[0]
	vals := amd64Values()
	want := map[string]uint64{}
	for i, n := range amd64Arch.Regs {
		want[n] = vals[i]
	}
	// The names, spelled out: user_regs_struct's order.
	for i, n := range strings.Fields("r15 r14 r13 r12 rbp rbx r11 r10 r9 r8 rax rcx rdx rsi rdi orig_rax rip cs eflags rsp ss fs_base gs_base ds es fs gs") {
		r, ok := th.CPU.File.Lookup(n)
		if !ok {
			t.Fatalf("no register %s", n)
		}
		w := vals[i]
		if r.Bits < 64 {
			w &= 1<<r.Bits - 1
		}
		if got := th.CPU.MustGet(n); got != w {
			t.Errorf("%s = %#x, want %#x", n, got, w)
		}
	}
	if th.CPU.PC() != want["rip"] || th.CPU.SP() != want["rsp"] {
		t.Errorf("pc %#x sp %#x", th.CPU.PC(), th.CPU.SP())
	}
	if got := th.CPU.MustGet("eax"); got != want["rax"]&0xffffffff {
		t.Errorf("eax = %#x", got)
	}
}

func TestAMD64FP(t *testing.T) {
	w := noteWriter{order: binary.LittleEndian, word: 8}
	prs := w.prstatus(0x150, 0, 0, 1, amd64Values())
	check := func(t *testing.T, c *CPU, area []byte) {
		t.Helper()
		le := binary.LittleEndian
		for _, f := range []struct {
			name string
			want uint64
		}{
			{"fctrl", uint64(le.Uint16(area[0:]))}, {"fstat", uint64(le.Uint16(area[2:]))},
			{"ftag", uint64(area[4])}, {"fop", uint64(le.Uint16(area[6:]))}, {"mxcsr", uint64(le.Uint32(area[24:]))},
		} {
			if got := c.MustGet(f.name); got != f.want {
				t.Errorf("%s = %#x, want %#x", f.name, got, f.want)
			}
		}
		for i := 0; i < 8; i++ {
			got, _ := c.Bytes(fmt.Sprintf("st%d", i))
			if want := area[32+16*i : 42+16*i]; !bytes.Equal(got, want) {
				t.Errorf("st%d = %x, want %x", i, got, want)
			}
		}
		for i := 0; i < 16; i++ {
			got, _ := c.Bytes(fmt.Sprintf("xmm%d", i))
			if want := area[160+16*i : 176+16*i]; !bytes.Equal(got, want) {
				t.Errorf("xmm%d = %x, want %x", i, got, want)
			}
		}
	}
	fp, xs := fxsaveArea(1), append(fxsaveArea(100), make([]byte, 0x980-512)...)
	for _, tc := range []struct {
		name  string
		notes []testNote
		want  []byte // nil: no FP
	}{
		{"none", nil, nil},
		{"fpregset", []testNote{{"CORE", NT_FPREGSET, fp}}, fp},
		{"xstate only", []testNote{{"LINUX", NT_X86_XSTATE, xs}}, xs[:512]},
		{"fpregset wins", []testNote{{"CORE", NT_FPREGSET, fp}, {"LINUX", NT_X86_XSTATE, xs}}, fp},
		{"fpregset wins after", []testNote{{"LINUX", NT_X86_XSTATE, xs}, {"CORE", NT_FPREGSET, fp}}, fp},
	} {
		t.Run(tc.name, func(t *testing.T) {
			spec := amd64Core()
			spec.notes = append([]testNote{{"CORE", NT_PRSTATUS, prs}}, tc.notes...)
			c := mustParse(t, spec.bytes())
			th := c.Threads[0]
			if th.HasFP != (tc.want != nil) {
				t.Fatalf("HasFP = %v", th.HasFP)
			}
			if tc.want != nil {
				check(t, (*CPU)(th.CPU), tc.want)
			}
		})
	}
	t.Run("short", func(t *testing.T) {
		spec := amd64Core()
		spec.notes = []testNote{{"CORE", NT_PRSTATUS, prs}, {"CORE", NT_FPREGSET, fp[:100]}}
		_, err := parseBytes(t, spec.bytes())
		if !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), "NT_FPREGSET") {
			t.Errorf("got %v", err)
		}
	})
}

// CPU is cpu.CPU, for the helper's signature.
type CPU = cpu.CPU

func TestThreads(t *testing.T) {
	w := noteWriter{order: binary.LittleEndian, word: 8}
	regs := func(rip uint64) []uint64 {
		v := make([]uint64, len(amd64Arch.Regs))
		v[16] = rip
		return v
	}
	spec := amd64Core()
	spec.notes = []testNote{
		{"CORE", NT_FPREGSET, fxsaveArea(9)}, // before any thread: nobody's
		{"CORE", NT_PRSTATUS, w.prstatus(0x150, 6, 6, 30, regs(0x3000))},
		{"CORE", NT_PRPSINFO, w.prpsinfo(false, 0, 30, 1, 0, 0, "t", "t")},
		{"CORE", NT_FPREGSET, fxsaveArea(1)},
		{"CORE", NT_PRSTATUS, w.prstatus(0x150, 0, 0, 10, regs(0x1000))},
		{"CORE", NT_PRSTATUS, w.prstatus(0x150, 0, 0, 20, regs(0x2000))},
		{"CORE", NT_FPREGSET, fxsaveArea(3)},
		{"GNU", NT_PRSTATUS, []byte{1, 2, 3}}, // not the kernel's: ignored
	}
	c := mustParse(t, spec.bytes())
	var got []string
	for _, th := range c.Threads {
		got = append(got, fmt.Sprintf("%d %#x %d %v", th.TID, th.CPU.PC(), th.Signal, th.HasFP))
	}
	want := []string{"30 0x3000 6 true", "10 0x1000 0 false", "20 0x2000 0 true"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("threads (-want +got):\n%s", diff)
	}
	if c.SigInfo != nil || c.Signal() != 6 {
		t.Errorf("Signal() = %d without NT_SIGINFO, want the first thread's 6", c.Signal())
	}
	if fctrl := c.Threads[2].CPU.MustGet("fctrl"); fctrl != 0x0403 {
		t.Errorf("thread 3 fctrl = %#x: FP note given to the wrong thread", fctrl)
	}
	var owners []int
	for _, n := range c.Notes {
		owners = append(owners, n.Thread)
	}
	if diff := cmp.Diff([]int{-1, 0, 0, 0, 1, 2, 2, 2}, owners); diff != "" {
		t.Errorf("note owners (-want +got):\n%s", diff)
	}
}

func TestSigInfo(t *testing.T) {
	for _, tc := range []struct {
		p                  *platform.Platform
		signo, errno, code int
		addr, wantAddr     uint64
	}{
		{platform.AMD64, 11, 0, 1, 0x1234, 0x1234},          // SIGSEGV, SEGV_MAPERR
		{platform.AMD64, 11, 0, 0, 0x1234, 0},               // SIGSEGV sent by kill: si_code SI_USER
		{platform.AMD64, 4, 0, 2, 0x55, 0x55},               // SIGILL, ILL_ILLOPN
		{platform.AMD64, 6, 0, -6, 0x55, 0},                 // SIGABRT, SI_TKILL
		{platform.AMD64, 7, 0, 2, 0x77, 0x77},               // SIGBUS
		{platform.MIPS64, 10, 3, 2, 0x77, 0x77},             // SIGBUS is 10 on MIPS
		{platform.MIPS64, 7, 3, 2, 0x77, 0},                 // 7 is SIGEMT on MIPS
		{platform.I386, 8, 0, 1, 0xffff_fff0, 0xffff_fff0},  // SIGFPE, 32-bit: si_addr at 12
		{platform.PPC, 11, 0, 2, 0x1000_0000, 0x1000_0000},  // big-endian
		{platform.MIPS, 11, 9, 1, 0x7fff_0000, 0x7fff_0000}, // swapped code/errno
	} {
		w := noteWriter{order: tc.p.ByteOrder, word: tc.p.WordSize}
		desc := w.siginfo(tc.signo, tc.errno, tc.code, tc.addr, tc.p.Machine == elf.EM_MIPS)
		si, err := decodeSigInfo(words{b: desc, order: tc.p.ByteOrder, size: tc.p.WordSize}, tc.p)
		want := &SigInfo{Signo: tc.signo, Errno: tc.errno, Code: tc.code, Addr: tc.wantAddr}
		if err != nil || !cmp.Equal(si, want) {
			t.Errorf("%s signal %d code %d: got %+v, %v; want %+v", tc.p, tc.signo, tc.code, si, err, want)
		}
	}
	if _, err := decodeSigInfo(words{b: make([]byte, 8), order: binary.LittleEndian, size: 8}, platform.AMD64); err == nil {
		t.Errorf("8-byte siginfo accepted")
	}
}

func TestPrpsinfo(t *testing.T) {
	for _, tc := range []struct {
		name  string
		word  int
		order binary.ByteOrder
		uid16 bool
		size  int
	}{
		{"64-bit", 8, binary.LittleEndian, false, 136},
		{"32-bit 16-bit uid (i386, arm)", 4, binary.LittleEndian, true, 124},
		{"32-bit 32-bit uid (mips, ppc)", 4, binary.BigEndian, false, 128},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := noteWriter{order: tc.order, word: tc.word}
			desc := w.prpsinfo(tc.uid16, 'S', 100, 99, 65534, 65533, "0123456789abcdef", strings.Repeat("x", 80))
			if len(desc) != tc.size {
				t.Fatalf("builder made %d bytes, want %d", len(desc), tc.size)
			}
			pi, err := decodePrpsinfo(words{b: desc, order: tc.order, size: tc.word})
			want := &ProcInfo{State: 'S', PID: 100, PPID: 99, UID: 65534, GID: 65533, Fname: "0123456789abcdef", Args: strings.Repeat("x", 80)}
			if err != nil || !cmp.Equal(pi, want) {
				t.Errorf("got %+v, %v; want %+v", pi, err, want)
			}
			if _, err := decodePrpsinfo(words{b: desc[:tc.size-81], order: tc.order, size: tc.word}); err == nil {
				t.Errorf("short prpsinfo accepted")
			}
		})
	}
}

func TestNTFileErrors(t *testing.T) {
	w := noteWriter{order: binary.LittleEndian, word: 8}
	good := w.file(4096, []FileMapping{{Start: 1, End: 2, Offset: 4096, Path: "/a"}})
	for _, tc := range []struct {
		name string
		desc []byte
	}{
		{"short", good[:8]},
		{"count too big", append([]byte{0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0}, good[8:]...)},
		{"no NUL", good[:len(good)-1]},
	} {
		t.Run(tc.name, func(t *testing.T) {
			spec := amd64Core()
			spec.notes = append(spec.notes, testNote{"CORE", NT_FILE, tc.desc})
			_, err := parseBytes(t, spec.bytes())
			if !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), "NT_FILE") {
				t.Errorf("got %v", err)
			}
		})
	}
}

func TestPrstatusSize(t *testing.T) {
	spec := amd64Core()
	w := noteWriter{order: binary.LittleEndian, word: 8}
	spec.notes = []testNote{{"CORE", NT_PRSTATUS, w.prstatus(0x148, 0, 0, 1, nil)}}
	_, err := parseBytes(t, spec.bytes())
	if !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), "NT_PRSTATUS note at offset") || !strings.Contains(err.Error(), "0x148 bytes, want 0x150 for amd64") {
		t.Errorf("got %v", err)
	}
}

func TestPrstatusLayouts(t *testing.T) {
	if o := prstatusHeader(4); o.reg != 72 || o.pid != 24 {
		t.Errorf("32-bit: pr_reg at %d, pr_pid at %d; want 72, 24", o.reg, o.pid)
	}
	if o := prstatusHeader(8); o.reg != 112 || o.pid != 32 {
		t.Errorf("64-bit: pr_reg at %d, pr_pid at %d; want 112, 32", o.reg, o.pid)
	}
	// PLATFORMS.md's NT_PRSTATUS sizes follow from ELF_NGREG of each
	// platform's elf_gregset_t.
	for _, tc := range []struct {
		platform    string
		word, ngreg int
		size        int
	}{
		{"amd64", 8, 27, 0x150}, {"i386", 4, 17, 0x90}, {"aarch64", 8, 34, 0x188},
		{"armel", 4, 18, 0x94}, {"mips", 4, 45, 0x100}, {"mips64", 8, 45, 0x1e0},
		{"ppc", 4, 48, 0x10c}, {"ppc64", 8, 48, 0x1f8},
	} {
		if got := prstatusSize(tc.word, tc.ngreg); got != tc.size {
			t.Errorf("%s: %d registers give %#x bytes, PLATFORMS.md says %#x", tc.platform, tc.ngreg, got, tc.size)
		}
	}
	for name, a := range arches {
		p, err := platform.ByName(name)
		if err != nil {
			t.Fatal(err)
		}
		if got := prstatusSize(p.WordSize, len(a.Regs)); got != a.PrstatusSize {
			t.Errorf("%s: %d slots make %#x bytes, the row says %#x", name, len(a.Regs), got, a.PrstatusSize)
		}
		f, err := cpu.For(p)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		seen := map[string]bool{}
		for _, r := range a.Regs {
			if r == "" {
				continue
			}
			if _, ok := f.Lookup(r); !ok || seen[r] {
				t.Errorf("%s: slot %q is not a register of the cpu table, or is listed twice", name, r)
			}
			seen[r] = true
		}
	}
}

func TestNoteTypeNames(t *testing.T) {
	for typ, want := range map[NoteType]string{
		1: "NT_PRSTATUS", 2: "NT_FPREGSET", 3: "NT_PRPSINFO", 6: "NT_AUXV", 0x200: "NT_386_TLS",
		0x202: "NT_X86_XSTATE", 0x400: "NT_ARM_VFP", 0x401: "NT_ARM_TLS", 0x53494749: "NT_SIGINFO",
		0x46494c45: "NT_FILE", 0x46e62b7f: "NT_PRXFPREG", 0x205: "NT_X86_XSAVE_LAYOUT", 0x206: "NoteType(0x206)",
	} {
		if got := typ.String(); got != want {
			t.Errorf("NoteType(%#x) = %q, want %q", uint32(typ), got, want)
		}
	}
}

func TestNotes8ByteAligned(t *testing.T) {
	// An NT_GNU_PROPERTY_TYPE_0 note as in a PT_NOTE of p_align 8: the
	// descriptor starts at 16, not 20.
	b := []byte{4, 0, 0, 0, 16, 0, 0, 0, 5, 0, 0, 0, 'G', 'N', 'U', 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}
	notes, err := parseNotes(b, binary.LittleEndian, 8, 0, "test", "x")
	if err != nil || len(notes) != 1 || notes[0].Desc[0] != 1 || notes[0].Name != "GNU" || notes[0].Off != 16 {
		t.Fatalf("got %+v, %v", notes, err)
	}
	if _, err := parseNotes(b[:31], binary.LittleEndian, 8, 0, "test", "x"); err == nil {
		t.Errorf("cut note accepted")
	}
}

func TestErrors(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	random := make([]byte, 4096)
	rng.Read(random)
	exe, err := os.ReadFile("/bin/ls")
	if err != nil {
		t.Fatal(err)
	}
	notCore := amd64Core()
	notCore.typ = elf.ET_EXEC
	for _, tc := range []struct {
		name string
		b    []byte
		want error
	}{
		{"empty", nil, ErrNotELF},
		{"random", random, ErrNotELF},
		{"text", []byte("#!/bin/sh\necho hi\n"), ErrNotELF},
		{"executable", exe, ErrNotCore},
		{"ET_EXEC", notCore.bytes(), ErrNotCore},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := parseBytes(t, tc.b)
			if c != nil || !errors.Is(err, tc.want) || !errors.Is(err, ErrFormat) {
				t.Fatalf("got %v, %v; want %v", c, err, tc.want)
			}
			var fe *FormatError
			if !errors.As(err, &fe) || fe.File != "test.core" || !strings.HasPrefix(err.Error(), "load core test.core: ") {
				t.Errorf("error %q does not name the step and the file", err)
			}
		})
	}
	if _, err := OpenCore("/nonexistent/x.core"); err == nil || errors.Is(err, ErrFormat) || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

// TestTruncated cuts a core at every length: each must give an error, a
// format error, and past the ELF header a truncation.
func TestTruncated(t *testing.T) {
	b := amd64Core().bytes()
	for n := 0; n < len(b); n++ {
		c, err := parseBytes(t, b[:n])
		if c != nil || !errors.Is(err, ErrFormat) {
			t.Fatalf("cut at %d: got %v, %v", n, c, err)
		}
		want := ErrTruncated
		if n < 4 {
			want = ErrNotELF
		}
		if !errors.Is(err, want) {
			t.Fatalf("cut at %d: %v, want %v", n, err, want)
		}
	}
	// The message names the segment, offset and missing bytes.
	_, err := parseBytes(t, b[:len(b)-0x100])
	want := "load core test.core: PT_LOAD 2 at offset 0x3000: 0x100 bytes past end of file (truncated core?)"
	if err == nil || err.Error() != want {
		t.Errorf("got  %v\nwant %s", err, want)
	}
	var fe *FormatError
	if !errors.As(err, &fe) || fe.Off != 0x3000 {
		t.Errorf("offset: %+v", fe)
	}
}

// TestCorrupt flips bytes at every offset of the headers and notes: no
// panic, exactly one of result and error.
func TestCorrupt(t *testing.T) {
	b := amd64Core().bytes()
	head, _, _ := amd64Core().layout()
	for i := range head {
		for _, v := range []byte{0, 0xff, 0x80, b[i] + 1} {
			c := append([]byte(nil), b...)
			c[i] = v
			core, err := parseBytes(t, c)
			if (core == nil) == (err == nil) {
				t.Fatalf("byte %d = %#x: core %v, err %v", i, v, core, err)
			}
			if err != nil && !errors.Is(err, ErrFormat) && !errors.Is(err, ErrNoLayout) && !errors.Is(err, platform.ErrUnknown) {
				t.Fatalf("byte %d = %#x: %v is not a format error", i, v, err)
			}
		}
	}
}

func TestSetPlatform(t *testing.T) {
	c := mustParse(t, amd64Core().bytes())
	if err := c.SetPlatform(platform.AMD64); err != nil {
		t.Errorf("same platform: %v", err)
	}
	if err := c.SetPlatform(platform.I386); !errors.Is(err, ErrMismatch) {
		t.Errorf("i386 over amd64: %v", err)
	}
	// An ARM core says neither armel nor armhf: armel until told.
	arm := testCore{class: elf.ELFCLASS32, order: binary.LittleEndian, machine: elf.EM_ARM,
		loads: []testLoad{{vaddr: 0x8000, memsz: 0x1000, filesz: 0x1000, flags: elf.PF_R}}}
	c = mustParse(t, arm.bytes())
	if c.Platform != platform.ARMEL {
		t.Fatalf("ARM core is %s, want armel", c.Platform)
	}
	if err := c.SetPlatform(platform.ARMHF); err != nil || c.Platform != platform.ARMHF {
		t.Errorf("armhf: %v, %s", err, c.Platform)
	}
	if err := c.SetPlatform(platform.AArch64); !errors.Is(err, ErrMismatch) || c.Platform != platform.ARMHF {
		t.Errorf("aarch64 over arm: %v", err)
	}
}

// mapsOf returns the /proc/self/maps line covering addr.
func mapsOf(t *testing.T, addr uintptr) string {
	t.Helper()
	f, err := os.Open("/proc/self/maps")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var lo, hi uintptr
		if _, err := fmt.Sscanf(sc.Text(), "%x-%x", &lo, &hi); err == nil && addr >= lo && addr < hi {
			return sc.Text()
		}
	}
	return ""
}

func TestCoreRegionsMapped(t *testing.T) {
	spec := amd64Core()
	path := spec.write(t, "synthetic.core")
	c, err := OpenCore(path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	regions, err := c.Regions()
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		for _, r := range regions {
			r.Release()
		}
	}()
	if len(regions) != 2 {
		t.Fatalf("%d regions", len(regions))
	}
	for i, r := range regions {
		s := c.Segments[i]
		if r.Start != s.Vaddr || r.Size() != s.Memsz || r.Perm != s.Perm || r.Name != "core" {
			t.Errorf("region %s for segment %+v", r, s)
		}
		p := uintptr(unsafe.Pointer(unsafe.SliceData(r.Data)))
		if uint64(p)%memory.PageSize != 0 {
			t.Errorf("region %s: host address %#x is not page aligned", r, p)
		}
		// Mapped, not copied: the kernel shows the core file there.
		if line := mapsOf(t, p); !strings.HasSuffix(line, path) {
			t.Errorf("region %s: host page is %q, want a mapping of %s", r, line, path)
		}
		want := spec.loads[i].data
		if !bytes.Equal(r.Data[:len(want)], want) {
			t.Errorf("region %s starts %q, want %q", r, r.Data[:len(want)], want)
		}
		if tail := r.Data[s.Filesz:]; !allZero(tail) {
			t.Errorf("region %s: memsz beyond filesz is not zero", r)
		}
	}
	// Writes are private.
	regions[0].Data[0] = 'X'
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if b[c.Segments[0].Off] != 's' {
		t.Errorf("writing a region changed the core file")
	}
	// Regions outlive Close.
	c.Close()
	if regions[1].Data[0] != 's' {
		t.Errorf("region lost after Close")
	}
	if _, err := c.Regions(); !errors.Is(err, ErrClosed) {
		t.Errorf("Regions after Close: %v", err)
	}
}

func TestCoreRegionsFromBytes(t *testing.T) {
	spec := amd64Core()
	c := mustParse(t, spec.bytes())
	regions, err := c.Regions()
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range regions {
		if want := spec.loads[i].data; !bytes.Equal(r.Data[:len(want)], want) || !allZero(r.Data[len(want):]) {
			t.Errorf("region %s has the wrong bytes", r)
		}
		r.Release()
	}
}

func TestCoreWrapsAtTop(t *testing.T) {
	// The vsyscall page (kernel cores), and a segment that ends exactly
	// at the top of the address space.
	spec := amd64Core()
	spec.loads = append(spec.loads,
		testLoad{vaddr: 0xffffffffff600000, memsz: 0x1000, flags: elf.PF_X},
		testLoad{vaddr: 0xfffffffffffff000, memsz: 0x1000, filesz: 0x1000, data: []byte("top"), flags: elf.PF_R})
	c := mustParse(t, spec.bytes())
	if s := c.Segments[2]; s.End() != 0xffffffffff601000 || c.Present(0xffffffffff600000) {
		t.Errorf("vsyscall segment %+v", s)
	}
	if s := c.Segments[3]; s.End() != 0 || !c.Present(0xffffffffffffffff) {
		t.Errorf("top segment %+v", s)
	}
	regions, err := c.Regions()
	if err != nil {
		t.Fatal(err)
	}
	m := memory.NewMap(binary.LittleEndian)
	for _, r := range regions {
		if err := m.Add(r); err != nil {
			t.Error(err)
		}
	}
	if s, err := m.CString(0xfffffffffffff000, 8); err != nil || s != "top" {
		t.Errorf("top page reads %q, %v", s, err)
	}
	m.Release()
	spec.loads[3].memsz = 0x2000
	if _, err := parseBytes(t, spec.bytes()); !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), "wraps") {
		t.Errorf("segment past the top: %v", err)
	}
}

// Untouched: memory a core left out is zero only where the core lists
// its file mappings and none covers it.
func TestUntouched(t *testing.T) {
	p := platform.AMD64
	spec, _ := synthCore(p, archOf(p), false)
	spec.loads = append(spec.loads, testLoad{vaddr: 0x30000, memsz: 0x2000, flags: elf.PF_R | elf.PF_W})
	c := mustParse(t, spec.bytes())
	want := map[uint64]bool{0x10000: false, 0x7ff0_0000: false, 0x30000: true}
	for _, s := range c.Segments {
		if got := c.Untouched(s); got != want[s.Vaddr] {
			t.Errorf("segment %#x: Untouched %v, want %v", s.Vaddr, got, want[s.Vaddr])
		}
	}
	// Without NT_FILE (a qemu-user core) nothing is known to be zero.
	var notes []testNote
	for _, n := range spec.notes {
		if n.typ != NT_FILE {
			notes = append(notes, n)
		}
	}
	spec.notes = notes
	c = mustParse(t, spec.bytes())
	for _, s := range c.Segments {
		if c.Untouched(s) {
			t.Errorf("segment %#x: Untouched without NT_FILE", s.Vaddr)
		}
	}
}
