package machine

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/smallworld-go/smallworld/load"
	"github.com/smallworld-go/smallworld/memory"
)

// IFUNC repair (x86). glibc picks the implementation of its string and
// memory functions once, at load time, by the CPU's features: a process
// dumped on a machine with AVX2 or AVX-512 calls __strlen_avx2 and the
// like through its GOT slots, and the engine (Unicorn, QEMU 5 TCG) has
// none of those instructions. RepairIFuncs makes glibc choose again for
// the engine's CPU, with glibc's own resolvers:
//
//  1. run every IFUNC resolver (libc's STT_GNU_IFUNC symbols and
//     IRELATIVE relocations) in the engine: the choices the process made;
//  2. find ld.so's cpu_features (_dl_x86_get_cpu_features) and clear
//     every "active" feature bit the engine's own CPUID lacks, and the
//     AVX_Fast_Unaligned_Load preference, which selects AVX code alone;
//  3. run the resolvers again: the engine's choices;
//  4. rewrite every relocated slot of every loaded object that holds a
//     choice of step 1 with the matching choice of step 3.
//
// cpu_features is glibc-internal; its layout (glibc 2.33 and later,
// sysdeps/x86/include/cpu-features.h) is checked before it is touched:
// the CPUID leaf 1 signature it holds must give the family and model it
// records.

// ifuncArch is what the repair needs per platform.
type ifuncArch struct {
	IRelative uint32 // R_*_IRELATIVE
	JumpSlot  uint32 // R_*_JUMP_SLOT whose lazy slots are bound now; 0: none
	// Limit, when set, replaces the x86 cpu_features edit.
	Limit func(m *Machine, objs []object) error
	// CPUID is code for Call(code, 0, leaf, subleaf, out) that stores
	// eax, ebx, ecx, edx of CPUID(leaf, subleaf) at out.
	CPUID []byte
	// Batch, when set, encodes one function that calls every resolver
	// and stores each result, so that a pass is one engine run instead
	// of one per resolver (each costs the engine's start and a register
	// transfer: about 0.1 ms).
	Batch *batchCode
}

// batchCode encodes a function without arguments that calls fns in turn
// and stores the word each returns at out+i*wordsize.
type batchCode struct {
	Prologue func(out uint64) []byte       // saves a callee-saved register, points it at out, aligns the stack
	Call     func(fn uint64, i int) []byte // the same length for every fn and i
	Epilogue []byte                        // undoes the prologue and returns
}

var (
	// amd64: rbx holds out; push rbx leaves rsp 16-byte aligned at each
	// call (Call enters with the return address pushed).
	amd64Batch = &batchCode{
		Prologue: func(out uint64) []byte {
			return binary.LittleEndian.AppendUint64([]byte{0x53, 0x48, 0xbb}, out) // push rbx; mov rbx, imm64
		},
		Call: func(fn uint64, i int) []byte {
			b := binary.LittleEndian.AppendUint64([]byte{0x48, 0xb8}, fn) // mov rax, imm64
			b = append(b, 0xff, 0xd0, 0x48, 0x89, 0x83)                   // call rax; mov [rbx+disp32], rax
			return binary.LittleEndian.AppendUint32(b, uint32(8*i))
		},
		Epilogue: []byte{0x5b, 0xc3}, // pop rbx; ret
	}
	// i386: ebx holds out; push ebx and sub esp, 8 align esp to 16.
	i386Batch = &batchCode{
		Prologue: func(out uint64) []byte {
			b := binary.LittleEndian.AppendUint32([]byte{0x53, 0xbb}, uint32(out)) // push ebx; mov ebx, imm32
			return append(b, 0x83, 0xec, 0x08)                                     // sub esp, 8
		},
		Call: func(fn uint64, i int) []byte {
			b := binary.LittleEndian.AppendUint32([]byte{0xb8}, uint32(fn)) // mov eax, imm32
			b = append(b, 0xff, 0xd0, 0x89, 0x83)                           // call eax; mov [ebx+disp32], eax
			return binary.LittleEndian.AppendUint32(b, uint32(4*i))
		},
		Epilogue: []byte{0x83, 0xc4, 0x08, 0x5b, 0xc3}, // add esp, 8; pop ebx; ret
	}
)

