package model

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"github.com/smallworld-go/smallworld/memory"
)

// Variadic arguments and va_list, per platform (Linux ABIs):
//
//   - amd64 (SysV psABI 3.5.7): rdi..r9 then the stack above the return
//     address; doubles in xmm0-7 (al holds their count), then the stack;
//     long double always on the stack, 16-aligned. va_list is a pointer
//     to {u32 gp_offset; u32 fp_offset; void *overflow_arg_area; void
//     *reg_save_area} (6 GPRs of 8 bytes, then 8 XMMs of 16).
//   - i386: everything on the stack, 4-byte aligned; long double 12
//     bytes. va_list is a pointer.
//   - aarch64 (AAPCS64, Linux, not Apple): x0-x7, then the stack in
//     8-byte slots; doubles and long doubles (binary128) in v0-v7.
//     va_list is {void *stack; void *gr_top; void *vr_top; i32 gr_offs;
//     i32 vr_offs}, offsets negative while registers remain.
//   - ARM (AAPCS base standard; armhf too, variadic functions never use
//     VFP registers): r0-r3 then the stack as one sequence, 64-bit values
//     8-aligned (a double of r2:r3 or on the stack). va_list is a pointer.
//   - MIPS o32: a0-a3 (home area sp+0..16) then the stack, doubles
//     8-aligned, in integer registers. n64: a0-a7 then the stack, 8-byte
//     slots, doubles in integer registers, long double (binary128) in an
//     aligned pair. va_list is a pointer.
//   - PowerPC 32: r3-r10 (64-bit values in an aligned pair r3:r4, r5:r6...),
//     doubles in f1-f8 (the caller sets CR bit 6), overflow from sp+8.
//     va_list is {u8 gpr; u8 fpr; u16 reserved; void *overflow_arg_area;
//     void *reg_save_area} (8 GPRs, then 8 FPRs).
//   - PowerPC64 ELFv1/ELFv2: r3-r10 are the first 8 doublewords of the
//     parameter save area; variadic doubles are passed there too. va_list
//     is a pointer.
//
// Long doubles are IBM double-double on PowerPC: not supported.

// VarArgs returns the variadic arguments of the call, which come after
// its first fixed integer or pointer parameters.
func (c *Call) VarArgs(fixed int) (ArgSource, error) {
	conv := c.b.Conv
	env := c.b.Env
	p := env.Platform()
	sp, err := env.ReadReg(c.b.sp)
	if err != nil {
		return nil, err
	}
	mem := env.Memory()
	switch conv.Var {
	case VarLinear:
		slot := 4
		if p.WordSize == 8 {
			slot = 8
		}
		regs := make([]byte, 0, slot*len(conv.IntArgs))
		for i := range conv.IntArgs {
			v := c.Arg(i)
			var w [8]byte
			if slot == 8 {
				p.ByteOrder.PutUint64(w[:], v)
			} else {
				p.ByteOrder.PutUint32(w[:], uint32(v))
			}
			regs = append(regs, w[:slot]...)
		}
		stack := sp + conv.StackArgs
		a := &linearArgs{mem: mem, order: p.ByteOrder, regs: regs, base: stack - uint64(len(regs)),
			stack: stack, slot: slot, align8: conv.Align8, ld: conv.LongDouble}
		for i := 0; i < fixed; i++ {
			if _, err := a.Int(p.WordSize); err != nil {
				return nil, err
			}
		}
		return a, c.err
	case VarAMD64:
		save := make([]byte, 0, 176)
		for i := range conv.IntArgs {
			save = binary.LittleEndian.AppendUint64(save, c.Arg(i))
		}
		for _, n := range conv.FloatArgs {
			b, err := regBytes(env, n, 16)
			if err != nil {
				return nil, err
			}
			save = append(save, b...)
		}
		return &amd64Args{mem: mem, save: area{local: save}, gp: uint32(8 * fixed), fp: 48, overflow: sp + 8}, c.err
	case VarAArch64:
		gr := make([]byte, 0, 64)
		for i := range conv.IntArgs {
			gr = binary.LittleEndian.AppendUint64(gr, c.Arg(i))
		}
		var vr []byte
		for _, n := range conv.FloatArgs {
			b, err := regBytes(env, n, 16)
			if err != nil {
				return nil, err
			}
			vr = append(vr, b...)
		}
		return &a64Args{mem: mem, gr: area{local: gr}, vr: area{local: vr},
			grOffs: int32(-64 + 8*fixed), vrOffs: -128, stack: sp}, c.err
	case VarPPC32:
		save := make([]byte, 0, 96)
		for i := range conv.IntArgs {
			save = binary.BigEndian.AppendUint32(save, uint32(c.Arg(i)))
		}
		for _, n := range conv.FloatArgs {
			id, err := env.RegID(n)
			if err != nil {
				return nil, err
			}
			v, err := env.ReadReg(id)
			if err != nil {
				return nil, err
			}
			save = binary.BigEndian.AppendUint64(save, v)
		}
		return &ppc32Args{mem: mem, save: area{local: save}, gpr: fixed, overflow: sp + 8}, c.err
	}
	return nil, fmt.Errorf("no variadic convention for %s", p.Name)
}

