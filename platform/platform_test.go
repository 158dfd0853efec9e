package platform

import (
	"debug/elf"
	"errors"
	"testing"
)

func TestByNameRoundTrip(t *testing.T) {
	for _, p := range All {
		t.Run(p.Name, func(t *testing.T) {
			got, err := ByName(p.Name)
			if err != nil || got != p {
				t.Fatalf("ByName(%q) = %v, %v", p.Name, got, err)
			}
			if p.WordSize*8 != map[elf.Class]int{elf.ELFCLASS32: 32, elf.ELFCLASS64: 64}[p.Class] {
				t.Errorf("word size %d does not match class %v", p.WordSize, p.Class)
			}
			if len(p.Return) == 0 || len(p.Trap) == 0 {
				t.Errorf("missing Return or Trap encoding")
			}
		})
	}
	if _, err := ByName("vax"); !errors.Is(err, ErrUnknown) {
		t.Errorf("ByName(vax) error = %v, want ErrUnknown", err)
	}
}

func TestFromELF(t *testing.T) {
	tests := []struct {
		m     elf.Machine
		c     elf.Class
		d     elf.Data
		flags uint32
		want  string
	}{
		{elf.EM_X86_64, elf.ELFCLASS64, elf.ELFDATA2LSB, 0, "amd64"},
		{elf.EM_386, elf.ELFCLASS32, elf.ELFDATA2LSB, 0, "i386"},
		{elf.EM_AARCH64, elf.ELFCLASS64, elf.ELFDATA2LSB, 0, "aarch64"},
		{elf.EM_ARM, elf.ELFCLASS32, elf.ELFDATA2LSB, 0x05000200, "armel"},
		{elf.EM_ARM, elf.ELFCLASS32, elf.ELFDATA2LSB, 0x05000400, "armhf"},
		{elf.EM_MIPS, elf.ELFCLASS32, elf.ELFDATA2MSB, 0, "mips"},
		{elf.EM_MIPS, elf.ELFCLASS32, elf.ELFDATA2LSB, 0, "mipsel"},
		{elf.EM_MIPS, elf.ELFCLASS64, elf.ELFDATA2MSB, 0, "mips64"},
		{elf.EM_MIPS, elf.ELFCLASS64, elf.ELFDATA2LSB, 0, "mips64el"},
		{elf.EM_PPC, elf.ELFCLASS32, elf.ELFDATA2MSB, 0, "ppc"},
		{elf.EM_PPC64, elf.ELFCLASS64, elf.ELFDATA2MSB, 0, "ppc64"},
		{elf.EM_PPC64, elf.ELFCLASS64, elf.ELFDATA2LSB, 2, "ppc64le"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			p, err := FromELF(tt.m, tt.c, tt.d, tt.flags)
			if err != nil || p.Name != tt.want {
				t.Fatalf("FromELF = %v, %v; want %s", p, err, tt.want)
			}
		})
	}
	if _, err := FromELF(elf.EM_SPARC, elf.ELFCLASS32, elf.ELFDATA2MSB, 0); !errors.Is(err, ErrUnknown) {
		t.Errorf("sparc: error = %v, want ErrUnknown", err)
	}
}
