package insn

import (
	"errors"
	"testing"

	"github.com/smallworld-go/smallworld/platform"
)

func TestLen(t *testing.T) {
	tests := []struct {
		plat  *platform.Platform
		code  []byte
		thumb bool
		want  int
	}{
		{platform.AMD64, []byte{0x0f, 0x0b, 0x90}, false, 2},                                               // ud2
		{platform.AMD64, []byte{0x48, 0x8b, 0x05, 1, 2, 3, 4}, false, 7},                                   // mov rax, [rip+x]
		{platform.AMD64, []byte{0x66, 0x90}, false, 2},                                                     // nop
		{platform.I386, []byte{0xcd, 0x80}, false, 2},                                                      // int 0x80
		{platform.I386, []byte{0xb8, 1, 0, 0, 0}, false, 5},                                                // mov eax, 1
		{platform.AArch64, platform.AArch64.Trap, false, 4},                                                // brk
		{platform.ARMEL, platform.ARMEL.Trap, false, 4},                                                    // udf
		{platform.ARMHF, platform.ARMHF.Trap, true, 2},                                                     // thumb udf
		{platform.ARMHF, []byte{0xf0, 0xf7, 0x00, 0xf8}, true, 4},                                          // thumb-2 bl
		{platform.MIPS, platform.MIPS.Trap, false, 4},                                                      // teq
		{platform.PPC64LE, platform.PPC64LE.Trap, false, 4},                                                // trap
		{platform.AMD64, []byte{0x66, 0x66, 0x66, 0x66, 0x2e, 0x0f, 0x1f, 0x84, 0, 0, 0, 0, 0}, false, 13}, // long nop
	}
	for _, tt := range tests {
		t.Run(tt.plat.Name, func(t *testing.T) {
			got, err := Len(tt.plat, tt.code, tt.thumb)
			if err != nil || got != tt.want {
				t.Errorf("Len(% x) = %d, %v; want %d", tt.code, got, err, tt.want)
			}
		})
	}
	for _, p := range platform.All {
		if _, err := Len(p, p.Trap, p == platform.ARMHF); err != nil {
			t.Errorf("%s: trap does not decode: %v", p.Name, err)
		}
	}
	if _, err := Len(platform.AMD64, []byte{0x48, 0x8b, 0x05, 1}, false); !errors.Is(err, ErrDecode) {
		t.Errorf("truncated x86: err = %v", err)
	}
}