var ifuncArches = map[string]ifuncArch{
	// AArch64: glibc chose SVE and MOPS routines on qemu's "max" CPU;
	// the engine has neither (limitAArch64).
	"aarch64": {IRelative: 1032, Limit: (*Machine).limitAArch64},
	"amd64": {IRelative: 37, JumpSlot: 7, CPUID: []byte{
		0x53,       // push rbx
		0x89, 0xf8, // mov eax, edi
		0x89, 0xf1, // mov ecx, esi
		0x49, 0x89, 0xd0, // mov r8, rdx
		0x0f, 0xa2, // cpuid
		0x41, 0x89, 0x00, // mov [r8], eax
		0x41, 0x89, 0x58, 0x04, // mov [r8+4], ebx
		0x41, 0x89, 0x48, 0x08, // mov [r8+8], ecx
		0x41, 0x89, 0x50, 0x0c, // mov [r8+12], edx
		0x5b, // pop rbx
		0xc3, // ret
	}, Batch: amd64Batch},
	"i386": {IRelative: 42, JumpSlot: 7, CPUID: []byte{
		0x53,                   // push ebx
		0x57,                   // push edi
		0x8b, 0x44, 0x24, 0x0c, // mov eax, [esp+12]
		0x8b, 0x4c, 0x24, 0x10, // mov ecx, [esp+16]
		0x8b, 0x7c, 0x24, 0x14, // mov edi, [esp+20]
		0x0f, 0xa2, // cpuid
		0x89, 0x07, // mov [edi], eax
		0x89, 0x5f, 0x04, // mov [edi+4], ebx
		0x89, 0x4f, 0x08, // mov [edi+8], ecx
		0x89, 0x57, 0x0c, // mov [edi+12], edx
		0x5f, // pop edi
		0x5b, // pop ebx
		0xc3, // ret
	}, Batch: i386Batch},
}

// cpuFeatureLeaves: the CPUID leaf and subleaf of each features[] entry
// of glibc's struct cpu_features (enum cpuid_index, glibc 2.33-2.36).
var cpuFeatureLeaves = [][2]uint32{
	{1, 0}, {7, 0}, {0x80000001, 0}, {0xd, 1}, {0x80000007, 0}, {0x80000008, 0}, {7, 1}, {0x19, 0}, {0x14, 0},
}

const (
	cfBasicSize   = 20 // struct cpu_features_basic: kind, max_cpuid, family, model, stepping
	cfFeatureSize = 32 // struct cpuid_feature_internal: cpuid[4], active[4]
	// Index of AVX_Fast_Unaligned_Load in preferred[0]
	// (cpu-features-preferred_feature_index_1.def).
	prefAVXFastUnalignedLoad = 9
)

// IFuncRepair reports what RepairIFuncs did.
type IFuncRepair struct {
	Resolvers int // resolvers run
	Changed   int // resolvers whose choice changed
	Slots     int // slots rewritten
	Bound     int // lazy jump slots bound
}

