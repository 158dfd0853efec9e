// Package unicorn is smallworld's engine: a thin cgo binding to the
// Unicorn emulator 2.1.1 (Debian trixie's libunicorn-dev, linked
// statically from .deps/, see Linking) implementing [emu.Engine]. It is
// the project's only cgo package. It also builds against Debian 12's
// 2.0.1 (-tags unicorn_dynamic); where the two differ, this
// documentation says so.
//
// # Terms
//
//   - guest: the emulated program and CPU; host: this process.
//   - platform: one of the guest platforms of package platform; the
//     binding's per-platform table (platforms.go) gives Unicorn's
//     architecture, mode and CPU model, the register names and ids, and how
//     the system call instruction reaches a hook.
//   - hook: a Go function Unicorn calls during a run (code, block, memory,
//     invalid memory, interrupt, syscall, invalid instruction).
//   - exit: an address where a run ends without error, before the
//     instruction there runs.
//   - stop: Stop called from a hook; the run ends after the hook.
//
// # Platforms
//
// amd64, i386, aarch64, armel, armhf, mips, mipsel, ppc, ppc64 and ppc64le
// run. armel and armhf open in ARM mode; a Start at an odd address runs
// Thumb (armhf code is Thumb-2), and ResumePC gives the address to
// continue with. ppc64 runs on Unicorn's default PPC64 CPU with its
// virtual TLB; ppc64le runs on the same big-endian engine with MSR.LE set
// (Unicorn refuses little-endian PPC modes). mips64 and mips64el fail in
// New with [ErrUnsupported]: Unicorn 2.0.1 and 2.1.1 open them but every MIPS64 CPU model they can select is a MIPS32
// CPU, so 64-bit instructions raise Reserved Instruction, and
// uc_emu_start writes the 64-bit pc from a 32-bit variable (details in
// platforms.go).
//
// Registers are named as package cpu names them (gdb's names); a RegID is
// Unicorn's register id. ReadReg and WriteReg take registers of up to 64
// bits; RegBytes and SetRegBytes take any register at its full width
// (xmm0 16 bytes, st0 10), with a buffer of that width, never a uint64.
//
// # Unicorn pitfalls the binding handles
//
// Each was measured on 2.0.1 and again on 2.1.1 (RATIONALE.md).
//
//   - Exits are baked into translated blocks (2.0.1 issue tracker): a
//     block translated before an address became an exit runs through it.
//     SetExits drops the translations around old and new exits. New
//     enables the exits mechanism, so no address ends a run (not even 0)
//     unless listed.
//   - On MIPS a run ending at an exit leaves a stale pc (2.0.1 and
//     2.1.1); there the binding implements exits as code hooks.
//   - 2.0.1: a pc written in a hook becomes "quit this block and go on at
//     the new pc", which cancels a uc_emu_stop of the same hook (2.1.1
//     honours both). The binding holds pc writes until the hook returns
//     and, after Stop, until Start returns; hooks read back what they
//     wrote.
//   - The amd64 syscall hook runs with rip at the syscall instruction and
//     Unicorn adds 2 afterwards: the binding shows hooks the pc past the
//     instruction on every platform and makes a pc they write the place
//     execution goes on.
//   - Any UC_HOOK_INTR hook makes Unicorn treat every exception as handled
//     (an AArch64 brk would then run forever). The binding owns the one
//     interrupt hook, routes the syscall exception to syscall hooks, and
//     ends the run with UC_ERR_EXCEPTION and the exception number when no
//     interrupt hook of the user exists.
//   - UC_HOOK_MEM_FETCH hooks are never called: HookMem reports fetches
//     from a code hook.
//   - uc_ctl_remove_cache translates only the start address and walks
//     the range from there (a huge range can run for minutes): RemoveCache
//     clips the range to each mapped region.
//   - A partial uc_mem_protect or uc_mem_unmap of a uc_mem_map_ptr region
//     goes through Unicorn's region split, which has had bugs detaching
//     the host bytes: the binding splits such mappings itself.
//   - uc_reg_read of an unknown register id returns UC_ERR_OK and writes
//     nothing on 2.0.1 (UC_ERR_ARG on 2.1.1): RegID and the table reject
//     unknown names and ids.
//   - x86-64: writing fs or gs loads the segment from the (empty) GDT and
//     sets FS_BASE/GS_BASE to 0 (selector 0) or fails with UC_ERR_EXCEPTION
//     (any other selector): write the selectors before the bases. cs, ss,
//     ds and es writes only store the selector. In 32-bit mode every
//     segment write needs a GDT descriptor.
//   - Code written with WriteMem (or through a region's host bytes) after
//     it was translated keeps running the old translation, and hooks added
//     after a run are not called from translated code: RemoveCache.
//   - A hook that calls Stop ends the hook chain of that instruction:
//     later hooks on it are not called. On 2.0.1 a pc write does too; on
//     2.1.1 later hooks run and see the new pc.
//   - An invalid instruction ends the run whatever the invalid-instruction
//     hook returns (true: no error). 2.1.1 on its own would deliver the
//     CPU's invalid-opcode exception after a hook returned true (then
//     UC_ERR_EXCEPTION, or the interrupt hooks); the binding stops the run
//     and swallows that exception, as 2.0.1 behaves.
//   - Count > 0 makes Unicorn add a code hook on every instruction (slow);
//     a Timeout starts a timer thread per Start.
//
// # Speed
//
// A hook costs one cgo callback (about 50 ns here). In a hook, the
// registers HookCode's prefetch list names are read by the C trampoline
// before the callback, and writes of general registers are buffered and
// applied by the trampoline after it (regs.go), so a function model
// makes no cgo call besides the callback. Other register accesses,
// memory access and control calls each cost a cgo call (25-50 ns),
// outside hooks too. No callback allocates. Hooks are found through a
// global table indexed by the hook id in the user_data Unicorn passes
// back (C memory; no Go pointer goes to C).
//
// # Threads
//
// An Engine is used by one goroutine at a time. Start locks the goroutine
// to its OS thread for the run (Unicorn keeps per-thread state) and hooks
// run on it; a hook may call the engine's methods, but not Start or Close.
// A panic in a hook stops the run and Start re-panics with it. Different
// engines may run in parallel.
//
// # Linking
//
// The package links Unicorn 2.1.1's libunicorn.a statically, with its
// headers, from .deps/unicorn-2.1.1 at the repository root, which
// `make setup` (scripts/unicorn.sh) extracts from Debian trixie's
// libunicorn-dev .deb (nothing is installed system-wide). Binaries need
// no libunicorn.so at run time (only libc, libm and libpthread). Without
// .deps the build stops with an error saying to run `make setup`. Build
// with -tags unicorn_dynamic to link the system's libunicorn.so (Debian
// 12: 2.0.1) with the system's headers instead.
package unicorn
