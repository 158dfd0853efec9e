package model

import (
	"errors"
	"fmt"
	"sort"
)

// The checked heap (Binding.CheckHeap). The models' allocator then
// works as a checker: blocks are never reused (a freed block stays
// poisoned), each is followed by a 16-byte red zone, and every byte of a
// live block is known to be initialised or not. The harness sends the
// guest's accesses to the heap's address window to CheckAccess (a memory
// hook) and the models' and system calls' own writes to NoteWrite; the
// first bad access is an error of type *HeapError:
//
//   - a read or write of a freed block (use after free);
//   - a read or write of a red zone or of heap space no block holds
//     (overflow);
//   - a read of bytes of a live block nothing has written (malloc'd and
//     realloc'd-beyond-the-old-size bytes; calloc's are written);
//   - free of a pointer that is not a live block (double free, invalid).
//
// Only the models' blocks are checked: a resumed process's blocks from
// its real allocator are not. Models' own reads (puts of an
// uninitialised buffer) are not checked.

const (
	heapRedZone = 16
	// heapWindow is the address space a checked heap may grow in: the
	// harness hooks it whole before the run.
	heapWindow64 = 1 << 30
	heapWindow32 = 256 << 20
)

// HeapError is a heap misuse the checked heap found.
type HeapError struct {
	Kind   string // "use after free", "heap overflow", "uninitialised read", "double free"...
	Access string // "read", "write", "free"
	Addr   uint64
	Size   int
	Block  uint64 // the block concerned (0: none)
	BSize  uint64 // its size as allocated
}

func (e *HeapError) Error() string {
	s := fmt.Sprintf("%s: %s of %d bytes at %#x", e.Kind, e.Access, e.Size, e.Addr)
	if e.Access == "free" {
		s = fmt.Sprintf("%s: free(%#x)", e.Kind, e.Addr)
	}
	if e.Block != 0 {
		off := int64(e.Addr - e.Block)
		s += fmt.Sprintf(" (offset %d of the %d-byte block at %#x)", off, e.BSize, e.Block)
	}
	return s
}

// ErrHeap is the root of checked-heap errors (errors.Is).
var ErrHeap = errors.New("heap error")

func (e *HeapError) Is(target error) bool { return target == ErrHeap }

// hblock is a block of the checked heap.
type hblock struct {
	start, size uint64
	span        uint64 // the space it takes: size, padding, red zone
	freed       bool
	init        []uint64 // bit per byte: written
}

type heapCheck struct {
	on     bool
	lo, hi uint64   // the window
	blocks []hblock // address order: the checked heap only bumps
}

// HeapWindow maps the checked heap's first region now and returns the
// address window the heap will stay in; the harness hooks accesses to
// it. CheckHeap must be set first.
func (b *Binding) HeapWindow() (lo, hi uint64, err error) {
	if !b.CheckHeap {
		return 0, 0, errors.New("model: HeapWindow without CheckHeap")
	}
	st := b.call.libc()
	hc := &st.check
	if hc.on {
		return hc.lo, hc.hi, nil
	}
	c := &b.call
	r, err := c.mapHeap(heapChunk)
	if err != nil {
		return 0, 0, err
	}
	h := &st.heap
	if h.live == nil {
		h.live, h.free = map[uint64]uint64{}, map[uint64][]uint64{}
	}
	h.regions = append(h.regions, r)
	h.next = r.Start + heapAlign
	window := uint64(heapWindow64)
	if b.Env.Platform().WordSize == 4 {
		window = heapWindow32
	}
	hc.on, hc.lo, hc.hi = true, r.Start, r.Start+window
	return hc.lo, hc.hi, nil
}

// find returns the index of the block holding addr (red zone included),
// or -1.
func (hc *heapCheck) find(addr uint64) int {
	i := sort.Search(len(hc.blocks), func(i int) bool { return hc.blocks[i].start > addr }) - 1
	if i < 0 || addr >= hc.blocks[i].start+hc.blocks[i].span {
		return -1
	}
	return i
}

