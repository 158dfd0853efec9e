package cpu

import (
	"bytes"
	"errors"
	"testing"

	"github.com/smallworld-go/smallworld/platform"
)

func TestAMD64Aliases(t *testing.T) {
	c, err := NewFor(platform.AMD64)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Set("rax", 0x1122334455667788); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]uint64{"eax": 0x55667788, "ax": 0x7788, "al": 0x88, "ah": 0x77} {
		if got, err := c.Get(name); err != nil || got != want {
			t.Errorf("%s = %#x, %v; want %#x", name, got, err, want)
		}
	}
	if err := c.Set("ah", 0xff); err != nil {
		t.Fatal(err)
	}
	if got := c.MustGet("rax"); got != 0x112233445566ff88 {
		t.Errorf("after ah=0xff rax = %#x", got)
	}
	if err := c.Set("r9d", 0xdeadbeefcafe); err != nil {
		t.Fatal(err)
	}
	if got := c.MustGet("r9"); got != 0xbeefcafe {
		t.Errorf("r9 = %#x, want high bits of the write dropped", got)
	}
	if _, err := c.Get("xmm0"); err == nil {
		t.Errorf("Get(xmm0) succeeded; want an error telling to use Bytes")
	}
	x := bytes.Repeat([]byte{0xab}, 16)
	if err := c.SetBytes("xmm3", x); err != nil {
		t.Fatal(err)
	}
	if got, _ := c.Bytes("xmm3"); !bytes.Equal(got, x) {
		t.Errorf("xmm3 = %x", got)
	}
	if _, err := c.Get("zmm31"); !errors.Is(err, ErrNoRegister) {
		t.Errorf("Get(zmm31) error = %v, want ErrNoRegister", err)
	}
	c.SetPC(0x401000)
	if c.PC() != 0x401000 || c.MustGet("eip") != 0x401000 {
		t.Errorf("pc = %#x", c.PC())
	}
	d := c.Clone()
	_ = d.Set("rax", 0)
	if c.MustGet("rax") == 0 {
		t.Errorf("Clone shares storage")
	}
}

func TestAMD64GDBOrder(t *testing.T) {
	f, _ := For(platform.AMD64)
	want := []string{"rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "rip", "eflags", "cs", "ss", "ds", "es", "fs", "gs"}
	got := f.GDBGeneral()
	if len(got) != len(want) {
		t.Fatalf("gdb general = %v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("gdb general[%d] = %s, want %s", i, got[i], want[i])
		}
	}
}

func TestNewFileRejectsBadTables(t *testing.T) {
	bad := [][]Reg{
		{{Name: "a", Bits: 32}, {Name: "a", Bits: 32}},
		{{Name: "a", Bits: 32}, {Name: "b", Bits: 8, Parent: "c"}},
		{{Name: "a", Bits: 16}, {Name: "b", Bits: 16, Parent: "a", Shift: 8}},
	}
	for i, regs := range bad {
		if _, err := NewFile(platform.AMD64, regs); err == nil {
			t.Errorf("table %d accepted", i)
		}
	}
}
