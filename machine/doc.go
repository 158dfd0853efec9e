// Package machine composes a guest's state and runs it: a [Machine] holds
// the platform, a CPU, a memory map, function models, hooks, exit points
// and bounds; [Machine.Run] applies it to an engine, runs, and returns a
// [Result] with the final CPU, the memory (shared, not copied) and the
// typed stop reason.
//
// [FromCore] builds a machine from a core dump: every PT_LOAD mapped from
// the core file without copying, the registers of a thread, and the parts
// of file-backed mappings the core left out marked absent so that touching
// them stops the run with a clear fault instead of running zeros.
// [Machine.RestoreFile] fills absent memory from the original files (the
// executable given with --exe, NT_FILE paths under a sysroot).
package machine