// CheckAccess checks a guest access of size bytes at addr in the heap
// window: nil when it is fine (a write also marks the bytes written).
//
// Optimised string functions read whole words and vectors that run past
// a string's end and over bytes never written (they stay inside a page,
// and their results are masked), and the checker sees instructions, not
// what their results feed. So a read from the C library (lenient: the
// harness says the pc is outside the program's own code) is checked
// only for use after free (of the freed block's own bytes); a read by
// the program's own code that runs past the block's end is an overflow
// unless it is a naturally aligned partial load (as Valgrind's
// partial-loads-ok), and is "uninitialised" only when none of its bytes
// in the block was written (a scalar read from fresh malloc'd memory,
// not a vector load over a short string). Writes get no leeway.
func (b *Binding) CheckAccess(write bool, addr uint64, size int, lenient bool) error {
	if b.libc == nil || !b.libc.check.on {
		return nil
	}
	hc := &b.libc.check
	access := "read"
	if write {
		access = "write"
	}
	i := hc.find(addr)
	if lenient && !write {
		// Only a read of a freed block's own bytes is an error.
		if i >= 0 && hc.blocks[i].freed && addr < hc.blocks[i].start+hc.blocks[i].size {
			bl := hc.blocks[i]
			return &HeapError{Kind: "use after free", Access: access, Addr: addr, Size: size, Block: bl.start, BSize: bl.size}
		}
		return nil
	}
	if i < 0 {
		return &HeapError{Kind: "heap overflow (no block here)", Access: access, Addr: addr, Size: size}
	}
	bl := &hc.blocks[i]
	e := &HeapError{Access: access, Addr: addr, Size: size, Block: bl.start, BSize: bl.size}
	end, bend := addr+uint64(size), bl.start+bl.size
	switch {
	case bl.freed:
		e.Kind = "use after free"
		return e
	case addr >= bend:
		e.Kind = "heap overflow"
		return e
	case end > bend:
		if write || size&(size-1) != 0 || addr%uint64(size) != 0 {
			e.Kind = "heap overflow"
			return e
		}
		end = bend // a partial load: only its bytes in the block count
	}
	off := addr - bl.start
	if write {
		bl.mark(off, end-addr)
		return nil
	}
	for k := off; k < off+(end-addr); k++ {
		if bl.init[k/64]&(1<<(k%64)) != 0 {
			return nil
		}
	}
	e.Kind = "uninitialised read"
	return e
}

func (bl *hblock) mark(off, n uint64) {
	for k := off; k < off+n && k < bl.size; k++ {
		bl.init[k/64] |= 1 << (k % 64)
	}
}

// NoteWrite records a write the harness made to guest memory (a model,
// a system call): heap bytes it covers are initialised.
func (b *Binding) NoteWrite(addr uint64, n int) {
	if b.libc == nil || !b.libc.check.on || n <= 0 {
		return
	}
	hc := &b.libc.check
	end := addr + uint64(n)
	if end <= hc.lo || addr >= hc.hi {
		return
	}
	i := sort.Search(len(hc.blocks), func(i int) bool { return hc.blocks[i].start+hc.blocks[i].size > addr })
	for ; i < len(hc.blocks) && hc.blocks[i].start < end; i++ {
		bl := &hc.blocks[i]
		if bl.freed {
			continue
		}
		lo, hi := max(addr, bl.start), min(end, bl.start+bl.size)
		if lo < hi {
			bl.mark(lo-bl.start, hi-lo)
		}
	}
}

// checkedMalloc is malloc on the checked heap: a fresh block after a red
// zone, never a reused one.
func (c *Call) checkedMalloc(n uint64) (uint64, error) {
	st := c.libc()
	hc, h := &st.check, &st.heap
	if n == 0 {
		n = 1
	}
	if n > hc.hi-hc.lo {
		return 0, nil // ENOMEM
	}
	need := alignUp(n+heapRedZone, heapAlign)
	r := h.regions[len(h.regions)-1]
	if h.next+need > r.End() {
		chunk := max(alignUp(need, heapChunk), heapChunk)
		nr, err := c.mapHeap(chunk)
		if err != nil {
			return 0, err
		}
		if nr.Start != r.End() || nr.End() > hc.hi {
			return 0, fmt.Errorf("%w: the checked heap's window [%#x, %#x) is full", errHeap, hc.lo, hc.hi)
		}
		h.regions = append(h.regions, nr)
	}
	a := h.next
	h.next += need
	h.live[a] = alignUp(n, heapAlign)
	hc.blocks = append(hc.blocks, hblock{start: a, size: n, span: need, init: make([]uint64, (n+63)/64)})
	return a, nil
}

// checkedFree frees a block of the checked heap; it stays poisoned.
func (c *Call) checkedFree(a uint64) error {
	st := c.libc()
	hc := &st.check
	i := hc.find(a)
	if i < 0 || hc.blocks[i].start != a {
		if !st.heap.contains(a) {
			return nil // the real allocator's block
		}
		return &HeapError{Kind: "invalid free (not the start of a block)", Access: "free", Addr: a}
	}
	bl := &hc.blocks[i]
	if bl.freed {
		return &HeapError{Kind: "double free", Access: "free", Addr: a, Block: bl.start, BSize: bl.size}
	}
	bl.freed = true
	delete(st.heap.live, a)
	return nil
}

// checkedInitCopy carries the initialised bits of n bytes from block
// from to block to (realloc).
func (c *Call) checkedInitCopy(to, from, n uint64) {
	hc := &c.libc().check
	i, j := hc.find(to), hc.find(from)
	if i < 0 || j < 0 {
		return
	}
	dst, src := &hc.blocks[i], &hc.blocks[j]
	for k := uint64(0); k < n && k < dst.size; k++ {
		if k < src.size && src.init[k/64]&(1<<(k%64)) != 0 {
			dst.init[k/64] |= 1 << (k % 64)
		} else {
			dst.init[k/64] &^= 1 << (k % 64)
		}
	}
}
