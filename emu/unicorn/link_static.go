//go:build !unicorn_dynamic

package unicorn

// Link Debian's libunicorn.a into the binary, so a smallworld binary does
// not need libunicorn.so at run time. libunicorn.a needs libm and
// libpthread (its QEMU timer thread) and nothing else: no glib.
// Build with -tags unicorn_dynamic to link libunicorn.so instead.

// #cgo LDFLAGS: -l:libunicorn.a -lm -lpthread
import "C"
