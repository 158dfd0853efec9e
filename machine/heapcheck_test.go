package machine_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/smallworld-go/smallworld/emu"
	"github.com/smallworld-go/smallworld/machine"
	"github.com/smallworld-go/smallworld/memory"
	"github.com/smallworld-go/smallworld/model"
	"github.com/smallworld-go/smallworld/platform"
)

// The checked heap in a run: the guest's own loads and stores reach the
// checker through the engine's memory hook. Each program calls malloc
// (at 0x1100) and free (at 0x1110) models and then misuses the block.
func TestCheckedHeapRun(t *testing.T) {
	mallocCall := []byte{
		0x48, 0xc7, 0xc7, 0x18, 0x00, 0x00, 0x00, // mov rdi, 24
		0xe8, 0xf4, 0x00, 0x00, 0x00, // call 0x1100 (malloc)
		0x48, 0x89, 0xc3, // mov rbx, rax
	} // 15 bytes: code continues at 0x100f
	freeCall := []byte{
		0x48, 0x89, 0xdf, // mov rdi, rbx
		0xe8, 0xf9, 0x00, 0x00, 0x00, // call 0x1110 - (0x100f+8) = rel 0xf9 when at 0x100f
	}
	for _, tc := range []struct {
		name string
		code []byte // after mallocCall, at 0x100f
		want string // "" no error
	}{
		{"write then read", []byte{0xc7, 0x03, 0x2a, 0, 0, 0, 0x8b, 0x03}, ""},                               // mov dword [rbx], 42; mov eax, [rbx]
		{"uninitialised read", []byte{0x8b, 0x43, 0x04, 0x90, 0x90, 0x90, 0x90, 0x90}, "uninitialised read"}, // mov eax, [rbx+4]
		{"overflow write", []byte{0xc7, 0x43, 0x16, 1, 0, 0, 0, 0x90}, "heap overflow"},                      // mov dword [rbx+22], 1
		{"use after free", append(append([]byte{}, freeCall...), 0x8b, 0x03), "use after free"},              // free(rbx); mov eax, [rbx]
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := machine.New(platform.AMD64)
			if err != nil {
				t.Fatal(err)
			}
			defer m.Release()
			for _, r := range []struct {
				start, size uint64
				perm        memory.Perm
			}{{0x1000, 0x1000, memory.RX}, {0x7000, 0x1000, memory.RW}} {
				reg, _ := memory.Alloc(r.start, r.size, r.perm, "test")
				if err := m.AddRegion(reg); err != nil {
					t.Fatal(err)
				}
			}
			code := append(append([]byte{}, mallocCall...), tc.code...)
			end := uint64(0x1000 + len(code))
			code = append(code, 0x90)
			if err := m.WriteBytes(0x1000, code); err != nil {
				t.Fatal(err)
			}
			for addr, name := range map[uint64]string{0x1100: "malloc", 0x1110: "free"} {
				mdl, _ := model.Lookup(name, platform.AMD64)
				if err := m.HookModel(addr, mdl); err != nil {
					t.Fatal(err)
				}
			}
			m.CPU.SetPC(0x1000)
			_ = m.CPU.Set("rsp", 0x8000)
			m.AddExitPoint(end)
			m.CheckHeap = true
			res, err := m.Run()
			if err != nil {
				t.Fatal(err)
			}
			if tc.want == "" {
				if res.Stop.Kind != emu.StopExitPoint {
					t.Errorf("stop %v, want the exit point", res.Stop)
				}
				return
			}
			if res.Stop.Kind != emu.StopHeap || !errors.Is(res.Stop.Err, model.ErrHeap) || !strings.Contains(res.Stop.Err.Error(), tc.want) {
				t.Errorf("stop %v (%v), want a heap error %q", res.Stop, res.Stop.Err, tc.want)
			}
		})
	}
}
