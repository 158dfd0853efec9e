// Package emu defines what smallworld needs from a CPU emulator: the
// [Engine] interface, its hooks, and the typed [Stop] a run ends with.
//
// The only implementation is package emu/unicorn, the project's single cgo
// package. Everything above it (models, the syscall layer, the machine)
// is written against this interface and tests without cgo where it can.
//
// Registers are named as package cpu names them for the engine's platform
// (gdb's names, lower case). Hot paths resolve a name once with
// [Engine.RegID] and then use [Engine.ReadReg] / [Engine.WriteReg].
package emu
