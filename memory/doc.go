// Package memory holds a guest's address space on the host: [Region]s of
// host bytes at guest addresses, kept in a [Map] that refuses overlaps and
// reads and writes across region boundaries in the guest's byte order.
//
// Region bytes are normally host pages obtained with mmap: anonymous for
// stacks and heaps ([Alloc]), private file mappings for core and ELF
// segments ([MapFile]), so loading a core with gigabytes of data copies
// nothing. The engine maps the same pages (uc_mem_map_ptr), so a model or a
// harness reading the Map sees exactly what the guest sees, without a
// call into the engine.
package memory
