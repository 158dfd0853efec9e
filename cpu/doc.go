// Package cpu models a guest CPU's register file as data.
//
// A [File] is the table of a platform's registers: each [Reg] has a name
// (spelled as gdb spells it, lower case), a width in bits, a [Group], and,
// for an alias such as eax or al, the base register it is part of and its
// bit offset there. A [CPU] holds the values of the base registers and reads
// and writes aliases through them, so "eax" and "rax" can never disagree.
//
// Values up to 64 bits are read with [CPU.Get] and written with [CPU.Set];
// wider registers (xmm0 is 128 bits, st0 80) with [CPU.Bytes] and
// [CPU.SetBytes], little-endian, at their full width.
package cpu