// VaList returns the arguments a va_list passed as argument i holds.
func (c *Call) VaList(i int) (ArgSource, error) {
	conv := c.b.Conv
	p := c.b.Env.Platform()
	mem := c.b.Env.Memory()
	ap := c.Arg(i)
	if c.err != nil {
		return nil, c.err
	}
	switch conv.Var {
	case VarLinear:
		slot := 4
		if p.WordSize == 8 {
			slot = 8
		}
		return &linearArgs{mem: mem, order: p.ByteOrder, base: ap, stack: ap, slot: slot, align8: conv.Align8, ld: conv.LongDouble}, nil
	case VarAMD64:
		var b [24]byte
		if err := mem.Read(ap, b[:]); err != nil {
			return nil, fmt.Errorf("va_list: %w", err)
		}
		le := binary.LittleEndian
		return &amd64Args{mem: mem, gp: le.Uint32(b[0:]), fp: le.Uint32(b[4:]), overflow: le.Uint64(b[8:]),
			save: area{mem: mem, addr: le.Uint64(b[16:])}}, nil
	case VarAArch64:
		var b [32]byte
		if err := mem.Read(ap, b[:]); err != nil {
			return nil, fmt.Errorf("va_list: %w", err)
		}
		le := binary.LittleEndian
		return &a64Args{mem: mem, stack: le.Uint64(b[0:]), gr: area{mem: mem, addr: le.Uint64(b[8:])},
			vr: area{mem: mem, addr: le.Uint64(b[16:])}, grOffs: int32(le.Uint32(b[24:])), vrOffs: int32(le.Uint32(b[28:]))}, nil
	case VarPPC32:
		var b [12]byte
		if err := mem.Read(ap, b[:]); err != nil {
			return nil, fmt.Errorf("va_list: %w", err)
		}
		be := binary.BigEndian
		return &ppc32Args{mem: mem, gpr: int(b[0]), fpr: int(b[1]), overflow: uint64(be.Uint32(b[4:])),
			save: area{mem: mem, addr: uint64(be.Uint32(b[8:]))}}, nil
	}
	return nil, fmt.Errorf("no va_list layout for %s", p.Name)
}

func regBytes(env Env, name string, n int) ([]byte, error) {
	id, err := env.RegID(name)
	if err != nil {
		return nil, err
	}
	b, err := env.RegBytes(id)
	if err != nil {
		return nil, err
	}
	out := make([]byte, n)
	copy(out, b)
	return out, nil
}

// area is a register save area: a local copy of live registers, or
// guest memory at addr (a va_list's).
type area struct {
	local []byte
	mem   *memory.Map
	addr  uint64
}

