package machine

import (
	"fmt"

	"github.com/smallworld-go/smallworld/memory"
)

// tcbSelf describes, per platform, where glibc's thread control block
// points at itself: on x86 the TCB starts with a pointer to itself (tcb)
// and holds another (self) at SelfOff (glibc sysdeps/x86_64/nptl/tls.h,
// sysdeps/i386/nptl/tls.h). Reg is the register holding the thread
// pointer.
var tcbSelf = map[string]struct {
	Reg     string
	SelfOff uint64
}{
	"amd64": {Reg: "fs_base", SelfOff: 0x10},
	"i386":  {Reg: "gs_base", SelfOff: 0x8},
}

// RecoverThreadPointer sets the thread pointer when the core did not
// record it (qemu-user cores carry no TLS note). On AArch64, ARM and MIPS
// it asks glibc's libthread_db descriptors (threaddb.go; RestoreLibs
// must have run). On x86 (qemu-user cores store 0 for fs_base) it finds
// glibc's TCB in writable memory: the one word-aligned address A holding A at A and
// at A+SelfOff. It returns the address, or 0 when the thread pointer was
// already set or the platform keeps no self pointers. Several candidates
// is an error: the thread is ambiguous.
func (m *Machine) RecoverThreadPointer() (uint64, error) {
	if reg, ok := threadReg[m.Platform.Name]; ok {
		if v, err := m.CPU.Get(reg); err != nil || v != 0 {
			return 0, err
		}
		return m.recoverFromThreadDB(reg)
	}
	t, ok := tcbSelf[m.Platform.Name]
	if !ok {
		return 0, nil
	}
	if v, err := m.CPU.Get(t.Reg); err != nil || v != 0 {
		return 0, err
	}
	w := uint64(m.Platform.WordSize)
	var found []uint64
	for _, r := range m.Memory.Regions() {
		if r.Perm&memory.W == 0 || r.Size() < t.SelfOff+w {
			continue
		}
		for off := uint64(0); off+t.SelfOff+w <= r.Size(); off += w {
			a := r.Start + off
			if memory.Decode(m.Memory.Order, r.Data[off:off+w]) != a {
				continue
			}
			if memory.Decode(m.Memory.Order, r.Data[off+t.SelfOff:off+t.SelfOff+w]) == a {
				found = append(found, a)
			}
		}
	}
	switch len(found) {
	case 0:
		return 0, fmt.Errorf("thread pointer: the core has none and no %s TCB was found in writable memory", m.Platform.Name)
	case 1:
		return found[0], m.CPU.Set(t.Reg, found[0])
	}
	return 0, fmt.Errorf("thread pointer: the core has none and %d TCB candidates were found (%#x, %#x...)", len(found), found[0], found[1])
}
