package machine_test

import (
	"encoding/binary"
	"testing"

	"github.com/smallworld-go/smallworld/memory"
	"github.com/smallworld-go/smallworld/model"
	"github.com/smallworld-go/smallworld/platform"
)

// ELFv1 (ppc64): Call of a descriptor's address starts at its entry with
// r2 and r11 from it; Call of a code address starts there, registers as
// they were; HookSlot of a slot holding a descriptor's address points it
// at a new descriptor (the stub's entry, the original TOC); ppc64le has
// no descriptors.
func TestFunctionDescriptors(t *testing.T) {
	const code, data = 0x10000, 0x20000
	for _, p := range []*platform.Platform{platform.PPC64, platform.PPC64LE} {
		t.Run(p.Name, func(t *testing.T) {
			m := pageMachine(t, p, page{code, memory.RX}, page{data, memory.RW})
			// add r3, r2, r11 ; blr
			words := []uint32{0x7c625a14, 0x4e800020}
			b := make([]byte, 8)
			for i, w := range words {
				p.ByteOrder.PutUint32(b[4*i:], w)
			}
			if err := m.WriteBytes(code, b); err != nil {
				t.Fatal(err)
			}
			put := func(at, v uint64) {
				if err := m.Memory.PutUint(at, 8, v); err != nil {
					t.Fatal(err)
				}
			}
			put(data, code)     // entry
			put(data+8, 0x1000) // TOC
			put(data+16, 0x234) // environment
			_ = m.CPU.Set("r2", 7)
			_ = m.CPU.Set("r11", 5)
			got, err := m.Call(code, 100)
			if err != nil || got != 12 {
				t.Errorf("Call(code) = %d, %v; want 12 (r2 + r11 as they were)", got, err)
			}
			got, err = m.Call(data, 100)
			want := uint64(0x1234)
			if !p.FuncDescs {
				// Not a descriptor there: data is not code.
				if err == nil {
					t.Errorf("Call(data) on %s = %d, want an error (no descriptors)", p.Name, got)
				}
			} else if err != nil || got != want {
				t.Errorf("Call(descriptor) = %#x, %v; want %#x", got, err, want)
			}

			slot := uint64(data + 0x100)
			put(slot, data)
			stub, err := m.HookSlot(slot, &model.Model{Name: "f", Returns: true, Fn: func(*model.Call) (uint64, error) { return 0, nil }})
			if err != nil {
				t.Fatal(err)
			}
			now, _ := m.Memory.Uint(slot, 8)
			if !p.FuncDescs {
				if now != stub {
					t.Errorf("slot = %#x, want the stub %#x", now, stub)
				}
				return
			}
			var desc [24]byte
			if err := m.Memory.Read(now, desc[:]); err != nil {
				t.Fatal(err)
			}
			be := binary.BigEndian
			if be.Uint64(desc[:]) != stub || be.Uint64(desc[8:]) != 0x1000 || be.Uint64(desc[16:]) != 0x234 {
				t.Errorf("slot points at %#x holding % x; want a descriptor {stub %#x, 0x1000, 0x234}", now, desc, stub)
			}
		})
	}
}
