package model

import (
	"errors"
	"fmt"
	"sort"

	"github.com/smallworld-go/smallworld/memory"
)

// libcState is what the C-library models remember during one run.
type libcState struct {
	heap     heap
	strtok   uint64 // strtok's saved position
	randInit bool
	rand     [34]int32 // glibc random_r TYPE_3 state window
	randR    []int32
	files    fileTable // the stdio models' streams (file.go)
	atexit   []uint64
	strerr   map[int64]uint64 // strerror strings placed in the heap
	ctype    map[string]uint64
	check    heapCheck // the checked heap (Binding.CheckHeap)
	time     timeState // static results of the time.h models
}

func (c *Call) libc() *libcState {
	if c.b.libc == nil {
		c.b.libc = &libcState{}
	}
	return c.b.libc
}

// The heap: regions mapped on demand (Env.MapRegion) at a free address,
// blocks of 16-byte alignment with a bump pointer and exact-size reuse.
// Freeing a pointer that is not a live block (double free, a pointer
// into a block, a stack address) stops the run, as glibc aborts.
type heap struct {
	regions []*memory.Region
	next    uint64 // bump pointer in the last region
	live    map[uint64]uint64
	free    map[uint64][]uint64 // size -> freed blocks
}

const (
	heapChunk = 16 << 20
	heapAlign = 16
)

// heapBases are where the heap is tried, per word size (above typical
// executables and below shared libraries and stacks).
var heapBases = map[int][]uint64{
	4: {0x58000000, 0x68000000, 0x38000000, 0x20000000},
	8: {0x5a0000000000, 0x6a0000000000, 0x10000000000, 0x200000000},
}

var errHeap = errors.New("heap")

func (c *Call) malloc(n uint64) (uint64, error) {
	if c.libc().check.on {
		return c.checkedMalloc(n)
	}
	h := &c.libc().heap
	if h.live == nil {
		h.live, h.free = map[uint64]uint64{}, map[uint64][]uint64{}
	}
	if n == 0 {
		n = 1
	}
	if n > 1<<40 {
		return 0, nil // ENOMEM
	}
	size := alignUp(n, heapAlign)
	if l := h.free[size]; len(l) > 0 {
		a := l[len(l)-1]
		h.free[size] = l[:len(l)-1]
		h.live[a] = size
		return a, nil
	}
	var r *memory.Region
	if len(h.regions) > 0 {
		r = h.regions[len(h.regions)-1]
	}
	if r == nil || h.next+size > r.End() {
		chunk := max(alignUp(size, heapChunk), heapChunk)
		var err error
		if r, err = c.mapHeap(chunk); err != nil {
			return 0, err
		}
		h.regions = append(h.regions, r)
		h.next = r.Start + heapAlign // never return the region's first byte... keeps NULL-looking bases away
	}
	a := h.next
	h.next += size
	h.live[a] = size
	return a, nil
}

func (c *Call) mapHeap(size uint64) (*memory.Region, error) {
	env := c.b.Env
	mem := env.Memory()
	bases := heapBases[env.Platform().WordSize]
	h := &c.libc().heap
	if len(h.regions) > 0 {
		last := h.regions[len(h.regions)-1]
		bases = append([]uint64{last.End()}, bases...)
	}
	for _, base := range bases {
		free := true
		for _, r := range mem.Regions() {
			if r.Start < base+size && base < r.End() {
				free = false
				break
			}
		}
		if !free {
			continue
		}
		r, err := memory.Alloc(base, size, memory.RW, "heap")
		if err != nil {
			return nil, fmt.Errorf("%w: %v", errHeap, err)
		}
		if err := env.MapRegion(r); err != nil {
			_ = r.Release()
			continue
		}
		return r, nil
	}
	return nil, fmt.Errorf("%w: no free address for %d bytes", errHeap, size)
}

func (c *Call) freeBlock(a uint64) error {
	if a == 0 {
		return nil
	}
	if c.libc().check.on {
		return c.checkedFree(a)
	}
	h := &c.libc().heap
	size, ok := h.live[a]
	if !ok {
		if !h.contains(a) {
			// The real allocator's block (a resumed process malloc'd it
			// before the models were hooked): left alone.
			return nil
		}
		return fmt.Errorf("free(%#x): not an allocated block (double free or invalid pointer)", a)
	}
	delete(h.live, a)
	h.free[size] = append(h.free[size], a)
	return nil
}

// contains reports whether a is in the models' heap arena.
func (h *heap) contains(a uint64) bool {
	for _, r := range h.regions {
		if a >= r.Start && a < r.End() {
			return true
		}
	}
	return false
}

// blockSize is the size of a live heap block.
func (c *Call) blockSize(a uint64) (uint64, bool) {
	s, ok := c.libc().heap.live[a]
	return s, ok
}

// Live lists the live heap blocks of a binding (address order), for
// tests and reports.
func (b *Binding) Live() [][2]uint64 {
	if b.libc == nil {
		return nil
	}
	var out [][2]uint64
	for a, s := range b.libc.heap.live {
		out = append(out, [2]uint64{a, s})
	}
	sort.Slice(out, func(i, j int) bool { return out[i][0] < out[j][0] })
	return out
}

// str reads argument i as a C string (an error is recorded in c).
func (c *Call) str(i int) []byte {
	s, err := c.CBytes(c.Arg(i), maxString)
	if err != nil && c.err == nil {
		c.err = fmt.Errorf("argument %d: %w", i, err)
	}
	return s
}

// bytesAt reads n bytes of guest memory (a copy).
func (c *Call) bytesAt(addr, n uint64) []byte {
	if n > 1<<31 {
		if c.err == nil {
			c.err = fmt.Errorf("read %d bytes at %#x: too large", n, addr)
		}
		return nil
	}
	b := make([]byte, n)
	if err := c.Mem().Read(addr, b); err != nil && c.err == nil {
		c.err = err
	}
	return b
}

// put writes guest memory (an error is recorded in c).
func (c *Call) put(addr uint64, b []byte) {
	if err := c.Mem().Write(addr, b); err != nil && c.err == nil {
		c.err = err
	}
	c.b.NoteWrite(addr, len(b))
}

// putWord writes a word of the platform's size.
func (c *Call) putWord(addr, v uint64) {
	if err := c.Mem().PutUint(addr, c.b.Env.Platform().WordSize, v); err != nil && c.err == nil {
		c.err = err
	}
}

// word reads a word of the platform's size.
func (c *Call) word(addr uint64) uint64 {
	v, err := c.Mem().Uint(addr, c.b.Env.Platform().WordSize)
	if err != nil && c.err == nil {
		c.err = err
	}
	return v
}

// signed interprets a word-sized value as signed.
func (c *Call) signed(v uint64) int64 { return int64(signExtend(v, c.b.Env.Platform().WordSize)) }

// cstrDup copies b and a NUL into a new heap block.
func (c *Call) cstrDup(b []byte) (uint64, error) {
	a, err := c.malloc(uint64(len(b) + 1))
	if err != nil || a == 0 {
		return a, err
	}
	c.put(a, append(append([]byte(nil), b...), 0))
	return a, nil
}

// arg64 returns the first argument as a 64-bit integer (long long),
// from a register pair or the stack on 32-bit platforms.
func (c *Call) arg64() uint64 {
	if c.b.Env.Platform().WordSize == 8 {
		return c.Arg(0)
	}
	a, err := c.VarArgs(0)
	if err != nil {
		if c.err == nil {
			c.err = err
		}
		return 0
	}
	v, err := a.Int(8)
	if err != nil && c.err == nil {
		c.err = err
	}
	return v
}