// read returns n bytes at off; for a local area, off may be negative
// from its end (AArch64's offsets from gr_top and vr_top).
func (a area) read(off int64, n int) ([]byte, error) {
	if a.local != nil {
		if off < 0 {
			off += int64(len(a.local))
		}
		if off < 0 || off+int64(n) > int64(len(a.local)) {
			return nil, errors.New("va_arg: register save area overrun")
		}
		return a.local[off : off+int64(n)], nil
	}
	b := make([]byte, n)
	if err := a.mem.Read(a.addr+uint64(off), b); err != nil {
		return nil, fmt.Errorf("va_arg: %w", err)
	}
	return b, nil
}

func alignUp(v, a uint64) uint64 { return (v + a - 1) &^ (a - 1) }

// readStack reads n bytes of stack arguments at *at, first aligned to
// align, and moves *at past them, rounded up to a multiple of slot (the
// va_list overflow areas of amd64 and AArch64 step in 8-byte slots,
// PPC32's by the argument's size).
func readStack(mem *memory.Map, at *uint64, n int, align, slot uint64) ([]byte, error) {
	*at = alignUp(*at, align)
	b := make([]byte, n)
	if err := mem.Read(*at, b); err != nil {
		return nil, fmt.Errorf("va_arg: %w", err)
	}
	*at += alignUp(uint64(n), slot)
	return b, nil
}

// linearArgs: register words then stack, one sequence.
type linearArgs struct {
	mem    *memory.Map
	order  binary.ByteOrder
	regs   []byte
	base   uint64 // the address the register words would have
	stack  uint64 // = base + len(regs)
	off    uint64
	slot   int
	align8 uint64
	ld     LongDoubleKind
}

func (a *linearArgs) read(n int, align uint64) ([]byte, error) {
	v := alignUp(a.base+a.off, align)
	a.off = v - a.base
	b := make([]byte, n)
	k := 0
	for ; k < n && a.off+uint64(k) < uint64(len(a.regs)); k++ {
		b[k] = a.regs[a.off+uint64(k)]
	}
	if k < n {
		at := a.stack + (a.off + uint64(k) - uint64(len(a.regs)))
		if err := a.mem.Read(at, b[k:]); err != nil {
			return nil, fmt.Errorf("va_arg: %w", err)
		}
	}
	a.off += uint64(n)
	return b, nil
}

func (a *linearArgs) Int(size int) (uint64, error) {
	if a.slot == 8 {
		b, err := a.read(8, 8)
		if err != nil {
			return 0, err
		}
		v := a.order.Uint64(b)
		if size == 4 {
			v &= 0xffffffff
		}
		return v, nil
	}
	if size == 8 {
		b, err := a.read(8, a.align8)
		if err != nil {
			return 0, err
		}
		return a.order.Uint64(b), nil
	}
	b, err := a.read(4, 4)
	if err != nil {
		return 0, err
	}
	return uint64(a.order.Uint32(b)), nil
}

func (a *linearArgs) Double() (float64, error) {
	v, err := a.Int(8)
	return math.Float64frombits(v), err
}

func (a *linearArgs) LongDouble() (lo, hi uint64, err error) {
	switch a.ld {
	case LDX87: // i386: 12 bytes, 4-aligned
		b, err := a.read(12, 4)
		if err != nil {
			return 0, 0, err
		}
		return binary.LittleEndian.Uint64(b), uint64(binary.LittleEndian.Uint16(b[8:])), nil
	case LDQuad: // n64: an aligned pair of slots
		b, err := a.read(16, 16)
		if err != nil {
			return 0, 0, err
		}
		if a.order == binary.BigEndian {
			return a.order.Uint64(b[8:]), a.order.Uint64(b), nil
		}
		return a.order.Uint64(b), a.order.Uint64(b[8:]), nil
	case LDDouble:
		v, err := a.Int(8)
		return v, 0, err
	}
	return 0, 0, errors.New("va_arg: IBM double-double long double is not supported")
}

// amd64Args: the SysV AMD64 register save area and overflow area.
type amd64Args struct {
	mem      *memory.Map
	save     area
	gp, fp   uint32
	overflow uint64
}

