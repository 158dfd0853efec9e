package load

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/smallworld-go/smallworld/memory"
)

// lsCore builds a core of a process that ran /bin/ls at base: the
// first page of each read-only segment present, the rest not dumped, as
// a kernel core has them.
func lsCore(t *testing.T, e *ELF, base uint64, aux ...uint64) testCore {
	file, err := os.ReadFile(e.Path)
	if err != nil {
		t.Fatal(err)
	}
	w := noteWriter{order: binary.LittleEndian, word: 8}
	spec := testCore{class: elf.ELFCLASS64, order: binary.LittleEndian, machine: elf.EM_X86_64,
		notes: []testNote{
			{"CORE", NT_PRSTATUS, w.prstatus(0x150, 11, 11, 1, amd64Values())},
			{"CORE", NT_AUXV, w.auxv(aux...)},
		}}
	for _, s := range e.Segments {
		start := (base + s.Vaddr) &^ 4095
		end := (base + s.Vaddr + s.Memsz + 4095) &^ 4095
		l := testLoad{vaddr: start, memsz: end - start, flags: elf.PF_R}
		if s.Perm&memory.W == 0 {
			off := s.Off - (base + s.Vaddr - start)
			l.filesz = 4096
			l.data = file[off : off+4096]
		}
		spec.loads = append(spec.loads, l)
	}
	return spec
}

func TestExeBaseAndVerify(t *testing.T) {
	e := openELF(t, "/bin/ls")
	const base = 0x5555_5555_4000
	good := []uint64{AT_PHDR, base + e.PhdrVaddr, AT_PHNUM, uint64(e.Phnum), AT_ENTRY, base + e.Entry}

	c := mustParse(t, lsCore(t, e, base, good...).bytes())
	got, err := c.ExeBase(e)
	if err != nil || got != base {
		t.Fatalf("ExeBase = %#x, %v; want %#x", got, err, base)
	}
	if err := c.Verify(e, base); err != nil {
		t.Errorf("Verify: %v", err)
	}

	t.Run("wrong entry", func(t *testing.T) {
		c := mustParse(t, lsCore(t, e, base, AT_PHDR, base+e.PhdrVaddr, AT_ENTRY, base+e.Entry+16).bytes())
		if _, err := c.ExeBase(e); !errors.Is(err, ErrMismatch) || !strings.Contains(err.Error(), "AT_ENTRY") {
			t.Errorf("got %v", err)
		}
	})
	t.Run("wrong phnum", func(t *testing.T) {
		c := mustParse(t, lsCore(t, e, base, AT_PHDR, base+e.PhdrVaddr, AT_PHNUM, 3).bytes())
		if _, err := c.ExeBase(e); !errors.Is(err, ErrMismatch) {
			t.Errorf("got %v", err)
		}
	})
	t.Run("unaligned", func(t *testing.T) {
		c := mustParse(t, lsCore(t, e, base, AT_PHDR, base+e.PhdrVaddr+8).bytes())
		if _, err := c.ExeBase(e); !errors.Is(err, ErrMismatch) {
			t.Errorf("got %v", err)
		}
	})
	t.Run("no auxv", func(t *testing.T) {
		c := mustParse(t, lsCore(t, e, base).bytes())
		if _, err := c.ExeBase(e); err == nil {
			t.Errorf("PIE base found with no AT_PHDR")
		}
		exec := *e
		exec.Type = elf.ET_EXEC
		if b, err := c.ExeBase(&exec); err != nil || b != 0 {
			t.Errorf("ET_EXEC without auxv: %#x, %v", b, err)
		}
	})
	t.Run("ET_EXEC moved", func(t *testing.T) {
		exec := *e
		exec.Type = elf.ET_EXEC
		if _, err := c.ExeBase(&exec); !errors.Is(err, ErrMismatch) {
			t.Errorf("got %v", err)
		}
	})
	t.Run("byte differs", func(t *testing.T) {
		spec := lsCore(t, e, base, good...)
		var text int
		for i, s := range e.Segments {
			if s.Perm&memory.X != 0 {
				text = i
			}
		}
		spec.loads[text].data = bytes.Clone(spec.loads[text].data)
		spec.loads[text].data[0x123] ^= 0xff
		c := mustParse(t, spec.bytes())
		err := c.Verify(e, base)
		var me *MismatchError
		want := spec.loads[text].vaddr + 0x123
		if !errors.As(err, &me) || me.Addr != want || !errors.Is(err, ErrMismatch) {
			t.Fatalf("got %v, want a mismatch at %#x", err, want)
		}
		if !strings.Contains(err.Error(), "0x5555") {
			t.Errorf("message %q does not name the address", err)
		}
	})
	t.Run("nothing to compare", func(t *testing.T) {
		if err := c.Verify(e, base+0x10_0000_0000); !errors.Is(err, ErrMismatch) || !strings.Contains(err.Error(), "nothing to compare") {
			t.Errorf("got %v", err)
		}
	})
	t.Run("platform", func(t *testing.T) {
		arm := testCore{class: elf.ELFCLASS32, order: binary.LittleEndian, machine: elf.EM_ARM}
		c := mustParse(t, arm.bytes())
		if err := c.Verify(e, base); !errors.Is(err, ErrMismatch) || !strings.Contains(err.Error(), "amd64") {
			t.Errorf("got %v", err)
		}
	})
}
