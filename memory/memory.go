package memory

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Perm is a set of access permissions.
type Perm uint8

const (
	R Perm = 1 << iota
	W
	X

	RW  = R | W
	RX  = R | X
	RWX = R | W | X
)

// String renders the permissions as "rwx" with dashes.
func (p Perm) String() string {
	b := []byte("---")
	if p&R != 0 {
		b[0] = 'r'
	}
	if p&W != 0 {
		b[1] = 'w'
	}
	if p&X != 0 {
		b[2] = 'x'
	}
	return string(b)
}

// Region is a range of guest memory backed by host bytes.
type Region struct {
	Start uint64
	Data  []byte // len(Data) is the region's size
	Perm  Perm
	Name  string // what it is: "core", "stack", a file path...

	release func() error // frees Data (munmap); nil for Go memory
}

// End returns the first address past the region.
func (r *Region) End() uint64 { return r.Start + uint64(len(r.Data)) }

// Size returns the region's size in bytes.
func (r *Region) Size() uint64 { return uint64(len(r.Data)) }

// Contains reports whether addr is inside the region.
func (r *Region) Contains(addr uint64) bool {
	return addr >= r.Start && addr-r.Start < uint64(len(r.Data))
}

// Release frees the region's host memory. The region must not be used
// afterwards.
func (r *Region) Release() error {
	if r.release == nil {
		return nil
	}
	err := r.release()
	r.release, r.Data = nil, nil
	return err
}

func (r *Region) String() string {
	return fmt.Sprintf("%#x-%#x %s %s", r.Start, r.End(), r.Perm, r.Name)
}

// NewRegion makes a region over host bytes the caller keeps alive.
func NewRegion(start uint64, data []byte, perm Perm, name string) *Region {
	return &Region{Start: start, Data: data, Perm: perm, Name: name}
}

// UnmappedError reports an access to guest memory no region covers.
type UnmappedError struct {
	Addr uint64
	Size int
}

func (e *UnmappedError) Error() string {
	return fmt.Sprintf("memory: %d bytes at %#x: not mapped", e.Size, e.Addr)
}

// Is makes errors.Is(err, ErrUnmapped) true.
func (e *UnmappedError) Is(target error) bool { return target == ErrUnmapped }

// OverlapError reports a region that overlaps one already in the map.
type OverlapError struct {
	New, Old *Region
}

func (e *OverlapError) Error() string {
	return fmt.Sprintf("memory: region %s overlaps %s", e.New, e.Old)
}

// Is makes errors.Is(err, ErrOverlap) true.
func (e *OverlapError) Is(target error) bool { return target == ErrOverlap }

// Sentinels for the typed errors above.
var (
	ErrUnmapped = errors.New("memory not mapped")
	ErrOverlap  = errors.New("regions overlap")
)

// Map is a guest address space: regions sorted by address, never
// overlapping.
type Map struct {
	Order binary.ByteOrder
	// OnWrite, when set, is told of every Write (and PutUint) after it
	// lands: the harness's own writes to guest memory, which no engine
	// hook sees (the checked heap marks bytes initialised with it).
	OnWrite func(addr uint64, n int)
	regions []*Region
	last    *Region // cache of the last region found
}

// NewMap returns an empty map for a guest of the given byte order.
func NewMap(order binary.ByteOrder) *Map { return &Map{Order: order} }

// Regions returns the regions in address order. The slice must not be
// modified.
func (m *Map) Regions() []*Region { return m.regions }

// Add inserts a region; it fails if it is empty, wraps around, or
// overlaps another.
func (m *Map) Add(r *Region) error {
	if len(r.Data) == 0 {
		return fmt.Errorf("memory: region %q at %#x is empty", r.Name, r.Start)
	}
	if r.End() < r.Start && r.End() != 0 {
		return fmt.Errorf("memory: region %q at %#x wraps around the address space", r.Name, r.Start)
	}
	i := sort.Search(len(m.regions), func(i int) bool { return m.regions[i].Start >= r.Start })
	if i > 0 && overlaps(m.regions[i-1], r) {
		return &OverlapError{New: r, Old: m.regions[i-1]}
	}
	if i < len(m.regions) && overlaps(m.regions[i], r) {
		return &OverlapError{New: r, Old: m.regions[i]}
	}
	m.regions = append(m.regions, nil)
	copy(m.regions[i+1:], m.regions[i:])
	m.regions[i] = r
	return nil
}

func overlaps(a, b *Region) bool {
	aEnd, bEnd := a.End()-1, b.End()-1 // inclusive ends; never wrap below Start
	return a.Start <= bEnd && b.Start <= aEnd
}

// Remove takes a region out of the map (it does not release it).
func (m *Map) Remove(r *Region) bool {
	for i, x := range m.regions {
		if x == r {
			m.regions = append(m.regions[:i], m.regions[i+1:]...)
			if m.last == r {
				m.last = nil
			}
			return true
		}
	}
	return false
}

