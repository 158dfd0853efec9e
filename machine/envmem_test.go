package machine_test

import (
	"testing"

	"github.com/smallworld-go/smallworld/emu"
	"github.com/smallworld-go/smallworld/machine"
	"github.com/smallworld-go/smallworld/memory"
	"github.com/smallworld-go/smallworld/platform"
)

// memProgram is amd64 code that maps 3 anonymous pages (mmap), writes
// the second, makes it read-only (mprotect), reads it into r12, unmaps
// the third (munmap), then runs last.
var memProgram = []byte{
	0xb8, 0x09, 0x00, 0x00, 0x00, // mov eax, 9 (mmap)
	0x31, 0xff, // xor edi, edi
	0xbe, 0x00, 0x30, 0x00, 0x00, // mov esi, 0x3000
	0xba, 0x03, 0x00, 0x00, 0x00, // mov edx, PROT_READ|PROT_WRITE
	0x41, 0xba, 0x22, 0x00, 0x00, 0x00, // mov r10d, MAP_PRIVATE|MAP_ANONYMOUS
	0x49, 0xc7, 0xc0, 0xff, 0xff, 0xff, 0xff, // mov r8, -1
	0x45, 0x31, 0xc9, // xor r9d, r9d
	0x0f, 0x05, // syscall
	0x48, 0x89, 0xc3, // mov rbx, rax
	0xc7, 0x83, 0x00, 0x10, 0x00, 0x00, 0x44, 0x43, 0x42, 0x41, // mov dword [rbx+0x1000], 0x41424344
	0xb8, 0x0a, 0x00, 0x00, 0x00, // mov eax, 10 (mprotect)
	0x48, 0x8d, 0xbb, 0x00, 0x10, 0x00, 0x00, // lea rdi, [rbx+0x1000]
	0xbe, 0x00, 0x10, 0x00, 0x00, // mov esi, 0x1000
	0xba, 0x01, 0x00, 0x00, 0x00, // mov edx, PROT_READ
	0x0f, 0x05, // syscall
	0x44, 0x8b, 0xa3, 0x00, 0x10, 0x00, 0x00, // mov r12d, [rbx+0x1000]
	0xb8, 0x0b, 0x00, 0x00, 0x00, // mov eax, 11 (munmap)
	0x48, 0x8d, 0xbb, 0x00, 0x20, 0x00, 0x00, // lea rdi, [rbx+0x2000]
	0xbe, 0x00, 0x10, 0x00, 0x00, // mov esi, 0x1000
	0x0f, 0x05, // syscall
}

// The machine's memory map and the engine agree after mmap, mprotect
// and munmap: the engine faults where the map says the guest may not go.
func TestSyscallMemoryInEngine(t *testing.T) {
	for _, tc := range []struct {
		name   string
		last   []byte
		access emu.Access
		off    uint64
		fault  emu.MemFault
	}{
		{"write to the read-only page", []byte{0xc7, 0x83, 0x00, 0x10, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00}, emu.AccessWrite, 0x1000, emu.FaultProt},
		{"read of the unmapped page", []byte{0x8b, 0x83, 0x00, 0x20, 0x00, 0x00}, emu.AccessRead, 0x2000, emu.FaultUnmapped},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := machine.New(platform.AMD64)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { m.Release() })
			for _, r := range []struct {
				start, size uint64
				perm        memory.Perm
			}{{0x1000, 0x1000, memory.RX}, {0x7000, 0x1000, memory.RW}} {
				reg, err := memory.Alloc(r.start, r.size, r.perm, "test")
				if err != nil {
					t.Fatal(err)
				}
				if err := m.AddRegion(reg); err != nil {
					t.Fatal(err)
				}
			}
			if err := m.WriteBytes(0x1000, append(append([]byte(nil), memProgram...), tc.last...)); err != nil {
				t.Fatal(err)
			}
			m.CPU.SetPC(0x1000)
			m.CPU.Set("rsp", 0x7f00)
			m.Syscalls = true
			m.MaxInsns = 100
			res, err := m.Run()
			if err != nil {
				t.Fatal(err)
			}
			base := res.CPU.MustGet("rbx")
			if base == 0 || base%4096 != 0 || res.CPU.MustGet("r12") != 0x41424344 {
				t.Fatalf("mmap = %#x, r12 = %#x (stop %v)", base, res.CPU.MustGet("r12"), res.Stop)
			}
			s := res.Stop
			if s.Kind != emu.StopFault || s.Addr != base+tc.off || s.Access != tc.access || s.Fault != tc.fault {
				t.Errorf("stop %v (kind %v addr %#x access %v fault %v), want %v %v at %#x", s, s.Kind, s.Addr, s.Access, s.Fault, tc.access, tc.fault, base+tc.off)
			}
			// The memory map says the same.
			if r := m.Memory.Find(base); r == nil || r.Perm != memory.RW {
				t.Errorf("page 0: %v", r)
			}
			if r := m.Memory.Find(base + 0x1000); r == nil || r.Perm != memory.R {
				t.Errorf("page 1: %v", r)
			}
			if r := m.Memory.Find(base + 0x2000); r != nil {
				t.Errorf("page 2 still mapped: %v", r)
			}
		})
	}
}
