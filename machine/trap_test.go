package machine_test

import (
	"strings"
	"testing"

	"github.com/smallworld-go/smallworld/machine"
	"github.com/smallworld-go/smallworld/memory"
	"github.com/smallworld-go/smallworld/platform"
)

func trapMachine(t *testing.T, p *platform.Platform, code []byte) *machine.Machine {
	t.Helper()
	m, err := machine.New(p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Release() })
	r, err := memory.Alloc(0x10000, 0x1000, memory.RX, "code")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.AddRegion(r); err != nil {
		t.Fatal(err)
	}
	if err := m.WriteBytes(0x10000, code); err != nil {
		t.Fatal(err)
	}
	m.CPU.SetPC(0x10000)
	return m
}

// StepOverTrap measures the instruction in the CPU's instruction set:
// Thumb (CPSR.T) 16- and 32-bit encodings, ARM's 4 bytes, each
// platform's own trap.
func TestStepOverTrapLengths(t *testing.T) {
	for _, tt := range []struct {
		p     *platform.Platform
		code  []byte
		thumb bool
		want  int
	}{
		{platform.ARMHF, []byte{0xff, 0xde, 0, 0}, true, 2},        // udf #255 (T1)
		{platform.ARMHF, []byte{0xf0, 0xf7, 0x00, 0xa0}, true, 4},  // udf.w #0 (T2)
		{platform.ARMEL, []byte{0xf0, 0x00, 0xf0, 0xe7}, false, 4}, // udf #0 (A1)
		{platform.AMD64, []byte{0x0f, 0x0b, 0x90, 0x90}, false, 2}, // ud2
		{platform.I386, []byte{0xcc, 0x90}, false, 1},              // int3
		{platform.AArch64, platform.AArch64.Trap, false, 4},        // brk #0x3e8
		{platform.MIPS, platform.MIPS.Trap, false, 4},              // teq zero, zero
		{platform.PPC64LE, platform.PPC64LE.Trap, false, 4},        // trap
	} {
		m := trapMachine(t, tt.p, tt.code)
		if tt.thumb {
			if err := m.CPU.Set("cpsr", 1<<5); err != nil {
				t.Fatal(err)
			}
		}
		b, err := m.StepOverTrap()
		if err != nil {
			t.Errorf("%s % x: %v", tt.p.Name, tt.code, err)
			continue
		}
		if len(b) != tt.want || m.CPU.PC() != 0x10000+uint64(tt.want) {
			t.Errorf("%s % x: stepped %d bytes to %#x, want %d", tt.p.Name, tt.code, len(b), m.CPU.PC(), tt.want)
		}
	}
}

// A MIPS trap in a branch delay slot (Cause.BD: the pc is the branch) is
// refused: stepping 4 bytes would skip the branch.
func TestStepOverTrapDelaySlot(t *testing.T) {
	m := trapMachine(t, platform.MIPSEL, []byte{0x08, 0x00, 0xe0, 0x03, 0x34, 0, 0, 0}) // jr ra; teq
	if err := m.CPU.Set("cause", 1<<31); err != nil {
		t.Fatal(err)
	}
	_, err := m.StepOverTrap()
	if err == nil || !strings.Contains(err.Error(), "delay slot") {
		t.Fatalf("err = %v, want a delay-slot refusal", err)
	}
	if m.CPU.PC() != 0x10000 {
		t.Errorf("pc moved to %#x", m.CPU.PC())
	}
}
