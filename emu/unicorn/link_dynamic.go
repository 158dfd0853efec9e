//go:build unicorn_dynamic

package unicorn

// -tags unicorn_dynamic: link libunicorn.so (libunicorn2 at run time).

// #cgo LDFLAGS: -lunicorn
import "C"
