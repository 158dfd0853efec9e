package machine_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/smallworld-go/smallworld/emu"
	"github.com/smallworld-go/smallworld/memory"
	"github.com/smallworld-go/smallworld/platform"
)

// The syscall layer's process state outlives a run: a second Run of the
// same machine reads a descriptor the first one opened and sees the
// working directory it chose. After the guest exits, its files are
// closed.
func TestKernelKeptBetweenRuns(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "d"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "d", "f"), []byte("abcdefgh"), 0o644); err != nil {
		t.Fatal(err)
	}
	m := pageMachine(t, platform.AMD64, page{0x1000, memory.RX}, page{0x3000, memory.RW}, page{0x7000, memory.RW})
	part1 := []byte{
		0xb8, 80, 0, 0, 0, // mov eax, chdir
		0xbf, 0x00, 0x30, 0, 0, // mov edi, 0x3000 ("/d")
		0x0f, 0x05, // syscall
		0xb8, 0x01, 0x01, 0, 0, // mov eax, openat
		0x48, 0xc7, 0xc7, 0x9c, 0xff, 0xff, 0xff, // mov rdi, AT_FDCWD
		0xbe, 0x10, 0x30, 0, 0, // mov esi, 0x3010 ("f")
		0x31, 0xd2, // xor edx, edx (O_RDONLY)
		0x0f, 0x05, // syscall
		0x49, 0x89, 0xc4, // mov r12, rax
		0x90, // exit point
	}
	part2 := []byte{
		0xb8, 0, 0, 0, 0, // mov eax, read
		0x4c, 0x89, 0xe7, // mov rdi, r12
		0xbe, 0x00, 0x31, 0, 0, // mov esi, 0x3100
		0xba, 4, 0, 0, 0, // mov edx, 4
		0x0f, 0x05, // syscall
		0x49, 0x89, 0xc5, // mov r13, rax
		0xb8, 79, 0, 0, 0, // mov eax, getcwd
		0xbf, 0x00, 0x32, 0, 0, // mov edi, 0x3200
		0xbe, 64, 0, 0, 0, // mov esi, 64
		0x0f, 0x05, // syscall
		0x90, // exit point
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(m.WriteBytes(0x1000, part1))
	must(m.WriteBytes(0x1100, part2))
	must(m.WriteBytes(0x3000, []byte("/d\x00")))
	must(m.WriteBytes(0x3010, []byte("f\x00")))
	m.AddExitPoint(0x1000 + uint64(len(part1)) - 1)
	m.AddExitPoint(0x1100 + uint64(len(part2)) - 1)
	m.Syscalls, m.Sysroot = true, root
	m.CPU.SetPC(0x1000)
	must(m.CPU.Set("rsp", 0x7800))

	res, err := m.Run()
	must(err)
	if res.Stop.Kind != emu.StopExitPoint {
		t.Fatalf("first run: %v", res.Stop)
	}
	fd := res.CPU.MustGet("r12")
	if int64(fd) < 3 {
		t.Fatalf("openat = %d", int64(fd))
	}
	m.CPU = res.CPU
	m.CPU.SetPC(0x1100)
	res, err = m.Run()
	must(err)
	if res.Stop.Kind != emu.StopExitPoint {
		t.Fatalf("second run: %v", res.Stop)
	}
	if n := int64(res.CPU.MustGet("r13")); n != 4 {
		t.Errorf("read of the first run's descriptor %d = %d, want 4", fd, n)
	}
	got := make([]byte, 4)
	must(m.Memory.Read(0x3100, got))
	if string(got) != "abcd" {
		t.Errorf("read %q", got)
	}
	cwd := make([]byte, 3)
	must(m.Memory.Read(0x3200, cwd))
	if string(cwd) != "/d\x00" {
		t.Errorf("getcwd in the second run = %q, want the first run's chdir", cwd)
	}
}
