//go:build !unicorn_dynamic

package unicorn

// Link Unicorn 2.1.1 statically: the headers and libunicorn.a of Debian
// trixie's libunicorn-dev, which `make setup` (scripts/unicorn.sh)
// extracts into .deps/unicorn-2.1.1 at the repository root. A smallworld
// binary then needs no libunicorn.so at run time; libunicorn.a needs
// libm and libpthread (its QEMU timer thread) and nothing else: no glib.
// Its undefined libc symbols all exist in bookworm's glibc 2.36.
//
// Why not bookworm's own libunicorn-dev 2.0.1: it sends every guest store
// through QEMU's slow notdirty_write path (RATIONALE.md). The CFLAGS
// below apply to every cgo file of the package, so all of them compile
// against the 2.1.1 headers. Without the .deps copy the build stops with
// the #error below instead of quietly using /usr/include's 2.0.1 headers.
//
// Build with -tags unicorn_dynamic to link the system's libunicorn.so
// (Debian's 2.0.1) instead.

/*
#cgo CFLAGS: -I${SRCDIR}/../../.deps/unicorn-2.1.1/usr/include
#cgo LDFLAGS: ${SRCDIR}/../../.deps/unicorn-2.1.1/usr/lib/x86_64-linux-gnu/libunicorn.a -lm -lpthread
#include <unicorn/unicorn.h>
#if UC_API_MAJOR != 2 || UC_API_MINOR != 1 || UC_API_PATCH < 1
#error "smallworld links Unicorn 2.1.1 from .deps/unicorn-2.1.1, which is missing: run `make setup` (or scripts/unicorn.sh) at the repository root, or build with -tags unicorn_dynamic to use the system's libunicorn.so"
#endif
*/
import "C"
