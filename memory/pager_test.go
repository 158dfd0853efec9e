package memory

import (
	"bytes"
	"math/rand"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// lazyTestFile writes n bytes of a pattern (a byte's value depends on
// its offset) to a temporary file.
func lazyTestFile(t testing.TB, n int) (*os.File, []byte) {
	want := make([]byte, n)
	rand.New(rand.NewSource(1)).Read(want)
	path := filepath.Join(t.TempDir(), "core")
	if err := os.WriteFile(path, want, 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f, want
}

// withLazy runs fn with LazyThreshold at min.
func withLazy(t testing.TB, min uint64) {
	old := LazyThreshold
	LazyThreshold = min
	t.Cleanup(func() { LazyThreshold = old })
}

// A lazy region reads as the file, page by page and in any order, from
// several goroutines at once; bytes past filesz are zero; writes stay in
// the region; the file is unchanged; a second region of the same file
// at another offset is independent.
func TestLazyRegionReadsTheFile(t *testing.T) {
	withLazy(t, PageSize)
	ps := int(PageSize)
	f, want := lazyTestFile(t, 300*ps+123)
	filesz := uint64(len(want) - 2*ps) // the region holds part of the file
	r, err := MapFile(f, int64(2*ps), filesz, filesz+5*PageSize, 0x100000, RW, "core")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Release()
	before, _ := LazyStats()
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			rng := rand.New(rand.NewSource(int64(g)))
			for k := 0; k < 500; k++ {
				i := rng.Intn(len(r.Data))
				w := byte(0)
				if uint64(i) < filesz {
					w = want[2*ps+i]
				}
				if r.Data[i] != w {
					errs <- "mismatch"
					return
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Fatal(e)
	}
	if faults, _ := LazyStats(); faults == before {
		t.Fatal("no fault was served: the region was not lazy (userfaultfd refused? it needs root or vm.unprivileged_userfaultfd=1)")
	}
	if !bytes.Equal(r.Data[:filesz], want[2*ps:]) {
		t.Fatal("region differs from the file")
	}
	if !bytes.Equal(r.Data[filesz:], make([]byte, len(r.Data)-int(filesz))) {
		t.Fatal("bytes past filesz are not zero")
	}
	r.Data[7] ^= 0xff
	if r.Data[7] == want[2*ps+7] {
		t.Fatal("write did not stay")
	}
	got := make([]byte, 16)
	if _, err := f.ReadAt(got, int64(2*ps)); err != nil || !bytes.Equal(got, want[2*ps:2*ps+16]) {
		t.Fatal("the write reached the file")
	}
}

// A write to a page never read fills the page from the file first.
func TestLazyRegionWriteFirst(t *testing.T) {
	withLazy(t, PageSize)
	f, want := lazyTestFile(t, 64*int(PageSize))
	r, err := MapFile(f, 0, uint64(len(want)), uint64(len(want)), 0x100000, RW, "core")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Release()
	at := 40*int(PageSize) + 9
	r.Data[at] = want[at] + 1
	if r.Data[at-1] != want[at-1] || r.Data[at+1] != want[at+1] || r.Data[at] != want[at]+1 {
		t.Fatal("a written page lost its file bytes")
	}
}

// A sparse walk (one byte per MiB) of a 256 MiB lazy region leaves one
// page per touch resident, not the 16 a file mapping's fault-around maps.
func TestLazyRegionSparseWalkIsSmall(t *testing.T) {
	f, want := lazyTestFile(t, 256<<20)
	r, err := MapFile(f, 0, uint64(len(want)), uint64(len(want)), 0x100000, RW, "core")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Release()
	f0, b0 := LazyStats()
	for i := 0; i < len(want); i += 1 << 20 {
		if r.Data[i] != want[i] {
			t.Fatalf("byte %#x differs", i)
		}
	}
	f1, b1 := LazyStats()
	if f1-f0 != 256 || b1-b0 != 256*PageSize {
		t.Fatalf("%d faults filled %d bytes; want 256 of one page", f1-f0, b1-b0)
	}
}

var benchSink byte

func benchWalk(b *testing.B, step int, lazy bool) {
	if !lazy {
		withLazy(b, 1<<62)
	}
	f, want := lazyTestFile(b, 256<<20)
	b.SetBytes(int64(len(want)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r, err := MapFile(f, 0, uint64(len(want)), uint64(len(want)), 0x100000, RW, "core")
		if err != nil {
			b.Fatal(err)
		}
		var sum byte
		for k := 0; k < len(r.Data); k += step {
			sum += r.Data[k]
		}
		benchSink += sum
		r.Release()
	}
}

// Touching every page of a 256 MiB core segment, and one byte per MiB,
// filled on touch and mapped.
func BenchmarkLazyDense(b *testing.B)    { benchWalk(b, int(PageSize), true) }
func BenchmarkMappedDense(b *testing.B)  { benchWalk(b, int(PageSize), false) }
func BenchmarkLazySparse(b *testing.B)   { benchWalk(b, 1<<20, true) }
func BenchmarkMappedSparse(b *testing.B) { benchWalk(b, 1<<20, false) }