// RepairIFuncs re-selects glibc's IFUNC implementations for the
// engine's CPU; see above. Platforms other than x86 need nothing (zero
// result). RestoreLibs must have run; exe and base are the main
// executable and its load base (exe may be nil).
func (m *Machine) RepairIFuncs(exe *load.ELF, base uint64) (IFuncRepair, error) {
	var rep IFuncRepair
	arch, ok := ifuncArches[m.Platform.Name]
	if !ok {
		return rep, nil
	}
	// The loaded objects: the libraries and, last, the executable (a
	// static one holds libc itself).
	all := append([]object(nil), m.objects...)
	if exe != nil {
		all = append(all, object{Name: exe.Path, Bias: base, ELF: exe})
	}
	if len(all) == 0 {
		return rep, nil
	}
	var resolvers []uint64
	seen := map[uint64]bool{}
	for _, o := range all {
		for _, s := range o.ELF.Symbols {
			if s.IFunc && s.Value != 0 && !seen[o.Bias+s.Value] {
				seen[o.Bias+s.Value] = true
				resolvers = append(resolvers, o.Bias+s.Value)
			}
		}
		for _, r := range o.ELF.Relocs() {
			if r.Type == arch.IRelative && r.Rela && !seen[o.Bias+r.Addend] {
				seen[o.Bias+r.Addend] = true
				resolvers = append(resolvers, o.Bias+r.Addend)
			}
		}
	}
	if len(resolvers) == 0 {
		return rep, nil
	}
	before, err := m.runResolvers(arch, resolvers)
	if err != nil {
		return rep, err
	}
	limit := arch.Limit
	if limit == nil {
		limit = func(m *Machine, objs []object) error { return m.limitCPUFeatures(arch, objs) }
	}
	if err := limit(m, all); err != nil {
		return rep, fmt.Errorf("IFUNC repair: %w", err)
	}
	after, err := m.runResolvers(arch, resolvers)
	if err != nil {
		return rep, err
	}
	choice := map[uint64]uint64{}
	for i, v := range after {
		rep.Resolvers++
		if v != before[i] {
			rep.Changed++
			choice[before[i]] = v
		}
	}
	type obj struct {
		e    *load.ELF
		bias uint64
	}
	objs := []obj{}
	if exe != nil {
		objs = append(objs, obj{exe, base})
	}
	for _, o := range m.objects {
		objs = append(objs, obj{o.ELF, o.Bias})
	}
	w := m.Platform.WordSize
	// Lazy jump slots still point into their own object's PLT: a first
	// call would enter ld.so's _dl_runtime_resolve, whose variant was
	// also chosen for the dumped CPU (XSAVEC). Bind them now, as
	// LD_BIND_NOW would have: the first definition in load order, an
	// IFUNC through its (repaired) resolver.
	for _, o := range objs {
		lo, hi := execRange(o.e, o.bias)
		for _, r := range o.e.Relocs() {
			if arch.JumpSlot == 0 || r.Type != arch.JumpSlot || r.Name == "" {
				continue
			}
			slot := o.bias + r.Off
			v, err := m.Memory.Uint(slot, w)
			if err != nil || v < lo || v >= hi {
				continue
			}
			target, ok, err := m.bindSymbol(r.Name, len(objs))
			if err != nil {
				return rep, fmt.Errorf("IFUNC repair: bind %s: %w", r.Name, err)
			}
			if !ok {
				continue // left lazy: undefined (weak) or not loaded
			}
			if err := m.Memory.PutUint(slot, w, target); err != nil {
				return rep, fmt.Errorf("IFUNC repair: slot %#x: %w", slot, err)
			}
			rep.Bound++
		}
	}
	if len(choice) == 0 {
		return rep, nil
	}
	for _, o := range objs {
		for _, r := range o.e.Relocs() {
			slot := o.bias + r.Off
			v, err := m.Memory.Uint(slot, w)
			if err != nil {
				continue
			}
			if nv, ok := choice[v]; ok {
				if err := m.Memory.PutUint(slot, w, nv); err != nil {
					return rep, fmt.Errorf("IFUNC repair: slot %#x: %w", slot, err)
				}
				rep.Slots++
			}
		}
	}
	return rep, nil
}

// resolverInsns bounds one resolver's run.
const resolverInsns = 1_000_000

