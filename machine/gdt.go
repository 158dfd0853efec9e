package machine

import (
	"encoding/binary"
	"fmt"

	"github.com/smallworld-go/smallworld/cpu"

	"github.com/smallworld-go/smallworld/emu"
	"github.com/smallworld-go/smallworld/memory"
)

// 32-bit x86 takes a segment's base, limit and width from a descriptor
// table, and i386 glibc finds its thread pointer through gs. A core
// records the selectors only, so a run builds a GDT (Intel SDM vol. 3,
// 3.4.5 "Segment Descriptors") with the descriptors the selectors name,
// every one a 4 GiB, 32-bit user (DPL 3) segment: cs code, the others
// data, gs's with base gs_base. It loads them in order, cs first (which
// makes the engine run at the user privilege level the others need).

// gdtSetter is the engine feature this needs (emu/unicorn has it).
type gdtSetter interface {
	SetGDT(base uint64, limit uint32) error
}

type segLoad struct {
	Sel  string // selector register
	Base string // register holding its base; "" for 0
	Code bool
	// Ring0 loads the segment through a privilege-0 stand-in descriptor
	// (the last GDT entry): the engine runs at privilege 0, where ss
	// must have RPL and DPL 0. Results show the core's selector.
	Ring0 bool
}

// segPlatforms lists, per platform, the selectors a run loads, in order.
var segPlatforms = map[string][]segLoad{
	"i386": {{Sel: "cs", Code: true}, {Sel: "ss", Ring0: true}, {Sel: "ds"}, {Sel: "es"}, {Sel: "fs"}, {Sel: "gs", Base: "gs_base"}},
}

// descriptor encodes a present, 32-bit, page-granular segment of
// privilege dpl: execute/read code or read/write data.
func descriptor(base uint64, code bool, dpl uint64) uint64 {
	const limit = 0xfffff
	access := uint64(0x92) // P, S, data read/write
	if code {
		access = 0x9a // P, S, code execute/read
	}
	access |= dpl << 5
	d := uint64(limit & 0xffff)
	d |= (base & 0xffffff) << 16
	d |= access << 40
	d |= uint64(limit>>16) << 48
	d |= uint64(0xc) << 52 // G (4 KiB units), D/B (32-bit)
	d |= (base >> 24 & 0xff) << 56
	return d
}

const gdtEntries = 32

// setupSegments builds the GDT in guest memory (on the first run) and
// loads the selectors; called after the other registers are written.
func (m *Machine) setupSegments(eng emu.Engine) error {
	loads, ok := segPlatforms[m.Platform.Name]
	if !ok {
		return nil
	}
	gs, ok := eng.(gdtSetter)
	if !ok {
		return fmt.Errorf("run: the engine cannot set a GDT, which %s's segment registers need", m.Platform.Name)
	}
	if m.gdt == nil {
		start, err := m.FreeRange(memory.PageSize)
		if err != nil {
			return err
		}
		r, err := memory.Alloc(start, memory.PageSize, memory.RW, "[gdt]")
		if err != nil {
			return err
		}
		if err := m.Memory.Add(r); err != nil {
			return err
		}
		if err := eng.MapRegion(r); err != nil {
			return fmt.Errorf("run: map GDT: %w", err)
		}
		m.gdt = r
	}
	m.standIn = map[string][2]uint64{}
	type todo struct {
		reg string
		sel uint64
	}
	var order []todo
	for _, l := range loads {
		sel, err := m.CPU.Get(l.Sel)
		if err != nil {
			return err
		}
		if sel>>3 == 0 {
			continue // null selector
		}
		if sel>>3 >= gdtEntries-1 {
			return fmt.Errorf("run: %s selector %#x is past the %d-entry GDT", l.Sel, sel, gdtEntries)
		}
		var base uint64
		if l.Base != "" {
			if base, err = m.CPU.Get(l.Base); err != nil {
				return err
			}
		}
		load, dpl := sel, uint64(3)
		if l.Ring0 {
			load, dpl = (gdtEntries-1)<<3, 0
			m.standIn[l.Sel] = [2]uint64{load, sel}
		}
		binary.LittleEndian.PutUint64(m.gdt.Data[8*(load>>3):], descriptor(base, l.Code, dpl))
		order = append(order, todo{l.Sel, load})
	}
	if err := gs.SetGDT(m.gdt.Start, gdtEntries*8-1); err != nil {
		return fmt.Errorf("run: %w", err)
	}
	for _, t := range order {
		id, err := eng.RegID(t.reg)
		if err == nil {
			err = eng.WriteReg(id, t.sel)
		}
		if err != nil {
			return fmt.Errorf("run: load %s %#x: %w", t.reg, t.sel, err)
		}
	}
	return nil
}

// restoreSelectors shows the core's selectors where the run loaded a
// stand-in.
func (m *Machine) restoreSelectors(c *cpu.CPU) {
	for reg, s := range m.standIn {
		if v, err := c.Get(reg); err == nil && v == s[0] {
			_ = c.Set(reg, s[1])
		}
	}
}