func (a *amd64Args) stackWord(n int, align uint64) ([]byte, error) {
	return readStack(a.mem, &a.overflow, n, align, 8)
}

func (a *amd64Args) Int(size int) (uint64, error) {
	var b []byte
	var err error
	if a.gp < 48 {
		b, err = a.save.read(int64(a.gp), 8)
		a.gp += 8
	} else {
		b, err = a.stackWord(8, 8)
	}
	if err != nil {
		return 0, err
	}
	v := binary.LittleEndian.Uint64(b)
	if size == 4 {
		v &= 0xffffffff
	}
	return v, nil
}

func (a *amd64Args) Double() (float64, error) {
	var b []byte
	var err error
	if a.fp < 176 {
		b, err = a.save.read(int64(a.fp), 8)
		a.fp += 16
	} else {
		b, err = a.stackWord(8, 8)
	}
	if err != nil {
		return 0, err
	}
	return math.Float64frombits(binary.LittleEndian.Uint64(b)), nil
}

func (a *amd64Args) LongDouble() (lo, hi uint64, err error) {
	b, err := a.stackWord(16, 16)
	if err != nil {
		return 0, 0, err
	}
	return binary.LittleEndian.Uint64(b), uint64(binary.LittleEndian.Uint16(b[8:])), nil
}

// a64Args: AAPCS64 general and vector register save areas and stack.
type a64Args struct {
	mem            *memory.Map
	gr, vr         area
	grOffs, vrOffs int32
	stack          uint64
}

func (a *a64Args) stackRead(n int, align uint64) ([]byte, error) {
	return readStack(a.mem, &a.stack, n, align, 8)
}

func (a *a64Args) Int(size int) (uint64, error) {
	var b []byte
	var err error
	if a.grOffs < 0 {
		b, err = a.gr.read(int64(a.grOffs), 8)
		a.grOffs += 8
	} else {
		b, err = a.stackRead(8, 8)
	}
	if err != nil {
		return 0, err
	}
	v := binary.LittleEndian.Uint64(b)
	if size == 4 {
		v &= 0xffffffff
	}
	return v, nil
}

func (a *a64Args) vector(n int) ([]byte, error) {
	if a.vrOffs < 0 {
		b, err := a.vr.read(int64(a.vrOffs), n)
		a.vrOffs += 16
		return b, err
	}
	return a.stackRead(n, uint64(n))
}

func (a *a64Args) Double() (float64, error) {
	b, err := a.vector(8)
	if err != nil {
		return 0, err
	}
	return math.Float64frombits(binary.LittleEndian.Uint64(b)), nil
}

func (a *a64Args) LongDouble() (lo, hi uint64, err error) {
	b, err := a.vector(16)
	if err != nil {
		return 0, 0, err
	}
	return binary.LittleEndian.Uint64(b), binary.LittleEndian.Uint64(b[8:]), nil
}

// ppc32Args: PowerPC SysV 32-bit register save area and overflow area.
type ppc32Args struct {
	mem      *memory.Map
	save     area
	gpr, fpr int
	overflow uint64
}

func (a *ppc32Args) stackRead(n int, align uint64) ([]byte, error) {
	return readStack(a.mem, &a.overflow, n, align, 1)
}

func (a *ppc32Args) Int(size int) (uint64, error) {
	be := binary.BigEndian
	if size == 8 {
		a.gpr += a.gpr & 1
		if a.gpr <= 6 {
			b, err := a.save.read(int64(4*a.gpr), 8)
			a.gpr += 2
			if err != nil {
				return 0, err
			}
			return be.Uint64(b), nil
		}
		a.gpr = 8
		b, err := a.stackRead(8, 8)
		if err != nil {
			return 0, err
		}
		return be.Uint64(b), nil
	}
	var b []byte
	var err error
	if a.gpr < 8 {
		b, err = a.save.read(int64(4*a.gpr), 4)
		a.gpr++
	} else {
		b, err = a.stackRead(4, 4)
	}
	if err != nil {
		return 0, err
	}
	return uint64(be.Uint32(b)), nil
}