// runResolvers calls each resolver and returns what each chose: in one
// engine run where the platform has batch code, else one Call each.
// A failed batch is run again one by one, which names the resolver.
func (m *Machine) runResolvers(arch ifuncArch, resolvers []uint64) ([]uint64, error) {
	out := make([]uint64, len(resolvers))
	if arch.Batch != nil && len(resolvers) > 1 {
		if err := m.ensureScratch(); err != nil {
			return nil, err
		}
		w := m.Platform.WordSize
		// The code from the scratch region's second 64 bytes, then the
		// results; the stack is at the region's far end.
		code := m.scratch.Start + 64
		size := len(arch.Batch.Prologue(0)) + len(resolvers)*len(arch.Batch.Call(0, 0)) + len(arch.Batch.Epilogue)
		results := (code + uint64(size) + 15) &^ 15
		b := arch.Batch.Prologue(results)
		for i, r := range resolvers {
			b = append(b, arch.Batch.Call(r, i)...)
		}
		b = append(b, arch.Batch.Epilogue...)
		if end := results + uint64(len(resolvers)*w); end <= m.scratch.End()-callScratch/2 {
			if err := m.Memory.Write(code, b); err != nil {
				return nil, err
			}
			if m.callSess != nil { // it may hold code of an earlier batch there
				if err := m.callSess.eng.RemoveCache(code, code+uint64(len(b))); err != nil {
					return nil, err
				}
			}
			// A resolver that fails or loops ends the batch; the
			// one-by-one runs below name it.
			if _, err := m.Call(code, resolverInsns*uint64(len(resolvers))); err == nil {
				for i := range out {
					v, err := m.Memory.Uint(results+uint64(i*w), w)
					if err != nil {
						return nil, err
					}
					out[i] = v
				}
				return out, nil
			}
		}
	}
	for i, r := range resolvers {
		v, err := m.Call(r, resolverInsns)
		if err != nil {
			return nil, fmt.Errorf("IFUNC repair: resolver %#x: %w", r, err)
		}
		out[i] = v
	}
	return out, nil
}

// limitCPUFeatures clears the feature bits glibc found on the dumped
// process's CPU that the engine's CPU lacks.
func (m *Machine) limitCPUFeatures(arch ifuncArch, objs []object) error {
	var cf uint64
	if get, ok := symbolIn(objs, "_dl_x86_get_cpu_features"); ok {
		var err error
		if cf, err = m.Call(get, 10_000); err != nil {
			return err
		}
	} else if cf, ok = symbolIn(objs, "_dl_x86_cpu_features"); !ok {
		// A static executable keeps the structure itself, named only in
		// its symbol table.
		return errors.New("glibc's cpu_features was not found (no _dl_x86_get_cpu_features in ld.so, no _dl_x86_cpu_features in a static executable's symbols: stripped?)")
	}
	size := cfBasicSize + cfFeatureSize*len(cpuFeatureLeaves) + 4
	b := make([]byte, size)
	if err := m.Memory.Read(cf, b); err != nil {
		return fmt.Errorf("cpu_features at %#x: %w", cf, err)
	}
	le := binary.LittleEndian
	family, model := le.Uint32(b[8:]), le.Uint32(b[12:])
	sig := le.Uint32(b[cfBasicSize:]) // CPUID(1).eax
	f, mo := sig>>8&0xf, sig>>4&0xf
	if f == 0xf {
		f += sig >> 20 & 0xff
	}
	if f == 0x6 || f >= 0xf {
		mo += (sig >> 16 & 0xf) << 4
	}
	if f != family || mo != model || le.Uint32(b[4:]) == 0 {
		return fmt.Errorf("cpu_features at %#x does not have the layout this repair knows (family %#x model %#x, CPUID signature %#x): glibc version not supported", cf, family, model, sig)
	}
	// The engine's CPUID, leaf by leaf.
	code := m.scratch.Start + callScratch - 256
	out := code + 128
	if err := m.Memory.Write(code, arch.CPUID); err != nil {
		return err
	}
	for i, leaf := range cpuFeatureLeaves {
		if _, err := m.Call(code, 100, uint64(leaf[0]), uint64(leaf[1]), out); err != nil {
			return fmt.Errorf("engine CPUID: %w", err)
		}
		var regs [16]byte
		if err := m.Memory.Read(out, regs[:]); err != nil {
			return err
		}
		at := cfBasicSize + cfFeatureSize*i + 16 // active[4]
		for r := 0; r < 4; r++ {
			v := le.Uint32(b[at+4*r:]) & le.Uint32(regs[4*r:])
			le.PutUint32(b[at+4*r:], v)
		}
	}
	pref := cfBasicSize + cfFeatureSize*len(cpuFeatureLeaves)
	le.PutUint32(b[pref:], le.Uint32(b[pref:])&^(1<<prefAVXFastUnalignedLoad))
	return m.Memory.Write(cf, b)
}

