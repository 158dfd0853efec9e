package machine

import (
	"fmt"

	"github.com/smallworld-go/smallworld/memory"
)

// ELFv1 function descriptors (platform.FuncDescs: big-endian ppc64). A C
// function pointer there is the address of {entry, TOC, environment}: a
// call loads r2 and r11 from it and branches to entry. The places that
// take a function pointer or a function symbol's value (Call,
// Env.CallGuest, a declined model's target, a definition HookFunction
// hooks, a pointer slot HookSlot redirects) read the descriptor.

// funcDesc is a descriptor's three words.
type funcDesc struct{ entry, toc, env uint64 }

// descAt reads the descriptor fn points to, when the platform has
// descriptors and fn is not in executable memory (a code address, such
// as a PLT slot's entry word or a stub, is taken as it is).
func (m *Machine) descAt(fn uint64) (funcDesc, bool, error) {
	if !m.Platform.FuncDescs {
		return funcDesc{}, false, nil
	}
	if r := m.Memory.Find(fn); r == nil || r.Perm&memory.X != 0 {
		return funcDesc{}, false, nil
	}
	w := m.Platform.WordSize
	var d funcDesc
	var err error
	if d.entry, err = m.Memory.Uint(fn, w); err == nil {
		if d.toc, err = m.Memory.Uint(fn+uint64(w), w); err == nil {
			d.env, err = m.Memory.Uint(fn+uint64(2*w), w)
		}
	}
	if err != nil {
		return funcDesc{}, false, fmt.Errorf("function descriptor at %#x: %w", fn, err)
	}
	return d, true, nil
}

// codeAddr is where a call of the function pointer fn starts: fn itself,
// or its descriptor's entry, with r2 and r11 set from the descriptor
// through set.
func (m *Machine) codeAddr(fn uint64, set func(string, uint64) error) (uint64, error) {
	d, ok, err := m.descAt(fn)
	if err != nil || !ok {
		return fn, err
	}
	if err := set("r2", d.toc); err != nil {
		return 0, err
	}
	if err := set("r11", d.env); err != nil {
		return 0, err
	}
	return d.entry, nil
}

// newStubDesc makes a descriptor {entry, toc, env} in the stub area and
// returns its address.
func (m *Machine) newStubDesc(d funcDesc) (uint64, error) {
	w := uint64(m.Platform.WordSize)
	// Two consecutive stub slots hold the three words.
	a, err := m.newStub()
	if err != nil {
		return 0, err
	}
	b, err := m.newStub()
	if err != nil {
		return 0, err
	}
	if b != a+stubSize { // a new stub page began: use the second one's
		if b, err = m.newStub(); err != nil {
			return 0, err
		}
		a = b - stubSize
	}
	for i, v := range []uint64{d.entry, d.toc, d.env} {
		if err := m.Memory.PutUint(a+uint64(i)*w, int(w), v); err != nil {
			return 0, err
		}
	}
	return a, nil
}
