package memory

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func region(start uint64, n int, name string) *Region {
	return NewRegion(start, make([]byte, n), RW, name)
}

func TestAddOverlap(t *testing.T) {
	tests := []struct {
		name       string
		start      uint64
		size       int
		wantOverlp bool
	}{
		{"before", 0x0, 0x1000, false},
		{"touching below", 0x1000, 0x1000, false},
		{"inside", 0x2100, 0x10, true},
		{"straddle start", 0x1f00, 0x200, true},
		{"straddle end", 0x2f00, 0x200, true},
		{"covering", 0x1000, 0x4000, true},
		{"touching above", 0x3000, 0x1000, false},
		{"top of address space", 0xffff_ffff_ffff_f000, 0x1000, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := NewMap(binary.LittleEndian)
			if err := m.Add(region(0x2000, 0x1000, "base")); err != nil {
				t.Fatal(err)
			}
			err := m.Add(region(tt.start, tt.size, tt.name))
			if got := errors.Is(err, ErrOverlap); got != tt.wantOverlp {
				t.Fatalf("Add error = %v, want overlap %v", err, tt.wantOverlp)
			}
		})
	}
}

func TestReadWriteAcrossRegions(t *testing.T) {
	for _, order := range []binary.ByteOrder{binary.LittleEndian, binary.BigEndian} {
		t.Run(order.String(), func(t *testing.T) {
			m := NewMap(order)
			a, b := region(0x1000, 0x1000, "a"), region(0x2000, 0x1000, "b")
			if err := m.Add(b); err != nil {
				t.Fatal(err)
			}
			if err := m.Add(a); err != nil {
				t.Fatal(err)
			}
			if err := m.PutUint(0x1ffc, 8, 0x0102030405060708); err != nil {
				t.Fatal(err)
			}
			v, err := m.Uint(0x1ffc, 8)
			if err != nil || v != 0x0102030405060708 {
				t.Fatalf("Uint = %#x, %v", v, err)
			}
			want := make([]byte, 8)
			order.PutUint64(want, 0x0102030405060708)
			if !bytes.Equal(a.Data[0xffc:], want[:4]) || !bytes.Equal(b.Data[:4], want[4:]) {
				t.Errorf("bytes split wrong: %x | %x", a.Data[0xffc:], b.Data[:4])
			}
			for _, size := range []int{1, 2, 4} {
				if err := m.PutUint(0x1800, size, 0xa1b2c3d4e5); err != nil {
					t.Fatal(err)
				}
				got, _ := m.Uint(0x1800, size)
				if wantv := uint64(0xa1b2c3d4e5) & (1<<(8*size) - 1); got != wantv {
					t.Errorf("size %d: %#x, want %#x", size, got, wantv)
				}
			}
		})
	}
}

func TestUnmappedAndAtomicWrite(t *testing.T) {
	m := NewMap(binary.LittleEndian)
	r := region(0x1000, 0x1000, "a")
	_ = m.Add(r)
	err := m.Write(0x1ffe, []byte{1, 2, 3, 4})
	var ue *UnmappedError
	if !errors.As(err, &ue) || ue.Addr != 0x2000 {
		t.Fatalf("Write error = %v, want unmapped at 0x2000", err)
	}
	if r.Data[0xffe] != 0 {
		t.Errorf("failed write changed memory")
	}
	if _, err := m.Uint(0x5000, 4); !errors.Is(err, ErrUnmapped) {
		t.Errorf("read error = %v", err)
	}
	if _, err := m.Slice(0x1ff0, 0x20); err == nil {
		t.Errorf("Slice across region end succeeded")
	}
}

func TestCString(t *testing.T) {
	m := NewMap(binary.LittleEndian)
	a, b := region(0x1000, 0x1000, "a"), region(0x2000, 0x1000, "b")
	_ = m.Add(a)
	_ = m.Add(b)
	copy(a.Data[0xffd:], "hel")
	copy(b.Data, "lo\x00")
	s, err := m.CString(0x1ffd, 100)
	if err != nil || s != "hello" {
		t.Fatalf("CString = %q, %v", s, err)
	}
	if _, err := m.CString(0x1ffd, 3); err == nil {
		t.Errorf("CString beyond max succeeded")
	}
	b.Data[0xfff] = 'x'
	if _, err := m.CString(0x2fff, 100); !errors.Is(err, ErrUnmapped) {
		t.Errorf("CString off the end error = %v", err)
	}
}

func TestMapFileIsPrivate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f")
	content := bytes.Repeat([]byte("0123456789abcdef"), 3*int(PageSize)/16+5) // 3 pages + 80 bytes
	if err := os.WriteFile(path, content, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := MapFile(f, int64(PageSize), uint64(len(content))-PageSize, 4*PageSize, 0x10000, RX, "f")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Release()
	if !bytes.Equal(r.Data[:len(content)-int(PageSize)], content[PageSize:]) {
		t.Fatalf("mapped bytes differ from the file")
	}
	if r.Data[len(content)-int(PageSize)] != 0 || r.Data[len(r.Data)-1] != 0 {
		t.Errorf("bytes past filesz are not zero")
	}
	r.Data[0] = 'X'
	again, _ := os.ReadFile(path)
	if !bytes.Equal(again, content) {
		t.Errorf("write through a private mapping reached the file")
	}
	// Overlay with a misaligned offset copies instead of mapping.
	if err := r.OverlayFile(3, f, 0, 20); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(r.Data[3:23], content[:20]) {
		t.Errorf("overlay = %q", r.Data[3:23])
	}
}