// execRange is the span of an object's executable segments.
func execRange(e *load.ELF, bias uint64) (lo, hi uint64) {
	lo = ^uint64(0)
	for _, s := range e.Segments {
		if s.Perm&memory.X != 0 {
			lo, hi = min(lo, bias+s.Vaddr), max(hi, bias+s.Vaddr+s.Memsz)
		}
	}
	return lo, hi
}

// bindSymbol finds what the dynamic linker binds name to: the first
// loaded object (in link-map order) that exports it; an IFUNC's
// resolver is run.
func (m *Machine) bindSymbol(name string, _ int) (uint64, bool, error) {
	for _, o := range m.objects {
		s, ok := o.ELF.Export(name)
		if !ok {
			continue
		}
		if !s.IFunc {
			return o.Bias + s.Value, true, nil
		}
		v, err := m.Call(o.Bias+s.Value, 1_000_000)
		return v, err == nil, err
	}
	return 0, false, nil
}

// AArch64 auxv bits (Linux arch/arm64/include/uapi/asm/hwcap.h).
const (
	atHWCap     = 16
	atHWCap2    = 26
	hwcapSVE    = 1 << 22
	hwcap2BTI   = 1 << 17
	aarch64CFSz = 16
)

// limitAArch64 turns off SVE and MOPS in ld.so's
// GLRO(dl_aarch64_cpu_features) (glibc 2.35-2.36 sysdeps/aarch64/
// cpu-features.h: u64 midr_el1, u32 zva_size, bool bti, u8 mte_state,
// bool sve, bool mops), the flags glibc's resolvers read. The structure
// is found inside ld.so's _rtld_global_ro as the one place whose fields
// agree with the process's auxv: sve with AT_HWCAP's SVE bit, bti with
// AT_HWCAP2's BTI bit, a non-zero 32-bit MIDR (qemu's "max" has
// implementer 0) and a power-of-two DC ZVA size.
func (m *Machine) limitAArch64(objs []object) error {
	sym, glro, ok := definitionIn(objs, "_rtld_global_ro")
	size := sym.Size
	if !ok || size < aarch64CFSz {
		return errors.New("ld.so's _rtld_global_ro was not found")
	}
	hw, _ := m.auxv(atHWCap)
	hw2, _ := m.auxv(atHWCap2)
	sve, bti := b2u(hw&hwcapSVE != 0), b2u(hw2&hwcap2BTI != 0)
	if sve == 0 {
		return nil // glibc chose no SVE code
	}
	b := make([]byte, size)
	if err := m.Memory.Read(glro, b); err != nil {
		return fmt.Errorf("_rtld_global_ro: %w", err)
	}
	var found []uint64
	for o := uint64(0); o+aarch64CFSz <= size; o += 8 {
		midr := binary.LittleEndian.Uint64(b[o:])
		zva := binary.LittleEndian.Uint32(b[o+8:])
		if midr>>32 != 0 || midr == 0 || zva&(zva-1) != 0 || zva > 2048 {
			continue
		}
		if b[o+12] != bti || b[o+14] != sve || b[o+13] > 0xf || b[o+15] > 1 {
			continue
		}
		found = append(found, o)
	}
	if len(found) != 1 {
		return fmt.Errorf("glibc's AArch64 cpu_features: %d candidates in _rtld_global_ro, want 1 (glibc version not supported)", len(found))
	}
	o := found[0]
	b[o+14], b[o+15] = 0, 0 // sve, mops: the engine has neither
	return m.Memory.Write(glro+o+14, b[o+14:o+16])
}

func b2u(v bool) byte {
	if v {
		return 1
	}
	return 0
}

// auxv returns an entry of the core's auxiliary vector.
func (m *Machine) auxv(tag uint64) (uint64, bool) {
	v, ok := m.auxvals[tag]
	return v, ok
}