// Find returns the region containing addr, or nil.
func (m *Map) Find(addr uint64) *Region {
	if l := m.last; l != nil && l.Contains(addr) {
		return l
	}
	i := sort.Search(len(m.regions), func(i int) bool { return m.regions[i].End()-1 >= addr })
	if i < len(m.regions) && m.regions[i].Contains(addr) {
		m.last = m.regions[i]
		return m.regions[i]
	}
	return nil
}

// Slice returns the host bytes of [addr, addr+n) when one region holds
// them all; writes to the slice are guest memory writes.
func (m *Map) Slice(addr uint64, n int) ([]byte, error) {
	r := m.Find(addr)
	if r == nil || n < 0 || uint64(n) > r.End()-addr {
		return nil, &UnmappedError{Addr: addr, Size: n}
	}
	off := addr - r.Start
	return r.Data[off : off+uint64(n) : off+uint64(n)], nil
}

// Read fills buf from guest memory at addr; the range may span adjacent
// regions. On error nothing is promised about buf.
func (m *Map) Read(addr uint64, buf []byte) error {
	for done := 0; done < len(buf); {
		a := addr + uint64(done)
		r := m.Find(a)
		if r == nil {
			return &UnmappedError{Addr: a, Size: len(buf) - done}
		}
		done += copy(buf[done:], r.Data[a-r.Start:])
	}
	return nil
}

// Write copies data into guest memory at addr, across adjacent regions.
// Permissions are the guest's business, not the host's: Write ignores them.
func (m *Map) Write(addr uint64, data []byte) error {
	// Check the whole range first, so a failed write changes nothing.
	for done := 0; done < len(data); {
		a := addr + uint64(done)
		r := m.Find(a)
		if r == nil {
			return &UnmappedError{Addr: a, Size: len(data) - done}
		}
		done += int(min(uint64(len(data)-done), r.End()-a))
	}
	for done := 0; done < len(data); {
		a := addr + uint64(done)
		r := m.Find(a)
		done += copy(r.Data[a-r.Start:], data[done:])
	}
	if m.OnWrite != nil {
		m.OnWrite(addr, len(data))
	}
	return nil
}

// Uint reads an unsigned integer of size 1, 2, 4 or 8 bytes in the
// guest's byte order.
func (m *Map) Uint(addr uint64, size int) (uint64, error) {
	var b [8]byte
	if size != 1 && size != 2 && size != 4 && size != 8 {
		return 0, fmt.Errorf("memory: integer size %d", size)
	}
	if err := m.Read(addr, b[:size]); err != nil {
		return 0, err
	}
	return Decode(m.Order, b[:size]), nil
}

// PutUint writes an unsigned integer of size 1, 2, 4 or 8 bytes in the
// guest's byte order.
func (m *Map) PutUint(addr uint64, size int, v uint64) error {
	var b [8]byte
	if size != 1 && size != 2 && size != 4 && size != 8 {
		return fmt.Errorf("memory: integer size %d", size)
	}
	Encode(m.Order, b[:size], v)
	return m.Write(addr, b[:size])
}

// CString reads a NUL-terminated string of at most max bytes (without
// the NUL). A string that reaches max bytes with no NUL is an error.
func (m *Map) CString(addr uint64, max int) (string, error) {
	var sb strings.Builder
	for sb.Len() < max {
		r := m.Find(addr)
		if r == nil {
			return sb.String(), &UnmappedError{Addr: addr, Size: 1}
		}
		chunk := r.Data[addr-r.Start:]
		if len(chunk) > max-sb.Len() {
			chunk = chunk[:max-sb.Len()]
		}
		for i, c := range chunk {
			if c == 0 {
				sb.Write(chunk[:i])
				return sb.String(), nil
			}
		}
		sb.Write(chunk)
		addr += uint64(len(chunk))
	}
	return sb.String(), fmt.Errorf("memory: string at %#x: no NUL in %d bytes", addr-uint64(sb.Len()), max)
}

// Decode reads an unsigned integer of len(b) (1, 2, 4 or 8) bytes.
func Decode(order binary.ByteOrder, b []byte) uint64 {
	switch len(b) {
	case 1:
		return uint64(b[0])
	case 2:
		return uint64(order.Uint16(b))
	case 4:
		return uint64(order.Uint32(b))
	case 8:
		return order.Uint64(b)
	}
	panic("memory.Decode: size")
}

// Encode writes an unsigned integer into len(b) (1, 2, 4 or 8) bytes.
func Encode(order binary.ByteOrder, b []byte, v uint64) {
	switch len(b) {
	case 1:
		b[0] = byte(v)
	case 2:
		order.PutUint16(b, uint16(v))
	case 4:
		order.PutUint32(b, uint32(v))
	case 8:
		order.PutUint64(b, v)
	default:
		panic("memory.Encode: size")
	}
}

// Release frees every region's host memory and empties the map.
func (m *Map) Release() error {
	var first error
	for _, r := range m.regions {
		if err := r.Release(); err != nil && first == nil {
			first = err
		}
	}
	m.regions, m.last = nil, nil
	return first
}