func (a *ppc32Args) Double() (float64, error) {
	var b []byte
	var err error
	if a.fpr < 8 {
		b, err = a.save.read(int64(32+8*a.fpr), 8)
		a.fpr++
	} else {
		b, err = a.stackRead(8, 8)
	}
	if err != nil {
		return 0, err
	}
	return math.Float64frombits(binary.BigEndian.Uint64(b)), nil
}

func (a *ppc32Args) LongDouble() (lo, hi uint64, err error) {
	return 0, 0, errors.New("va_arg: IBM double-double long double is not supported")
}

// SetDouble writes a double return value where the platform's
// convention returns it: xmm0 (amd64), st0 pushed on the x87 stack
// (i386), d0 (aarch64, armhf), r0:r1 (armel), f0 (MIPS; with FR=0 the
// high word also in f1), f1 (PowerPC).
func (c *Call) SetDouble(v float64) error {
	env := c.b.Env
	conv := c.b.Conv
	bits := math.Float64bits(v)
	set := func(name string, v uint64) error {
		id, err := env.RegID(name)
		if err != nil {
			return err
		}
		return env.WriteReg(id, v)
	}
	switch conv.FloatRet {
	case "xmm0":
		id, err := env.RegID("xmm0")
		if err != nil {
			return err
		}
		var b [16]byte
		binary.LittleEndian.PutUint64(b[:], bits)
		return env.SetRegBytes(id, b[:])
	case "st0":
		return pushX87(env, v)
	case "r0:r1":
		if err := set("r0", bits&0xffffffff); err != nil {
			return err
		}
		return set("r1", bits>>32)
	case "f0":
		if err := set("f0", bits); err != nil {
			return err
		}
		if env.Platform().WordSize == 4 {
			return set("f1", bits>>32)
		}
		return nil
	}
	return set(conv.FloatRet, bits)
}

// pushX87 pushes v on the x87 register stack, as an i386 function
// returning a double leaves it: TOP decremented, st0 the value, its tag
// valid.
func pushX87(env Env, v float64) error {
	ids := map[string]uint64{}
	for _, n := range []string{"fstat", "ftag"} {
		id, err := env.RegID(n)
		if err != nil {
			return err
		}
		x, err := env.ReadReg(id)
		if err != nil {
			return err
		}
		ids[n] = x
	}
	top := (ids["fstat"]>>11 - 1) & 7
	fstat := ids["fstat"]&^(7<<11) | top<<11
	ftag := ids["ftag"] &^ (3 << (2 * top))
	for n, x := range map[string]uint64{"fstat": fstat, "ftag": ftag} {
		id, _ := env.RegID(n)
		if err := env.WriteReg(id, x); err != nil {
			return err
		}
	}
	id, err := env.RegID("st0")
	if err != nil {
		return err
	}
	return env.SetRegBytes(id, x87Bytes(v))
}

// x87Bytes is v in the x87 80-bit format, little-endian.
func x87Bytes(v float64) []byte {
	b := math.Float64bits(v)
	sign := uint16(b>>63) << 15
	e := int(b >> 52 & 0x7ff)
	m := b & (1<<52 - 1)
	var mant uint64
	var exp uint16
	switch {
	case e == 0x7ff:
		exp, mant = 0x7fff, 1<<63|m<<11
	case e == 0 && m == 0:
	case e == 0: // subnormal: normalize
		shift := 0
		for m&(1<<52) == 0 {
			m <<= 1
			shift++
		}
		exp = uint16(1 - 1023 + 16383 - shift)
		mant = m << 11
	default:
		exp, mant = uint16(e-1023+16383), 1<<63|m<<11
	}
	out := make([]byte, 10)
	binary.LittleEndian.PutUint64(out, mant)
	binary.LittleEndian.PutUint16(out[8:], sign|exp)
	return out
}
