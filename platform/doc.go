// Package platform describes the guest platforms smallworld knows as data:
// name, ELF identity, word size, byte order, the names of the program
// counter, stack pointer and link register, and the instructions a model
// needs (a function return).
//
// Terminology used across smallworld:
//
//   - guest: the program being emulated, and everything it sees.
//   - host: the machine smallworld itself runs on.
//   - platform: a guest ISA plus ABI, named as in PLATFORMS.md (amd64,
//     i386, aarch64, armel, armhf, mips, mipsel, mips64, mips64el, ppc,
//     ppc64, ppc64le).
//   - model: a Go implementation of a guest function (puts, exit...).
//   - hook: a Go callback the engine runs at an address or event.
//   - stop: why a run ended (exit point, fault, guest exit, limit...).
//
// A behaviour that differs between platforms is a field of [Platform], never
// a file with a GOARCH suffix: every guest platform is compiled into every
// host binary.
package platform
