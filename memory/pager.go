package memory

// #include "pager.h"
import "C"

import "os"

// LazyThreshold is the size from which MapFile fills a region's file
// bytes on first touch instead of mapping the file. A private file
// mapping costs what is touched, but Linux maps the cached neighbours of
// each touched page with it (fault-around, 16 pages, which no madvise
// turns off): a guest reading one byte per MiB of a 1 GiB heap would
// have 64 MiB resident. Filled on touch, through userfaultfd, it has the
// 4 MiB it read; a walk over the segment is mapped from the file in
// windows that grow from 16 to 512 pages (pager.c).
// Where userfaultfd is not allowed (an unprivileged process on a system
// with vm.unprivileged_userfaultfd = 0) MapFile maps the file.
var LazyThreshold uint64 = 16 << 20

// LazyStats reports the page faults the lazy regions have served and
// the bytes filled.
func LazyStats() (faults, bytes uint64) {
	var f, b C.uint64_t
	C.sw_lazy_stats(&f, &b)
	return uint64(f), uint64(b)
}

// lazyFile makes r's first filesz bytes (r page aligned, untouched
// anonymous memory) fill from f at off on first touch. It reports
// whether it could; r is unchanged when not.
func lazyFile(r *Region, f *os.File, off int64, filesz uint64) bool {
	addr := uint64(uintptr(unsafePointer(r.Data)))
	n := PageAlign(filesz)
	if e := C.sw_lazy_add(C.uint64_t(addr), C.uint64_t(n), C.int(f.Fd()), C.int64_t(off), C.uint64_t(filesz)); e != 0 {
		return false
	}
	release := r.release
	r.release = func() error {
		C.sw_lazy_remove(C.uint64_t(addr))
		return release()
	}
	return true
}
