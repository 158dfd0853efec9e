// pager.c - pages of large core segments filled from the file on first
// touch, through userfaultfd (see pager_linux.go).

#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "pager.h"

// A lazy range: [start, start+len) of host memory whose bytes are those
// of fd at off for the first filesz bytes, zero after.
struct lazy {
	uint64_t start, len;
	int fd;
	int64_t off;
	uint64_t filesz;
	uint64_t next;   // the page after the last filled: a fault there is sequential
	uint64_t window; // pages to fill at a sequential fault
	uint8_t *filled; // a bit per page: filled (or being filled) by a fault
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct lazy *ranges;
static int nranges, capranges;
static int uffd = -1;
static int initErr;
static uint64_t pagesz;
static uint64_t nfaults, nbytes;

// The fill window: one page for a fault away from the last one filled
// in its range; for the page right after it, a window that starts at
// SW_SEQ_PAGES and doubles with each sequential fault up to
// SW_MAX_PAGES, so that a sparse touch costs one page per fault and a
// walk over the range few faults.
#define SW_SEQ_PAGES 16
#define SW_MAX_PAGES 512

// After a fault the server polls for the next one for SW_SPIN_NS before
// it sleeps: waking a sleeping thread costs tens of microseconds on a
// virtual machine, and faults come in runs.
#define SW_SPIN_NS 200000

static int filled(const struct lazy *r, uint64_t pg) { return r->filled[pg >> 3] >> (pg & 7) & 1; }

static void wake(uint64_t addr, uint64_t n) {
	struct uffdio_range w = {.start = addr, .len = n};
	ioctl(uffd, UFFDIO_WAKE, &w);
}

// fill serves a fault at the page addr: a run of pages from addr that no
// fault has filled yet (one page, or the sequential window), mapped from
// the file when they are whole file pages, else copied in.
static void fill(uint64_t addr) {
	static char *buf; // the server thread's alone
	if (buf == NULL && (buf = malloc(SW_MAX_PAGES * pagesz)) == NULL) {
		abort(); // the faulting thread would wait forever
	}
	pthread_mutex_lock(&mu);
	struct lazy *r = NULL;
	for (int i = 0; i < nranges; i++) {
		if (addr >= ranges[i].start && addr - ranges[i].start < ranges[i].len) {
			r = &ranges[i];
			break;
		}
	}
	if (r == NULL) {
		// Forgotten while being unmapped: give it a zero page.
		pthread_mutex_unlock(&mu);
		memset(buf, 0, pagesz);
		struct uffdio_copy c = {.dst = addr, .src = (uint64_t)(uintptr_t)buf, .len = pagesz, .mode = 0};
		ioctl(uffd, UFFDIO_COPY, &c);
		return;
	}
	uint64_t pg = (addr - r->start) / pagesz, npages = r->len / pagesz;
	if (filled(r, pg)) {
		// Filled by an earlier message (two threads faulted on it).
		pthread_mutex_unlock(&mu);
		wake(addr, pagesz);
		return;
	}
	uint64_t want = 1;
	if (addr == r->next) {
		want = r->window;
		r->window = r->window * 2 > SW_MAX_PAGES ? SW_MAX_PAGES : r->window * 2;
	} else {
		r->window = SW_SEQ_PAGES;
	}
	uint64_t np = 1;
	while (np < want && pg + np < npages && !filled(r, pg + np)) {
		np++;
	}
	for (uint64_t k = pg; k < pg + np; k++) {
		r->filled[k >> 3] |= (uint8_t)(1u << (k & 7));
	}
	r->next = addr + np * pagesz;
	int fd = r->fd;
	int64_t off = r->off;
	uint64_t rel = addr - r->start, filesz = r->filesz, n = np * pagesz;
	pthread_mutex_unlock(&mu);

	__atomic_add_fetch(&nfaults, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&nbytes, n, __ATOMIC_RELAXED);
	if (np > 1 && rel + n <= filesz / pagesz * pagesz) {
		// A walk: map the window from the file, as a core segment is
		// mapped when not lazy; later faults there are the kernel's.
		void *p = mmap((void *)(uintptr_t)addr, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED, fd, off + (int64_t)rel);
		if (p != MAP_FAILED) {
			wake(addr, n);
			return;
		}
	}
	memset(buf, 0, n);
	if (rel < filesz) {
		uint64_t want = filesz - rel, got = 0;
		if (want > n) {
			want = n;
		}
		while (got < want) {
			ssize_t k = pread(fd, buf + got, want - got, off + (int64_t)(rel + got));
			if (k < 0 && errno == EINTR) {
				continue;
			}
			if (k <= 0) {
				break; // a short file reads as zeros (ParseCore checked the sizes)
			}
			got += (uint64_t)k;
		}
	}
	struct uffdio_copy c = {.dst = addr, .src = (uint64_t)(uintptr_t)buf, .len = n, .mode = 0};
	while (ioctl(uffd, UFFDIO_COPY, &c) < 0 && (errno == EAGAIN || errno == EINTR)) {
		// EAGAIN: the address space changed meanwhile; copy what is left.
		if (c.copy > 0) {
			c.dst += (uint64_t)c.copy;
			c.src += (uint64_t)c.copy;
			c.len -= (uint64_t)c.copy;
		}
		c.copy = 0;
	}
	// EEXIST, ENOENT, ESRCH: there already, or unmapped meanwhile.
}

static uint64_t now_ns(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void *serve(void *arg) {
	(void)arg;
	uint64_t spinUntil = 0;
	for (;;) {
		struct uffd_msg msg;
		ssize_t k = read(uffd, &msg, sizeof msg); // non-blocking
		if (k != (ssize_t)sizeof msg) {
			if (k < 0 && errno == EINTR) {
				continue;
			}
			if (k < 0 && errno == EAGAIN) {
				if (now_ns() < spinUntil) {
					continue;
				}
				struct pollfd p = {.fd = uffd, .events = POLLIN};
				poll(&p, 1, -1);
				continue;
			}
			return NULL; // the descriptor is gone: nothing more to serve
		}
		if (msg.event == UFFD_EVENT_PAGEFAULT) {
			fill(msg.arg.pagefault.address & ~(pagesz - 1));
			spinUntil = now_ns() + SW_SPIN_NS;
		}
	}
}

static int start(void) {
	if (uffd >= 0) {
		return 0;
	}
	if (initErr != 0) {
		return initErr;
	}
	pagesz = (uint64_t)sysconf(_SC_PAGESIZE);
	int fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		return initErr = errno;
	}
	struct uffdio_api api = {.api = UFFD_API, .features = 0};
	if (ioctl(fd, UFFDIO_API, &api) < 0) {
		initErr = errno;
		close(fd);
		return initErr;
	}
	uffd = fd;
	pthread_t t;
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	int e = pthread_create(&t, &attr, serve, NULL);
	pthread_attr_destroy(&attr);
	if (e != 0) {
		close(fd);
		uffd = -1;
		return initErr = e;
	}
	return 0;
}

int sw_lazy_add(uint64_t start_, uint64_t len, int fd, int64_t off, uint64_t filesz) {
	pthread_mutex_lock(&mu);
	int e = start();
	if (e != 0) {
		pthread_mutex_unlock(&mu);
		return e;
	}
	int dfd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (dfd < 0) {
		e = errno;
		pthread_mutex_unlock(&mu);
		return e;
	}
	if (nranges == capranges) {
		int ncap = capranges ? 2 * capranges : 16;
		struct lazy *nr = realloc(ranges, (size_t)ncap * sizeof *nr);
		if (nr == NULL) {
			close(dfd);
			pthread_mutex_unlock(&mu);
			return ENOMEM;
		}
		ranges = nr;
		capranges = ncap;
	}
	uint8_t *bits = calloc((len / pagesz + 7) / 8, 1);
	if (bits == NULL) {
		close(dfd);
		pthread_mutex_unlock(&mu);
		return ENOMEM;
	}
	ranges[nranges++] = (struct lazy){.start = start_, .len = len, .fd = dfd, .off = off, .filesz = filesz, .next = 0, .window = SW_SEQ_PAGES, .filled = bits};
	pthread_mutex_unlock(&mu);
	struct uffdio_register reg = {.range = {.start = start_, .len = len}, .mode = UFFDIO_REGISTER_MODE_MISSING};
	if (ioctl(uffd, UFFDIO_REGISTER, &reg) < 0) {
		e = errno;
		sw_lazy_remove(start_);
		return e;
	}
	return 0;
}

void sw_lazy_remove(uint64_t start_) {
	pthread_mutex_lock(&mu);
	for (int i = 0; i < nranges; i++) {
		if (ranges[i].start == start_) {
			close(ranges[i].fd);
			free(ranges[i].filled);
			ranges[i] = ranges[--nranges];
			break;
		}
	}
	pthread_mutex_unlock(&mu);
}

void sw_lazy_stats(uint64_t *faults, uint64_t *bytes) {
	*faults = __atomic_load_n(&nfaults, __ATOMIC_RELAXED);
	*bytes = __atomic_load_n(&nbytes, __ATOMIC_RELAXED);
}
