#include <stdint.h>

// sw_lazy_add registers [start, start+len) (page aligned, anonymous,
// untouched) to be filled from fd at off on first touch, the first
// filesz bytes from the file and the rest zero; 0 or an errno.
int sw_lazy_add(uint64_t start, uint64_t len, int fd, int64_t off, uint64_t filesz);
// sw_lazy_remove forgets the range at start (before it is unmapped).
void sw_lazy_remove(uint64_t start);
// sw_lazy_stats: faults served and bytes filled since the start.
void sw_lazy_stats(uint64_t *faults, uint64_t *bytes);
