// Package load reads ELF executables, shared libraries and ELF core files
// into pure data: platform, segments, symbols and imports of an
// executable; threads with their registers, signal, process information,
// auxiliary vector and file mappings of a core. Memory is never copied:
// Regions maps file bytes privately (memory.MapFile), so a core with a
// gigabyte of heap loads in the time of a few mmap calls.
//
// Every input file is untrusted. Parsers never panic on bad bytes (calls
// into debug/elf are guarded); they return a *FormatError naming the file,
// the offset and what was wrong, with errors.Is(err, ErrFormat) true and
// ErrNotELF, ErrNotCore or ErrTruncated for the conditions callers branch
// on. Ranges are checked against the file size before anything is mapped:
// mapping past the end of a file faults later, at the first access.
//
// Notes are parsed here, not by debug/elf, for both classes and byte
// orders. What differs by platform is data in a table (arch): the list of
// register names of the NT_PRSTATUS pr_reg slots, the expected note size,
// the FP/vector notes and their decoders, and the function that finds an
// executable's imports. A platform without a row loads as an executable,
// and its cores fail with ErrNoLayout.
//
// Terms:
//
//   - guest: the program whose files are loaded; host: the machine running
//     this code.
//   - platform: a guest platform as named in PLATFORMS.md ("amd64", "armhf").
//   - segment: one PT_LOAD program header; Filesz of its Memsz bytes are in
//     the file, the rest are zero (executables) or not dumped (cores).
//   - present: a core byte that the core file holds (inside a segment's
//     Filesz).
//   - base (load bias): what is added to an executable's addresses where
//     the process loaded it; 0 for ET_EXEC.
//   - import: a symbol bound by the dynamic linker through a GOT slot,
//     called through a PLT entry when it has one.
//
// Sources: System V gABI (headers, notes, relocations); Linux
// include/uapi/linux/elfcore.h (elf_prstatus, elf_prpsinfo),
// include/uapi/asm-generic/siginfo.h, fs/binfmt_elf.c (NT_FILE); glibc
// elf.h (note and AT_ numbers) and sys/user.h (register layouts).
package load
