package machine_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/smallworld-go/smallworld/machine"
	"github.com/smallworld-go/smallworld/model"
	"github.com/smallworld-go/smallworld/platform"
)

// fileMachine hooks file models at 0x1100 + 0x10*i (in order of names)
// of a loop machine and returns a function that calls one with string
// arguments placed in the data page (other arguments as they are).
func fileMachine(t *testing.T, names ...string) (*machine.Machine, func(name string, args ...any) uint64) {
	t.Helper()
	m := newLoopMachine(t, 1)
	addr := map[string]uint64{}
	for i, n := range names {
		mdl, err := model.Lookup(n, platform.AMD64)
		if err != nil {
			t.Fatal(err)
		}
		addr[n] = funcAddr + 0x10*uint64(i)
		if err := m.HookModel(addr[n], mdl); err != nil {
			t.Fatal(err)
		}
	}
	call := func(name string, args ...any) uint64 {
		t.Helper()
		var words []uint64
		for k, a := range args {
			switch a := a.(type) {
			case string:
				at := dataAddr + 0x100*uint64(k)
				// Memory.Write, not WriteBytes: that would end Call's
				// session, and with it the models' FILE table.
				if err := m.Memory.Write(at, []byte(a+"\x00")); err != nil {
					t.Fatal(err)
				}
				words = append(words, at)
			case uint64:
				words = append(words, a)
			case int:
				words = append(words, uint64(a))
			}
		}
		r, err := m.Call(addr[name], 0, words...)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return r
	}
	return m, call
}

// In a run, the file models see the syscall layer's view: the sysroot
// read-only as "/", writes landing on the host only under AllowWrite.
func TestFileModelsConfined(t *testing.T) {
	sysroot, allow := t.TempDir(), t.TempDir()
	if err := os.WriteFile(filepath.Join(sysroot, "in.txt"), []byte("from sysroot\nmore\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	m, call := fileMachine(t, "fopen", "fputs", "fclose", "fgets", "perror", "remove")
	m.Sysroot, m.AllowWrite = sysroot, []string{allow}
	var stderr strings.Builder
	m.Stderr = &stderr

	// Inside an AllowWrite directory: the write lands on the host.
	out := filepath.Join(allow, "out.txt")
	fp := call("fopen", out, "w")
	if fp == 0 {
		t.Fatal("fopen for writing under AllowWrite failed")
	}
	if r := call("fputs", "landed", fp); r != 1 {
		t.Errorf("fputs = %d", int64(r))
	}
	if b, err := os.ReadFile(out); err != nil || string(b) != "landed" {
		t.Errorf("host file before fclose: %q, %v (the models write through)", b, err)
	}
	if r := call("fclose", fp); r != 0 {
		t.Errorf("fclose = %d", int64(r))
	}

	// Outside: refused, and nothing is created on the host.
	escape := filepath.Join(filepath.Dir(allow), "escape.txt")
	for _, path := range []string{"/out.txt", filepath.Join(allow, "..", "escape.txt"), "/../../etc/passwd"} {
		mode := "w"
		if strings.HasSuffix(path, "passwd") {
			mode = "r"
		}
		if r := call("fopen", path, mode); r != 0 {
			t.Errorf("fopen(%q, %q) = %#x, want NULL", path, mode, r)
		}
		call("perror", "fopen")
	}
	if want := strings.Repeat("fopen: Permission denied\n", 3); stderr.String() != want {
		t.Errorf("stderr %q, want %q", stderr.String(), want)
	}
	for _, p := range []string{filepath.Join(sysroot, "out.txt"), escape} {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("a refused fopen created %s", p)
		}
	}

	// The sysroot reads as "/".
	fp = call("fopen", "/in.txt", "r")
	if fp == 0 {
		t.Fatal("fopen of a sysroot file failed")
	}
	if r := call("fgets", uint64(dataAddr+0x800), 64, fp); r != dataAddr+0x800 {
		t.Errorf("fgets = %#x", r)
	}
	if b, _ := m.ReadBytes(dataAddr+0x800, 14); string(b) != "from sysroot\n\x00" {
		t.Errorf("fgets read %q", b)
	}

	// remove: under AllowWrite only.
	if r := call("remove", "/in.txt"); r != ^uint64(0) {
		t.Errorf("remove of a sysroot file = %d", int64(r))
	}
	if r := call("remove", out); r != 0 {
		t.Errorf("remove under AllowWrite = %d", int64(r))
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("remove left the host file")
	}
}

// Machine.FS replaces the host view: the files stay with the harness.
func TestFileModelsMemFS(t *testing.T) {
	m, call := fileMachine(t, "fopen", "fputs", "fclose")
	files := model.NewMemFS(nil)
	m.FS = files
	m.Sysroot = t.TempDir()
	fp := call("fopen", "/result", "w")
	if fp == 0 {
		t.Fatal("fopen failed")
	}
	call("fputs", "kept", fp)
	call("fclose", fp)
	if b, ok := files.ReadFile("/result"); !ok || string(b) != "kept" {
		t.Errorf("MemFS holds %q (%v)", b, ok)
	}
	if _, err := os.Stat(filepath.Join(m.Sysroot, "result")); err == nil {
		t.Error("the host got the file")
	}
}
