package load

import (
	"debug/elf"
	"testing"
)

// BenchmarkLoadCore opens a core with a 256 MiB PT_LOAD (a sparse file),
// maps its regions and closes it: nothing is copied, so the cost is a few
// mmap calls whatever the size.
func BenchmarkLoadCore(b *testing.B) {
	spec := amd64Core()
	spec.loads = append(spec.loads, testLoad{vaddr: 0x7f00_0000_0000, memsz: 256 << 20, filesz: 256 << 20, data: []byte("heap"), flags: elf.PF_R | elf.PF_W})
	path := spec.write(b, "big.core")
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c, err := OpenCore(path)
		if err != nil {
			b.Fatal(err)
		}
		regions, err := c.Regions()
		if err != nil {
			b.Fatal(err)
		}
		if regions[2].Data[0] != 'h' {
			b.Fatal("wrong bytes")
		}
		for _, r := range regions {
			r.Release()
		}
		c.Close()
	}
}
